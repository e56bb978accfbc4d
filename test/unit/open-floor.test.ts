import { describe, expect, it } from "vitest";
import { Publisher, Screen } from "../../src/px/model/model";
import { openFloors } from "../../src/px/pricing/open-floor";

const screen = (
	slot: Record<string, unknown> = {},
	timezone: string | undefined = "Europe/Berlin",
) =>
	Screen.parse({
		id: "s",
		venue: { type: 30101 },
		geo: { lat: 52.5, lon: 13.4 },
		resolution: { w: 1920, h: 1080 },
		slots: [
			{ id: "m", w: 1920, h: 1080, formats: ["image", "video"], mimes: ["video/mp4"], ...slot },
		],
		...(timezone ? { timezone } : {}),
	});
const publisher = (extra: Record<string, unknown> = {}) =>
	Publisher.parse({ id: "p", name: "P", floor_cpm: 2, key_sha256: "1".repeat(64), ...extra });
const rule = (id: string, extra: Record<string, unknown>) => ({
	id,
	publisher_id: "p",
	priority: 100,
	...extra,
});
// Monday 2026-11-30 08:30 in Berlin.
const MONDAY_830 = Date.UTC(2026, 10, 30, 7, 30);
const placement = (s: Screen, playAt = MONDAY_830) => ({
	impId: "1",
	slot: s.slots[0]!,
	playAt,
	spotMs: 15_000,
});

describe("the open auction's floor", () => {
	it("is what the publisher nets: a 20 % share grosses a floor of 2 up to 2.5", () => {
		const s = screen();
		const open = openFloors(publisher({ exchange_take: { share: 0.2 } }), s, placement(s));
		expect(open.stated.floor_cpm).toBe(2.5);
		expect(open.judge({ format: "image", durationS: 15 }).floor).toBe(2.5);
		const fee = openFloors(publisher({ exchange_take: { fee_cpm: 0.3 } }), s, placement(s));
		expect(fee.judge({ format: "image", durationS: 15 }).floor).toBe(2.3);
	});

	it("takes the rule for the spot's local daypart, and the slot's own floor over any rule", () => {
		const rules = [
			rule("rush", { days: [0], hours: { from: 7, to: 9 }, floor_cpm: 9 }),
			rule("night", { hours: { from: 22, to: 6 }, floor_cpm: 1 }),
		];
		const s = screen();
		const p = publisher({ floor_rules: rules });
		expect(openFloors(p, s, placement(s)).judge({ format: "image", durationS: 15 })).toEqual({
			floor: 9,
			rule: "rush",
		});
		// 09:30 is past the rush hour: the publisher's floor again.
		const later = openFloors(p, s, placement(s, MONDAY_830 + 3_600_000));
		expect(later.judge({ format: "image", durationS: 15 })).toEqual({ floor: 2 });
		const own = screen({ floor_cpm: 3 });
		expect(openFloors(p, own, placement(own)).judge({ format: "image", durationS: 15 })).toEqual({
			floor: 3,
		});
	});

	it("judges a per-second rule at each bid's length, and states the lowest floor a bid could meet", () => {
		const p = publisher({
			floor_rules: [rule("video-sec", { formats: ["video"], floor_cpm_per_second: 0.5 })],
		});
		const s = screen();
		const open = openFloors(p, s, placement(s));
		expect(open.judge({ format: "video", durationS: 30 })).toEqual({
			floor: 15,
			rule: "video-sec",
		});
		expect(open.judge({ format: "video", durationS: 5 })).toEqual({
			floor: 2.5,
			rule: "video-sec",
		});
		expect(open.judge({ format: "image", durationS: 15 })).toEqual({ floor: 2 });
		expect(open.stated.floor_cpm).toBe(0);
	});

	it("without a time zone, only rules without a daypart apply", () => {
		const p = publisher({
			floor_rules: [
				rule("rush", { hours: { from: 0, to: 24 }, floor_cpm: 9 }),
				rule("all", { venue_types: [30101], floor_cpm: 4 }),
			],
		});
		const s = screen({}, undefined);
		expect(openFloors(p, s, placement(s)).judge({ format: "image", durationS: 15 })).toEqual({
			floor: 4,
			rule: "all",
		});
	});
});
