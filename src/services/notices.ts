// Calling the buyers: one notice with its idempotency key, and an auction's notices put on the
// notices queue after the answer. What the notices say is built in px (px/notices/); in DOOH an
// impression is billed when it played, not when it was won. The notices consumer
// (src/queues/notices.ts) calls the buyers' servers.

import type { Notice, NoticeMessage } from "../px/notices/notice-message";
import { sendWithRetry } from "./emit";
import { errorText, log } from "./log";

/**
 * How long a buyer's server has to answer a notice before it counts as failed and is tried again
 * (after at least 10 s): long enough that a slow buyer that does answer is not billed twice.
 */
export const NOTICE_TIMEOUT_MS = 30_000;

export type NoticeResult = "ok" | "refused" | "failed";

/**
 * Calls one notice URL with its idempotency key. "refused" is final (the buyer's server answered
 * 4xx: asking again will not change it), "failed" is worth retrying (no connection, 5xx, 408,
 * 425, 429, no answer in time).
 */
export async function fireNotice(notice: Notice, key: string): Promise<NoticeResult> {
	const { kind, url } = notice;
	try {
		const res = await fetch(url, {
			headers: { "idempotency-key": key },
			signal: AbortSignal.timeout(NOTICE_TIMEOUT_MS),
		});
		await res.body?.cancel();
		if (res.ok) return "ok";
		log("warn", "notice_rejected", { kind, status: res.status });
		return res.status >= 500 || [408, 425, 429].includes(res.status) ? "failed" : "refused";
	} catch (err) {
		log("warn", "notice_failed", { kind, error: errorText(err) });
		return "failed";
	}
}

/** Puts one message on the notices queue (retried like events); false when it could not. */
export async function enqueueNotices(
	queue: Queue,
	message: NoticeMessage | undefined,
): Promise<boolean> {
	if (!message) return true;
	const error = await sendWithRetry(() => queue.send(message, { contentType: "json" }));
	if (error === undefined) return true;
	log("error", "notice_enqueue_failed", {
		auction_id: message.auction_id,
		kinds: message.notices.map((n) => n.kind),
		error: errorText(error),
	});
	return false;
}
