// The auction for one impression, over bids already evaluated by filter.ts.
//
// - Classes: if any eligible bid carries a deal, the deal class alone competes and every eligible
//   open bid loses with LostToDeal (a deal is a promise to that buyer). Otherwise the open class
//   competes; open bids below their own floor lose with BelowAuctionFloor. A bid's floor is the one
//   its bidder was sent (filter.ts reads it from that bidder's request): the publisher's floor
//   after the bidder's floor_adjustment, so a bidder sent a lowered floor is not held to the
//   publisher's, and one sent a raised floor is held to it.
// - Ranking: higher price first; equal prices go to `opts.tieBreak` when given, then to the bidder
//   that comes first in the input (input follows bidder priority order), then, between bids of
//   one bidder, to the lower bid id (so the order a DSP lists its bids in does not matter), then
//   to input order. The same input therefore always yields the same winner.
// - Price: at = 1 (first price) pays its bid. at = 2 (second price plus one increment) pays
//   max(second-highest eligible price in the winner's class, floor) + 0.01, never more than its
//   own bid; the floor is the winner's own: its deal's floor, or the imp floor it was sent.
//   A deal winner follows its deal's `at` when the deal sets one: 3 pays the deal's fixed price
//   (its bidfloor), 1 and 2 as above; without it, the publisher's `at`.
// - Money: see money.ts.

import { PRICE_INCREMENT, roundCpm } from "../model/money";
import type { EvaluatedBid } from "./filter";
import { Reason } from "./reasons";

export interface AuctionOptions {
	/** OpenRTB `at`: 1 first price, 2 second price plus one increment. */
	at: 1 | 2;
	/** Orders bids of equal price: negative when `a` should win. */
	tieBreak?: (a: EvaluatedBid, b: EvaluatedBid) => number;
}

export interface AuctionResult {
	winner?: { bid: EvaluatedBid; clearingPrice: number };
	/** Every input bid, in input order, each with its final reason (Won for the winner). */
	bids: EvaluatedBid[];
}

export function runAuction(
	evaluated: ReadonlyArray<EvaluatedBid>,
	opts: AuctionOptions,
): AuctionResult {
	const reasons = new Map<number, Reason>();
	const bidderRank = new Map<string, number>();
	evaluated.forEach((e, i) => {
		if (!bidderRank.has(e.bidder)) bidderRank.set(e.bidder, i);
	});
	const eligible = evaluated
		.map((bid, index) => ({ bid, index, rank: bidderRank.get(bid.bidder) ?? index }))
		.filter((e) => e.bid.reason === undefined);
	const deals = eligible.filter((e) => isDeal(e.bid));
	const open = eligible.filter((e) => !isDeal(e.bid));
	for (const e of open) {
		if (deals.length > 0) reasons.set(e.index, Reason.LostToDeal);
		else if (e.bid.price < roundCpm(e.bid.floor)) reasons.set(e.index, Reason.BelowAuctionFloor);
	}
	const contenders = (deals.length > 0 ? deals : open).filter((e) => !reasons.has(e.index));
	contenders.sort((a, b) => compare(a, b, opts.tieBreak));

	const [first, second] = contenders;
	let clearing = 0;
	if (first) {
		const classFloor = roundCpm(first.bid.floor);
		const at = (isDeal(first.bid) ? first.bid.deal?.at : undefined) ?? opts.at;
		clearing = clearingPrice({ at, first, second, classFloor });
		reasons.set(first.index, Reason.Won);
		for (const e of contenders.slice(1)) reasons.set(e.index, Reason.LostToHigherBid);
	}
	const bids = evaluated.map((bid, index) => {
		const reason = reasons.get(index);
		return reason === undefined ? bid : { ...bid, reason };
	});
	if (!first) return { bids };
	return { winner: { bid: bids[first.index]!, clearingPrice: clearing }, bids };
}

interface Ranked {
	bid: EvaluatedBid;
	/** Position in the input. */
	index: number;
	/** Position of the bid's bidder: the first input index of any of its bids. */
	rank: number;
}

function isDeal(bid: EvaluatedBid): boolean {
	return typeof bid.bid.dealid === "string" && bid.bid.dealid !== "";
}

function compare(a: Ranked, b: Ranked, tieBreak: AuctionOptions["tieBreak"]): number {
	if (a.bid.price !== b.bid.price) return b.bid.price - a.bid.price;
	const custom = tieBreak?.(a.bid, b.bid) ?? 0;
	if (custom !== 0) return custom;
	if (a.rank !== b.rank) return a.rank - b.rank;
	const ida = String(a.bid.bid.id);
	const idb = String(b.bid.bid.id);
	if (ida !== idb) return ida < idb ? -1 : 1;
	return a.index - b.index;
}

function clearingPrice(input: {
	at: number;
	first: Ranked;
	second: Ranked | undefined;
	classFloor: number;
}): number {
	const own = input.first.bid.price;
	if (input.at === 1) return own;
	// A fixed-price deal: the bid met the deal floor (filter.ts), and the agreed price is paid.
	if (input.at === 3) return Math.min(own, roundCpm(input.classFloor));
	const base = Math.max(input.second?.bid.price ?? 0, input.classFloor);
	return Math.min(own, roundCpm(base + PRICE_INCREMENT));
}
