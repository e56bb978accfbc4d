import type { Bid } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import { allocate, bidsPerPlacement, type PlacementTerms } from "../../src/px/auction/allocate";
import type { EvaluatedBid } from "../../src/px/auction/filter";
import { Reason } from "../../src/px/auction/reasons";

function ev(impid: string, price: number, adomain: string, bidder = `b-${impid}-${price}`) {
	const bid: Bid = {
		id: `${bidder}-${impid}`,
		impid,
		price,
		crid: `cr-${adomain}`,
		adomain: [adomain],
	};
	return { bidder, bid, price, floor: 0 } satisfies EvaluatedBid;
}

const T = 1_750_000_000_000;
const areas = (n: number): PlacementTerms[] =>
	Array.from({ length: n }, (_, i) => ({
		impId: String(i + 1),
		playAt: T,
		spotMs: 15_000,
		floor: 0,
	}));
const loop = (n: number, spotMs = 15_000): PlacementTerms[] =>
	Array.from({ length: n }, (_, i) => ({
		impId: String(i + 1),
		playAt: T + i * spotMs,
		spotMs,
		floor: 0,
	}));

describe("allocate: one auction per placement", () => {
	it("each display area gets its own winner from the bids for its imp, at its own second price", () => {
		const bids = [ev("1", 8, "a.example"), ev("1", 5, "b.example"), ev("2", 3, "c.example")];
		const result = allocate(bids, areas(2), { at: 2, separationMs: 0 });
		expect(result.placements.map((p) => [p.impId, p.winner?.bid.bid.adomain])).toEqual([
			["1", ["a.example"]],
			["2", ["c.example"]],
		]);
		expect(result.placements[0]!.winner!.clearingPrice).toBe(5.01);
		// Alone on its imp: pays the floor plus one increment.
		expect(result.placements[1]!.winner!.clearingPrice).toBe(0.01);
		expect(result.bids.map((b) => b.reason)).toEqual([
			Reason.Won,
			Reason.LostToHigherBid,
			Reason.Won,
		]);
	});

	it("one advertiser never wins two areas shown at the same time, even without a separation window", () => {
		// The same brand bids highest on both areas; subdomains are the same advertiser.
		const bids = [
			ev("1", 9, "brand.example", "dsp-x"),
			ev("2", 9, "shop.brand.example", "dsp-x"),
			ev("2", 4, "other.example", "dsp-y"),
		];
		const result = allocate(bids, areas(2), { at: 1, separationMs: 0 });
		expect(result.placements[0]!.winner!.bid.bid.adomain).toEqual(["brand.example"]);
		expect(result.placements[1]!.winner!.bid.bid.adomain).toEqual(["other.example"]);
		expect(result.bids[1]!.reason).toBe(Reason.CompetitiveSeparation);
	});

	it("a loop keeps the publisher's separation between spots, and only within it", () => {
		const bids = [1, 2, 3].flatMap((i) => [
			ev(String(i), 9, "brand.example", "dsp-x"),
			ev(String(i), 2, `filler${i}.example`, "dsp-y"),
		]);
		// 15 s spots; 10 s of separation after spot 1 ends keeps the brand out of spot 2 (which
		// starts as spot 1 ends), not out of spot 3 (15 s later).
		const result = allocate(bids, loop(3), { at: 1, separationMs: 10_000 });
		expect(result.placements.map((p) => p.winner?.bid.bid.adomain?.[0])).toEqual([
			"brand.example",
			"filler2.example",
			"brand.example",
		]);
		// Without separation back-to-back spots do not overlap: the brand takes all three.
		const free = allocate(bids, loop(3), { at: 1, separationMs: 0 });
		expect(free.placements.every((p) => p.winner?.bid.bid.adomain?.[0] === "brand.example")).toBe(
			true,
		);
	});

	it("a placement served from the screen's cache holds its advertiser's spot as a winner here would", () => {
		// Area 1 is served from the cache to brand.example; only area 2 is auctioned, at the same
		// time (no separation window needed: they overlap), and a loop spot 20 s later is outside
		// 10 s of separation.
		const cached = { domains: ["brand.example"], start: T, end: T + 15_000 };
		const terms: PlacementTerms[] = [
			{ impId: "2", playAt: T, spotMs: 15_000, floor: 0 },
			{ impId: "3", playAt: T + 35_000, spotMs: 15_000, floor: 0 },
		];
		const bids = [
			ev("2", 9, "shop.brand.example", "dsp-x"),
			ev("2", 4, "other.example", "dsp-y"),
			ev("3", 9, "brand.example", "dsp-x"),
		];
		const result = allocate(bids, terms, { at: 1, separationMs: 10_000, taken: [cached] });
		expect(result.placements.map((p) => p.winner?.bid.bid.adomain?.[0])).toEqual([
			"other.example",
			"brand.example",
		]);
		expect(result.bids.map((b) => b.reason)).toEqual([
			Reason.CompetitiveSeparation,
			Reason.Won,
			Reason.Won,
		]);
	});

	it("a placement nobody bid on has no winner, and bids already filtered stay as they were", () => {
		const filtered = { ...ev("1", 50, "x.example"), reason: Reason.CreativeSize };
		const result = allocate([filtered, ev("1", 2, "y.example")], areas(2), {
			at: 1,
			separationMs: 0,
		});
		expect(result.placements[0]!.winner!.bid.bid.adomain).toEqual(["y.example"]);
		expect(result.placements[1]!.winner).toBeUndefined();
		expect(result.bids[0]!.reason).toBe(Reason.CreativeSize);
	});

	it("each placement's own floor applies (each bid carries the floor its imp was sent with)", () => {
		const terms = areas(2).map((p, i) => ({ ...p, floor: i === 0 ? 10 : 1 }));
		const bids = [
			{ ...ev("1", 5, "a.example"), floor: 10 },
			{ ...ev("2", 5, "b.example"), floor: 1 },
		];
		const result = allocate(bids, terms, {
			at: 1,
			separationMs: 0,
		});
		expect(result.placements[0]!.winner).toBeUndefined();
		expect(result.bids[0]!.reason).toBe(Reason.BelowAuctionFloor);
		expect(result.placements[1]!.winner!.clearingPrice).toBe(5);
	});
});

describe("bidsPerPlacement", () => {
	it("counts each placement's bids, and a bid for an imp the request never had on every placement", () => {
		const bids = [ev("1", 5, "a.example"), ev("1", 4, "b.example"), ev("99", 3, "c.example")];
		expect([...bidsPerPlacement(bids, ["1", "2"])]).toEqual([
			["1", 3],
			["2", 1],
		]);
		expect([...bidsPerPlacement([], ["1"])]).toEqual([["1", 0]]);
	});
});
