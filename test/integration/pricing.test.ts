// Pricing on the decision path (issue 25), through the public API as a screen, a DSP and an admin
// see it: audience by the hour (a dark hour is not sold; a loop across an hour boundary gives each
// spot its own hour's audience, and the buyer's macros say so), a bid in another currency
// converted at the control plane's rate (and filtered once that rate is stale), and a publisher's
// floor rule that sets a bid's floor and is named on its auction record.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PxEvent } from "../../src/px/events/events";
import { localWeekHour } from "../../src/px/model/geo";
import {
	adminCall,
	approve,
	biddersJson,
	billboardAdRequest,
	callEdge,
	dspAssets,
	dspLogAfter,
	type EdgeOverrides,
	fullPlay,
} from "../support/edge";
import { capturingQueue } from "../support/records";

const TZ = "America/Los_Angeles";
const HOUR = 3_600_000;
let n = 0;
const tag = (name: string) => `${name}${Date.now().toString(36)}${n++}`;

const bidder = (name: string, adomain: string) => ({ name, crid: `crid-${name}`, adomain });
const ALPHA = bidder("pricing-alpha", "alpha.example");
const BETA = bidder("pricing-beta", "beta.example");

beforeAll(async () => {
	for (const b of [ALPHA, BETA]) {
		await approve({
			bidder: b.name,
			crid: b.crid,
			asset_url: dspAssets.image(b.crid, { w: 1400, h: 400 }),
			adomain: [b.adomain],
		});
	}
});

/** An ad request from a fresh inline billboard; `screen` and `body` override its parts. */
async function ask(
	t: string,
	bidders: { b: typeof ALPHA; query?: Record<string, string | number> }[],
	over: { screen?: Record<string, unknown>; body?: Record<string, unknown> } = {},
	overrides: EdgeOverrides = {},
) {
	const events = capturingQueue();
	const { res, settled } = await billboardAdRequest({
		screenId: `bb-${t}`,
		...over,
		overrides: {
			BIDDERS: biddersJson(
				t,
				bidders.map(({ b, query }) => ({
					name: b.name,
					behaviour: "bid",
					query: { crid: b.crid, adomain: b.adomain, dur: 1, ...query },
				})),
			),
			EVENTS: events.queue,
			...overrides,
		},
	});
	const answer = (await res.json()) as Record<string, unknown>;
	await settled;
	const of = <T extends PxEvent["type"]>(type: T) =>
		events.sent.filter((e): e is Extract<PxEvent, { type: T }> => e.type === type);
	return { res, answer, of };
}

describe("audience by the hour", () => {
	it("does not sell a dark hour: no auction, its own no-fill reason", async () => {
		const t = tag("dark");
		const { res, answer, of } = await ask(t, [{ b: ALPHA }], {
			screen: { audience: { hourly: Array(168).fill(0), source: "publisher" } },
		});
		expect(res.status).toBe(200);
		expect(answer).toMatchObject({ filled: false, no_fill_reason: "outside_opening_hours" });
		expect(of("ad_request")[0]).toMatchObject({
			outcome: "no_fill",
			no_fill_reason: "outside_opening_hours",
			bidders_called: 0,
		});
		expect(of("auction")).toHaveLength(0);
	});

	it("gives each spot of a loop across an hour boundary its own hour's audience", async () => {
		const t = tag("loop");
		// Hour h of the week is worth h + 1 per 15 s spot; LA's hours start on UTC hours.
		const hourly = Array.from({ length: 168 }, (_, h) => h + 1);
		const boundary = Math.ceil(Date.now() / HOUR) * HOUR;
		const expected = [boundary - 15_000, boundary].map((at) => localWeekHour(TZ, at)!.weekHour + 1);
		const { answer, of } = await ask(t, [{ b: ALPHA }, { b: BETA }], {
			screen: { audience: { hourly, per_seconds: 15, source: "vendor", vendor: "geopath.org" } },
			body: { play_at: boundary - 15_000, until: boundary + 15_000, spot_s: 15 },
		});
		const decisions = answer.decisions as { filled: boolean; impression_multiplier: number }[];
		expect(decisions.map((d) => d.filled)).toEqual([true, true]);
		expect(decisions.map((d) => d.impression_multiplier)).toEqual(expected);
		expect(of("auction").map((a) => a.multiplier)).toEqual(expected);
		expect(
			of("win")
				.map((w) => w.multiplier)
				.sort(),
		).toEqual([...expected].sort());
		// Each buyer's win notice carries the multiplier of the spot it won.
		const nurls = (await dspLogAfter(t, "nurl", 2)).filter((l) => l.startsWith("nurl"));
		const mults = nurls.map((l) => Number(/mult=([\d.]+)/.exec(l)?.[1]));
		expect(mults.sort()).toEqual([...expected].sort());
	});
});

