// The per-request auction trace: what `?debug=1` returns and what the auction event records.
// Everything in it that a bidder chose (ids, seats, domains, prices) is clipped to what the event
// schema and the archive accept, so no bid, however malformed, can make recording the auction fail.
import type { EvaluatedBid } from "../../px/auction/filter";
import {
	type BidOutcomeLabel,
	bidOutcome,
	NOT_CALLED,
	type NotCalled,
} from "../../px/auction/outcomes";
import { Reason, reasonLabel } from "../../px/auction/reasons";
import type { BidderOutcome } from "./fanout";

interface TracedBid {
	bid_id?: string;
	/** The imp the bid was for: which placement's auction it took part in. */
	imp_id?: string;
	seat?: string;
	crid?: string;
	adomain?: string[];
	/** In the auction's currency: converted when the bid was in another (bid_cur, bid_price). */
	price?: number;
	bid_cur?: string;
	bid_price?: number;
	fx_rate?: number;
	/** The floor it was judged at, the floor rule that set it and the duration it was judged at. */
	floor_cpm?: number;
	floor_rule?: string;
	duration_s?: number;
	outcome: BidOutcomeLabel;
	reason: Reason;
	reason_label: string;
}

export interface TracedBidder {
	bidder: string;
	status: BidderOutcome["status"] | typeof NOT_CALLED;
	latency_ms: number;
	http_status?: number;
	reason?: Reason;
	reason_label?: string;
	detail?: string;
	bids: TracedBid[];
	/** Bids of this response past the per-response cap: counted, never evaluated. */
	dropped_bids?: number;
}

/** Longest id, seat or domain kept from a bid; the most advertiser domains kept per bid. */
const TRACE_MAX_TEXT = 128;
const TRACE_MAX_DOMAINS = 8;

/** A non-empty string (numbers too: some DSPs send numeric ids) clipped to TRACE_MAX_TEXT. */
function clip(value: unknown): string | undefined {
	if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
		return undefined;
	}
	const text = String(value).trim().slice(0, TRACE_MAX_TEXT);
	return text === "" ? undefined : text;
}

/** The string entries of a bid's adomain, clipped; undefined when none is usable. */
export function clippedDomains(value: unknown): string[] | undefined {
	if (!Array.isArray(value)) return undefined;
	const domains = value.flatMap((d) => {
		const text = typeof d === "string" ? clip(d) : undefined;
		return text ? [text] : [];
	});
	return domains.length > 0 ? domains.slice(0, TRACE_MAX_DOMAINS) : undefined;
}

function usablePrice(value: unknown): number | undefined {
	return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
	return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function traceBidders(
	outcomes: BidderOutcome[],
	bids: EvaluatedBid[],
	skipped: NotCalled[],
): TracedBidder[] {
	const traced: TracedBidder[] = outcomes.map((o) => ({
		bidder: o.bidder,
		status: o.status,
		latency_ms: o.latencyMs,
		...(o.httpStatus !== undefined ? { http_status: o.httpStatus } : {}),
		...(o.reason !== undefined ? { reason: o.reason, reason_label: reasonLabel(o.reason) } : {}),
		...(o.detail ? { detail: o.detail.slice(0, 256) } : {}),
		...(o.droppedBids ? { dropped_bids: o.droppedBids } : {}),
		bids: bids
			.filter((b) => b.bidder === o.bidder)
			.map((b) => {
				// After the auction every bid has a reason; a missing one would be our bug.
				const reason = b.reason ?? Reason.InternalError;
				const bid = (typeof b.bid === "object" && b.bid !== null ? b.bid : {}) as Partial<
					EvaluatedBid["bid"]
				>;
				return {
					...opt("bid_id", clip(bid.id)),
					...opt("imp_id", clip(bid.impid)),
					...opt("seat", clip(b.seat)),
					...opt("crid", clip(bid.crid)),
					...opt("adomain", clippedDomains(bid.adomain)),
					// A bid in another currency records its own price beside the converted one (none
					// when it could not be converted: a price in no auction currency is not a price).
					...(b.fx
						? {
								...(b.fx.rate ? { price: b.price, fx_rate: b.fx.rate } : {}),
								bid_cur: b.fx.cur,
								bid_price: b.fx.price,
							}
						: opt("price", b.price > 0 ? b.price : usablePrice(bid.price))),
					...(b.durationS !== undefined
						? { floor_cpm: b.floor, duration_s: b.durationS, ...opt("floor_rule", b.floorRule) }
						: {}),
					outcome: bidOutcome(reason),
					reason,
					reason_label: reasonLabel(reason),
				};
			}),
	}));
	for (const s of skipped) {
		traced.push({
			bidder: s.bidder,
			status: NOT_CALLED,
			latency_ms: 0,
			reason: s.reason,
			reason_label: reasonLabel(s.reason),
			bids: [],
		});
	}
	return traced;
}
