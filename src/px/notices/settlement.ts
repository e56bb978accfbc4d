// How a decision ends, after the screen's ledger settled it: the buyer's notice (burl bills a
// play; lurl tells a won ad never ran) and the play or expiry event. One builder for plays,
// reported and inferred expiries and revocations; the screen's outbox delivers them.

import type { NotBillableReason } from "../api/play-report";
import { Reason } from "../auction/reasons";
import { type ExpiryReason, newEvent, type PxEvent } from "../events/events";
import { billedMultiplier } from "../pricing/audience";
import { splitGross } from "../pricing/take";
import type { DecisionMeta, DecisionNotices } from "../screen/ledger";
import { billingUrl, expiryLossUrl } from "./auction-notices";
import { trackerNotices, VAST_ERROR_EXPIRED, VAST_ERROR_REVOKED } from "./trackers";

export type Settlement =
	| {
			kind: "play";
			playedAt: number;
			/** What the player said about the play (its own clock), when it said anything. */
			displayedAt?: number;
			displayedMs?: number;
			share?: number;
			/** False: recorded as played but never billed, for `reason`. */
			billable?: boolean;
			reason?: NotBillableReason;
			/** The audience the player measured for this play, when it reported one. */
			measuredAudience?: number;
	  }
	| { kind: "expiry"; reason: ExpiryReason; reportedAt: number };

export interface Settled {
	decisionId: string;
	notices: DecisionNotices;
	meta: DecisionMeta;
	requestId?: string;
}

export function settlementEvent(settled: Settled, how: Settlement): PxEvent {
	const { decisionId, meta, requestId } = settled;
	const common = {
		publisher_id: meta.publisherId,
		screen_id: meta.screenId,
		venue_type: meta.venueType,
		...(requestId ? { request_id: requestId } : {}),
		decision_id: decisionId,
		auction_id: meta.auctionId,
		bidder: meta.bidder,
		crid: meta.crid,
	};
	const multiplier = billedMultiplier(
		meta.multiplier,
		how.kind === "play" ? how.measuredAudience : undefined,
	);
	return how.kind === "play"
		? newEvent("play", {
				...common,
				price_cpm: meta.priceCpm,
				multiplier,
				...(multiplier < meta.multiplier ? { planned_multiplier: meta.multiplier } : {}),
				played_at: how.playedAt,
				// Billed or not, a play says what it was worth: the report sums the billable ones. A
				// ledger row written before the take was stored had none.
				...(meta.cur ? { cur: meta.cur } : {}),
				...(meta.split ?? splitGross(meta.priceCpm, undefined)),
				...(how.displayedAt !== undefined ? { displayed_at: how.displayedAt } : {}),
				...(how.displayedMs !== undefined ? { displayed_ms: how.displayedMs } : {}),
				...(how.share !== undefined ? { play_share: how.share } : {}),
				...(how.billable === false ? { billable: false } : {}),
				...(how.billable === false && how.reason ? { not_billable_reason: how.reason } : {}),
			})
		: newEvent("expiry", { ...common, reported_at: how.reportedAt, reason: how.reason });
}

/**
 * burl for a play; lurl with 2 (expired) or, for a revoked creative, 202 (disapproved). A play
 * that is not billable (no evidence, under the threshold, implausible) is the buyer's won
 * impression that did not provably run: lurl 2, so the buyer releases the spend it held for the
 * burl that will never come.
 */
export function settlementNotice(
	notices: DecisionNotices,
	how: Settlement,
): { kind: "burl" | "lurl"; url: string | undefined } {
	if (how.kind === "play") {
		return how.billable === false
			? { kind: "lurl", url: expiryLossUrl(notices, Reason.Expired) }
			: { kind: "burl", url: billingUrl(notices, how.playedAt, how.measuredAudience) };
	}
	const loss = how.reason === "revoked" ? Reason.CreativeDisapproved : Reason.Expired;
	return { kind: "lurl", url: expiryLossUrl(notices, loss) };
}

/**
 * The buyer's trackers a settlement calls, beside its burl or lurl: the impression trackers on a
 * billable play, the VAST error trackers when the won ad never ran (expired, not provably played:
 * 900; revoked: 200). Nothing else ever calls them: a HEAD, an early, refused or replayed report
 * settles nothing.
 */
export function settlementTrackers(notices: DecisionNotices, how: Settlement) {
	return trackerNotices(notices, {
		billed: how.kind === "play" && how.billable !== false,
		at: how.kind === "play" ? how.playedAt : how.reportedAt,
		errorCode:
			how.kind === "expiry" && how.reason === "revoked" ? VAST_ERROR_REVOKED : VAST_ERROR_EXPIRED,
	});
}
