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
 * A selected bidder that was not called at all (OpenRTB seat-non-bid "request blocked"): no time
 * left for it, its circuit is open, or it is at its QPS cap. Never a 0 ms no-bid.
 */
export const NOT_CALLED = "not_called";

/** Why a selected bidder was not called. */
export const NOT_CALLED_REASONS = [
	Reason.BidderNoTime,
	Reason.BidderCircuitOpen,
	Reason.BidderQpsCapped,
] as const;
export type NotCalledReason = (typeof NOT_CALLED_REASONS)[number];

/** A selected bidder that was not called, and why. */
export interface NotCalled {
	bidder: string;
	reason: NotCalledReason;
}

/**
 * Whether an archived auction line says "not called": since event schema 6 its outcome does;
 * before, such lines were no_bid with one of these reasons (504 is the retired connection cap).
 */
const LEGACY_NOT_CALLED: ReadonlySet<number> = new Set([
	Reason.BidderNotCalled,
	...NOT_CALLED_REASONS,
]);
export function isNotCalledLine(line: { outcome: string; reason?: number | null }): boolean {
	return (
		line.outcome === NOT_CALLED ||
		(line.outcome === "no_bid" && line.reason != null && LEGACY_NOT_CALLED.has(line.reason))
	);
}

/**
 * An auction record's per-bidder line: a bid's outcome, or, for a bidder without a bid, how its
 * call went, or that it was not called (with the reason).
 */
export const AUCTION_LINE_OUTCOMES = [
	...BID_OUTCOMES,
	"no_bid",
	"timeout",
	"error",
	NOT_CALLED,
] as const;
export type AuctionLineOutcome = (typeof AUCTION_LINE_OUTCOMES)[number];

export const NO_FILL_REASONS = [
	"no_bidders",
	"no_bids",
	"all_bids_filtered",
	"bidders_timed_out",
	"bidders_failed",
	/** Every selected bidder was skipped before its call (no time, circuit open, QPS cap). */
	"bidders_not_called",
	"internal_error",
	/** The spot's hour has no audience on this screen (its hourly audience is 0): no auction. */
	"outside_opening_hours",
] as const;
export type NoFillReason = (typeof NO_FILL_REASONS)[number];

/** The loss codes that mean "valid, but someone else won" rather than "filtered out". */
const LOSSES = new Set<Reason>([Reason.LostToHigherBid, Reason.LostToDeal]);

export function bidOutcome(reason: Reason): BidOutcomeLabel {
	if (reason === Reason.Won) return "won";
	return LOSSES.has(reason) ? "lost" : "filtered";
}

/**
 * Why nothing won: the most specific of the bidders' answers and the placement's bids. `statuses`
 * are the called bidders' answers, `notCalled` how many selected bidders were skipped.
 */
export function noFillReason(
	statuses: ReadonlyArray<BidderStatus>,
	bids: number,
	notCalled = 0,
): NoFillReason {
	if (statuses.length === 0) return notCalled > 0 ? "bidders_not_called" : "no_bidders";
	if (bids > 0) return "all_bids_filtered";
	if (statuses.every((s) => s === "timeout")) return "bidders_timed_out";
	if (statuses.every((s) => s === "error" || s === "timeout")) return "bidders_failed";
	return "no_bids";
}
