// Floors by rule (issue 25): the rule schema and the pure matching the bid request and the bid
// filter use (README "Configuration", floor rules).
import { describe, expect, it } from "vitest";
import { localWeekHour } from "../../src/px/model/geo";
import {
	type BidFacts,
	FloorRule,
	matchFloorRule,
	placementRules,
	ruleFloorCpm,
	specificity,
} from "../../src/px/pricing/floor-rules";

const TRANSIT = 1;
const AIRPORTS = 101;
const GATES = 10105;
const BILLBOARDS = 301;

const rule = (id: string, fields: Record<string, unknown>) =>
	FloorRule.parse({ id, publisher_id: "pub", ...fields });

/** Wednesday 14:00 at an airport gate, a 15 s video. */
const bid = (over: Partial<BidFacts> = {}): BidFacts => ({
	venueType: GATES,
	day: 2,
	hour: 14,
	format: "video",
	durationS: 15,
	...over,
});

const matched = (rules: FloorRule[], over: Partial<BidFacts> = {}) =>
	matchFloorRule(rules, bid(over))?.id;

const issues = (fields: Record<string, unknown>) =>
	FloorRule.safeParse({ id: "r", publisher_id: "pub", ...fields }).error?.issues.map((i) =>
		i.path.join("/"),
	) ?? [];

describe("FloorRule schema", () => {
	it("needs a floor, known venue types, an ordered duration range and no unknown field", () => {
		expect(issues({ days: [0] })).toEqual(["floor_cpm"]);
		expect(issues({ floor_cpm: 1, venue_types: [99999] })).toEqual(["venue_types/0"]);
		expect(issues({ floor_cpm: 1, min_duration: 30, max_duration: 10 })).toEqual(["max_duration"]);
		expect(issues({ floor_cpm: 1, days: [7] })).toEqual(["days/0"]);
		expect(issues({ floor_cpm: 1, hours: { from: 8, to: 8 } })).toEqual(["hours/to"]);
		expect(issues({ floor_cpm: 1, hours: { from: 0, to: 25 } })).toEqual(["hours/to"]);
		expect(issues({ floor_cpm: 10_001 })).toEqual(["floor_cpm"]);
		expect(issues({ floor_cpm: 1, screens: ["a"] })).toEqual([""]);
		expect(issues({ id: "no spaces", floor_cpm: 1 })).toEqual(["id"]);
	});

	it("defaults priority to 100 and accepts a per-second floor alone", () => {
		expect(rule("r", { floor_cpm_per_second: 0.5 }).priority).toBe(100);
	});
});

describe("specificity", () => {
	it("counts the dimensions a rule constrains, then how deep its venue type is", () => {
		const generic = rule("g", { floor_cpm: 1 });
		const parent = rule("p", { floor_cpm: 1, venue_types: [TRANSIT] });
		const child = rule("c", { floor_cpm: 1, venue_types: [AIRPORTS] });
		const grandchild = rule("gc", { floor_cpm: 1, venue_types: [GATES] });
		const parentByDay = rule("pd", { floor_cpm: 1, venue_types: [TRANSIT], days: [0] });
		const all = rule("all", {
			floor_cpm: 1,
			venue_types: [GATES],
			days: [0],
			hours: { from: 6, to: 9 },
			formats: ["video"],
			max_duration: 30,
		});
		const order = [generic, parent, child, grandchild, parentByDay, all].map(specificity);
		expect(order).toEqual([...order].sort((a, b) => a - b));
		expect(new Set(order).size).toBe(order.length);
	});

	it("rates a rule naming several venue types by the broadest of them", () => {
		const mixed = rule("m", { floor_cpm: 1, venue_types: [GATES, TRANSIT] });
		expect(specificity(mixed)).toBe(specificity(rule("p", { floor_cpm: 1, venue_types: [1] })));
	});

	it("counts a duration range once, whether it has one edge or two", () => {
		const min = rule("a", { floor_cpm: 1, min_duration: 10 });
		const both = rule("b", { floor_cpm: 1, min_duration: 10, max_duration: 20 });
		expect(specificity(min)).toBe(specificity(both));
	});
});

