import { describe, expect, it } from "vitest";
import { AdRequest, type AdRequestInput, Screen, type ScreenInput } from "../../src/px/model/model";
import { DEFAULT_SPOT_S, MAX_LEAD_MS, resolveAdRequest } from "../../src/px/screen/resolve";

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
		expect(result.value.placements[0]!.slot.id).toBe("ticker");
		expect(result.value.playAt).toBe(NOW);
	});

	it("prefers the registered profile over an inline description", () => {
		const inline = screenInput({
			venue: { type: 30101 },
			slots: [{ ...screenInput().slots[0]!, w: 64 }],
		});
		const result = resolveAdRequest(request({ screen: inline }), profile, NOW);
		expect(result.ok && result.value.screen.venue.type).toBe(70102);
		expect(result.ok && result.value.placements[0]!.slot.w).toBe(1080);
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
				kind: "unknown-screen",
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
		expect(result).toMatchObject({
			ok: false,
			error: { kind: "screen-mismatch", pointer: "#/screen/id" },
		});
	});

	it("answers 400 at #/slot_id for a slot the screen does not have", () => {
		const result = resolveAdRequest(request({ slot_id: "side" }), profile, NOW);
		expect(result).toMatchObject({
			ok: false,
			error: { kind: "unknown-slot", pointer: "#/slot_id" },
		});
		expect(!result.ok && result.error.detail).toContain('"main", "ticker"');
	});

	it("accepts play_at up to 24 h ahead and refuses later", () => {
		expect(resolveAdRequest(request({ play_at: NOW + MAX_LEAD_MS }), profile, NOW).ok).toBe(true);
		const late = resolveAdRequest(request({ play_at: NOW + MAX_LEAD_MS + 1 }), profile, NOW);
		expect(late).toMatchObject({
			ok: false,
			error: { kind: "bad-schedule", pointer: "#/play_at" },
		});
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
		expect(closed).toMatchObject({
			ok: false,
			error: { kind: "bad-schedule", pointer: "#/play_at" },
		});
	});
});

describe("resolveAdRequest: several display areas and loops", () => {
	const loopProfile = Screen.parse(
		screenInput({
			slots: [
				{
					id: "main",
					w: 1080,
					h: 1350,
					formats: ["video"],
					mimes: ["video/mp4"],
					max_duration: 15,
				},
				{
					id: "ticker",
					w: 1080,
					h: 200,
					formats: ["image"],
					mimes: ["image/png"],
					durations: [10],
				},
				{ id: "side", w: 400, h: 400, formats: ["image"], mimes: ["image/png"] },
			],
		}),
	);
	const placementsOf = (over: Partial<AdRequestInput>) => {
		const result = resolveAdRequest(
			AdRequest.parse({ screen_id: "lobby-7", play_at: NOW, ...over }),
			loopProfile,
			NOW,
		);
		if (!result.ok) throw new Error(JSON.stringify(result.error));
		return result.value;
	};

	it("slot_ids make one placement per area at the same time, imp ids in the order named", () => {
		const value = placementsOf({ slot_ids: ["ticker", "main"] });
		expect(value.multi).toBe(true);
		expect(value.placements.map((p) => [p.impId, p.slot.id, p.playAt, p.spotMs])).toEqual([
			["1", "ticker", NOW, 10_000],
			["2", "main", NOW, 15_000],
		]);
	});

	it("until fills a loop with whole spots of the slot's length, in time order across slots", () => {
		const value = placementsOf({ slot_ids: ["main", "ticker"], until: NOW + 30_000 });
		expect(value.placements.map((p) => [p.impId, p.slot.id, p.playAt - NOW])).toEqual([
			["1", "main", 0],
			["2", "ticker", 0],
			["3", "ticker", 10_000],
			["4", "main", 15_000],
			["5", "ticker", 20_000],
		]);
	});

	it("spot_s overrides the slot's length; a slot without durations gets the default spot", () => {
		expect(
			placementsOf({ slot_id: "main", until: NOW + 60_000, spot_s: 20 }).placements,
		).toHaveLength(3);
		expect(placementsOf({ slot_id: "side", until: NOW + 60_000 }).placements).toHaveLength(
			60 / DEFAULT_SPOT_S,
		);
	});

	it("refuses loops that need more than 16 placements, or leave no room for one spot", () => {
		const refused = (over: Partial<AdRequestInput>) =>
			resolveAdRequest(
				AdRequest.parse({ screen_id: "lobby-7", play_at: NOW, ...over }),
				loopProfile,
				NOW,
			);
		expect(refused({ slot_id: "ticker", until: NOW + 170_000 })).toMatchObject({
			ok: false,
			error: { kind: "bad-schedule", pointer: "#/until" },
		});
		expect(refused({ slot_id: "ticker", until: NOW + 160_000 }).ok).toBe(true);
		expect(refused({ slot_id: "main", until: NOW + 5_000 })).toMatchObject({
			ok: false,
			error: { kind: "bad-schedule", pointer: "#/until", detail: expect.stringContaining("15 s") },
		});
	});

	it("names the unknown slot in slot_ids by its index", () => {
		const result = resolveAdRequest(
			AdRequest.parse({ screen_id: "lobby-7", slot_ids: ["main", "nope"] }),
			loopProfile,
			NOW,
		);
		expect(result).toMatchObject({
			ok: false,
			error: { kind: "unknown-slot", pointer: "#/slot_ids/1" },
		});
	});

	it("the model wants exactly one of slot_id and slot_ids, no duplicates, and spot_s only in loops", () => {
		const issues = (body: unknown) =>
			AdRequest.safeParse(body).error?.issues.map((i) => i.path.join("/"));
		expect(issues({ screen_id: "s" })).toEqual(["slot_id"]);
		expect(issues({ screen_id: "s", slot_id: "a", slot_ids: ["b"] })).toEqual(["slot_ids"]);
		expect(issues({ screen_id: "s", slot_ids: ["a", "a"] })).toEqual(["slot_ids/1"]);
		expect(issues({ screen_id: "s", slot_id: "a", spot_s: 10 })).toEqual(["spot_s"]);
	});
});
