import { describe, expect, it } from "vitest";
import type { PlacementOutcome, PxAnswer } from "../../src/px/api/answer";
import { dialectByName, dialects, parseDialectRequest } from "../../src/px/dialects";
import { vistar } from "../../src/px/dialects/vistar";

const issuesOf = (name: string, body: unknown) => {
	const result = parseDialectRequest(name, body);
	if (result.ok) throw new Error("expected the body to be rejected");
	return result.issues;
};

describe("dialect registry", () => {
	it("registers each dialect under its own name", () => {
		for (const [key, dialect] of Object.entries(dialects)) expect(dialect.name).toBe(key);
	});

	it("flags an unknown dialect, also one named like an Object.prototype key", () => {
		for (const name of ["broadsign", "__proto__", "toString"]) {
			const result = parseDialectRequest(name, {});
			expect(result).toMatchObject({ ok: false, unknownDialect: true });
			expect(dialectByName(name)).toBeUndefined();
		}
	});
});

describe("px dialect", () => {
	const lobby = {
		id: "lobby-7",
		venue: { type: 70102 },
		geo: { lat: 52.52, lon: 13.405 },
		resolution: { w: 1080, h: 1920 },
		slots: [{ id: "main", w: 1080, h: 1350, formats: ["video"], mimes: ["video/mp4"] }],
	};

	it("accepts a registered screen's request and applies the model's defaults", () => {
		const result = parseDialectRequest("px", { screen_id: "lobby-7", slot_id: "main" });
		expect(result).toEqual({
			ok: true,
			request: {
				screen_id: "lobby-7",
				slot_id: "main",
				play_window_s: 3600,
				timeout_ms: 500,
				test: false,
			},
		});
	});

	it("accepts an inline screen", () => {
		const result = parseDialectRequest("px", {
			screen_id: "lobby-7",
			slot_id: "main",
			screen: lobby,
		});
		expect(result.ok && result.request.screen?.venue.type).toBe(70102);
	});

	it("names a missing field", () => {
		expect(issuesOf("px", { slot_id: "main" })).toEqual([
			{ pointer: "#/screen_id", detail: "is required" },
		]);
	});

	it("names a field of the wrong type", () => {
		const issues = issuesOf("px", { screen_id: "lobby-7", slot_id: 5 });
		expect(issues).toHaveLength(1);
		expect(issues[0]?.pointer).toBe("#/slot_id");
		expect(issues[0]?.detail).not.toBe("is required");
	});

	it("names an unknown venue type", () => {
		const screen = { ...lobby, venue: { type: 20202 } };
		expect(issuesOf("px", { screen_id: "lobby-7", slot_id: "main", screen })).toEqual([
			{ pointer: "#/screen/venue/type", detail: "unknown OpenOOH venue type" },
		]);
	});

	it("names the root when the body is not an object", () => {
		expect(issuesOf("px", "hello")[0]?.pointer).toBe("#");
	});
});

