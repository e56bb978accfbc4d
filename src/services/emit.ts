// Events to the queue and their metrics to Analytics Engine. A sendBatch that fails is retried
// with backoff; what still fails is returned (and logged with its ids), never thrown, so the
// caller decides: the hot path logs and moves on, a Durable Object outbox keeps it for later.
import { batchForQueue, type PxEvent, packBytes, packEvents } from "../px/events/events";
import { errorText, log } from "./log";
import { metricsFor, writeMetrics } from "./metrics";

/** Waits between tries of one sendBatch (the hot path's waitUntil has 30 s in all). */
const SEND_RETRY_DELAYS_MS = [50, 250, 1_000];

export async function publishEvents(
	env: Pick<Env, "EVENTS" | "METRICS">,
	events: PxEvent[],
): Promise<{ failed: PxEvent[] }> {
	if (events.length === 0) return { failed: [] };
	const failed: PxEvent[] = [];
	const packs = packEvents(events, {
		onTooLarge: (err) => {
			log("error", "event_too_large", { event_id: err.event.event_id, bytes: err.bytes });
			failed.push(err.event);
		},
	});
	await Promise.all(
		batchForQueue(packs, packBytes).map(async (batch) => {
			const error = await sendWithRetry(() =>
				env.EVENTS.sendBatch(batch.map((body) => ({ body, contentType: "json" as const }))),
			);
			const sent = batch.flat();
			if (error === undefined) {
				// Counted once it is on the queue: a retried batch is not counted twice.
				writeMetrics(env.METRICS, sent.flatMap(metricsFor));
				return;
			}
			failed.push(...sent);
			log("error", "event_send_failed", {
				event_ids: sent.map((e) => e.event_id),
				error: errorText(error),
			});
		}),
	);
	return { failed };
}

/** One queue send, retried with backoff; the last error when every try failed. */
export async function sendWithRetry(send: () => Promise<unknown>): Promise<unknown> {
	let lastError: unknown;
	for (let attempt = 0; attempt <= SEND_RETRY_DELAYS_MS.length; attempt++) {
		if (attempt > 0) await sleep(SEND_RETRY_DELAYS_MS[attempt - 1]!);
		try {
			await send();
			return undefined;
		} catch (err) {
			lastError = err;
		}
	}
	return lastError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
