// Entry for every queue px-consumers consumes (events, notices, their dead letters), dispatched
// on the queue's name. Messages are acked
// or retried one by one: a poisoned message is retried alone (and lands in the dead-letter queue
// after max_retries), a failed sink retries only the messages it failed.

import { type CreativeSeenEvent, type PxEvent, safeParseEvent } from "../px/events/events";
import { errorText, log } from "../services/log";
import { dataPoint, writeMetrics } from "../services/metrics";
import { reviewDesk } from "../services/stubs";
import { archiveEvents } from "./archive";
import { keepDeadLetters } from "./dead-letter";
import type { ConsumersEnv } from "./env";
import { recordHolders } from "./holders";
import { deliverNotices } from "./notices";

interface Item {
	message: Message;
	event: PxEvent;
}

export async function handleQueue(batch: MessageBatch, env: ConsumersEnv): Promise<void> {
	const now = Date.now();
	const retried = batch.queue.includes("-dlq")
		? await keepDeadLetters(batch, env.ARCHIVE, (events) => reviewDesk(env).intake(events))
		: batch.queue.startsWith("px-notices")
			? await deliverNotices(batch, env.NOTICES)
			: await consumeEvents(batch, env);
	const maxLag = Math.max(0, ...batch.messages.map((m) => now - m.timestamp.getTime()));
	writeMetrics(env.METRICS, [
		dataPoint(
			"queue_batch",
			{ queue: batch.queue },
			{ messages: batch.messages.length, max_lag_ms: maxLag, retried },
		),
	]);
}

async function consumeEvents(batch: MessageBatch, env: ConsumersEnv): Promise<number> {
	const items: Item[] = [];
	const retry = new Set<Message>();
	for (const message of batch.messages) {
		// A message is the records of one ad request or settlement (an array); older producers sent
		// one record per message. A record that fails validation retries its message (and so takes
		// it to the dead-letter queue); its valid siblings are still archived (readers dedupe).
		const bodies = Array.isArray(message.body) ? message.body : [message.body];
		for (const body of bodies) {
			const parsed = safeParseEvent(body);
			if (parsed.success) items.push({ message, event: parsed.data });
			else {
				log("warn", "poisoned_event", {
					message_id: message.id,
					attempts: message.attempts,
					issue: parsed.error.issues[0]?.message,
				});
				retry.add(message);
			}
		}
	}

	const [archived, intake, holders] = await Promise.all([
		archiveEvents(env.ARCHIVE, items),
		intakeCreatives(
			env,
			items.filter((i) => i.event.type === "creative_seen"),
		),
		recordHolders(env, items),
	]);
	for (const item of [...archived.failed, ...intake.failed, ...holders.failed])
		retry.add(item.message);
	if (archived.failed.length > 0)
		log("error", "archive_write_failed", { messages: archived.failed.length });

	for (const message of batch.messages) {
		if (retry.has(message)) message.retry();
		else message.ack();
	}
	return retry.size;
}

async function intakeCreatives(env: ConsumersEnv, items: Item[]): Promise<{ failed: Item[] }> {
	if (items.length === 0) return { failed: [] };
	try {
		await reviewDesk(env).intake(items.map((i) => i.event as CreativeSeenEvent));
		return { failed: [] };
	} catch (err) {
		log("error", "intake_failed", { error: errorText(err) });
		return { failed: items };
	}
}
