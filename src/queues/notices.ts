// Notices consumer: calls the buyers' nurl / lurl / burl and markup trackers. Each notice is tried once per delivery,
// with its Idempotency-Key; what the buyer's server refused for good (a 4xx other than
// 408/425/429) is logged and dropped, what failed for now (no connection, 5xx, no answer within
// the 30 s timeout) is retried with backoff. A message whose notices all failed is retried as it
// is (after max_retries it reaches the dead-letter queue and the bucket); when only some failed,
// those go back on the queue as a new message, so a notice the buyer answered is not sent again
// (billing must not count twice).
import {
	NOTICE_MAX_ATTEMPTS,
	type Notice,
	NoticeMessage,
	noticeKey,
	noticeRetryDelaySeconds,
} from "../px/notices/notice-message";
import { log } from "../services/log";
import { fireNotice, type NoticeResult } from "../services/notices";

/**
 * A Worker invocation keeps at most 6 connections open; further fetches wait for one. A notice
 * waiting there would spend its timeout before it is sent, and a timeout that fires while the
 * buyer is answering sends it again: so no more than that are started at once, and each
 * notice's 30 s run from when it is sent.
 */
const MAX_IN_FLIGHT = 6;
/**
 * Notices not started this long into a batch go back on the queue unsent (they count as one
 * failed attempt), well inside the consumer's 15 min wall time: a batch of slow buyers is never
 * cut off mid-request, when a buyer may have taken a notice we could not see it answer.
 */
const START_BUDGET_MS = 10 * 60_000;

type Outcome = NoticeResult | "unsent";

export async function deliverNotices(
	batch: MessageBatch,
	queue: Pick<Queue, "send">,
): Promise<number> {
	const started = Date.now();
	const parsed = batch.messages.map((message) => ({
		message,
		body: NoticeMessage.safeParse(message.body),
	}));
	const tasks = parsed.flatMap(({ body }, m) =>
		body.success
			? body.data.notices.map((notice) => ({ m, notice, key: noticeKey(body.data, notice) }))
			: [],
	);
	const outcomes = new Map<Notice, Outcome>();
	let next = 0;
	const worker = async () => {
		while (next < tasks.length) {
			const task = tasks[next++]!;
			outcomes.set(
				task.notice,
				Date.now() - started > START_BUDGET_MS ? "unsent" : await fireNotice(task.notice, task.key),
			);
		}
	};
	await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, tasks.length) }, worker));

	let retried = 0;
	await Promise.all(
		parsed.map(async ({ message, body: result }) => {
			if (!result.success) {
				log("warn", "poisoned_notice", { message_id: message.id, attempts: message.attempts });
				retried++;
				message.retry();
				return;
			}
			const body = result.data;
			const attempt = body.attempt + message.attempts;
			const pending = body.notices.filter((n) => {
				const outcome = outcomes.get(n);
				return outcome === "failed" || outcome === "unsent";
			});
			if (pending.length === 0) {
				message.ack();
				return;
			}
			if (attempt >= NOTICE_MAX_ATTEMPTS) {
				// The whole message goes on to the dead-letter queue (its last platform retry).
				log("error", "notice_undeliverable", {
					auction_id: body.auction_id,
					kinds: pending.map((n) => n.kind),
					attempts: attempt,
				});
			}
			retried++;
			if (pending.length === body.notices.length || attempt >= NOTICE_MAX_ATTEMPTS) {
				message.retry({ delaySeconds: noticeRetryDelaySeconds(attempt) });
				return;
			}
			try {
				await queue.send({ ...body, notices: pending, attempt } satisfies NoticeMessage, {
					contentType: "json",
					delaySeconds: noticeRetryDelaySeconds(attempt),
				});
				message.ack();
			} catch {
				// Could not split off the failures: retry all of it; the buyers whose notice was taken
				// may see it again, with the same Idempotency-Key (a burl shares its message only with
				// its own decision's trackers).
				message.retry({ delaySeconds: noticeRetryDelaySeconds(attempt) });
			}
		}),
	);
	return retried;
}
