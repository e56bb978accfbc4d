import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
	type BidderConfig,
	type BidderConfigInput,
	BidderConfig as BidderConfigSchema,
	bidderFloor,
	bidderTimeout,
	bidShares,
	buysVenue,
	MAX_BIDDERS,
	parseBidders,
	selectBidders,
} from "../../src/px/auction/bidders";

const configJson = readFileSync(new URL("../fixtures/bids/bidders.json", import.meta.url), "utf8");

function bidder(input: Partial<BidderConfigInput> & { name: string }): BidderConfig {
	return BidderConfigSchema.parse({ endpoint: `https://${input.name}.example/bid`, ...input });
}

function parsedFixture(): BidderConfig[] {
	const result = parseBidders(configJson);
	if (!result.ok) throw new Error(JSON.stringify(result.issues));
	return result.bidders;
}

function issuesOf(json: unknown): { pointer: string; detail: string }[] {
	const result = parseBidders(JSON.stringify(json));
	if (result.ok) throw new Error("expected the configuration to be rejected");
	return result.issues;
}

describe("parseBidders", () => {
	it("parses the fixture and fills defaults", () => {
		const bidders = parsedFixture();
		expect(bidders.map((b) => b.name)).toEqual([
			"acme-dooh",
			"local-sim",
			"video-only",
			"mall-specialist",
			"paused",
			"bulk",
		]);
		const local = bidders[1];
		expect(local).toEqual({
			name: "local-sim",
			endpoint: "http://localhost:8788/bid",
			priority: 10,
			media: ["banner", "video"],
			venue_types: [],
			headers: {},
			enabled: true,
			max_response_bytes: 64 * 1024,
			network_allowance_ms: 20,
			openrtb: "2.6",
			dooh_aliases: false,
		});
		expect(bidders[0]?.headers).toEqual({
			"x-acme-seat": "px-edge",
			authorization: { secret: "DSP_ACME_TOKEN" },
		});
		expect(bidders[0]?.timeout_ms).toBe(250);
		expect(bidders[2]?.priority).toBe(100);
		expect(bidders[4]?.enabled).toBe(false);
		expect(bidders[5]?.max_response_bytes).toBe(131072);
	});

	it("takes an OpenRTB profile: 2.6 or 2.5, the DOOH aliases, a named intermediary", () => {
		const base = { name: "x", endpoint: "https://dsp.example/bid" };
		const ok = parseBidders(
			JSON.stringify([{ ...base, openrtb: "2.5", dooh_aliases: true, profile: "bidswitch" }]),
		);
		expect(ok.ok && ok.bidders[0]).toMatchObject({ openrtb: "2.5", profile: "bidswitch" });
		expect(issuesOf([{ ...base, openrtb: "3.0" }]).map((i) => i.pointer)).toEqual(["#/0/openrtb"]);
		expect(issuesOf([{ ...base, profile: "acme" }]).map((i) => i.pointer)).toEqual(["#/0/profile"]);
	});

	it("reports invalid JSON at the root pointer", () => {
		const result = parseBidders("[{");
		expect(result.ok).toBe(false);
		if (!result.ok) {
			expect(result.issues).toHaveLength(1);
			expect(result.issues[0]?.pointer).toBe("#");
			expect(result.issues[0]?.detail).toMatch(/^not valid JSON/);
		}
	});

	it("requires an array", () => {
		expect(issuesOf({ name: "x", endpoint: "https://x.example" })[0]?.pointer).toBe("#");
	});

	it("names every offending field with a JSON pointer", () => {
		const issues = issuesOf([
			{ name: "ok", endpoint: "https://ok.example/bid" },
			{
				name: "Bad Name",
				endpoint: "ftp://files.example/bid",
				priority: 1.5,
				media: ["audio"],
				venue_types: [0],
				timeout_ms: 0,
				max_response_bytes: 10,
				typo_field: true,
			},
		]);
		const pointers = issues.map((i) => i.pointer).sort();
		expect(pointers).toEqual(
			[
				"#/1",
				"#/1/endpoint",
				"#/1/max_response_bytes",
				"#/1/media/0",
				"#/1/name",
				"#/1/priority",
				"#/1/timeout_ms",
				"#/1/venue_types/0",
			].sort(),
		);
		expect(issues.find((i) => i.pointer === "#/1/endpoint")?.detail).toBe("must be an http(s) URL");
	});

	it("rejects duplicate names", () => {
		const issues = issuesOf([
			{ name: "same", endpoint: "https://a.example" },
			{ name: "same", endpoint: "https://b.example" },
		]);
		expect(issues).toEqual([{ pointer: "#/1/name", detail: "duplicate bidder name" }]);
	});

	it("validates headers: names, line breaks, platform headers, secret names", () => {
		const issues = issuesOf([
			{
				name: "h",
				endpoint: "https://h.example",
				headers: {
					"bad header": "x",
					"x-inject": "a\r\nx-evil: 1",
					Host: "other.example",
					"x-secret": { secret: "not a var" },
					"x-object": { secret: "OK", extra: 1 },
				},
			},
		]);
		const pointers = issues.map((i) => i.pointer);
		expect(pointers).toContain("#/0/headers/bad header");
		expect(pointers).toContain("#/0/headers/x-inject");
		expect(pointers).toContain("#/0/headers/Host");
		expect(pointers).toContain("#/0/headers/x-secret/secret");
		expect(pointers).toContain("#/0/headers/x-object");
	});

	it("a header may only name a DSP_ secret, never one of the edge's own", () => {
		const issues = issuesOf([
			{
				name: "h",
				endpoint: "https://h.example",
				headers: {
					"x-steal": { secret: "POP_SIGNING_KEY" },
					"x-also": { secret: "PUBLISHERS" },
					authorization: { secret: "DSP_H_TOKEN" },
				},
			},
		]);
		expect(issues.map((i) => i.pointer).sort()).toEqual([
			"#/0/headers/x-also/secret",
			"#/0/headers/x-steal/secret",
		]);
	});

	it("accepts http on localhost and rejects non-URLs", () => {
		expect(
			parseBidders(JSON.stringify([{ name: "l", endpoint: "http://127.0.0.1:9000/b" }])).ok,
		).toBe(true);
		expect(issuesOf([{ name: "l", endpoint: "localhost:9000" }])[0]?.pointer).toBe("#/0/endpoint");
	});

	it("rejects out-of-range floor adjustments", () => {
		const issues = issuesOf([
			{ name: "f", endpoint: "https://f.example", floor_adjustment: { multiplier: 0, fee: 1 } },
		]);
		expect(issues.map((i) => i.pointer).sort()).toEqual([
			"#/0/floor_adjustment",
			"#/0/floor_adjustment/multiplier",
		]);
	});
});

