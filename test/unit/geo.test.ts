import { afterEach, describe, expect, it, vi } from "vitest";
import { isTimeZone, utcOffsetMinutes } from "../../src/px/geo";

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
});
