// Everything after the answer: events to the queue and their metrics to Analytics Engine. Runs in
// ctx.waitUntil, so it never delays a screen; a failure is logged with the ids it lost, never
// thrown at the caller.
import { batchForQueue, type PxEvent } from "../px/events";
import { log } from "./log";
import { metricsFor, writeMetrics } from "./metrics";

export async function publishEvents(
	env: Pick<Env, "EVENTS" | "METRICS">,
	events: PxEvent[],
): Promise<void> {
	if (events.length === 0) return;
	writeMetrics(env.METRICS, events.flatMap(metricsFor));
	const queue = env.EVENTS;
	const batches = batchForQueue(events, {
		onTooLarge: (err) =>
			log("error", "event_too_large", { event_id: err.event.event_id, bytes: err.bytes }),
	});
	await Promise.all(
		batches.map(async (batch) => {
			try {
				await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
			} catch (err) {
				log("error", "event_send_failed", {
					event_ids: batch.map((e) => e.event_id),
					error: err instanceof Error ? err.message : String(err),
				});
			}
		}),
	);
}
