// Shared test data: the demo publisher key (its hash is in wrangler.toml) and screens.
import type { ScreenInput } from "../../src/px/model";

export const PUBLISHER_KEY = "demo-publisher-key";
export const REVIEWER_KEY = "demo-reviewer-key";
export const BASE = "https://px-edge.test";

export const authHeaders = (key = PUBLISHER_KEY): Record<string, string> => ({
	authorization: `Bearer ${key}`,
	"content-type": "application/json",
});

export function lobbyScreen(id = "lobby-1"): ScreenInput {
	return {
		id,
		name: "Office lobby, north entrance",
		venue: { type: 70102 },
		geo: { lat: 40.7527, lon: -73.9772, country: "USA", city: "New York" },
		resolution: { w: 1080, h: 1920 },
		physical: { width_mm: 680, height_mm: 1210 },
		slots: [
			{
				id: "main",
				w: 1080,
				h: 1920,
				formats: ["image", "video"],
				mimes: ["image/jpeg", "image/png", "video/mp4"],
				min_duration: 5,
				max_duration: 15,
			},
		],
		connectivity: "wifi",
		timezone: "America/New_York",
		audience: { multiplier: 12.5, source: "vendor", vendor: "geopath" },
	};
}

/** A roadside billboard that plays static images only, described inline (not registered). */
export function billboardScreen(id = "billboard-1"): ScreenInput {
	return {
		id,
		venue: { type: 30101 },
		geo: { lat: 34.0522, lon: -118.2437 },
		resolution: { w: 1400, h: 400 },
		slots: [
			{ id: "face-a", w: 1400, h: 400, formats: ["image"], mimes: ["image/png", "image/jpeg"] },
		],
	};
}