describe("buysVenue", () => {
	it("matches the id itself, its children and grandchildren, never siblings or parents", () => {
		expect(buysVenue([], 20501)).toBe(true);
		expect(buysVenue([2], 2)).toBe(true);
		expect(buysVenue([2], 205)).toBe(true);
		expect(buysVenue([2], 20501)).toBe(true);
		expect(buysVenue([205], 20501)).toBe(true);
		expect(buysVenue([20501], 20501)).toBe(true);
		expect(buysVenue([20501], 205)).toBe(false);
		expect(buysVenue([205], 2)).toBe(false);
		expect(buysVenue([1], 20501)).toBe(false);
		expect(buysVenue([206], 20501)).toBe(false);
		expect(buysVenue([10], 1001)).toBe(true);
		expect(buysVenue([1], 1001)).toBe(false);
	});
});

describe("selectBidders", () => {
	const mall = { venueType: 20501, formats: ["image", "video"] as const };

	it("keeps enabled, media- and venue-compatible bidders in deterministic order", () => {
		const selected = selectBidders(parsedFixture(), {
			venueType: mall.venueType,
			formats: [...mall.formats],
		});
		// priority 10: acme-dooh (venue-specific) before local-sim (catch-all);
		// priority 100: mall-specialist; priority 200: bulk. paused is disabled,
		// video-only does not buy malls.
		expect(selected.map((b) => b.name)).toEqual([
			"acme-dooh",
			"local-sim",
			"mall-specialist",
			"bulk",
		]);
	});

	it("filters by media: image slots call banner buyers, video slots video buyers", () => {
		const bidders = [
			bidder({ name: "b", media: ["banner"] }),
			bidder({ name: "v", media: ["video"] }),
			bidder({ name: "both" }),
		];
		const names = (formats: ("image" | "video" | "html")[]) =>
			selectBidders(bidders, { venueType: 301, formats }).map((b) => b.name);
		expect(names(["image"])).toEqual(["b", "both"]);
		expect(names(["html"])).toEqual(["b", "both"]);
		expect(names(["video"])).toEqual(["both", "v"]);
		expect(names(["image", "video"])).toEqual(["b", "both", "v"]);
	});

	it("filters by venue and puts venue-specific bidders before catch-alls of the same priority", () => {
		const bidders = [
			bidder({ name: "a-catch-all" }),
			bidder({ name: "z-transit", venue_types: [1] }),
			bidder({ name: "m-retail", venue_types: [2] }),
			bidder({ name: "early", priority: 5 }),
		];
		const selected = selectBidders(bidders, { venueType: 10105, formats: ["video"] });
		expect(selected.map((b) => b.name)).toEqual(["early", "z-transit", "a-catch-all"]);
	});

	it("does not depend on the input order", () => {
		const bidders = Array.from({ length: 5 }, (_, i) =>
			bidder({ name: `bidder-${i}`, priority: i % 2 }),
		);
		const forward = selectBidders(bidders, mallTarget()).map((b) => b.name);
		const backward = selectBidders([...bidders].reverse(), mallTarget()).map((b) => b.name);
		expect(forward).toEqual(backward);
		expect(forward).toEqual(["bidder-0", "bidder-2", "bidder-4", "bidder-1", "bidder-3"]);
	});

	it("keeps every candidate past the 6 connections, in call order", () => {
		const bidders = Array.from({ length: 9 }, (_, i) => bidder({ name: `d${i}`, priority: 9 - i }));
		expect(selectBidders(bidders, mallTarget()).map((b) => b.name)).toEqual(
			Array.from({ length: 9 }, (_, i) => `d${8 - i}`),
		);
	});

	it("leaves out disabled and non-matching bidders", () => {
		const bidders = [
			bidder({ name: "off", enabled: false }),
			bidder({ name: "elsewhere", venue_types: [1] }),
		];
		expect(selectBidders(bidders, mallTarget())).toEqual([]);
	});
});