describe("vistar dialect", () => {
	const DISPLAY_TIME = 1_748_865_600; // 2025-06-02T12:00:00Z
	const body = () => ({
		network_id: "net-1",
		device_id: "kiosk-42",
		venue_id: "Mall of Berlin, level 1",
		display_time: DISPLAY_TIME,
		direct_connection: true,
		latitude: 52.5096,
		longitude: 13.3806,
		device_attribute: [
			{ name: "screen_name", value: "Concourse kiosk 42" },
			{ name: "venue_type", value: "20501" },
			{ name: "interactive", value: "true" },
			{ name: "audience_per_play", value: "4.5" },
			{ name: "country", value: "DEU" },
			{ name: "keywords", value: "mall, concourse ,touch" },
			{ name: "firmware", value: "7.2.1" },
		],
		display_area: [
			{
				id: "main",
				width: 1080,
				height: 1920,
				allow_audio: false,
				supported_media: ["image/jpeg", "video/mp4", "application/x-shockwave-flash"],
				min_duration: 5,
				max_duration: 30,
				cpm_floor_cents: 850,
			},
			{
				id: "banner",
				width: 1080,
				height: 300,
				allow_audio: false,
				supported_media: ["image/png"],
				static_duration: 10,
			},
		],
	});

	it("maps a self-describing device into a PX request with an inline screen", () => {
		const result = parseDialectRequest("vistar", body());
		if (!result.ok) throw new Error(JSON.stringify(result.issues));
		const { request } = result;
		// Every display area gets an ad, as in Vistar.
		expect(request).toMatchObject({
			screen_id: "kiosk-42",
			slot_ids: ["main", "banner"],
			play_at: DISPLAY_TIME * 1000,
		});
		expect(request.slot_id).toBeUndefined();
		expect(request.screen).toMatchObject({
			id: "kiosk-42",
			name: "Concourse kiosk 42",
			venue: { type: 20501, name: "Mall of Berlin, level 1" },
			geo: { lat: 52.5096, lon: 13.3806, country: "DEU" },
			resolution: { w: 1080, h: 1920 },
			interactive: true,
			audience: { multiplier: 4.5, source: "publisher" },
			keywords: ["mall", "concourse", "touch"],
		});
		expect(request.screen?.slots).toEqual([
			{
				id: "main",
				w: 1080,
				h: 1920,
				formats: ["image", "video"],
				mimes: ["image/jpeg", "video/mp4"],
				min_duration: 5,
				max_duration: 30,
				audio: false,
				exact_aspect: false,
				floor_cpm: 8.5,
			},
			{
				id: "banner",
				w: 1080,
				h: 300,
				formats: ["image"],
				mimes: ["image/png"],
				durations: [10],
				audio: false,
				exact_aspect: false,
			},
		]);
	});

	it("a loop_end_time asks for a loop until then, in epoch seconds", () => {
		const result = parseDialectRequest("vistar", {
			...body(),
			display_area_id: "banner",
			loop_end_time: DISPLAY_TIME + 60,
		});
		expect(result.ok && [result.request.slot_id, result.request.until]).toEqual([
			"banner",
			(DISPLAY_TIME + 60) * 1000,
		]);
		expect(
			issuesOf("vistar", { ...body(), loop_end_time: (DISPLAY_TIME + 60) * 1000 })[0]?.pointer,
		).toBe("#/loop_end_time");
	});

	it("picks the display area named by display_area_id", () => {
		const result = parseDialectRequest("vistar", { ...body(), display_area_id: "banner" });
		expect(result.ok && result.request.slot_id).toBe("banner");
	});

	it("sends no inline screen for a device that does not say where it is", () => {
		const { latitude: _lat, longitude: _lon, ...registered } = body();
		const result = parseDialectRequest("vistar", registered);
		expect(result.ok && result.request.screen).toBeUndefined();
		expect(result.ok && result.request.screen_id).toBe("kiosk-42");
	});

	it("names a missing field", () => {
		const { device_id: _, ...rest } = body();
		expect(issuesOf("vistar", rest)).toEqual([{ pointer: "#/device_id", detail: "is required" }]);
	});

	it("names a field of the wrong type inside a display area", () => {
		const wrong = body();
		(wrong.display_area[0] as { width: unknown }).width = "1080";
		const issues = issuesOf("vistar", wrong);
		expect(issues.map((i) => i.pointer)).toEqual(["#/display_area/0/width"]);
	});

	it("names an unknown venue type at the device attribute that carried it", () => {
		const unknown = body();
		unknown.device_attribute[1] = { name: "venue_type", value: "20202" };
		expect(issuesOf("vistar", unknown)).toEqual([
			{ pointer: "#/device_attribute/1/value", detail: "unknown OpenOOH 1.1 venue type id" },
		]);
	});

	it("refuses an API key in the body", () => {
		const issues = issuesOf("vistar", { ...body(), api_key: "secret" });
		expect(issues.map((i) => i.pointer)).toEqual(["#/api_key"]);
		expect(issues[0]?.detail).toContain("Authorization header");
	});

	it("refuses a display_time in milliseconds", () => {
		const issues = issuesOf("vistar", { ...body(), display_time: DISPLAY_TIME * 1000 });
		expect(issues.map((i) => i.pointer)).toEqual(["#/display_time"]);
	});

	it("refuses a display_area_id that names no display area, and duplicate ids", () => {
		expect(issuesOf("vistar", { ...body(), display_area_id: "side" })[0]?.pointer).toBe(
			"#/display_area_id",
		);
		const dup = body();
		dup.display_area[1]!.id = "main";
		expect(issuesOf("vistar", dup)[0]?.pointer).toBe("#/display_area/1/id");
	});

	it("refuses a display area with no servable media type", () => {
		const flash = body();
		flash.display_area[1]!.supported_media = ["application/x-shockwave-flash"];
		expect(issuesOf("vistar", flash)[0]?.pointer).toBe("#/display_area/1/supported_media");
	});

	it("maps PX model rejections back to the Vistar field", () => {
		const many = body();
		const keywords = Array.from({ length: 40 }, (_, i) => `k${i}`).join(",");
		many.device_attribute[5] = { name: "keywords", value: keywords };
		expect(issuesOf("vistar", many)).toEqual([
			{ pointer: "#/device_attribute", detail: expect.any(String) },
		]);
	});

	it("maps resolve pointers back to Vistar fields", () => {
		const map = vistar.toDialectPointer!;
		expect(map("#/screen_id")).toBe("#/device_id");
		expect(map("#/slot_id")).toBe("#/display_area");
		expect(map("#/play_at")).toBe("#/display_time");
		expect(map("#/screen/slots/1/w")).toBe("#/display_area/1/width");
		expect(map("#/screen/slots/0/durations/0")).toBe("#/display_area/0/static_duration");
		expect(map("#/screen/geo/lat")).toBe("#/latitude");
		expect(map("#/screen/venue/type")).toBe("#/device_attribute");
		expect(map("#/timeout_ms")).toBe("#");
	});

	describe("answer", () => {
		const answer: PxAnswer = {
			decision_id: "d-1",
			creative: {
				id: "cr-9",
				asset_url: `https://px.example/v1/assets/${"ab".repeat(32)}`,
				sha256: "ab".repeat(32),
				mime: "image/png",
				w: 1080,
				h: 300,
				duration_s: 10,
				advertiser_domains: ["brand.example"],
			},
			play: {
				not_before: DISPLAY_TIME * 1000,
				not_after: DISPLAY_TIME * 1000 + 3_600_500,
				report_until: DISPLAY_TIME * 1000 + 4_500_500,
			},
			impression_multiplier: 4.5,
			proof_of_play_url: "https://px.example/v1/plays/tok",
			expiry_url: "https://px.example/v1/plays/tok/expired",
		};

		it("lists the ad the way Vistar players read it", () => {
			const decided = (outcome: Partial<PlacementOutcome>) => ({
				multi: false,
				placements: [
					{ slot_id: "banner", play_at: DISPLAY_TIME * 1000, cached: false, ...outcome },
				],
			});
			expect(vistar.toDialectAnswer(decided({ answer }))).toEqual({
				advertisement: [
					{
						id: "d-1",
						proof_of_play_url: "https://px.example/v1/plays/tok",
						expiration_url: "https://px.example/v1/plays/tok/expired",
						display_time: DISPLAY_TIME,
						lease_expiry: DISPLAY_TIME + 3600,
						display_area_id: "banner",
						creative_id: "cr-9",
						asset_id: "cr-9",
						asset_url: answer.creative.asset_url,
						mime_type: "image/png",
						width: 1080,
						height: 300,
						length_in_seconds: 10,
						length_in_milliseconds: 10_000,
						advertiser: "brand.example",
					},
				],
			});
		});

		it("lists one advertisement per filled display area or loop spot, with its own display_time", () => {
			const shaped = vistar.toDialectAnswer({
				multi: true,
				placements: [
					{ slot_id: "main", play_at: DISPLAY_TIME * 1000, cached: false, answer },
					{
						slot_id: "banner",
						play_at: DISPLAY_TIME * 1000,
						cached: false,
						no_fill_reason: "no_bids",
					},
					{ slot_id: "main", play_at: (DISPLAY_TIME + 15) * 1000, cached: true, answer },
				],
			}) as { advertisement: { display_area_id: string; display_time: number }[] };
			expect(shaped.advertisement.map((a) => [a.display_area_id, a.display_time])).toEqual([
				["main", DISPLAY_TIME],
				["main", DISPLAY_TIME + 15],
			]);
		});

		it("answers an empty list when there is no ad", () => {
			const decided = {
				multi: false,
				placements: [
					{
						slot_id: "banner",
						play_at: DISPLAY_TIME * 1000,
						cached: false,
						no_fill_reason: "no_bids" as const,
					},
				],
			};
			expect(vistar.toDialectAnswer(decided)).toEqual({ advertisement: [] });
		});
	});
});
