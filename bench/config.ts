// Shared settings of `npm run bench`: loopback ports (away from `npm run dev`'s 8787/8790), the
// three bench DSPs, and the PX ad request the load generator sends.
import { demoScreens } from "../demo/screens";
import type { AdRequestInput, ScreenInput } from "../src/px/model/model";

export const HOST = "127.0.0.1";
export const PORTS = {
	edge: 18787,
	edgeInspector: 19229,
	baseline: 18788,
	baselineInspector: 19230,
	/** px-consumers, in a wrangler dev of its own (the background role, bench/roles.ts). */
	consumers: 18789,
	consumersInspector: 19231,
	/** One port per DSP, consecutive from here. */
	dsp: 18791,
} as const;

export interface BenchDsp {
	name: string;
	media: "video" | "static";
	price: number;
	crid: string;
	adomain: string;
	/** Never answers requests for screens whose id starts with this (the deadline phase). */
	hangsFor?: string;
	/** Buys only the six-DSP screens' venue: called in the six-DSP rounds, not the others. */
	sixOnly?: boolean;
}

/** Three DSPs that answer instantly with valid bids, each a different advertiser. */
export const BENCH_DSPS: BenchDsp[] = [
	{
		name: "bench-a",
		media: "video",
		price: 12,
		crid: "bench-a-spot",
		adomain: "alpha-drinks.example",
	},
	{
		name: "bench-b",
		media: "static",
		price: 9,
		crid: "bench-b-poster",
		adomain: "bravo-bank.example",
	},
	{
		name: "bench-c",
		media: "static",
		price: 6,
		crid: "bench-c-poster",
		adomain: "charlie-travel.example",
		hangsFor: "deadline-",
	},
	...(["delta", "echo", "foxtrot"] as const).map(
		(word, i): BenchDsp => ({
			name: `bench-${word[0]}`,
			media: "static",
			price: 5 - i,
			crid: `bench-${word[0]}-poster`,
			adomain: `${word}-brand.example`,
			sixOnly: true,
		}),
	),
];

/** The venue only the six-DSP screens have (OpenOOH 80702): bench-d…f buy it alone. */
export const SIX_DSP_VENUE = 80702;
/** Screens whose id starts with this are at the six-DSP venue. */
export const SIX_DSP_PREFIX = "six-";
export const DSPS_PER_REQUEST = { usual: 3, six: 6 } as const;

export const dspEndpoint = (index: number) =>
	`http://${HOST}:${PORTS.dsp + index}/dsp/${BENCH_DSPS[index]!.name}`;

/** BIDDERS for the edge: three catch-all bench DSPs, and three more for the six-DSP venue. */
export function benchBidders(): string {
	return JSON.stringify(
		BENCH_DSPS.map((dsp, i) => ({
			name: dsp.name,
			endpoint: dspEndpoint(i),
			priority: 10 + i,
			...(dsp.sixOnly ? { venue_types: [SIX_DSP_VENUE] } : {}),
		})),
	);
}

/** The demo lobby screen (portrait, image + video, 5–15 s) under another id, described inline. */
export function benchScreen(id: string): ScreenInput {
	return { ...demoScreens[0]!, id };
}

/**
 * Play times this far apart never share a cached decision (play window 300 s + 60 s early
 * tolerance) nor a competitive-separation window (the demo publisher's 30 s; minutes on real networks).
 */
export const PLAY_AT_SPACING_MS = 11 * 60_000;
export const PLAY_WINDOW_S = 300;

export function adRequestBody(
	screenId: string,
	playAt: number,
	extra: Partial<AdRequestInput> = {},
): string {
	const screen = benchScreen(screenId);
	const request: AdRequestInput = {
		screen_id: screenId,
		slot_id: "main",
		play_at: playAt,
		play_window_s: PLAY_WINDOW_S,
		screen: screenId.startsWith(SIX_DSP_PREFIX)
			? { ...screen, venue: { ...screen.venue, type: SIX_DSP_VENUE } }
			: screen,
		...extra,
	};
	return JSON.stringify(request);
}

/** 120 spacings of 11 min stay inside the 24 h lead the edge accepts. */
const PASSES_PER_GENERATION = 120;

/** Fresh decisions only: a screen from a pool, each pass over the pool 11 min later. */
export function freshBodies(
	prefix: string,
	pool: number,
	extra: Partial<AdRequestInput> = {},
): () => string {
	const base = Date.now() + 120_000;
	let n = 0;
	return () => {
		const i = n++;
		const pass = Math.floor(i / pool);
		const generation = Math.floor(pass / PASSES_PER_GENERATION);
		const playAt = base + (pass % PASSES_PER_GENERATION) * PLAY_AT_SPACING_MS;
		return adRequestBody(`${prefix}${generation}-${i % pool}`, playAt, extra);
	};
}