describe("matchFloorRule", () => {
	it("lets a more specific rule win over a higher generic floor", () => {
		const rules = [
			rule("everywhere", { floor_cpm: 20 }),
			rule("video", { floor_cpm: 5, formats: ["video"] }),
		];
		expect(matched(rules)).toBe("video");
		expect(matched(rules, { format: "image" })).toBe("everywhere");
	});

	it("matches a parent venue type on its children, and prefers the child's own rule", () => {
		const rules = [
			rule("transit", { floor_cpm: 3, venue_types: [TRANSIT] }),
			rule("airports", { floor_cpm: 8, venue_types: [AIRPORTS] }),
		];
		expect(matched(rules)).toBe("airports");
		expect(matched(rules, { venueType: 10201 })).toBe("transit");
		expect(matched(rules, { venueType: TRANSIT })).toBe("transit");
		expect(matched(rules, { venueType: BILLBOARDS })).toBeUndefined();
		// A rule for a child does not cover its parent or its siblings.
		expect(
			matched([rule("gates", { floor_cpm: 1, venue_types: [GATES] })], { venueType: AIRPORTS }),
		).toBeUndefined();
	});

	it("treats a daypart's `to` hour as exclusive", () => {
		const rules = [rule("morning", { floor_cpm: 9, hours: { from: 7, to: 10 } })];
		expect(matched(rules, { hour: 6 })).toBeUndefined();
		expect(matched(rules, { hour: 7 })).toBe("morning");
		expect(matched(rules, { hour: 9 })).toBe("morning");
		expect(matched(rules, { hour: 10 })).toBeUndefined();
		const late = [rule("late", { floor_cpm: 9, hours: { from: 20, to: 24 } })];
		expect(matched(late, { hour: 23 })).toBe("late");
		expect(matched(late, { hour: 0 })).toBeUndefined();
	});

	it("wraps an overnight daypart past midnight, counted to the day it starts on", () => {
		const fridayNight = rule("fri-night", {
			floor_cpm: 12,
			days: [4],
			hours: { from: 22, to: 6 },
		});
		expect(matched([fridayNight], { day: 4, hour: 21 })).toBeUndefined();
		expect(matched([fridayNight], { day: 4, hour: 22 })).toBe("fri-night");
		expect(matched([fridayNight], { day: 5, hour: 0 })).toBe("fri-night");
		expect(matched([fridayNight], { day: 5, hour: 5 })).toBe("fri-night");
		expect(matched([fridayNight], { day: 5, hour: 6 })).toBeUndefined();
		expect(matched([fridayNight], { day: 4, hour: 3 })).toBeUndefined();
		expect(matched([fridayNight], { day: 5, hour: 22 })).toBeUndefined();
		// Sunday night runs into Monday: day 6 wraps to day 0.
		const sundayNight = rule("sun-night", { floor_cpm: 1, days: [6], hours: { from: 23, to: 2 } });
		expect(matched([sundayNight], { day: 0, hour: 1 })).toBe("sun-night");
	});

	it("takes the day and hour of the screen's own clock (localWeekHour)", () => {
		const weekdayMornings = rule("am", {
			floor_cpm: 4,
			days: [0, 1, 2, 3, 4],
			hours: { from: 7, to: 10 },
		});
		// Monday 2026-03-02 08:30 in New York is 13:30 UTC.
		const local = localWeekHour("America/New_York", Date.parse("2026-03-02T13:30:00Z"))!;
		expect(matched([weekdayMornings], local)).toBe("am");
		const tokyo = localWeekHour("Asia/Tokyo", Date.parse("2026-03-02T13:30:00Z"))!;
		expect(matched([weekdayMornings], tokyo)).toBeUndefined();
	});

	it("matches on format", () => {
		const rules = [rule("stills", { floor_cpm: 2, formats: ["image", "html"] })];
		expect(matched(rules, { format: "image" })).toBe("stills");
		expect(matched(rules, { format: "html" })).toBe("stills");
		expect(matched(rules, { format: "video" })).toBeUndefined();
	});

	it("includes both edges of a duration range, and never matches an unknown duration", () => {
		const rules = [
			rule("short", { floor_cpm: 5, max_duration: 10 }),
			rule("mid", { floor_cpm: 8, min_duration: 11, max_duration: 30 }),
			rule("any", { floor_cpm: 1 }),
		];
		expect(matched(rules, { durationS: 10 })).toBe("short");
		expect(matched(rules, { durationS: 11 })).toBe("mid");
		expect(matched(rules, { durationS: 30 })).toBe("mid");
		expect(matched(rules, { durationS: 31 })).toBe("any");
		expect(matched(rules, { durationS: undefined })).toBe("any");
		expect(matched(rules.slice(0, 2), { durationS: undefined })).toBeUndefined();
	});

	it("breaks ties by priority, then the higher floor, then the id, whatever the order given", () => {
		const a = rule("a", { floor_cpm: 5, formats: ["video"] });
		const b = rule("b", { floor_cpm: 7, days: [2] });
		const c = rule("c", { floor_cpm: 7, hours: { from: 0, to: 24 } });
		const first = rule("first", { floor_cpm: 1, formats: ["video"], priority: 10 });
		const perSecond = rule("per-second", { floor_cpm_per_second: 0.5, formats: ["video"] });
		for (const rules of [
			[a, b, c],
			[c, b, a],
			[b, c, a],
		]) {
			expect(matched(rules)).toBe("b");
			expect(matched([...rules, first])).toBe("first");
		}
		// 0.5 a second of a 15 s video is 7.5: above b's and c's 7.
		expect(matched([a, b, c, perSecond])).toBe("per-second");
		expect(matched([a, b, c, perSecond], { durationS: 4 })).toBe("b");
	});
});

