/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The review desk in the browser (/review): the reviewers' page over the same Durable Object and
// the same decisions as the JSON API (/v1/review), with a cookie session instead of a Bearer key.
// A decision made here is published to the auctions' replica exactly like one made through the
// API (README: "How long a decision takes to reach screens").
import { Hono } from "hono";
import { ApprovalStatus } from "../../px/approval";
import { reviewDesk } from "../../services/stubs";
import type { AppEnv } from "../context";
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

desk.get("/", signedIn, async (c) => {
	const status = statusOf(c.req.query("status") ?? "pending");
	const after = c.req.query("after");
	const session = c.get("session");
	const deskPage = await reviewDesk(c.env).page(status, PAGE_SIZE, after?.slice(0, 700));
	return page(
		c,
		<ReviewPage
			status={status}
			desk={deskPage}
			csrf={session.csrf}
			actor={actorOf(session)}
			allowHttp={c.env.REQUIRE_SECURE_CREATIVES === "false"}
			now={Date.now()}
			flash={flashFor(c.req.query())}
		/>,
	);
});

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
	const decided = await desk.decideMany({
		keys,
		action,
		actor: actorOf(c.get("session")),
		reason: reason || null,
		expected,
	});
	if ("stale" in decided) {
		const n = decided.stale.length;
		if (!wantsJson(c)) return c.redirect(`/review?status=${status}&error=stale&n=${n}`, 303);
		throw new HttpProblem(problems.staleDecision(decided.stale, staleText(n, false)));
	}
	if (decided.length === 0) throw new HttpProblem(problems.notFound("No such creative"));
	if (wantsJson(c)) {
		return c.json({
			action,
			decided: decided.map((d) => ({
				creative_key: d.creative_key,
				status: d.status,
				version: d.version,
				replica: d.replica,
			})),
			counts: await desk.counts(),
		});
	}
	return c.redirect(`/review?status=${status}&done=${action}&n=${decided.length}`, 303);
});

reviewPages.route("/", desk);
