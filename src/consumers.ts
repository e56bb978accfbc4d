// px-consumers: the queue consumers and the archive's hourly compaction, as a Worker of their own (wrangler.consumers.toml), so a slow
// Parquet batch or a buyer's notice endpoint never shares an isolate with the answers to screens,
// and a consumer that crashes cannot take the edge down. It reaches the review desk (a Durable
// Object of px-edge) through a cross-script binding.
import { handleQueue } from "./queues";
import { compactOnSchedule } from "./queues/compact";
import type { ConsumersEnv } from "./queues/env";

export default {
	queue: handleQueue,
	scheduled: compactOnSchedule,
} satisfies ExportedHandler<ConsumersEnv>;
