// The auctions of one request, one per placement (display area × loop spot), over bids already
// evaluated by filter.ts. Each placement runs its own auction (auction.ts) over the bids made for
// its imp, in schedule order; an advertiser that won a placement cannot win another one that
// overlaps it in time or comes within the publisher's separation of it (nor one served from the
// screen's cache for this request): a player never shows one brand in two areas at once, and a
// loop keeps the separation a screen keeps between requests.
// Those bids lose with CompetitiveSeparation. Greedy in schedule order, so the earlier spot gets
// the best bid: the same input always yields the same winners.

import { advertiserDomains, sameAdvertiser } from "./advertisers";
import { type AuctionOptions, runAuction } from "./auction";
import type { EvaluatedBid } from "./filter";
import { Reason } from "./reasons";

export interface PlacementTerms {
	impId: string;
	/** Planned start and length of the spot, epoch ms and ms. */
	playAt: number;
	spotMs: number;
	/**
	 * The publisher's floor for open bids on this imp, CPM, as reported in the decision's events.
	 * The auction judges each bid against the floor its own bidder was sent (EvaluatedBid.floor).
	 */
	floor: number;
}

export interface Winner {
	bid: EvaluatedBid;
	clearingPrice: number;
}

export interface Allocation {
	/** Per placement, in the input's order; `winner` absent when nothing could win it. */
	placements: { impId: string; winner?: Winner }[];
	/** Every input bid, in input order, each with its final reason. */
	bids: EvaluatedBid[];
}

/** A spot an advertiser already has in this request: [start, end) in epoch ms. */
export interface TakenSpot {
	/** Normalized (advertisers.ts). */
	domains: string[];
	start: number;
	end: number;
}

export interface AllocationOptions extends AuctionOptions {
	/** The publisher's competitive separation, ms (0: only overlapping spots are separated). */
	separationMs: number;
	/**
	 * Placements of the request served from the screen's cache: they keep their advertisers away
	 * exactly as a placement won here does.
	 */
	taken?: ReadonlyArray<TakenSpot>;
}

export function allocate(
	evaluated: ReadonlyArray<EvaluatedBid>,
	placements: ReadonlyArray<PlacementTerms>,
	opts: AllocationOptions,
): Allocation {
	const bids = [...evaluated];
	const taken: TakenSpot[] = [...(opts.taken ?? [])];
	const results = placements.map((p) => {
		const start = p.playAt;
		const end = p.playAt + p.spotMs;
		const near = taken.filter(
			(t) => t.start < end + opts.separationMs && start < t.end + opts.separationMs,
		);
		const mine = bids.flatMap((b, index) => (impOf(b) === p.impId ? [index] : []));
		const own = mine.map((index) => {
			const b = bids[index]!;
			if (b.reason !== undefined) return b;
			const domains = advertiserDomains(b.bid);
			return near.some((t) => sameAdvertiser(t.domains, domains))
				? { ...b, reason: Reason.CompetitiveSeparation }
				: b;
		});
		const auction = runAuction(own, { at: opts.at, tieBreak: opts.tieBreak });
		auction.bids.forEach((b, j) => {
			bids[mine[j]!] = b;
		});
		if (!auction.winner) return { impId: p.impId };
		taken.push({ domains: advertiserDomains(auction.winner.bid.bid), start, end });
		return { impId: p.impId, winner: auction.winner };
	});
	return { placements: results, bids };
}

/** The imp a bid names, if it names one as a string. */
function impOf(b: EvaluatedBid): string | undefined {
	const bid = b.bid as { impid?: unknown } | null;
	return typeof bid === "object" && bid !== null && typeof bid.impid === "string"
		? bid.impid
		: undefined;
}

/**
 * How many bids each placement got, whatever became of them: what tells "no bids" from "all bids
 * filtered". A bid naming an imp the request never had was still a bid on it, so it counts for
 * every placement.
 */
export function bidsPerPlacement(
	bids: ReadonlyArray<EvaluatedBid>,
	impIds: ReadonlyArray<string>,
): Map<string, number> {
	const counts = new Map(impIds.map((id) => [id, 0]));
	let stray = 0;
	for (const b of bids) {
		const imp = impOf(b);
		const n = imp === undefined ? undefined : counts.get(imp);
		if (n === undefined) stray++;
		else counts.set(imp!, n + 1);
	}
	for (const [id, n] of counts) counts.set(id, n + stray);
	return counts;
}
