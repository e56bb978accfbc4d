/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The review desk in the browser (/review): the reviewers' page over the same Durable Object and
// the same decisions as the JSON API (/v1/review), with a cookie session instead of a Bearer key.
// A decision made here is published to the auctions' replica exactly like one made through the
// API (README: "How long a decision takes to reach screens").
import { type Context, Hono } from "hono";
import { ApprovalStatus } from "../../px/auction/approval";
import { MAX_IMAGE_ASSET_BYTES, MAX_VIDEO_ASSET_BYTES } from "../../px/auction/hosted-asset";
import { reviewDesk } from "../../services/stubs";
import { hostForApproval } from "../asset-approval";
import { config } from "../config";
import type { AppEnv } from "../context";
import { auditWebhooks } from "../control/dsp-api";
import { page } from "../pages/layout";
import { ReviewPage } from "../pages/review-page";
import { fieldsProblem, HttpProblem, problems } from "../problem";
import { actorOf } from "../session";
import { checkedForm, type PageEnv, requireSession, signInRoutes, wantsJson } from "./page-auth";

export const reviewPages = new Hono<AppEnv>();
signInRoutes(reviewPages, "reviewer");

// Pages and actions need a session; the sign-in routes above must not (per route, not `use`,
// which would also cover /review/sign-in once mounted).
const desk = new Hono<PageEnv>();
const signedIn = requireSession("reviewer");

/** Items per page; the bulk approve works on what is shown. */
const PAGE_SIZE = 50;
/**
 * Most keys one bulk decision takes: a page. The desk publishes each decision to KV one write at
 * a time before it answers, so a bigger batch would keep the reviewer waiting.
 */
const MAX_BULK = PAGE_SIZE;

const statusOf = (value: unknown): ApprovalStatus => {
	const parsed = ApprovalStatus.safeParse(value);
	return parsed.success ? parsed.data : "pending";
};

/** Flash messages come from a fixed list, chosen by the query: a link cannot inject text. */
function flashFor(query: Record<string, string>) {
	const n = Math.min(1000, Math.max(0, Number.parseInt(query.n ?? "0", 10) || 0));
	const noun = n === 1 ? "creative" : "creatives";
	if (query.done === "approve") {
		return {
			text: `Approved ${n} ${noun}. Auctions see a decision within about 70 s (README: how long a decision takes to reach screens).`,
		};
	}
	if (query.done === "reject") {
		return { text: `Rejected ${n} ${noun}. Auctions stop serving it within about 70 s.` };
	}
	if (query.error === "reason") {
		return { text: "A rejection needs a reason (3 characters or more).", error: true };
	}
	if (query.error === "stale") return { text: staleText(n, true), error: true };
	return undefined;
}

/** What a reviewer is told when the page they decided on was stale: nothing was decided. */
function staleText(n: number, reloaded: boolean): string {
	const what = n === 1 ? "a creative was" : `${n} of the selected creatives were`;
	return `Nothing was decided: ${what} changed by another reviewer since you loaded the page. ${
		reloaded ? "This page shows what they are now" : "Reload the page to see what they are now"
	}, then decide again.`;
}

/**
 * `expected_version` fields, `<version>:<creative key>` (the page renders one per item), as the
 * key → version map the desk checks; undefined when one is malformed.
 */
function expectedVersions(value: unknown): Record<string, number> | undefined {
	const expected: Record<string, number> = {};
	for (const entry of [value ?? []].flat()) {
		const match = typeof entry === "string" ? /^(\d{1,15}):(.{1,600})$/s.exec(entry) : null;
		if (!match) return undefined;
		expected[match[2]!] = Number(match[1]);
	}
	return expected;
}

const MB = 1024 * 1024;

/** The desk page at `status`, with a message on top. */
async function deskPage(
	c: Context<PageEnv>,
	status: ApprovalStatus,
	flash: { text: string; error?: boolean } | undefined,
	after?: string,
	code = 200,
) {
	const session = c.get("session");
	const items = await reviewDesk(c.env).page(status, PAGE_SIZE, after?.slice(0, 700));
	return page(
		c,
		<ReviewPage
			status={status}
			desk={items}
			csrf={session.csrf}
			actor={actorOf(session)}
			allowHttp={!config(c.env).REQUIRE_SECURE_CREATIVES}
			now={Date.now()}
			flash={flash}
		/>,
		code,
	);
}

