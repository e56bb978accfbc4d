// Shared settings of `npm run bench`: loopback ports (away from `npm run dev`'s 8787/8790), the
// three bench DSPs, and the PX ad request the load generator sends.
import { demoScreens } from "../demo/screens";
import type { AdRequestInput, ScreenInput } from "../src/px/model";

export const HOST = "127.0.0.1";
export const PORTS = {
	edge: 18787,
	edgeInspector: 19229,
	baseline: 18788,
	baselineInspector: 19230,
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
];

export const dspEndpoint = (index: number) =>
	`http://${HOST}:${PORTS.dsp + index}/dsp/${BENCH_DSPS[index]!.name}`;

/** BIDDERS for the edge: the three bench DSPs, nothing else. */
export function benchBidders(): string {
	return JSON.stringify(
		BENCH_DSPS.map((dsp, i) => ({ name: dsp.name, endpoint: dspEndpoint(i), priority: 10 + i })),
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
	const request: AdRequestInput = {
		screen_id: screenId,
		slot_id: "main",
		play_at: playAt,
		play_window_s: PLAY_WINDOW_S,
		screen: benchScreen(screenId),
		...extra,
	};
	return JSON.stringify(request);
}
