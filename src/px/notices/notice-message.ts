// What goes on the notices queue: the win, loss and billing notices of one auction or one
// settlement, macros already substituted. The edge only enqueues them; a consumer Worker calls
// the buyers' servers, so a slow or failing DSP notice endpoint never holds an isolate that
// answers screens, and a billing notice is retried with backoff until the buyer takes it.
import { z } from "zod";
import { retryDelayMs } from "../pacing/retry";

/**
 * imp and error: the buyer's own trackers from its markup (trackers.ts), called on settlement.
 * audit: a DSP account's ad was approved or denied (the bidder's ad_audit_url).
 */
const NOTICE_KINDS = ["nurl", "lurl", "burl", "imp", "error", "audit"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Longer than any template a bidder may send (response.ts caps them) after substitution. */
export const MAX_NOTICE_URL = 8_192;
/** One message per auction: the winner's nurl and one lurl per losing bidder. */
const MAX_NOTICES_PER_MESSAGE = 64;

export const Notice = z.object({
	kind: z.enum(NOTICE_KINDS),
	url: z
		.string()
		.max(MAX_NOTICE_URL)
		.regex(/^https?:\/\//i),
	bidder: z.string().max(128),
	/**
	 * Its idempotency key (noticeId), sent as the `Idempotency-Key` header: the same on every
	 * retry and redelivery, so a buyer that sees it twice can tell. Absent on messages enqueued
	 * before keys existed (noticeKey derives one).
	 */
	id: z.string().max(400).optional(),
});
export type Notice = z.infer<typeof Notice>;

export const NoticeMessage = z.object({
	v: z.literal(1),
	auction_id: z.string().max(128),
	decision_id: z.string().max(128).optional(),
	notices: z.array(Notice).min(1).max(MAX_NOTICES_PER_MESSAGE),
	/** Deliveries already tried for these notices in earlier messages (a partial retry). */
	attempt: z.number().int().min(0),
});
export type NoticeMessage = z.infer<typeof NoticeMessage>;

/**
 * The idempotency key of a notice, from ids the buyer already has in its URL (`${AUCTION_ID}`,
 * `${AUCTION_IMP_ID}`) or the decision it settles: a win per won imp, a loss per bidder and
 * auction, a burl or expiry lurl per decision (one won placement), and per tracker of a decision
 * `<kind>:<auction>:<decision>:<i>`. Fixed when the notice is built, so it is the same on every
 * attempt.
 */
export function noticeId(
	kind: NoticeKind,
	auctionId: string,
	of: { impId?: string | undefined; bidder?: string; decisionId?: string },
): string {
	const which =
		of.decisionId ?? (kind === "nurl" && of.impId !== undefined ? of.impId : (of.bidder ?? ""));
	return `${kind}:${auctionId}:${which}`;
}

/** The key a consumer sends: the notice's own, or for an older message one derived the same way. */
export function noticeKey(message: NoticeMessage, notice: Notice): string {
	return (
		notice.id ??
		noticeId(notice.kind, message.auction_id, {
			bidder: notice.bidder,
			...(message.decision_id ? { decisionId: message.decision_id } : {}),
		})
	);
}

/** Retries back off from 10 s to an hour. */
export function noticeRetryDelaySeconds(attempt: number): number {
	return retryDelayMs(attempt, 10_000, 3_600_000) / 1000;
}
/**
 * Attempts before a notice is given up: about a day and a half of hourly tries once the backoff
 * reaches an hour. A billing endpoint down for that long is an incident; the message is kept in
 * the dead-letter bucket for replay.
 */
export const NOTICE_MAX_ATTEMPTS = 40;