/**
 * Approvals whose file could not be copied, each named with why. Rendered as the post's answer,
 * never from a link: the detail carries a DSP's URL, which a crafted link must not put on the page.
 */
function refusedText(approved: number, refused: { creative_key: string; detail: string }[]) {
	const caps = `${MAX_IMAGE_ASSET_BYTES / MB} MB for images, ${MAX_VIDEO_ASSET_BYTES / MB} MB for video`;
	return `Approved ${approved}. Not approved, because the file could not be fetched and copied (size caps: ${caps}); still pending: ${refused.map((r) => `${r.creative_key}: ${r.detail}`).join(" ")}`;
}

desk.get("/", signedIn, (c) =>
	deskPage(
		c,
		statusOf(c.req.query("status") ?? "pending"),
		flashFor(c.req.query()),
		c.req.query("after"),
	),
);

desk.post("/decide", signedIn, async (c) => {
	const form = await checkedForm(c);
	const action = form.action;
	if (action !== "approve" && action !== "reject") {
		throw new HttpProblem(fieldsProblem([{ pointer: "action", detail: "approve or reject" }]));
	}
	const keys = (Array.isArray(form.key) ? form.key : [form.key]).filter(
		(k): k is string => typeof k === "string" && k.length > 0 && k.length <= 600,
	);
	if (keys.length === 0 || keys.length > MAX_BULK) {
		throw new HttpProblem(
			fieldsProblem([{ pointer: "key", detail: `between 1 and ${MAX_BULK} creative keys` }]),
		);
	}
	const reason = typeof form.reason === "string" ? form.reason.trim() : "";
	const status = statusOf(form.status);
	if (reason.length > 500) {
		throw new HttpProblem(fieldsProblem([{ pointer: "reason", detail: "at most 500 characters" }]));
	}
	if (action === "reject" && reason.length < 3) {
		if (!wantsJson(c)) return c.redirect(`/review?status=${status}&error=reason`, 303);
		throw new HttpProblem(
			fieldsProblem([
				{ pointer: "reason", detail: "a rejection needs a reason (3 characters or more)" },
			]),
		);
	}
	const expected = expectedVersions(form.expected_version);
	if (!expected) {
		throw new HttpProblem(
			fieldsProblem([{ pointer: "expected_version", detail: "<version>:<creative key>" }]),
		);
	}
	const desk = reviewDesk(c.env);
	// An approval is of the file: each is copied first, and one that cannot be stays undecided.
	const copy = action === "approve" ? await hostForApproval(c.env, keys) : undefined;
	const refused = copy?.refused ?? [];
	const refusedKeys = new Set(refused.map((r) => r.creative_key));
	const decided = await desk.decideMany({
		keys: keys.filter((k) => !refusedKeys.has(k)),
		action,
		actor: actorOf(c.get("session")),
		reason: reason || null,
		expected,
		...(copy ? { hosted: copy.hosted } : {}),
	});
	if ("stale" in decided) {
		const n = decided.stale.length;
		if (!wantsJson(c)) return c.redirect(`/review?status=${status}&error=stale&n=${n}`, 303);
		throw new HttpProblem(problems.staleDecision(decided.stale, staleText(n, false)));
	}
	if (decided.length === 0 && refused[0]) {
		if (!wantsJson(c)) {
			return deskPage(c, status, { text: refusedText(0, refused), error: true }, undefined, 422);
		}
		throw new HttpProblem({ ...problems.assetUnavailable(refused[0].detail), refused });
	}
	if (decided.length === 0) throw new HttpProblem(problems.notFound("No such creative"));
	c.executionCtx.waitUntil(auditWebhooks(c.env, decided));
	if (wantsJson(c)) {
		return c.json({
			action,
			decided: decided.map((d) => ({
				creative_key: d.creative_key,
				status: d.status,
				version: d.version,
				replica: d.replica,
			})),
			// Approvals whose file could not be copied: not approved, each with why.
			refused,
			counts: await desk.counts(),
		});
	}
	if (refused.length > 0) {
		return deskPage(c, status, { text: refusedText(decided.length, refused), error: true });
	}
	return c.redirect(`/review?status=${status}&done=${action}&n=${decided.length}`, 303);
});

reviewPages.route("/", desk);
