// Client telemetry from screen players (ad requested, played, errors), batched by the player.
// Comparing the players' own counts with the edge's gives the delivery ratio operators watch.
import { z } from "zod";
import { TelemetryKind } from "../events/events";

/** Players queue reports offline for days; a month covers that, older is not worth counting. */
const MAX_TELEMETRY_AGE_MS = 30 * 24 * 3_600_000;
/** A player's clock may run ahead of ours by this much. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const MAX_TELEMETRY_BATCH = 100;

export const TelemetryRecord = z.object({
	screen_id: z.string().min(1).max(128),
	kind: TelemetryKind,
	/** When it happened on the player, epoch ms (players batch and retry for days). */
	ts: z
		.number()
		.int()
		.refine((ts) => ts >= Date.now() - MAX_TELEMETRY_AGE_MS, "older than 30 days")
		.refine((ts) => ts <= Date.now() + MAX_CLOCK_SKEW_MS, "more than 5 minutes in the future"),
	venue_type: z.number().int().positive().optional(),
	detail: z.string().max(1024).optional(),
	/** The player's own id for the record, so a retried batch is not counted twice. */
	id: z.uuid().optional(),
});
export type TelemetryRecord = z.input<typeof TelemetryRecord>;

export const TelemetryBatch = z.object({
	events: z.array(TelemetryRecord).min(1).max(MAX_TELEMETRY_BATCH),
});

export const TelemetryAccepted = z.object({ accepted: z.number().int() });
