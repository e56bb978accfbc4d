// px-edge player SDK for browsers: the core plus Cache API assets, IndexedDB/localStorage report
// queues and a full-screen DOM renderer.

export { CacheApiAssetStore } from "./browser/cache-store";
export { DomRenderer } from "./browser/dom-renderer";
export { IndexedDbQueueStore, LocalStorageQueueStore } from "./browser/queue-stores";
export * from "./index";
