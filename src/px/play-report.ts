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
	})
	.strict();
export type PlayReport = z.infer<typeof PlayReport>;

/**
 * Share of the spot that was on screen, or undefined when it cannot be told (no duration
 * reported, or a still image that states no duration: it fills whatever spot it is given).
 */
export function playShare(displayedMs: number | undefined, durationS: number): number | undefined {
	if (displayedMs === undefined || !(durationS > 0)) return undefined;
	return Math.round((displayedMs / (durationS * 1000)) * 1000) / 1000;
}

/** A play without a stated duration is taken at its word, as every player did before. */
export function isBillableShare(share: number | undefined, min = MIN_BILLABLE_SHARE): boolean {
	return share === undefined || share >= min;
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
	/** False when less than the threshold share of the spot was on screen: recorded, not billed. */
	billable: z.boolean(),
	/** displayed_ms over the spot's length, when the player sent displayed_ms. */
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
