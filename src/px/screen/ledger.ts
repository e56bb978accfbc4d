// The proof-of-play ledger's contract: what a screen's object stores per decision and what its
// methods answer. It lives in the domain, not beside the object, because the decision path, the
// settlement events and the buyers' notices all read the same shapes and must not import the
// Durable Object (or each other) to do so.

import type { PxAnswer } from "../api/answer";
import type { NotBillableReason } from "../api/play-report";
import { normalizeDomain } from "../auction/advertisers";
import type { PathIssue } from "../model/field-issues";
import { mergePatch } from "../model/merge-patch";
import { Screen } from "../model/model";
import type { MacroValues } from "../notices/macros";
import type { CpmSplit } from "../pricing/take";
import type { CachedDecision, PlayWindow } from "./decision";

/** What the edge stores per decision: the answer to replay from cache, and the PoP ledger entry. */
export interface DecisionRecord {
	decisionId: string;
	slotId: string;
	playAt: number;
	notBefore: number;
	notAfter: number;
	/** Last moment a proof of play is accepted (not_after plus the reporting grace). */
	reportUntil: number;
	answer: PxAnswer;
	advertiserDomains: string[];
	notices: DecisionNotices;
	meta: DecisionMeta;
	/** Kept for separation checks after the decision itself is no longer needed. */
	separationSeconds: number;
}

/**
 * How much earlier than the edge's own give-up instant a screen's object stops accepting a ledger
 * write. The object compares that instant, read on the edge's clock, with its own clock, and a
 * write it accepts must still reach the edge before the edge stops waiting; so this covers the
 * disagreement between the two machines' clocks (NTP keeps it to a few ms) plus the reply's way
 * back. Kept well under LEDGER_MIN_MS (src/worker/decide/winners.ts) so a write always has time to land.
 */
export const LEDGER_CLOCK_SKEW_MS = 20;

/**
 * What a ledger write did. Refused: the edge had (or was about to have) given up on it, so nothing
 * was written: a decision whose buyer is told it lost must never be served or billed.
 */
export type LedgerWrite = { kind: "recorded" } | { kind: "refused"; lateMs: number };

/** True when a write arriving at `now` (the object's clock) must be refused (see LEDGER_CLOCK_SKEW_MS). */
export function tooLateToRecord(now: number, edgeGivesUpAt: number): boolean {
	return now > edgeGivesUpAt - LEDGER_CLOCK_SKEW_MS;
}

/** The won bid a ledger entry is for, as the auction left it. */
export interface LedgerWinner {
	bidder: string;
	crid: string;
	/** Its asset's unit of approval: re-checked before the decision is served again or billed. */
	approvalKey: string;
	/** What the buyer pays per mille: the clearing price, never its bid. */
	clearingPrice: number;
	/** Its advertiser domains as it sent them (clipped), normalized here for separation. */
	adomain: string[];
	/** The clearing price split by the publisher's take as it stood at the auction. */
	split?: CpmSplit;
}

/**
 * A won placement's ledger entry: what the screen's object keeps to serve the decision again,
 * bill its play at the clearing price and keep its advertiser away for the separation window.
 */
export function ledgerEntry(input: {
	decisionId: string;
	slotId: string;
	playAt: number;
	window: PlayWindow;
	answer: PxAnswer;
	winner: LedgerWinner;
	notices: DecisionNotices;
	/** The placement's planned spot length, ms: what a still without a duration must fill. */
	spotMs: number;
	auction: Omit<
		DecisionMeta,
		"bidder" | "crid" | "priceCpm" | "approvalKey" | "spotMs" | "split"
	> & {
		separationSeconds: number;
	};
}): DecisionRecord {
	const { winner, window } = input;
	const { separationSeconds, ...auction } = input.auction;
	return {
		decisionId: input.decisionId,
		slotId: input.slotId,
		playAt: input.playAt,
		notBefore: window.notBefore,
		notAfter: window.notAfter,
		reportUntil: window.reportUntil,
		answer: input.answer,
		advertiserDomains: [...new Set(winner.adomain.map(normalizeDomain).filter(Boolean))],
		separationSeconds,
		notices: input.notices,
		meta: {
			...auction,
			bidder: winner.bidder,
			crid: winner.crid,
			priceCpm: winner.clearingPrice,
			approvalKey: winner.approvalKey,
			spotMs: input.spotMs,
			...(winner.split ? { split: winner.split } : {}),
		},
	};
}

