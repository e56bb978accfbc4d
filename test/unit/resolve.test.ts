import { describe, expect, it } from "vitest";
import { AdRequest, type AdRequestInput, Screen, type ScreenInput } from "../../src/px/model";
import { MAX_LEAD_MS, resolveAdRequest } from "../../src/px/resolve";

const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);

const screenInput = (over: Partial<ScreenInput> = {}): ScreenInput => ({
	id: "lobby-7",
	venue: { type: 70102 },
	geo: { lat: 52.52, lon: 13.405 },
	resolution: { w: 1080, h: 1920 },
	slots: [
		{ id: "main", w: 1080, h: 1350, formats: ["video"], mimes: ["video/mp4"], max_duration: 15 },
		{ id: "ticker", w: 1080, h: 200, formats: ["image"], mimes: ["image/png"] },
	],
	...over,
});
const profile = Screen.parse(screenInput());
const request = (over: Partial<AdRequestInput> = {}) =>
	AdRequest.parse({ screen_id: "lobby-7", slot_id: "main", ...over });

describe("resolveAdRequest", () => {
	it("joins a registered screen's profile and slot", () => {
		const result = resolveAdRequest(request({ slot_id: "ticker" }), profile, NOW);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.value.screen).toBe(profile);
		expect(result.value.slot.id).toBe("ticker");
		expect(result.value.playAt).toBe(NOW);
	});

	it("prefers the registered profile over an inline description", () => {
		const inline = screenInput({
			venue: { type: 30101 },
			slots: [{ ...screenInput().slots[0]!, w: 64 }],
		});
		const result = resolveAdRequest(request({ screen: inline }), profile, NOW);
		expect(result.ok && result.value.screen.venue.type).toBe(70102);
		expect(result.ok && result.value.slot.w).toBe(1080);
	});

	it("uses the inline description of an unregistered screen", () => {
		const inline = screenInput({ venue: { type: 30101 } });
		const result = resolveAdRequest(request({ screen: inline }), undefined, NOW);
		expect(result.ok && result.value.screen.venue.type).toBe(30101);
	});

	it("answers 404 at #/screen_id for an unknown screen that does not describe itself", () => {
		expect(resolveAdRequest(request(), undefined, NOW)).toEqual({
			ok: false,
			error: {
				status: 404,
				pointer: "#/screen_id",
				detail: 'screen "lobby-7" is not registered and the request does not describe it',
			},
		});
	});

	it("answers 422 when an inline screen claims another id", () => {
		const result = resolveAdRequest(
			request({ screen: screenInput({ id: "other" }) }),
			undefined,
			NOW,
		);
		expect(result).toMatchObject({ ok: false, error: { status: 422, pointer: "#/screen/id" } });
	});

	it("answers 400 at #/slot_id for a slot the screen does not have", () => {
		const result = resolveAdRequest(request({ slot_id: "side" }), profile, NOW);
		expect(result).toMatchObject({ ok: false, error: { status: 400, pointer: "#/slot_id" } });
		expect(!result.ok && result.error.detail).toContain('"main", "ticker"');
	});

	it("accepts play_at up to 24 h ahead and refuses later", () => {
		expect(resolveAdRequest(request({ play_at: NOW + MAX_LEAD_MS }), profile, NOW).ok).toBe(true);
		const late = resolveAdRequest(request({ play_at: NOW + MAX_LEAD_MS + 1 }), profile, NOW);
		expect(late).toMatchObject({ ok: false, error: { status: 400, pointer: "#/play_at" } });
	});

	it("accepts a play_at in the past while its window is open, refuses it after", () => {
		const open = resolveAdRequest(
			request({ play_at: NOW - 60_000, play_window_s: 120 }),
			profile,
			NOW,
		);
		expect(open.ok && open.value.playAt).toBe(NOW - 60_000);
		const closed = resolveAdRequest(
			request({ play_at: NOW - 120_000, play_window_s: 120 }),
			profile,
			NOW,
		);
		expect(closed).toMatchObject({ ok: false, error: { status: 400, pointer: "#/play_at" } });
	});
});
