// POST /v1/ad-requests[?dialect=px|vistar][&debug=1]: the screen asks, the edge answers with
// what to play or why not. No fill is a 200 with `filled: false` and a reason (in the px
// dialect), so a player always gets a body it can log. The debug trace shows every bidder's
// prices and creatives, which publishers must not see: it is only added where DEBUG_TRACES is
// "true" or for an operator key; otherwise debug=1 is ignored, so a player never breaks on it.
import { Hono } from "hono";
import type { ProblemType } from "../../px/api/problem-types";
import { dialectByName, parseDialectRequest } from "../../px/dialects";
import type { ResolveFailure } from "../../px/screen/resolve";
import { debugAllowed, requirePublisher } from "../auth";
import { readJsonBody } from "../body";
import type { AppEnv } from "../context";
import { decide } from "../decide/decide";
import { decideServices } from "../decide/services";
import { fieldsProblem, HttpProblem, problems } from "../problem";
import { AD_SCOPE, limitPublisher } from "../publisher-limit";

/** 404 for a screen nobody registered or described, 422 for a contradiction, else 400. */
const UNRESOLVED_TYPE: Record<ResolveFailure, ProblemType> = {
	"unknown-screen": "unknown-screen",
	"screen-mismatch": "screen-mismatch",
	"unknown-slot": "validation",
	"bad-schedule": "validation",
};

export const adRequests = new Hono<AppEnv>();
adRequests.use(requirePublisher, limitPublisher(AD_SCOPE));

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
	});
	if (decision.kind === "limited") {
		throw new HttpProblem(problems.rateLimited(decision.retryAfterSeconds));
	}
	if (decision.kind === "unresolved") {
		// The pointer is into the PX request; show the field the player actually sent.
		const { kind, pointer, detail } = decision.error;
		const issue = { pointer: dialect.toDialectPointer?.(pointer) ?? pointer, detail };
		throw new HttpProblem(
			fieldsProblem([issue], "Cannot serve this ad request", UNRESOLVED_TYPE[kind]),
		);
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
