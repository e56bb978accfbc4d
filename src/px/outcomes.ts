// The outcome vocabulary beside the reason enum (reasons.ts): how a bidder answered, what became
// of a bid, and why a placement went unfilled. Events, the debug trace, metrics and reports all
// speak these words; the event schema (events.ts) publishes the same lists.
import { Reason } from "./reasons";

/** How a called bidder answered. */
export const BIDDER_STATUSES = ["bids", "no_bid", "timeout", "error"] as const;
export type BidderStatus = (typeof BIDDER_STATUSES)[number];

/** What became of one bid after the auction. */
export const BID_OUTCOMES = ["won", "lost", "filtered"] as const;
export type BidOutcomeLabel = (typeof BID_OUTCOMES)[number];

/**
 * An auction record's per-bidder line: a bid's outcome, or, for a bidder without a bid, how its
 * call went (not called counts as no_bid, with the reason it was not called).
 */
export const AUCTION_LINE_OUTCOMES = [...BID_OUTCOMES, "no_bid", "timeout", "error"] as const;

export const NO_FILL_REASONS = [
	"no_bidders",
	"no_bids",
	"all_bids_filtered",
	"bidders_timed_out",
	"bidders_failed",
	"internal_error",
] as const;
export type NoFillReason = (typeof NO_FILL_REASONS)[number];

/** The loss codes that mean "valid, but someone else won" rather than "filtered out". */
const LOSSES = new Set<Reason>([Reason.LostToHigherBid, Reason.LostToDeal]);

export function bidOutcome(reason: Reason): BidOutcomeLabel {
	if (reason === Reason.Won) return "won";
	return LOSSES.has(reason) ? "lost" : "filtered";
}

/** Why nothing won: the most specific of the bidders' answers and the placement's bids. */
export function noFillReason(statuses: ReadonlyArray<BidderStatus>, bids: number): NoFillReason {
	if (statuses.length === 0) return "no_bidders";
	if (bids > 0) return "all_bids_filtered";
	if (statuses.every((s) => s === "timeout")) return "bidders_timed_out";
	if (statuses.every((s) => s === "error" || s === "timeout")) return "bidders_failed";
	return "no_bids";
}
