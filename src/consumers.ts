// px-consumers: the queue consumers and the archive's hourly compaction, as a Worker of their own (wrangler.consumers.toml), so a slow
// Parquet batch or a buyer's notice endpoint never shares an isolate with the answers to screens,
// and a consumer that crashes cannot take the edge down. It reaches the review desk (a Durable
// Object of px-edge) through a cross-script binding.
import { handleQueue } from "./queues";
import { compactOnSchedule } from "./queues/compact";

/** wrangler.consumers.toml's bindings; the ones it shares with px-edge have px-edge's types. */
export type ConsumersEnv = Pick<Env, "METRICS" | "NOTICES" | "REVIEW_DESK"> & { ARCHIVE: R2Bucket };

export default {
	queue: handleQueue,
	scheduled: compactOnSchedule,
} satisfies ExportedHandler<ConsumersEnv>;