describe("bidderFloor and bidderTimeout", () => {
	it("applies multiplier then add_cpm, rounded, never negative", () => {
		expect(bidderFloor({ floor_adjustment: { multiplier: 1.15 } }, 2)).toBe(2.3);
		expect(bidderFloor({ floor_adjustment: { add_cpm: 0.5 } }, 2)).toBe(2.5);
		expect(bidderFloor({ floor_adjustment: { multiplier: 2, add_cpm: 0.25 } }, 1.5)).toBe(3.25);
		expect(bidderFloor({ floor_adjustment: { add_cpm: -5 } }, 2)).toBe(0);
		expect(bidderFloor({}, 1.23456)).toBe(1.2346);
	});

	it("caps a bidder's timeout by the time left", () => {
		expect(bidderTimeout({ timeout_ms: 250 }, 400)).toBe(250);
		expect(bidderTimeout({ timeout_ms: 250 }, 120)).toBe(120);
		expect(bidderTimeout({}, 300)).toBe(300);
		expect(bidderTimeout({ timeout_ms: 250 }, -5)).toBe(0);
	});
});

function mallTarget() {
	return { venueType: 20501, formats: ["image", "video"] as ("image" | "video" | "html")[] };
}

describe("bidShares", () => {
	it("keeps every bid while the auction's total fits", () => {
		expect(bidShares([10, 10, 10, 10, 10, 10], 60)).toEqual([10, 10, 10, 10, 10, 10]);
		expect(bidShares([], 60)).toEqual([]);
	});

	it("past the total, every response keeps the same largest share, a small one all of its bids", () => {
		expect(bidShares(Array(9).fill(10), 60)).toEqual(Array(9).fill(6));
		expect(bidShares([10, 10, 10, 10, 10, 10, 10, 2], 60)).toEqual([8, 8, 8, 8, 8, 8, 8, 2]);
	});

	it("never silences a bidder: one bid each even when that is over the total", () => {
		expect(bidShares(Array(64).fill(10), 60)).toEqual(Array(64).fill(1));
		expect(bidShares([0, 10], 0)).toEqual([0, 1]);
	});
});

describe("the bidder list's size", () => {
	it(`accepts ${MAX_BIDDERS} bidders and refuses one more at the list's pointer`, () => {
		const list = (n: number) =>
			JSON.stringify(
				Array.from({ length: n }, (_, i) => ({ name: `b${i}`, endpoint: "https://b.example/" })),
			);
		expect(parseBidders(list(MAX_BIDDERS)).ok).toBe(true);
		const over = parseBidders(list(MAX_BIDDERS + 1));
		expect(over.ok).toBe(false);
		if (!over.ok) expect(over.issues[0]?.pointer).toBe("#");
	});
});
