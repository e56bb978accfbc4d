// The events one ad request produces, built inside ctx.waitUntil after the answer went out.
// Bidder input is clipped before it gets here (trace.ts); the queue consumer validates
// each record on its own, so a producer bug costs that record a dead-letter, not the others.

import type { ApprovalOf } from "../../px/auction/approval";
import type { EvaluatedBid } from "../../px/auction/filter";
import type { NoFillReason } from "../../px/auction/outcomes";
import { type AuctionBid, newEvent, type PxEvent } from "../../px/events/events";
import type { ResolvedAdRequest } from "../../px/model/model";
import type { CpmSplit } from "../../px/pricing/take";
import type { TracedBidder } from "./trace";

export interface RequestFacts {
	publisherId: string;
	screenId: string;
	requestId: string;
	dialect: string;
	startedAt: number;
	answeredAt: number;
	context: ResolvedAdRequest;
}

/** One placement's auction: its imp, its floor and what it cleared at. */
export interface PlacementFacts {
	impId: string;
	slotId: string;
	playAt: number;
	floor: number;
	/** Audience per play of this placement (1 when the screen states none). */
	multiplier: number;
	clearingPrice?: number;
}

/** A placement won and recorded in the screen's ledger. */
export interface WinFacts {
	impId: string;
	decisionId: string;
	bid: EvaluatedBid;
	clearingPrice: number;
	/** The clearing price split by the publisher's take (gross_cpm is clearingPrice). */
	split: CpmSplit;
	notAfter: number;
	advertiserDomains: string[];
}

