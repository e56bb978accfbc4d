// The demo publisher's screens, registered through the data collection API by `npm run dev`.
import type { ScreenInput } from "../src/px/model/model";

export const DEMO_PUBLISHER_KEY = "demo-publisher-key";

/**
 * A hotel elevator's audience per 10 s spot, hour by hour from Monday 00:00 London time: the
 * morning and evening rushes on weekdays, a calmer weekend, a few riders at night (never dark, so
 * the demo always has something to sell).
 */
const elevatorWeek: number[] = Array.from({ length: 168 }, (_, weekHour) => {
	const day = Math.floor(weekHour / 24);
	const hour = weekHour % 24;
	if (hour < 7 || hour >= 22) return 0.5;
	if (day >= 5) return hour < 10 ? 1.5 : 3;
	return (hour >= 7 && hour < 10) || (hour >= 17 && hour < 20) ? 6 : 4;
});

export const demoScreens: ScreenInput[] = [
	{
		id: "demo-lobby-1",
		name: "Office tower lobby, portrait video",
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
				mimes: ["image/png", "image/jpeg", "video/mp4"],
				min_duration: 5,
				max_duration: 15,
			},
		],
		connectivity: "wifi",
		timezone: "America/New_York",
		audience: { multiplier: 12.5, source: "vendor", vendor: "geopath" },
	},
	{
		id: "demo-billboard-1",
		name: "Sunset Blvd roadside billboard, static",
		venue: { type: 30101 },
		geo: { lat: 34.0983, lon: -118.3267, country: "USA", city: "Los Angeles" },
		resolution: { w: 1400, h: 400 },
		slots: [
			{ id: "face-a", w: 1400, h: 400, formats: ["image"], mimes: ["image/png", "image/jpeg"] },
		],
		connectivity: "cellular",
		timezone: "America/Los_Angeles",
		audience: { multiplier: 310, source: "publisher" },
	},
	{
		id: "demo-elevator-1",
		name: "Hotel elevator, short spots",
		venue: { type: 80702 },
		geo: { lat: 51.5072, lon: -0.1276, country: "GBR", city: "London" },
		resolution: { w: 1920, h: 1080 },
		slots: [
			{
				id: "main",
				w: 1920,
				h: 1080,
				formats: ["image", "video"],
				mimes: ["image/png", "video/mp4"],
				min_duration: 5,
				max_duration: 10,
			},
		],
		timezone: "Europe/London",
		audience: { hourly: elevatorWeek, per_seconds: 10, source: "exchange" },
	},
	{
		id: "demo-transit-1",
		name: "Metro platform, a main area and a side strip",
		venue: { type: 10502 },
		geo: { lat: 48.8606, lon: 2.3376, country: "FRA", city: "Paris" },
		resolution: { w: 1920, h: 1080 },
		slots: [
			{
				id: "main",
				w: 1440,
				h: 1080,
				formats: ["image", "video"],
				mimes: ["image/png", "video/mp4"],
				min_duration: 5,
				max_duration: 15,
			},
			{ id: "side", w: 480, h: 1080, formats: ["image"], mimes: ["image/png"], durations: [10] },
		],
		connectivity: "wired",
		timezone: "Europe/Paris",
		audience: { multiplier: 40, source: "publisher" },
	},
];

/** Waits for an edge's /healthz, then registers the demo screens through the data collection API. */
export async function registerDemoScreens(edge: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (
		!(await fetch(`${edge}/healthz`).then(
			(r) => r.ok,
			() => false,
		))
	) {
		if (Date.now() > deadline) throw new Error(`${edge} did not answer /healthz`);
		await new Promise((r) => setTimeout(r, 250));
	}
	for (const screen of demoScreens) {
		const res = await fetch(`${edge}/v1/screens/${screen.id}`, {
			method: "PUT",
			headers: {
				authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
				"content-type": "application/json",
			},
			body: JSON.stringify(screen),
		});
		if (!res.ok) throw new Error(`registering ${screen.id}: ${res.status} ${await res.text()}`);
	}
}
