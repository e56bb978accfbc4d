// What a player may say about a play it reports, and when a reported play is billable. DOOH
// players (Vistar, Broadsign, Hivestack) prove a play only once most of the spot ran; a player
// that ran less, or a third-party player that reports every start, must not bill the buyer.
import { z } from "zod";

/** A play is billable when at least this share of the spot was on screen (Vistar's 75 %). */
const MIN_BILLABLE_SHARE = 0.75;
/** A player's clock may run ahead of ours by this much. */
const MAX_PLAYER_CLOCK_SKEW_MS = 5 * 60_000;
/** Players queue reports offline for days; a display time older than this is not believable. */
const MAX_REPORT_AGE_MS = 30 * 24 * 3_600_000;
/** The longest spot a slot may declare (AdSlot durations are ≤ 3600 s). */
const MAX_DISPLAYED_MS = 3_600_000;

/** The optional body of a proof of play. Both fields come from the player's own clock. */
export const PlayReport = z
	.object({
		/** When the spot started on screen, epoch ms. */
		displayed_at: z
			.number()
			.int()
			.refine((ts) => ts >= Date.now() - MAX_REPORT_AGE_MS, "older than 30 days")
			.refine(
				(ts) => ts <= Date.now() + MAX_PLAYER_CLOCK_SKEW_MS,
				"more than 5 minutes in the future",
			)
			.optional(),
		/** How long the spot was on screen, ms. */
		displayed_ms: z.number().int().nonnegative().max(MAX_DISPLAYED_MS).optional(),
		/**
		 * The audience the player's measurement counted for this play (impressions). Bills a lower
		 * multiplier than the auction's, never a higher one (OpenRTB 2.6 DOOH multiplier).
		 */
		measured_audience: z.number().positive().max(1_000_000).optional(),
	})
	.strict();
export type PlayReport = z.infer<typeof PlayReport>;

/**
 * Why a play was recorded but not billed (the answer's and the play event's
 * `not_billable_reason`):
 * - no_evidence: no displayed_ms, or a spot whose length is not known (a ledger row written
 *   before spot lengths were kept, for a still that states no duration);
 * - under_threshold: displayed_ms under 75 % of the spot;
 * - implausible: the report contradicts the clocks (see judgePlay).
 */
export const NOT_BILLABLE_REASONS = ["no_evidence", "under_threshold", "implausible"] as const;
export type NotBillableReason = (typeof NOT_BILLABLE_REASONS)[number];

/** Our own clocks (the auction's edge, the screen's object) may disagree by this much. */
const EDGE_CLOCK_ALLOWANCE_MS = 1_000;

/** What the ledger knows about the decision a play is reported for, and when it is reported. */
export interface PlayFacts {
	/** The creative's duration, s (0: a still that states none). */
	durationS: number;
	/** The slot's spot length, ms, as planned at the auction; undefined on older ledger rows. */
	spotMs: number | undefined;
	notBefore: number;
	notAfter: number;
	/** When the report arrived (the edge's clock). */
	now: number;
}

export interface PlayVerdict {
	billable: boolean;
	/** displayed_ms over the spot's length, when both are known. */
	share?: number;
	reason?: NotBillableReason;
}

/**
 * Whether a reported play bills. The spot's length is the creative's duration, or for a still
 * that states none the slot's spot; billing needs displayed_ms of at least 75 % of it, and a
 * report the clocks allow: on screen no longer than the time from not_before (the earliest it may
 * start) to the report or to not_after plus the spot, whichever is first; and, with displayed_at
 * (the player's clock, allowed 5 minutes of skew), started within the window and ended by the time
 * it was reported.
 */
export function judgePlay(report: PlayReport, facts: PlayFacts): PlayVerdict {
	const shown = report.displayed_ms;
	if (shown === undefined) return { billable: false, reason: "no_evidence" };
	const spotMs = facts.durationS > 0 ? facts.durationS * 1000 : facts.spotMs;
	if (!(spotMs !== undefined && spotMs > 0)) return { billable: false, reason: "no_evidence" };
	const share = Math.round((shown / spotMs) * 1000) / 1000;
	const notBilled = (reason: NotBillableReason) => ({ billable: false, share, reason });
	const lastOnScreen = Math.min(facts.now, facts.notAfter + spotMs);
	if (shown > lastOnScreen - facts.notBefore + EDGE_CLOCK_ALLOWANCE_MS)
		return notBilled("implausible");
	const at = report.displayed_at;
	if (
		at !== undefined &&
		(at < facts.notBefore - MAX_PLAYER_CLOCK_SKEW_MS ||
			at > facts.notAfter + MAX_PLAYER_CLOCK_SKEW_MS ||
			at + shown > facts.now + MAX_PLAYER_CLOCK_SKEW_MS)
	)
		return notBilled("implausible");
	if (shown < MIN_BILLABLE_SHARE * spotMs) return notBilled("under_threshold");
	return { billable: true, share };
}

/**
 * Each report of a batch is one call to its screen's Durable Object (plus one delivery per
 * screen), and a Worker invocation has a subrequest budget: 100 keeps a full batch inside it.
 */
export const MAX_BATCH_REPORTS = 100;

export const PlayAccepted = z.object({
	status: z.literal("accepted"),
	decision_id: z.string(),
	/** When the edge recorded the play, epoch ms. */
	played_at: z.number().int(),
	/** False when the play is recorded but not billed (see not_billable_reason). */
	billable: z.boolean(),
	/** Why it is not billed, when it is not. */
	not_billable_reason: z.enum(NOT_BILLABLE_REASONS).optional(),
	/** displayed_ms over the spot's length, when both are known. */
	play_share: z.number().optional(),
});
export type PlayAccepted = z.infer<typeof PlayAccepted>;

export const ExpiryRecorded = z.object({ status: z.literal("expired"), decision_id: z.string() });
export type ExpiryRecorded = z.infer<typeof ExpiryRecorded>;

/** One report of a batch: a token from a proof_of_play_url, and what happened to its ad. */
export const BatchReport = PlayReport.extend({
	token: z.string().min(1).max(2048),
	/** "played" (the default) or "expired": the ad could not be played. */
	event: z.enum(["played", "expired"]).default("played"),
}).strict();

/** The envelope the route checks as a whole; each report is then checked on its own. */
export const PlayBatch = z.object({
	reports: z.array(z.unknown()).min(1).max(MAX_BATCH_REPORTS),
});

/** What a player sends (the documented shape; a bad report fails alone, not the batch). */
export const PlayBatchRequest = z.object({
	reports: z.array(BatchReport).min(1).max(MAX_BATCH_REPORTS),
});
export type PlayBatchRequest = z.input<typeof PlayBatchRequest>;

/** Each result is what the single route would have answered for that report. */
export const PlayBatchResult = z.object({
	results: z.array(
		z.object({
			/** The HTTP status the single route gives this report (200, 409, 410, …). */
			status: z.number().int(),
			/** Its body: the accepted/expired answer, or a problem naming the field. */
			body: z.record(z.string(), z.unknown()),
			/** For 503 and 425: when this report may be sent again, seconds. */
			retry_after_s: z.number().int().optional(),
		}),
	),
});
export type PlayBatchResult = z.infer<typeof PlayBatchResult>;
