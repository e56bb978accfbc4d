import { afterEach, describe, expect, it, vi } from "vitest";
import { isTimeZone, localWeekHour, utcOffsetMinutes } from "../../src/px/model/geo";

afterEach(() => vi.restoreAllMocks());

describe("time zones", () => {
	it("build a zone's Intl formatter once per isolate, not once per check and offset", () => {
		const built = vi.spyOn(Intl, "DateTimeFormat");
		const at = Date.UTC(2026, 6, 1, 12);
		for (let i = 0; i < 5; i++) {
			expect(isTimeZone("America/Chicago")).toBe(true);
			expect(utcOffsetMinutes("America/Chicago", at)).toBe(-300);
		}
		// Was 11: every validation and every offset built a new formatter (ICU work).
		expect(built).toHaveBeenCalledTimes(1);
	});

	it("still refuses zones Intl does not know, each time", () => {
		expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
		expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
		expect(utcOffsetMinutes("Mars/Olympus_Mons", Date.now())).toBeUndefined();
	});

	it("keeps offsets exact across a DST change", () => {
		expect(utcOffsetMinutes("Europe/Berlin", Date.UTC(2026, 0, 15))).toBe(60);
		expect(utcOffsetMinutes("Europe/Berlin", Date.UTC(2026, 6, 15))).toBe(120);
	});

	it("counts the local hour of the week from Monday 00:00, across DST changes", () => {
		// Monday 2026-11-30 00:10 in Berlin is Sunday 23:10 UTC.
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 10, 29, 23, 10))).toEqual({
			weekHour: 0,
			day: 0,
			hour: 0,
		});
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 10, 29, 22, 59))?.weekHour).toBe(167);
		// Spring forward (Sunday 2026-03-29): 01:30 CET, then 03:30 CEST an hour later; 02:00 never is.
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 2, 29, 0, 30))?.weekHour).toBe(6 * 24 + 1);
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 2, 29, 1, 30))?.weekHour).toBe(6 * 24 + 3);
		// Fall back (Sunday 2026-10-25): 02:30 happens twice, an hour apart in UTC.
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 9, 25, 0, 30))?.hour).toBe(2);
		expect(localWeekHour("Europe/Berlin", Date.UTC(2026, 9, 25, 1, 30))?.hour).toBe(2);
		expect(localWeekHour("America/New_York", Date.UTC(2026, 6, 6, 12))).toEqual({
			weekHour: 8,
			day: 0,
			hour: 8,
		});
		expect(localWeekHour("Mars/Olympus_Mons", 0)).toBeUndefined();
	});
});
