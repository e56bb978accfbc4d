// Demo traffic: the demo screens asking for ads and reporting what they played, so the operator
// console and the report have something real to show under `npm run dev` (`npm run traffic`) and
// in the end-to-end tests. The player then reports it played (most), could not play it (some, via
// the expiry URL) or never reports (a few: the screen's alarm infers those expired later).
//
// A demo sends a screen's requests seconds apart, where a real screen asks once per spot. With
// the demo publisher's competitive separation (600 s per advertiser and screen) nearly every
// request would then lose to separation, so each request is for its own spot of the past day,
// more than 600 s from the screen's other spots, with a day-long window so it can be reported at
// once (the end-to-end test does the same).
import { DEMO_PUBLISHER_KEY, demoScreens } from "./screens";

export interface TrafficResult {
	requests: number;
	filled: number;
	plays: number;
	expiries: number;
}

export interface TrafficOptions {
	/** How many ad requests; they go round the demo screens. */
	requests: number;
	/** Pause between requests, ms. */
	everyMs?: number;
	/** Stop early (Ctrl-C in the CLI). */
	signal?: AbortSignal;
	log?: (line: string) => void;
}

/** More than the demo publisher's separation_seconds apart. */
const SPOT_SPACING_MS = 601_000;
/** Spots of the past 22 hours; a longer run reuses them (and meets separation again). */
const SPOTS_PER_DAY = 130;

/** Deterministic per request, so a run is reproducible: 0 ≤ x < 1. */
const fraction = (i: number) => ((i * 2654435761) % 4294967296) / 4294967296;

export async function playDemoTraffic(
	edge: string,
	options: TrafficOptions,
): Promise<TrafficResult> {
	const result: TrafficResult = { requests: 0, filled: 0, plays: 0, expiries: 0 };
	const slots = demoScreens.flatMap((s) =>
		s.slots.map((slot) => ({ screen: s.id, slot: slot.id })),
	);
	// Spots are counted back from one start time: computed from each request's own clock, a
	// screen's neighbouring spots would drift closer than the separation window.
	const start = Date.now();
	// A play is billed only with evidence the spot ran (README "Proof of play"): each is reported
	// with its spot's length on screen, once that much time has passed since its window opened.
	const due: { at: number; url: string; displayed_ms: number }[] = [];
	const report = async (until: number) => {
		for (const play of due.filter((p) => p.at <= until)) {
			due.splice(due.indexOf(play), 1);
			const wait = play.at - Date.now();
			if (wait > 0) await new Promise((r) => setTimeout(r, wait));
			const res = await fetch(play.url, {
				method: "POST",
				body: JSON.stringify({ displayed_ms: play.displayed_ms }),
			});
			if (res.ok) result.plays += 1;
			else await res.body?.cancel();
		}
	};
	for (let i = 0; i < options.requests && !options.signal?.aborted; i++) {
		const { screen, slot } = slots[i % slots.length]!;
		const spot = Math.floor(i / slots.length) % SPOTS_PER_DAY;
		const res = await fetch(`${edge}/v1/ad-requests`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
				"content-type": "application/json",
			},
			body: JSON.stringify({
				screen_id: screen,
				slot_id: slot,
				play_at: start - (spot + 1) * SPOT_SPACING_MS,
				play_window_s: 86_400,
			}),
		});
		result.requests += 1;
		if (res.ok) {
			const answer = (await res.json()) as {
				filled: boolean;
				proof_of_play_url?: string;
				expiry_url?: string;
				creative?: { duration_s: number };
				play?: { not_before: number };
			};
			if (answer.filled) {
				result.filled += 1;
				// The answer's URLs name the public host; a local run reaches them on `edge`.
				const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, edge);
				const f = fraction(i + 1);
				if (f < 0.85 && answer.proof_of_play_url) {
					// A still names no duration: the demo slots' spots are at most 15 s.
					const displayed_ms = (answer.creative?.duration_s || 15) * 1000;
					const opened = answer.play?.not_before ?? Date.now();
					due.push({
						at: opened + displayed_ms,
						url: local(answer.proof_of_play_url),
						displayed_ms,
					});
				} else if (f < 0.95 && answer.expiry_url) {
					const expired = await fetch(local(answer.expiry_url), { method: "POST" });
					if (expired.ok) result.expiries += 1;
				}
			}
		} else {
			await res.body?.cancel();
		}
		await report(Date.now());
		options.log?.(
			`${screen}/${slot}: ${res.status} (${result.filled}/${result.requests} filled, ${result.plays} played)`,
		);
		if (options.everyMs) await new Promise((r) => setTimeout(r, options.everyMs));
	}
	await report(Number.POSITIVE_INFINITY);
	return result;
}
