// Notices consumer: calls the buyers' nurl / lurl / burl. Each notice is tried once per delivery;
// what the buyer's server refused for good (a 4xx other than 408/425/429) is logged and dropped,
// what failed for now is retried with backoff. A message whose notices all failed is retried as
// it is (after max_retries it reaches the dead-letter queue and the bucket); when only some
// failed, those go back on the queue as a new message, so a notice that was taken is never sent
// again (billing must not count twice).
import {
	NOTICE_MAX_ATTEMPTS,
	type Notice,
	NoticeMessage,
	noticeRetryDelaySeconds,
} from "../px/notice-message";
import { log } from "../services/log";
import { fireNotice } from "../services/notices";

export async function deliverNotices(
	batch: MessageBatch,
	queue: Pick<Queue, "send">,
): Promise<number> {
	let retried = 0;
	await Promise.all(
		batch.messages.map(async (message) => {
			const parsed = NoticeMessage.safeParse(message.body);
			if (!parsed.success) {
				log("warn", "poisoned_notice", { message_id: message.id, attempts: message.attempts });
				retried++;
				message.retry();
				return;
			}
			const body = parsed.data;
			const attempt = body.attempt + message.attempts;
			const results = await Promise.all(
				body.notices.map(async (n) => ({ n, result: await fireNotice(n.kind, n.url) })),
			);
			const pending: Notice[] = results.filter((r) => r.result === "failed").map((r) => r.n);
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
				// may see it again (nurl/lurl only: a burl is always a message of its own).
				message.retry({ delaySeconds: noticeRetryDelaySeconds(attempt) });
			}
		}),
	);
	return retried;
}