/**
 * Billing (burl, fired on proof of play) and loss (lurl, fired when a won ad expires unplayed)
 * templates, and the buyer's trackers from its markup, with the auction's macro values; ${AUCTION_IMP_TS} is only known at play time.
 */
export interface DecisionNotices {
	burl?: string;
	lurl?: string;
	/** The creative's impression trackers (px/notices/trackers.ts), called with burl on the billable play. */
	impressions?: string[];
	/** Its VAST <Error> URLs, called with lurl when the won ad never ran. */
	errors?: string[];
	macros: MacroValues;
}

/** What play and expiry events need to say about the decision they settle. */
export interface DecisionMeta {
	publisherId: string;
	screenId: string;
	auctionId: string;
	bidder: string;
	crid: string;
	priceCpm: number;
	multiplier: number;
	venueType: number;
	/** The asset's unit of approval (px/auction/approval.ts): re-checked before serving or billing. */
	approvalKey: string;
	/** The placement's spot length, ms, for the play threshold of stills; absent on older rows. */
	spotMs?: number;
	/** The auction's currency; absent on rows written before the exchange's take. */
	cur?: string;
	/**
	 * The clearing price split as the take stood at the auction, so a take changed since never
	 * rewrites what a play earned; absent on older rows (no take: net = priceCpm).
	 */
	split?: CpmSplit;
	/** Set when the decision was revoked (its creative rejected after the auction). */
	revoked?: true;
}

export type AdmitResult =
	| { kind: "limited"; retryAfterSeconds: number }
	/** Nothing is stored for this screen and the request does not describe it: 404, nothing written. */
	| { kind: "unknown" }
	/** An unregistered screen seen for the first time: admit again with `acceptNew` to create it. */
	| { kind: "new" }
	| {
			kind: "admitted";
			profile: Screen | null;
			/** Issued, still playable decisions of the slots asked about, by planned play time. */
			cached: CachedDecision[];
			/** Advertisers of decisions planned within the separation window of the asked times. */
			recent: { decisionId: string; domains: string[] }[];
	  };

export type PlayResult =
	| {
			/** The buyer's notices and the event left in the screen's outbox with the play. */
			kind: "accepted";
			/** False when the play is recorded but never billed, for `reason`. */
			billable: boolean;
			share?: number;
			reason?: NotBillableReason;
	  }
	| { kind: "replay" }
	| { kind: "expired" }
	/** The creative was rejected since the auction: expired now, never billed. */
	| { kind: "revoked" }
	/** Its approval could not be confirmed now: nothing recorded, the player should retry. */
	| { kind: "approval_unknown" }
	| { kind: "unknown" };

/**
 * What a player's pre-play check (HEAD on the proof-of-play URL) learns; nothing is recorded.
 * `revoked`: revoked in the ledger, or its creative is rejected in the approvals replica now.
 */
export type PlayCheck =
	| { kind: "playable" }
	| { kind: "revoked" }
	| { kind: "expired" }
	| { kind: "played" }
	/** Its approval could not be confirmed now. */
	| { kind: "approval_unknown" }
	| { kind: "unknown" };

export type ExpiryResult =
	| { kind: "recorded" }
	| { kind: "already_played" }
	| { kind: "already_expired" }
	| { kind: "unknown" };

export type ProfileUpdate = { ok: true; screen: Screen } | { ok: false; issues: PathIssue[] };

/** What GET /v1/screens/{id}/assets reads from a screen's ledger. */
export interface LedgerAssets {
	profile: Screen | null;
	decisions: {
		slotId: string;
		state: "issued" | "played";
		playAt: number;
		notAfter: number;
		creative: PxAnswer["creative"];
		approvalKey: string | null;
	}[];
}

/** A screen's own token bucket for ad requests (its publisher's rate_limit). */
export interface RateLimit {
	burst: number;
	per_minute: number;
}

/** JSON Merge Patch on a stored profile, validated as a whole so a patch never stores half a screen. */
export function patchedProfile(current: Screen, patch: unknown): ProfileUpdate {
	const parsed = Screen.safeParse(mergePatch(current, patch));
	if (parsed.success) return { ok: true, screen: parsed.data };
	return {
		ok: false,
		issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
	};
}
