// POST /v1/telemetry: client telemetry from screen players, batched (schema in px/api/telemetry.ts).
import { Hono } from "hono";
import { TelemetryBatch } from "../../px/api/telemetry";
import { newEvent } from "../../px/events/events";
import { publishEvents } from "../../services/emit";
import { requirePublisher } from "../auth";
import { readJson } from "../body";
import type { AppEnv } from "../context";
import { limitPublisher } from "../publisher-limit";

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
