// The events one ad request produces, built inside ctx.waitUntil after the answer went out.
// Bidder input is clipped before it gets here (auction-trace.ts); the queue consumer validates
// each record on its own, so a producer bug costs that record a dead-letter, not the others.

import type { ApprovalOf } from "../px/approval";
import type { AuctionResult } from "../px/auction";
import { type AuctionBid, newEvent, type PxEvent } from "../px/events";
import type { EvaluatedBid } from "../px/filter";
import type { ResolvedAdRequest } from "../px/model";
import type { TracedBidder } from "./auction-trace";

export interface RequestFacts {
	publisherId: string;
	screenId: string;
	requestId: string;
	dialect: string;
	startedAt: number;
	answeredAt: number;
	context: ResolvedAdRequest;
}

export interface AuctionFacts {
	auctionId: string;
	at: 1 | 2;
	floor: number;
	currency: string;
	multiplier: number;
	auction: AuctionResult;
	trace: TracedBidder[];
	biddersCalled: number;
	approval: ApprovalOf;
	noFillReason?: string;
	win?: { decisionId: string; notAfter: number; advertiserDomains: string[] };
}

function envelope(r: RequestFacts) {
	return {
		publisher_id: r.publisherId,
		screen_id: r.screenId,
		venue_type: r.context.screen.venue.type,
		request_id: r.requestId,
	};
}

export function adRequestEvent(
	r: RequestFacts,
	outcome: "filled" | "no_fill" | "cached",
	biddersCalled: number,
	noFillReason?: string,
): PxEvent | undefined {
	return newEvent(
		"ad_request",
		{
			...envelope(r),
			dialect: r.dialect,
			slot_id: r.context.slot.id,
			outcome,
			...(noFillReason ? { no_fill_reason: noFillReason } : {}),
			latency_ms: r.answeredAt - r.startedAt,
			bidders_called: biddersCalled,
		},
		{ now: r.startedAt },
	);
}

export function auctionEvents(r: RequestFacts, a: AuctionFacts): PxEvent[] {
	const base = envelope(r);
	const winner = a.auction.winner;
	const events: (PxEvent | undefined)[] = newCreatives(a).map((b) =>
		newEvent("creative_seen", {
			...base,
			bidder: b.bidder,
			crid: b.creative!.id,
			creative_key: b.approvalKey!,
			adomain: (b.bid.adomain ?? []).map(String),
			asset_url: b.creative!.asset_url,
			mime: b.creative!.mime,
			w: b.creative!.w,
			h: b.creative!.h,
			duration_s: b.creative!.duration_s,
		}),
	);
	events.push(
		newEvent(
			"auction",
			{
				...base,
				auction_id: a.auctionId,
				at: a.at,
				floor_cpm: a.floor,
				cur: a.currency,
				bids: auctionBids(a.trace),
				...(winner ? { clearing_price: winner.clearingPrice } : {}),
			},
			{ now: r.startedAt },
		),
	);
	if (winner && a.win) {
		events.push(
			newEvent("win", {
				...base,
				auction_id: a.auctionId,
				decision_id: a.win.decisionId,
				bidder: winner.bid.bidder,
				crid: winner.bid.creative!.id,
				adomain: a.win.advertiserDomains,
				price_cpm: winner.bid.price,
				clearing_price_cpm: winner.clearingPrice,
				multiplier: a.multiplier,
				not_after: a.win.notAfter,
			}),
		);
	}
	events.push(adRequestEvent(r, winner ? "filled" : "no_fill", a.biddersCalled, a.noFillReason));
	return events.filter((e): e is PxEvent => e !== undefined);
}

/**
 * Assets this auction held back for want of approval (201), from bids that passed every other
 * check: unknown to the replica or still pending. The review desk makes an item of each new asset
 * (a crid seen with a new file is a new item) and counts, per pending item, the auctions it was
 * held back from, which tells reviewers what waiting costs. One per asset and auction.
 */
function newCreatives(a: AuctionFacts): EvaluatedBid[] {
	const seen = new Set<string>();
	return a.auction.bids.filter((b) => {
		const key = b.approvalKey;
		const status = key ? a.approval(key) : undefined;
		const heldBack = status === undefined || status === "pending";
		if (!b.creative || !key || !heldBack || seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

function auctionBids(trace: TracedBidder[]): AuctionBid[] {
	return trace.flatMap((t): AuctionBid[] => {
		if (t.bids.length === 0) {
			const outcome = t.status === "bids" || t.status === "not_called" ? "no_bid" : t.status;
			return [{ bidder: t.bidder, outcome, reason: t.reason ?? 0, latency_ms: t.latency_ms }];
		}
		return t.bids.map((b, i) => ({
			// The response's dropped bids are counted once, on its first bid.
			...(i === 0 && t.dropped_bids ? { dropped_bids: t.dropped_bids } : {}),
			bidder: t.bidder,
			...(b.bid_id ? { bid_id: b.bid_id } : {}),
			...(b.seat ? { seat: b.seat } : {}),
			...(b.crid ? { crid: b.crid } : {}),
			...(b.adomain ? { adomain: b.adomain } : {}),
			...(b.price !== undefined ? { price: b.price } : {}),
			outcome: b.outcome,
			reason: b.reason,
			latency_ms: t.latency_ms,
		}));
	});
}
