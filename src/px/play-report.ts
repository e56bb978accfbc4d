// What a player may say about a play it reports, and when a reported play is billable. DOOH
// players (Vistar, Broadsign, Hivestack) prove a play only once most of the spot ran; a player
// that ran less, or a third-party player that reports every start, must not bill the buyer.
import { z } from "zod";

/** A play is billable when at least this share of the spot was on screen (Vistar's 75 %). */
export const MIN_BILLABLE_SHARE = 0.75;
/** A player's clock may run ahead of ours by this much. */
export const MAX_PLAYER_CLOCK_SKEW_MS = 5 * 60_000;
/** Players queue reports offline for days; a display time older than this is not believable. */
export const MAX_REPORT_AGE_MS = 30 * 24 * 3_600_000;
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
