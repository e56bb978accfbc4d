// The events one ad request produces. Built inside ctx.waitUntil, after the answer went out:
// validating them (newEvent parses with zod) is not the screen's time to spend. Each record is
// built on its own: one that cannot be built (a producer bug; bidder input is clipped before it
// gets here) is logged and counted, and the request's other records still go out.

import type { ApprovalOf } from "../px/approval";
import type { AuctionResult } from "../px/auction";
import {
	type AuctionBid,
	type EventFields,
	type EventOf,
	type EventOptions,
	newEvent,
	type PxEvent,
	type PxEventType,
} from "../px/events";
import type { EvaluatedBid } from "../px/filter";
import type { ResolvedAdRequest } from "../px/model";
import type { TracedBidder } from "./auction-trace";
import { log } from "./log";

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
	return buildEvent(
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
		buildEvent("creative_seen", {
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
		buildEvent(
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
			buildEvent("win", {
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

/** newEvent, but a record that fails validation is logged (with why) instead of thrown. */
function buildEvent<T extends PxEventType>(
	type: T,
	fields: EventFields<T>,
	options?: EventOptions,
): EventOf<T> | undefined {
	try {
		return newEvent(type, fields, options);
	} catch (err) {
		log("error", "event_build_failed", {
			type,
			error: err instanceof Error ? err.message.slice(0, 512) : String(err),
		});
		return undefined;
	}
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