export interface AuctionFacts {
	auctionId: string;
	at: 1 | 2;
	currency: string;
	placements: PlacementFacts[];
	/** Every bid with its final reason. */
	bids: EvaluatedBid[];
	trace: TracedBidder[];
	biddersCalled: number;
	approval: ApprovalOf;
	noFillReason?: NoFillReason;
	wins: WinFacts[];
	/** Placements of the same request served from the screen's cache (no auction record). */
	cachedPlacements: number;
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
	noFillReason?: NoFillReason,
): PxEvent | undefined {
	return newEvent(
		"ad_request",
		{
			...envelope(r),
			dialect: r.dialect,
			slot_id: r.context.placements[0]!.slot.id,
			...(r.context.multi ? { placements: r.context.placements.length } : {}),
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
	const multi = r.context.multi;
	const events: (PxEvent | undefined)[] = newCreatives(a).map((b) =>
		newEvent("creative_seen", {
			...base,
			bidder: b.bidder,
			crid: b.creative!.id,
			creative_key: b.approvalKey!,
			adomain: deskDomains(b.bid.adomain),
			asset_url: b.creative!.asset_url,
			mime: b.creative!.mime,
			w: b.creative!.w,
			h: b.creative!.h,
			duration_s: b.creative!.duration_s,
		}),
	);
	// One auction record per placement; a bid for an imp the request did not have is kept on the
	// first one, so every bid is recorded exactly once.
	const known = new Set(a.placements.map((p) => p.impId));
	for (const [i, p] of a.placements.entries()) {
		const mine = (imp: string | undefined) =>
			imp === p.impId || (i === 0 && (imp === undefined || !known.has(imp)));
		events.push(
			newEvent(
				"auction",
				{
					...base,
					auction_id: a.auctionId,
					...(multi ? { imp_id: p.impId, slot_id: p.slotId } : {}),
					at: a.at,
					floor_cpm: p.floor,
					cur: a.currency,
					bids: auctionBids(a.trace, mine, i === 0),
					...(p.clearingPrice !== undefined ? { clearing_price: p.clearingPrice } : {}),
					multiplier: p.multiplier,
				},
				{ now: r.startedAt },
			),
		);
	}
	const slotOf = new Map(a.placements.map((p) => [p.impId, p]));
	for (const win of a.wins) {
		const placement = slotOf.get(win.impId);
		events.push(
			newEvent("win", {
				...base,
				auction_id: a.auctionId,
				decision_id: win.decisionId,
				...(multi && placement
					? { imp_id: win.impId, slot_id: placement.slotId, play_at: placement.playAt }
					: {}),
				bidder: win.bid.bidder,
				crid: win.bid.creative!.id,
				...(win.bid.approvalKey ? { approval_key: win.bid.approvalKey } : {}),
				adomain: win.advertiserDomains,
				price_cpm: win.bid.price,
				clearing_price_cpm: win.clearingPrice,
				multiplier: placement?.multiplier ?? 1,
				not_after: win.notAfter,
				cur: a.currency,
				...win.split,
				...(win.bid.fx?.rate ? { bid_cur: win.bid.fx.cur, fx_rate: win.bid.fx.rate } : {}),
			}),
		);
	}
	events.push(
		adRequestEvent(
			r,
			a.wins.length + a.cachedPlacements > 0 ? "filled" : "no_fill",
			a.biddersCalled,
			a.noFillReason,
		),
	);
	return events.filter((e): e is PxEvent => e !== undefined);
}

/**
 * The adomain a desk item shows, within the event schema's bounds (64 domains of 256 characters)
 * so that one hostile list cannot make the whole batch of events invalid. Approval is keyed on
 * every domain the bid declared (px/auction/approval.ts), and badv judges all of them on every auction.
 */
function deskDomains(adomain: unknown): string[] {
	if (!Array.isArray(adomain)) return [];
	return adomain
		.filter((d): d is string => typeof d === "string" && d.trim() !== "")
		.slice(0, 64)
		.map((d) => d.trim().slice(0, 256));
}

/**
 * Assets this auction held back for want of approval (201), from bids that passed every other
 * check: unknown to the replica or still pending. The review desk makes an item of each new asset
 * (a crid seen with a new file is a new item) and counts, per pending item, the auctions it was
 * held back from, which tells reviewers what waiting costs. One per asset and auction.
 */
function newCreatives(a: AuctionFacts): EvaluatedBid[] {
	const seen = new Set<string>();
	return a.bids.filter((b) => {
		const key = b.approvalKey;
		const status = key ? a.approval(key) : undefined;
		const heldBack = status === undefined || status === "pending";
		if (!b.creative || !key || !heldBack || seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/**
 * The bids of one placement's auction record, per bidder: a called bidder with no bid for this
 * imp appears once as no_bid. Bidder-level facts (dropped bids) go on the first record only.
 */
function auctionBids(
	trace: TracedBidder[],
	mine: (impId: string | undefined) => boolean,
	first: boolean,
): AuctionBid[] {
	return trace.flatMap((t): AuctionBid[] => {
		const bids = t.bids.filter((b) => mine(b.imp_id));
		if (bids.length === 0) {
			// A bidder with bids for other placements only made no bid for this one.
			const outcome = t.status === "bids" ? "no_bid" : t.status;
			return [{ bidder: t.bidder, outcome, reason: t.reason ?? 0, latency_ms: t.latency_ms }];
		}
		return bids.map((b, i) => ({
			// The response's dropped bids are counted once, on its first bid.
			...(first && i === 0 && t.dropped_bids ? { dropped_bids: t.dropped_bids } : {}),
			bidder: t.bidder,
			...(b.bid_id ? { bid_id: b.bid_id } : {}),
			...(b.seat ? { seat: b.seat } : {}),
			...(b.crid ? { crid: b.crid } : {}),
			...(b.adomain ? { adomain: b.adomain } : {}),
			...(b.price !== undefined ? { price: b.price } : {}),
			...(b.bid_cur ? { bid_cur: b.bid_cur, bid_price: b.bid_price } : {}),
			...(b.fx_rate ? { fx_rate: b.fx_rate } : {}),
			...(b.floor_cpm !== undefined ? { floor_cpm: b.floor_cpm, duration_s: b.duration_s } : {}),
			...(b.floor_rule ? { floor_rule: b.floor_rule } : {}),
			outcome: b.outcome,
			reason: b.reason,
			latency_ms: t.latency_ms,
		}));
	});
}