describe("ruleFloorCpm", () => {
	it("charges a per-second floor by the creative's length, the flat floor at least", () => {
		const r = rule("r", { floor_cpm: 4, floor_cpm_per_second: 0.4 });
		expect(ruleFloorCpm(r, 30)).toBe(12);
		expect(ruleFloorCpm(r, 5)).toBe(4);
		expect(ruleFloorCpm(r)).toBe(4);
		const perSecondOnly = rule("s", { floor_cpm_per_second: 0.4 });
		expect(ruleFloorCpm(perSecondOnly, 30)).toBe(12);
		expect(ruleFloorCpm(perSecondOnly, 5)).toBe(2);
		expect(ruleFloorCpm(perSecondOnly)).toBe(0);
	});

	it("rounds like every other CPM and never exceeds the highest floor configuration allows", () => {
		expect(ruleFloorCpm(rule("r", { floor_cpm_per_second: 0.00001 }), 15)).toBe(0.0002);
		expect(ruleFloorCpm(rule("r", { floor_cpm_per_second: 0.1 }), 3)).toBe(0.3);
		expect(ruleFloorCpm(rule("r", { floor_cpm_per_second: 100 }), 3600)).toBe(10_000);
	});
});

describe("placementRules", () => {
	it("keeps the rules a placement's venue and time allow, whatever their format or duration", () => {
		const rules = [
			rule("video-long", { floor_cpm: 9, formats: ["video"], min_duration: 30 }),
			rule("billboards", { floor_cpm: 9, venue_types: [BILLBOARDS] }),
			rule("night", { floor_cpm: 9, hours: { from: 22, to: 6 } }),
			rule("airports", { floor_cpm: 3, venue_types: [AIRPORTS] }),
			rule("any", { floor_cpm: 1 }),
		];
		expect(placementRules(rules, { venueType: GATES, day: 2, hour: 14 }).map((r) => r.id)).toEqual([
			"video-long",
			"airports",
			"any",
		]);
		expect(placementRules(rules, { venueType: 30102, day: 2, hour: 23 }).map((r) => r.id)).toEqual([
			"video-long",
			"billboards",
			"night",
			"any",
		]);
	});
});
