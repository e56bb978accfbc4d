// The rules that turn an auction's winner into what a screen may play: its play window, the answer
// it gets, and why a placement went unfilled. Pure, so the conductor (src/worker/decide/decide.ts) only
// moves data between these rules and the platform.

import type { PxAnswer } from "../api/answer";
import { normalizeDomain } from "../auction/advertisers";
import type { TakenSpot } from "../auction/allocate";
import type { Creative } from "../auction/creative";
import type { Placement } from "../model/model";

/** A player may start an ad this early before the planned play time. */
export const PLAY_EARLY_TOLERANCE_MS = 60_000;
/** Proof of play is accepted this long after the play window closes (Vistar allows 15 min). */
export const REPORT_GRACE_MS = 15 * 60_000;

export interface PlayWindow {
	notBefore: number;
	notAfter: number;
	/** Last moment a proof of play is accepted. */
	reportUntil: number;
}

/**
 * When a won spot may play: from a minute before its planned time (never before the request) to
 * the end of the request's play window or the bid's own expiry, whichever comes first. Whole
 * milliseconds: a DSP may send a fractional exp (1.5 s), and the ledger, the token and the win
 * event all keep epoch ms as integers.
 */
export function playWindow(input: {
	startedAt: number;
	playAt: number;
	playWindowS: number;
	/** The bid's exp, seconds from the auction (OpenRTB bid.exp), if it set one. */
	bidExpS?: unknown;
}): PlayWindow {
	const notBefore = Math.max(input.startedAt, input.playAt - PLAY_EARLY_TOLERANCE_MS);
	const bidExp =
		typeof input.bidExpS === "number" && Number.isFinite(input.bidExpS)
			? Math.floor(input.startedAt + input.bidExpS * 1000)
			: Infinity;
	const notAfter = Math.min(input.playAt + input.playWindowS * 1000, bidExp);
	return { notBefore, notAfter, reportUntil: notAfter + REPORT_GRACE_MS };
}

/** What the screen is told to play; the price stays out of it (answer.ts). */
export function answerFor(input: {
	decisionId: string;
	creative: Creative;
	advertiserDomains: string[];
	/** The approved bytes' copy the screen downloads instead of the DSP's URL (hosted-asset.ts). */
	hosted: { asset_url: string; sha256: string };
	window: PlayWindow;
	multiplier: number;
	/** The signed proof-of-play URL; the expiry URL is the same with `/expired`. */
	proofOfPlayUrl: string;
}): PxAnswer {
	const { creative, window } = input;
	return {
		decision_id: input.decisionId,
		creative: {
			id: creative.id,
			asset_url: input.hosted.asset_url,
			sha256: input.hosted.sha256,
			mime: creative.mime,
			w: creative.w,
			h: creative.h,
			duration_s: creative.duration_s,
			advertiser_domains: input.advertiserDomains,
		},
		play: {
			not_before: window.notBefore,
			not_after: window.notAfter,
			report_until: window.reportUntil,
		},
		impression_multiplier: input.multiplier,
		proof_of_play_url: input.proofOfPlayUrl,
		expiry_url: `${input.proofOfPlayUrl}/expired`,
	};
}

/** A decision already issued for a slot, still playable: served again while its creative is approved. */
export interface CachedDecision {
	decisionId: string;
	slotId: string;
	notBefore: number;
	notAfter: number;
	answer: PxAnswer;
	/** Its asset's unit of approval (approval.ts); null on ledger rows older than approvals. */
	approvalKey: string | null;
}

/**
 * For each placement, the earliest issued decision of its slot whose play window covers its time.
 * Each decision serves one placement at most: a loop's spots all fall inside one long window, and
 * one decision is one play.
 */
export function matchCached(
	placements: ReadonlyArray<Pick<Placement, "slot" | "playAt">>,
	cached: ReadonlyArray<CachedDecision>,
): (CachedDecision | undefined)[] {
	const used = new Set<string>();
	return placements.map((p) => {
		const match = cached.find(
			(d) =>
				d.slotId === p.slot.id &&
				!used.has(d.decisionId) &&
				d.notBefore <= p.playAt &&
				p.playAt <= d.notAfter,
		);
		if (match) used.add(match.decisionId);
		return match;
	});
}

/**
 * The advertisers separation keeps away from this request: those of decisions planned nearby,
 * except the ones this request is about to serve again or replace (what it serves again counts
 * per spot instead: `servedSpots`).
 */
export function recentAdvertisers(
	recent: ReadonlyArray<{ decisionId: string; domains: string[] }>,
	matched: ReadonlySet<string>,
): string[] {
	return [...new Set(recent.flatMap((r) => (matched.has(r.decisionId) ? [] : r.domains)))];
}

/**
 * Placements this request serves from the screen's cache, as spots their advertisers already hold
 * at the placement's time, for the auctions of the others (allocate.ts).
 */
export function servedSpots(
	served: ReadonlyArray<{ placement: Pick<Placement, "playAt" | "spotMs">; answer: PxAnswer }>,
): TakenSpot[] {
	return served.map(({ placement, answer }) => ({
		domains: answer.creative.advertiser_domains.map(normalizeDomain),
		start: placement.playAt,
		end: placement.playAt + placement.spotMs,
	}));
}
