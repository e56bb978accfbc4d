// The per-request auction trace: what `?debug=1` returns and what the auction event records.
import type { EvaluatedBid } from "../px/filter";
import { Reason, reasonLabel } from "../px/reasons";
import type { BidderOutcome } from "./fanout";

export type BidOutcomeLabel = "won" | "lost" | "filtered";

export interface TracedBid {
	bid_id?: string;
	seat?: string;
	crid?: string;
	adomain?: string[];
	price?: number;
	outcome: BidOutcomeLabel;
	reason: Reason;
	reason_label: string;
}

export interface TracedBidder {
	bidder: string;
	status: BidderOutcome["status"] | "not_called";
	latency_ms: number;
	http_status?: number;
	reason?: Reason;
	reason_label?: string;
	detail?: string;
	bids: TracedBid[];
}

/** The loss codes that mean "valid, but someone else won" rather than "filtered out". */
const LOSSES = new Set<Reason>([Reason.LostToHigherBid, Reason.LostToDeal]);

export function bidOutcome(reason: Reason): BidOutcomeLabel {
	if (reason === Reason.Won) return "won";
	return LOSSES.has(reason) ? "lost" : "filtered";
}

export function traceBidders(
	outcomes: BidderOutcome[],
	bids: EvaluatedBid[],
	skipped: { bidder: string; reason: Reason }[],
): TracedBidder[] {
	const traced: TracedBidder[] = outcomes.map((o) => ({
		bidder: o.bidder,
		status: o.status,
		latency_ms: o.latencyMs,
		...(o.httpStatus !== undefined ? { http_status: o.httpStatus } : {}),
		...(o.reason !== undefined ? { reason: o.reason, reason_label: reasonLabel(o.reason) } : {}),
		...(o.detail ? { detail: o.detail } : {}),
		bids: bids
			.filter((b) => b.bidder === o.bidder)
			.map((b) => {
				// After the auction every bid has a reason; a missing one would be our bug.
				const reason = b.reason ?? Reason.InternalError;
				return {
					...(b.bid.id ? { bid_id: String(b.bid.id) } : {}),
					...(b.seat ? { seat: b.seat } : {}),
					...(b.bid.crid ? { crid: String(b.bid.crid) } : {}),
					...(Array.isArray(b.bid.adomain) ? { adomain: b.bid.adomain.map(String) } : {}),
					...(typeof b.bid.price === "number" ? { price: b.bid.price } : {}),
					outcome: bidOutcome(reason),
					reason,
					reason_label: reasonLabel(reason),
				};
			}),
	}));
	for (const s of skipped) {
		traced.push({
			bidder: s.bidder,
			status: "not_called",
			latency_ms: 0,
			reason: s.reason,
			reason_label: reasonLabel(s.reason),
			bids: [],
		});
	}
	return traced;
}
