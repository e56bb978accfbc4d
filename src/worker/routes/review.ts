// The reviewers' JSON API over the review desk (the web page comes later). Reviewer keys are
// configured as SHA-256 hashes; the audit trail names the reviewer by a short key fingerprint.
import { Hono } from "hono";
import { ApproveBody, RejectBody } from "../../px/api/review-api";
import { ApprovalStatus } from "../../px/auction/approval";
import { reviewDesk } from "../../services/stubs";
import { hostForApproval } from "../asset-approval";
import { presentedKey, requireReviewer } from "../auth";
import { readJson, readOptionalJson } from "../body";
import type { AppContext, AppEnv } from "../context";
import { auditWebhooks } from "../control/dsp-api";
import { sha256Hex } from "../crypto";
import { fieldsProblem, HttpProblem, problems } from "../problem";

export const review = new Hono<AppEnv>();
review.use(requireReviewer);

async function actor(c: AppContext): Promise<string> {
	return `reviewer:${(await sha256Hex(presentedKey(c) ?? "")).slice(0, 12)}`;
}

review.get("/creatives", async (c) => {
	const status = ApprovalStatus.safeParse(c.req.query("status") ?? "pending");
	if (!status.success) {
		throw new HttpProblem(
			fieldsProblem([{ pointer: "status", detail: "pending, approved or rejected" }]),
		);
	}
	const limit = Math.min(200, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
	const desk = reviewDesk(c.env);
	const items = await desk.list(status.data, limit, c.req.query("after"));
	return c.json({
		status: status.data,
		items,
		counts: await desk.counts(),
		capped_dsps: await desk.cappedDsps(),
		...(items.length === limit ? { next: items.at(-1)?.creative_key } : {}),
	});
});

review.get("/creatives/:key", async (c) => {
	const found = await reviewDesk(c.env).get(c.req.param("key"));
	if (!found) throw new HttpProblem(problems.notFound("No such creative"));
	return c.json(found);
});

review.post("/creatives/:key/:action{approve|reject}", async (c) => {
	const action = c.req.param("action") as "approve" | "reject";
	// A reason is required to reject and optional to approve, so an approval may have no body.
	const body =
		action === "reject" ? await readJson(c, RejectBody) : await readOptionalJson(c, ApproveBody);
	const key = c.req.param("key");
	// An approval is of the file: it is copied first, and one that cannot be is not approved.
	const copy = action === "approve" ? await hostForApproval(c.env, [key]) : undefined;
	const refused = copy?.refused[0];
	if (refused) throw new HttpProblem(problems.assetUnavailable(refused.detail));
	const item = await reviewDesk(c.env).decide({
		key,
		action,
		actor: await actor(c),
		reason: body.reason ?? null,
		...(body.expected_version !== undefined ? { expected_version: body.expected_version } : {}),
		...(copy?.hosted[key] ? { hosted: copy.hosted[key] } : {}),
	});
	if (!item) throw new HttpProblem(problems.notFound("No such creative"));
	if (!("stale" in item)) c.executionCtx.waitUntil(auditWebhooks(c.env, [item]));
	if ("stale" in item) {
		const { status, version } = item.stale;
		throw new HttpProblem(
			problems.staleDecision(
				[item.stale],
				`Decided since version ${body.expected_version}: the creative is now ${status} (version ${version}). Nothing was changed; read it again and decide on what it is now.`,
			),
		);
	}
	return c.json(item);
});
