// Client telemetry from screen players (ad requested, played, errors), batched by the player.
// Comparing the players' own counts with the edge's gives the delivery ratio operators watch.
import { Hono } from "hono";
import { z } from "zod";
import { newEvent, TelemetryKind } from "../../px/events";
import { requirePublisher } from "../auth";
import { readJson } from "../body";
import type { AppEnv } from "../context";
import { publishEvents } from "../emit";
import { limitPublisher } from "../publisher-limit";

/** Players queue reports offline for days; a month covers that, older is not worth counting. */
const MAX_TELEMETRY_AGE_MS = 30 * 24 * 3_600_000;
/** A player's clock may run ahead of ours by this much. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const TelemetryBatch = z.object({
	events: z
		.array(
			z.object({
				screen_id: z.string().min(1).max(128),
				kind: TelemetryKind,
				/** When it happened on the player, epoch ms (players batch and retry for days). */
				ts: z
					.number()
					.int()
					.refine((ts) => ts >= Date.now() - MAX_TELEMETRY_AGE_MS, "older than 30 days")
					.refine(
						(ts) => ts <= Date.now() + MAX_CLOCK_SKEW_MS,
						"more than 5 minutes in the future",
					),
				venue_type: z.number().int().positive().optional(),
				detail: z.string().max(1024).optional(),
				/** The player's own id for the record, so a retried batch is not counted twice. */
				id: z.uuid().optional(),
			}),
		)
		.min(1)
		.max(100),
});

export const telemetry = new Hono<AppEnv>();
telemetry.use(requirePublisher, limitPublisher("telemetry"));

telemetry.post("/", async (c) => {
	const { events } = await readJson(c, TelemetryBatch);
	const publisher = c.get("publisher");
	const records = events.map((e) =>
		newEvent(
			"telemetry",
			{
				publisher_id: publisher.id,
				screen_id: e.screen_id,
				request_id: c.get("requestId"),
				kind: e.kind,
				...(e.venue_type ? { venue_type: e.venue_type } : {}),
				...(e.detail ? { detail: e.detail } : {}),
			},
			{ now: e.ts, ...(e.id ? { id: e.id } : {}) },
		),
	);
	c.executionCtx.waitUntil(publishEvents(c.env, records));
	return c.json({ accepted: records.length }, 202);
});
