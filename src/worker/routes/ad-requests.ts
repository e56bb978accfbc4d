// POST /v1/ad-requests[?dialect=px|vistar][&debug=1]: the screen asks, the edge answers with
// what to play or why not. No fill is a 200 with `filled: false` and a reason (in the px
// dialect), so a player always gets a body it can log. The debug trace shows every bidder's
// prices and creatives, which publishers must not see: it is only added where DEBUG_TRACES is
// "true" or for an operator key; otherwise debug=1 is ignored, so a player never breaks on it.
import { Hono } from "hono";
import { dialectByName, parseDialectRequest } from "../../px/dialects";
import { debugAllowed, requirePublisher } from "../auth";
import { readJsonBody } from "../body";
import type { AppEnv } from "../context";
import { decide, decideServices } from "../decide";
import { fieldsProblem, HttpProblem, problems } from "../problem";
import { limitPublisher } from "../publisher-limit";

export const adRequests = new Hono<AppEnv>();
adRequests.use(requirePublisher, limitPublisher("ad"));

adRequests.post("/", async (c) => {
	const startedAt = Date.now();
	const dialectName = c.req.query("dialect") ?? "px";
	const parsed = parseDialectRequest(dialectName, await readJsonBody(c));
	if (!parsed.ok) {
		throw new HttpProblem(
			fieldsProblem(
				parsed.issues,
				parsed.unknownDialect ? "Unknown dialect" : "Invalid ad request",
			),
		);
	}
	const dialect = dialectByName(dialectName)!;
	const publisher = c.get("publisher");
	const decision = await decide({
		services: decideServices(c.env, publisher.id, parsed.request.screen_id),
		publisher,
		request: parsed.request,
		dialect: dialectName,
		requestId: c.get("requestId"),
		origin: new URL(c.req.url).origin,
		startedAt,
	}).catch((err: unknown) => {
		// Problems found after parsing point into the PX request; show the field the player sent.
		if (err instanceof HttpProblem && dialect.toDialectPointer && err.problem.errors) {
			const errors = err.problem.errors.map((e) => ({
				...e,
				pointer: dialect.toDialectPointer!(e.pointer),
			}));
			throw new HttpProblem({
				...fieldsProblem(errors, err.problem.title),
				status: err.problem.status,
			});
		}
		throw err;
	});
	if (decision.kind === "limited") {
		throw new HttpProblem(problems.rateLimited(decision.retryAfterSeconds));
	}
	c.executionCtx.waitUntil(decision.after());

	const debug =
		c.req.query("debug") === "1" && (await debugAllowed(c))
			? { debug: { bidders: decision.trace } }
			: {};
	const shaped = dialect.toDialectAnswer({
		multi: decision.multi,
		placements: decision.placements.map((p) => ({
			slot_id: p.placement.slot.id,
			play_at: p.placement.playAt,
			...(p.answer ? { answer: p.answer } : {}),
			...(p.noFillReason ? { no_fill_reason: p.noFillReason } : {}),
			cached: p.cached,
		})),
	});
	return c.json({ ...shaped, ...debug });
});