describe("a measured audience", () => {
	it("bills a lower multiplier than the one sold, never a higher one", async () => {
		const burlMult = async (measured: number) => {
			const t = tag("measured");
			const { answer } = await ask(t, [{ b: ALPHA }], {
				screen: { audience: { multiplier: 12, source: "publisher" } },
			});
			expect(answer.impression_multiplier).toBe(12);
			const play = await fullPlay(answer as { play: { not_before: number } });
			const body = { ...JSON.parse(play.body as string), measured_audience: measured };
			const { res, settled } = await callEdge(
				new URL(answer.proof_of_play_url as string).pathname,
				{ ...play, body: JSON.stringify(body) },
			);
			expect(res.status).toBe(200);
			await settled;
			const burl = (await dspLogAfter(t, "burl", 1)).find((l) => l.startsWith("burl"));
			return Number(/mult=([\d.]+)/.exec(burl ?? "")?.[1]);
		};
		expect(await burlMult(4.5)).toBe(4.5);
		expect(await burlMult(20)).toBe(12);
	});
});

describe("currencies", () => {
	afterEach(async () => {
		await adminCall("DELETE", "/currency-rates/EUR");
	});

	it("converts a EUR bid into the publisher's USD and tells the buyer its price in EUR", async () => {
		expect((await adminCall("PUT", "/currency-rates/EUR", { per_usd: 0.8 })).status).toBeLessThan(
			300,
		);
		const t = tag("fx");
		const { answer, of } = await ask(t, [{ b: ALPHA, query: { cur: "EUR", price: 5 } }]);
		expect(answer.filled).toBe(true);
		const [auction] = of("auction");
		expect(auction?.cur).toBe("USD");
		expect(auction?.bids[0]).toMatchObject({
			price: 6.25,
			bid_cur: "EUR",
			bid_price: 5,
			fx_rate: 1.25,
			reason: 0,
		});
		// Second price alone clears at the floor (2 USD) plus a cent: 2.01 USD is 1.608 EUR.
		expect(of("win")[0]).toMatchObject({ clearing_price_cpm: 2.01, bid_cur: "EUR", fx_rate: 1.25 });
		const nurl = (await dspLogAfter(t, "nurl", 1)).find((l) => l.startsWith("nurl"));
		expect(nurl).toContain("price=1.608");
		expect(nurl).toContain("cur=EUR");
	});

	it("filters a bid whose rate is older than FX_RATE_MAX_AGE_HOURS, or that has none", async () => {
		const old = new Date(Date.now() - 73 * HOUR).toISOString();
		await adminCall("PUT", "/currency-rates/EUR", { per_usd: 0.8, as_of: old });
		const stale = await ask(tag("stale"), [{ b: ALPHA, query: { cur: "EUR" } }]);
		expect(stale.answer).toMatchObject({ filled: false, no_fill_reason: "all_bids_filtered" });
		const line = stale.of("auction")[0]?.bids[0];
		expect(line).toMatchObject({ outcome: "filtered", reason: 512, bid_cur: "EUR", bid_price: 5 });
		// A price no rate could convert is in no auction currency: only its own is kept.
		expect(line).not.toHaveProperty("price");
		const none = await ask(tag("norate"), [{ b: ALPHA, query: { cur: "CHF" } }]);
		expect(none.of("auction")[0]?.bids[0]).toMatchObject({ outcome: "filtered", reason: 511 });
	});
});

describe("floor rules", () => {
	afterEach(async () => {
		await adminCall("DELETE", "/floor-rules/pricing-roadside");
	});

	it("the most specific rule sets the bid's floor, and its record names the rule", async () => {
		const rule = {
			publisher_id: "demo-pub",
			venue_types: [30101],
			formats: ["image"],
			floor_cpm: 7,
		};
		expect((await adminCall("PUT", "/floor-rules/pricing-roadside", rule)).status).toBeLessThan(
			300,
		);
		const low = await ask(tag("rule"), [{ b: ALPHA, query: { price: 5 } }]);
		expect(low.answer.filled).toBe(false);
		expect(low.of("auction")[0]?.bids[0]).toMatchObject({
			reason: 100,
			floor_cpm: 7,
			floor_rule: "pricing-roadside",
		});
		const high = await ask(tag("rule"), [{ b: ALPHA, query: { price: 8 } }]);
		expect(high.answer.filled).toBe(true);
		// Second price alone clears at its own floor, the rule's 7, plus a cent.
		expect(high.of("win")[0]?.clearing_price_cpm).toBe(7.01);
	});
});
