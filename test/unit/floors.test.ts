import { readFileSync } from "node:fs";
import type { BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import { evaluateBids, type FilterContext } from "../../src/px/auction/filter";
import { Reason } from "../../src/px/auction/reasons";
import type { CandidateBid } from "../../src/px/openrtb/response";
import { floorAt } from "../../src/px/pricing/floors";

const bids = new URL("../fixtures/bids/", import.meta.url);
const request = JSON.parse(readFileSync(new URL("request.json", bids), "utf8")) as BidRequest;
const vast = (file: string) => readFileSync(new URL(`vast/${file}`, bids), "utf8");
const NOW = 1763899990000;

describe("floorAt: floors by the second (OpenRTB 2.6 mincpmpersec, durfloors)", () => {
	it("prices a 30 s spot six times a 5 s one under a per-second floor", () => {
		const terms = { floor_cpm: 1, per_second: 0.5 };
		expect(floorAt(terms, 30)).toBe(15);
		expect(floorAt(terms, 5)).toBe(2.5);
		// The flat floor still holds for very short creatives.
		expect(floorAt(terms, 1)).toBe(1);
	});

	it("replaces the flat floor inside a duration range, both ends included", () => {
		const terms = {
			floor_cpm: 4,
			by_duration: [
				{ max_duration: 15, floor_cpm: 5 },
				{ min_duration: 16, max_duration: 30, floor_cpm: 10 },
			],
		};
		expect(floorAt(terms, 15)).toBe(5);
		expect(floorAt(terms, 16)).toBe(10);
		expect(floorAt(terms, 30)).toBe(10);
		expect(floorAt(terms, 31)).toBe(4);
		// Encoders round: a 15.015 s file is a 15 s spot.
		expect(floorAt(terms, 15.015)).toBe(5);
	});
});

function candidate(price: number, adm: string, extra: Record<string, unknown> = {}): CandidateBid {
	return {
		bidder: "alpha",
		seat: "seat-1",
		cur: "USD",
		bid: {
			id: `b-${price}`,
			impid: "1",
			price,
			crid: "cr-1",
			adm,
			adomain: ["coffee.example"],
			exp: 7200,
			...extra,
		},
	} as CandidateBid;
}

function ctx(imp: Record<string, unknown>): FilterContext {
	return {
		request: { ...request, imp: [{ ...request.imp[0]!, ...imp }] },
		recentAdvertisers: new Set(),
		now: NOW,
		spotSeconds: new Map([["1", 30]]),
	};
}

describe("the filter judges each bid at its own duration", () => {
	const video10s = vast("vast4-inline.xml");
	const image = '<img src="https://cdn.coffee.example/spring_1920x1080.jpg">';
	const still = { w: 1920, h: 1080, mtype: 1 };

	it("a deal floor with a per-second floor: a 10 s video needs 10 × mincpmpersec", () => {
		const deals = [{ id: "deal-sec", bidfloor: 3, mincpmpersec: 0.5 }];
		const judged = evaluateBids(
			[
				candidate(4.99, video10s, { dealid: "deal-sec" }),
				candidate(5, video10s, { dealid: "deal-sec" }),
			],
			ctx({ pmp: { private_auction: 0, deals } }),
		);
		expect(judged.map((b) => b.reason)).toEqual([Reason.BelowDealFloor, undefined]);
		expect(judged[1]).toMatchObject({ floor: 5, durationS: 10 });
	});

	it("a deal's durfloors range replaces its bidfloor for creatives in it", () => {
		const deals = [{ id: "deal-dur", bidfloor: 8, durfloors: [{ maxdur: 10, bidfloor: 2 }] }];
		const [cheapShort] = evaluateBids(
			[candidate(2, video10s, { dealid: "deal-dur" })],
			ctx({ pmp: { private_auction: 0, deals } }),
		);
		expect(cheapShort?.reason).toBeUndefined();
		expect(cheapShort?.floor).toBe(2);
	});

	it("an image is held for its spot: judged at the spot's 30 s, not at 0", () => {
		const video = { ...request.imp[0]!.video, mincpmpersec: 0.2 };
		const judged = evaluateBids(
			[candidate(5.99, image, still), candidate(6, image, still)],
			ctx({ bidfloor: 1, video }),
		);
		expect(judged.map((b) => b.reason)).toEqual([Reason.BelowAuctionFloor, undefined]);
		expect(judged[1]).toMatchObject({ floor: 6, durationS: 30 });
	});

	it("an open video bid meets imp.video's per-second floor at its own length", () => {
		const video = { ...request.imp[0]!.video, mincpmpersec: 0.3 };
		const judged = evaluateBids(
			[candidate(2.99, video10s), candidate(3, video10s)],
			ctx({ bidfloor: 1, video }),
		);
		expect(judged.map((b) => b.reason)).toEqual([Reason.BelowAuctionFloor, undefined]);
	});
});

describe("a bid in another currency is converted, not filtered", () => {
	const video10s = vast("vast4-inline.xml");
	const DAY = 86_400_000;
	const rates = (asOf: number) => ({
		table: new Map([["EUR", { perUsd: 0.8, asOf, source: "test" }]]),
		maxAgeMs: 3 * DAY,
	});
	const eur = (price: number): CandidateBid => ({ ...candidate(price, video10s), cur: "EUR" });

	it("judges a EUR bid at its USD value against the USD floor, and keeps what it bid", () => {
		// 2.00 EUR is 2.50 USD at 0.8 EUR per USD: above a 2.40 floor; 1.90 EUR (2.375 USD) is not.
		const judged = evaluateBids([eur(2), eur(1.9)], {
			...ctx({ bidfloor: 2.4 }),
			rates: rates(NOW - DAY),
		});
		expect(judged.map((b) => b.reason)).toEqual([undefined, Reason.BelowAuctionFloor]);
		expect(judged[0]).toMatchObject({ price: 2.5, fx: { cur: "EUR", price: 2, rate: 1.25 } });
	});

	it("filters a bid whose rate is older than the configured age, or missing", () => {
		const stale = evaluateBids([eur(2)], { ...ctx({}), rates: rates(NOW - 3 * DAY - 1) });
		expect(stale[0]).toMatchObject({
			reason: Reason.CurrencyRateStale,
			price: 0,
			fx: { cur: "EUR", price: 2 },
		});
		const fresh = evaluateBids([eur(2)], { ...ctx({}), rates: rates(NOW - 3 * DAY) });
		expect(fresh[0]?.reason).toBeUndefined();
		const gbp = evaluateBids([{ ...eur(2), cur: "GBP" }], { ...ctx({}), rates: rates(NOW) });
		expect(gbp[0]?.reason).toBe(Reason.CurrencyNoRate);
	});
});
