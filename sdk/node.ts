// px-edge player SDK for Node: the core plus a directory of assets and a file-backed report queue.
export * from "./index";
export { DirectoryAssetStore } from "./node/directory-store";
export { FileQueueStore } from "./node/file-queue-store";
