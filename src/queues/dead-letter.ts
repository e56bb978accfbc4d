// Dead-letter consumer: what the events and notices consumers gave up on. An events message is
// processed once more (its valid records archived through the normal archive path, its creatives
// handed to the review desk): most dead letters are a batch that shared a bad record or an outage.
// Whatever still cannot be processed (a record that fails validation or encoding, an intake the
// desk refuses, a notice no buyer took) is written to `quarantine/` with its reason, where
// `npm run report` shows it. A message whose quarantine write R2 refuses is not acked: it is
// retried with backoff (30 s doubling to an hour) for max_retries deliveries, about the queue's
// default four-day retention, and only on the last one written whole to the log.
import { type CreativeSeenEvent, type PxEvent, safeParseEvent } from "../px/events/events";
import { type QuarantineEntry, quarantineKey } from "../px/notices/quarantine";
import { retryDelayMs } from "../px/pacing/retry";
import { errorText, log } from "../services/log";
import { archiveEvents } from "./archive";

/** The dead-letter consumers' max_retries in wrangler.consumers.toml. */
export const DEAD_LETTER_MAX_RETRIES = 100;
/** The last delivery the platform makes: the first one plus max_retries. */
export const DEAD_LETTER_MAX_ATTEMPTS = DEAD_LETTER_MAX_RETRIES + 1;

/** Hands creative_seen records to the review desk; throws when the desk refuses them. */
export type Intake = (events: CreativeSeenEvent[]) => Promise<unknown>;

interface Failed {
	record: unknown;
	error: string;
}

interface Item {
	message: Message;
	event: PxEvent;
}

export async function keepDeadLetters(
	batch: MessageBatch,
	bucket: R2Bucket,
	intake: Intake,
): Promise<number> {
	const failed = batch.queue.startsWith("px-events")
		? await reprocessEvents(batch.messages, bucket, intake)
		: new Map(
				batch.messages.map((m) => [
					m,
					{
						records: 0,
						failed: [{ record: m.body, error: `not delivered by ${sourceQueue(batch.queue)}` }],
					},
				]),
			);
	let retried = 0;
	const now = new Date().toISOString();
	await Promise.all(
		batch.messages.map(async (message) => {
			const outcome = failed.get(message);
			if (!outcome || outcome.failed.length === 0) return message.ack();
			const entry = quarantineEntry(batch.queue, message, outcome, now);
			try {
				await bucket.put(quarantineKey(entry), JSON.stringify(entry), {
					httpMetadata: { contentType: "application/json" },
				});
				log("warn", "dead_letter_quarantined", {
					queue: entry.queue,
					message_id: entry.message_id,
					error: entry.error,
				});
				message.ack();
			} catch (err) {
				if (message.attempts >= DEAD_LETTER_MAX_ATTEMPTS) {
					log("error", "dead_letter_unarchived", { error: errorText(err), message: entry });
					message.ack();
					return;
				}
				const delaySeconds = retryDelayMs(message.attempts, 30_000, 3_600_000) / 1000;
				log("warn", "quarantine_write_failed", {
					queue: entry.queue,
					message_id: entry.message_id,
					attempts: message.attempts,
					retry_in_s: delaySeconds,
					error: errorText(err),
				});
				retried++;
				message.retry({ delaySeconds });
			}
		}),
	);
	return retried;
}

/** px-notices-dlq-staging → px-notices-staging. */
const sourceQueue = (dlq: string) => dlq.replace("-dlq", "");

function quarantineEntry(
	queue: string,
	message: Message,
	outcome: { records: number; failed: Failed[] },
	now: string,
): QuarantineEntry {
	const events = queue.startsWith("px-events");
	return {
		queue,
		message_id: message.id,
		first_seen: message.timestamp.toISOString(),
		last_seen: now,
		attempts: message.attempts,
		error: outcome.failed[0]!.error,
		body: events ? outcome.failed.map((f) => f.record) : message.body,
		errors: outcome.failed.map((f) => f.error),
		records_processed: outcome.records,
	};
}

/** Each message's records that were processed and the ones that were not, with their reason. */
async function reprocessEvents(
	messages: readonly Message[],
	bucket: R2Bucket,
	intake: Intake,
): Promise<Map<Message, { records: number; failed: Failed[] }>> {
	const outcomes = new Map(messages.map((m) => [m, { records: 0, failed: [] as Failed[] }]));
	const items: Item[] = [];
	for (const message of messages) {
		for (const record of Array.isArray(message.body) ? message.body : [message.body]) {
			const parsed = safeParseEvent(record);
			if (parsed.success) items.push({ message, event: parsed.data });
			else {
				const issue = parsed.error.issues[0];
				const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
				const error = `invalid record: ${where}${issue?.message ?? "does not parse"}`;
				outcomes.get(message)!.failed.push({ record, error });
			}
		}
	}
	const creatives = items.filter((i) => i.event.type === "creative_seen");
	const [archived, refused] = await Promise.all([
		archiveEvents(bucket, items),
		creatives.length === 0
			? undefined
			: intake(creatives.map((i) => i.event as CreativeSeenEvent)).then(
					() => undefined,
					(err: unknown) => `review desk intake failed: ${errorText(err)}`,
				),
	]);
	const failed = new Map<Item, string>(
		archived.failed.map((i) => [i, `archive: ${archived.errors.get(i) ?? "write failed"}`]),
	);
	if (refused) for (const i of creatives) if (!failed.has(i)) failed.set(i, refused);
	for (const item of items) {
		const outcome = outcomes.get(item.message)!;
		const error = failed.get(item);
		if (error) outcome.failed.push({ record: item.event, error });
		else outcome.records++;
	}
	return outcomes;
}
