import { describe, expect, it } from "vitest";
import { Screen } from "../../src/px/model/model";
import { billedMultiplier, spotAudience, withAudience } from "../../src/px/pricing/audience";
import { resolveAdRequest } from "../../src/px/screen/resolve";

/** 168 values: hour h of the week is worth h + 1, except the dark ones. */
function week(dark: number[] = []): number[] {
	return Array.from({ length: 168 }, (_, h) => (dark.includes(h) ? 0 : h + 1));
}

const screen = (hourly: number[], timezone = "Europe/Berlin") =>
	Screen.parse({
		id: "s1",
		venue: { type: 10101 },
		geo: { lat: 52.5, lon: 13.4 },
		resolution: { w: 1920, h: 1080 },
		slots: [{ id: "main", w: 1920, h: 1080, formats: ["image", "video"], mimes: ["video/mp4"] }],
		timezone,
		audience: { hourly, per_seconds: 15, source: "publisher" },
	});

// Monday 2026-11-30 08:00 in Berlin (CET, UTC+1).
const MONDAY_8 = Date.UTC(2026, 10, 30, 7);

describe("audience by the hour", () => {
	it("takes the spot's own local hour and prorates it to the spot's length", () => {
		const s = screen(week());
		// Hour 8 of the week is worth 9 per 15 s spot: 30 s counts 18, 5 s counts 3.
		expect(spotAudience(s, MONDAY_8, 30_000)).toEqual({ kind: "known", multiplier: 18 });
		expect(spotAudience(s, MONDAY_8, 5_000)).toEqual({ kind: "known", multiplier: 3 });
		expect(spotAudience(s, MONDAY_8, 15_000)).toEqual({ kind: "known", multiplier: 9 });
	});

	it("changes value exactly at the hour boundary", () => {
		const s = screen(week());
		expect(spotAudience(s, MONDAY_8 - 1, 15_000)).toEqual({ kind: "known", multiplier: 8 });
		expect(spotAudience(s, MONDAY_8, 15_000)).toEqual({ kind: "known", multiplier: 9 });
	});

	it("follows the screen's wall clock across DST: the same UTC hour is another local hour", () => {
		const s = screen(week());
		// Monday 07:00 UTC is 08:00 in winter (CET) and 09:00 in summer (CEST).
		expect(spotAudience(s, Date.UTC(2026, 6, 6, 7), 15_000)).toEqual({
			kind: "known",
			multiplier: 10,
		});
		// Sunday 2026-03-29: 01:30 CET is hour 145, one hour later it is 03:30 CEST, hour 147.
		expect(spotAudience(s, Date.UTC(2026, 2, 29, 0, 30), 15_000)).toEqual({
			kind: "known",
			multiplier: 146,
		});
		expect(spotAudience(s, Date.UTC(2026, 2, 29, 1, 30), 15_000)).toEqual({
			kind: "known",
			multiplier: 148,
		});
	});

	it("a zero hour is dark: nothing is sold", () => {
		const s = screen(week([8]));
		expect(spotAudience(s, MONDAY_8, 15_000)).toEqual({ kind: "dark" });
		expect(
			withAudience(s, { impId: "1", slot: s.slots[0]!, playAt: MONDAY_8, spotMs: 15_000 }),
		).toMatchObject({ multiplier: 0 });
	});

	it("gives each spot of a loop spanning hours its own hour", () => {
		const s = screen(week([9]));
		const resolved = resolveAdRequest(
			{
				screen_id: "s1",
				slot_id: "main",
				play_at: MONDAY_8 + 59 * 60_000 + 30_000,
				until: MONDAY_8 + 60 * 60_000 + 30_000,
				spot_s: 15,
				play_window_s: 600,
				timeout_ms: 500,
			} as never,
			s,
			MONDAY_8,
		);
		if (!resolved.ok) throw new Error(resolved.error.detail);
		// 08:59:30 and 08:59:45 are hour 8 (9 each); 09:00:00 and 09:00:15 are dark hour 9.
		expect(resolved.value.placements.map((p) => p.multiplier)).toEqual([9, 9, 0, 0]);
	});

	it("keeps a fixed multiplier per play as it was", () => {
		expect(
			spotAudience({ audience: { multiplier: 2.5, source: "publisher" } }, MONDAY_8, 30_000),
		).toEqual({ kind: "known", multiplier: 2.5 });
		expect(spotAudience({}, MONDAY_8, 30_000)).toEqual({ kind: "unknown" });
	});

	it("refuses an hourly audience without 168 values or without a time zone, naming the field", () => {
		const bad = Screen.safeParse({
			...screen(week()),
			audience: { hourly: [1, 2], source: "publisher" },
		});
		expect(bad.success).toBe(false);
		expect(bad.error?.issues[0]?.path).toEqual(["audience", "hourly"]);
		const noZone = Screen.safeParse({ ...screen(week()), timezone: undefined });
		expect(noZone.error?.issues[0]?.path).toEqual(["timezone"]);
		const both = Screen.safeParse({
			...screen(week()),
			audience: { hourly: week(), multiplier: 3, source: "publisher" },
		});
		expect(both.error?.issues[0]?.path).toEqual(["audience", "multiplier"]);
	});

	it("bills a measured audience only when it is lower than the one sold", () => {
		expect(billedMultiplier(9, 4.5)).toBe(4.5);
		expect(billedMultiplier(9, 12)).toBe(9);
		expect(billedMultiplier(9, undefined)).toBe(9);
		expect(billedMultiplier(9, 0)).toBe(9);
	});
});
