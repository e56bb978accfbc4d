// px-edge player SDK: the parts that run anywhere (browsers, Node, other JS runtimes).
// Browser stores and the DOM renderer: ./browser. Node stores: ./node.
export { type AssetStore, MemoryAssetStore } from "./asset-store";
export { type BackoffOptions, backoffDelay, retryAfterMs } from "./backoff";
export { type Clock, systemClock } from "./clock";
export {
	EdgeClient,
	type EdgeClientOptions,
	EdgeError,
	NetworkError,
	tokenOf,
} from "./edge-client";
export { Player, type PlayerEvent, type PlayerOptions } from "./player";
export { Precache, type PrecacheOptions } from "./precache";
export { type Playback, type Renderer, type Spot, TimerRenderer } from "./renderer";
export {
	MemoryQueueStore,
	type QueuedReport,
	type QueueStore,
	type ReportOutcome,
	ReportQueue,
	type ReportQueueOptions,
} from "./report-queue";
export type * from "./types";
