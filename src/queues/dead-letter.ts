// Dead-letter consumer: whatever failed every retry is kept raw in R2, one object per message,
// so nothing is silently dropped and an operator can replay it. Its own backstop: a message R2
// will not take is retried with backoff, and on its last attempt written whole to the log
// (Workers Logs keep it) before it is let go. Events carry no secrets.
import { log } from "../services/log";

/** The dead-letter consumer's max_retries in wrangler.toml. */
export const DEAD_LETTER_MAX_ATTEMPTS = 10;

export async function keepDeadLetters(batch: MessageBatch, bucket: R2Bucket): Promise<number> {
	let retried = 0;
	await Promise.all(
		batch.messages.map(async (message) => {
			const record = {
				id: message.id,
				timestamp: message.timestamp.toISOString(),
				attempts: message.attempts,
				queue: batch.queue,
				body: message.body,
			};
			try {
				const day = record.timestamp.slice(0, 10);
				await bucket.put(`dead-letter/dt=${day}/${message.id}.json`, JSON.stringify(record), {
					httpMetadata: { contentType: "application/json" },
				});
				message.ack();
			} catch (err) {
				const error = err instanceof Error ? err.message : String(err);
				if (message.attempts >= DEAD_LETTER_MAX_ATTEMPTS) {
					log("error", "dead_letter_unarchived", { error, message: record });
					message.ack();
					return;
				}
				retried++;
				message.retry({ delaySeconds: Math.min(3600, 30 * 2 ** (message.attempts - 1)) });
			}
		}),
	);
	return retried;
}
