// Proof of play: the screen reports that the ad ran (billing happens here, via burl) or that it
// could not run it (never billed; the buyer gets lurl with loss code 2). One report at a time
// (`/v1/plays/{token}`), or many in one request (`POST /v1/plays`) for players that come back
// online with a queue of them: each item gets exactly the status and body the single route gives.
import { Hono } from "hono";
import {
	BatchReport,
	type ExpiryRecorded,
	type PlayAccepted,
	PlayBatch,
	type PlayBatchResult,
	PlayReport,
} from "../../px/api/play-report";
import { issuesFromZod } from "../../px/model/field-issues";
import { screenStub } from "../../services/stubs";
import { readJsonBody } from "../body";
import { config } from "../config";
import type { AppContext, AppEnv } from "../context";
import { type PopClaims, verifyPopToken } from "../pop-token";
import {
	fieldsProblem,
	HttpProblem,
	type ProblemInit,
	problem,
	problemBody,
	problems,
	validationProblem,
} from "../problem";
import { publisherAllowed, publisherLimited } from "../publisher-limit";

export const plays = new Hono<AppEnv>();

/** A transparent 1×1 GIF, for players that can only fire an image pixel. */
const PIXEL = Uint8Array.from(
	atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
	(ch) => ch.charCodeAt(0),
);
const PIXEL_HEADERS = { "content-type": "image/gif", "cache-control": "no-store" };
/** A play report whose approval cannot be confirmed now is retried by the player after this. */
const APPROVAL_RETRY_AFTER_S = 30;
/** Reports of one batch handled at once; each waits on its own screen's object. */
const BATCH_CONCURRENCY = 8;
/** Play batches count under their own name with PUBLISHER_LIMITER (publisher-limit.ts). */
const PLAYS_LIMIT_SCOPE = "plays";

const alreadyReported = (detail: string) => new HttpProblem(problem("already-reported", detail));

async function claimsOf(token: string, env: Env): Promise<PopClaims> {
	const claims = await verifyPopToken(token, config(env).POP_SIGNING_KEY);
	if (!claims) throw new HttpProblem(problems.forbidden("The proof-of-play token is not valid"));
	return claims;
}

/** The screen's object delivers a settlement's event and notice itself (its alarm retries). */
interface Reported<T> {
	body: T;
}

async function recordPlay(
	env: Env,
	token: string,
	report: PlayReport,
	requestId: string,
): Promise<Reported<PlayAccepted>> {
	const claims = await claimsOf(token, env);
	const now = Date.now();
	// not_before already allows the player's early start; a report before it claims a play that
	// was not allowed to happen yet. Refused without touching the ledger, so it is never billed.
	if (now < claims.nb) {
		throw new HttpProblem(
			problem(
				"play-too-early",
				`This ad may not play before ${new Date(claims.nb).toISOString()}; nothing was recorded`,
				{ headers: { "retry-after": String(Math.ceil((claims.nb - now) / 1000)) } },
			),
		);
	}
	if (now > claims.ru) {
		throw new HttpProblem(
			problem(
				"play-window-closed",
				"The play window and its reporting grace have passed; the play is not billed",
			),
		);
	}
	const result = await screenStub(env, claims.p, claims.s).redeemPlay(claims.d, requestId, report);
	switch (result.kind) {
		case "replay":
			throw alreadyReported("A proof of play counts once");
		case "expired":
			throw new HttpProblem(
				problem(
					"decision-expired",
					"The ad was reported expired or its window closed; the play is not billed",
				),
			);
		case "revoked":
			throw new HttpProblem(
				problem(
					"creative-revoked",
					"A reviewer rejected the creative after the auction; the play is not billed",
				),
			);
		case "approval_unknown":
			throw new HttpProblem(
				problem(
					"approval-unavailable",
					`Nothing was recorded; report again after ${APPROVAL_RETRY_AFTER_S} s`,
					{ headers: { "retry-after": String(APPROVAL_RETRY_AFTER_S) } },
				),
			);
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		case "accepted":
			return {
				body: {
					status: "accepted",
					decision_id: claims.d,
					played_at: now,
					billable: result.billable,
					...(result.reason ? { not_billable_reason: result.reason } : {}),
					...(result.share !== undefined ? { play_share: result.share } : {}),
				},
			};
	}
}

async function recordExpiry(
	env: Env,
	token: string,
	requestId: string,
): Promise<Reported<ExpiryRecorded>> {
	const claims = await claimsOf(token, env);
	const result = await screenStub(env, claims.p, claims.s).reportExpired(claims.d, requestId);
	switch (result.kind) {
		case "already_played":
			throw alreadyReported("A played ad cannot expire");
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		case "recorded":
			return { body: { status: "expired", decision_id: claims.d } };
		case "already_expired":
			return { body: { status: "expired", decision_id: claims.d } };
	}
}

const decisionExpired = (detail: string) => new HttpProblem(problem("decision-expired", detail));

/**
 * The pre-play check: throws what makes the spot unplayable (410 once it can no longer play,
 * whatever the reason), 503 when its approval cannot be confirmed now; returns when it may play.
 */
async function checkPlay(env: Env, token: string): Promise<void> {
	const claims = await claimsOf(token, env);
	if (Date.now() > claims.na) throw decisionExpired("The play window closed");
	const result = await screenStub(env, claims.p, claims.s).checkPlay(claims.d);
	switch (result.kind) {
		case "playable":
			return;
		case "revoked":
			throw new HttpProblem(
				problem(
					"creative-revoked",
					"A reviewer rejected the creative after the auction; it must not play",
				),
			);
		case "expired":
			throw decisionExpired("The ad was reported expired or its window closed");
		case "played":
			throw new HttpProblem(
				problem("already-played", "This decision was reported played; it does not play again"),
			);
		case "approval_unknown":
			throw new HttpProblem(
				problem("approval-unavailable", `Check again after ${APPROVAL_RETRY_AFTER_S} s`, {
					headers: { "retry-after": String(APPROVAL_RETRY_AFTER_S) },
				}),
			);
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
	}
}

/** Pixel players cannot send a body: they may append displayed_at / displayed_ms to the URL. */
function reportFromQuery(c: AppContext): PlayReport {
	const raw: Record<string, number> = {};
	for (const name of ["displayed_at", "displayed_ms"] as const) {
		const value = c.req.query(name);
		if (value !== undefined) raw[name] = value.trim() === "" ? Number.NaN : Number(value);
	}
	const parsed = PlayReport.safeParse(raw);
	if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error.issues));
	return parsed.data;
}

plays.post("/", async (c) => {
	const { reports } = await readBatch(c);
	const requestId = c.get("requestId");
	const { firsts, repeats, publishers } = await batchPlan(c.env, reports);
	// No key here (each token is its own credential), so the batch is counted against every
	// publisher its genuine tokens name: a player's reports name its own.
	const allowed = await Promise.all(
		[...publishers].map((p) => publisherAllowed(c.env, PLAYS_LIMIT_SCOPE, p)),
	);
	if (allowed.includes(false)) throw publisherLimited();
	const results: PlayBatchResult["results"] = new Array(reports.length);
	let next = 0;
	const worker = async () => {
		while (next < firsts.length) {
			const i = firsts[next++]!;
			const outcome = await batchItem(c.env, reports[i], i, requestId);
			results[i] = outcome.result;
		}
	};
	await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, firsts.length) }, worker));
	for (const [i, first] of repeats) results[i] = repeatResult(results[first]!);
	return c.json({ results });
});

/**
 * Which reports of a batch reach a screen's object: the first report of each decision. A token
 * repeated in the batch is answered from its first report's result, so one old token copied 100
 * times costs one object call, not 100.
 */
async function batchPlan(env: Env, reports: unknown[]) {
	const firsts: number[] = [];
	const repeats = new Map<number, number>();
	const publishers = new Set<string>();
	const firstOf = new Map<string, number>();
	const claims = await Promise.all(
		reports.map((raw) => {
			const token = (raw as { token?: unknown } | null)?.token;
			return typeof token === "string"
				? verifyPopToken(token, config(env).POP_SIGNING_KEY)
				: undefined;
		}),
	);
	for (const [i, claim] of claims.entries()) {
		if (!claim) {
			firsts.push(i); // invalid or forged: answered without an object call
			continue;
		}
		publishers.add(claim.p);
		const key = JSON.stringify([claim.p, claim.s, claim.d]);
		const first = firstOf.get(key);
		if (first === undefined) {
			firstOf.set(key, i);
			firsts.push(i);
		} else repeats.set(i, first);
	}
	return { firsts, repeats, publishers };
}

/** A repeat of a recorded report is a replay; a repeat of a refused one is refused alike. */
function repeatResult(
	first: PlayBatchResult["results"][number],
): PlayBatchResult["results"][number] {
	if (first.status >= 300) return first;
	return problemResult(alreadyReported("This decision was reported earlier in this batch").problem);
}

async function readBatch(c: AppContext): Promise<{ reports: unknown[] }> {
	const parsed = PlayBatch.safeParse(await readJsonBody(c));
	if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error.issues));
	return parsed.data;
}

async function batchItem(
	env: Env,
	raw: unknown,
	index: number,
	requestId: string,
): Promise<{ result: PlayBatchResult["results"][number] }> {
	const item = BatchReport.safeParse(raw);
	if (!item.success) {
		const issues = issuesFromZod(item.error, raw, (p) => `#/reports/${index}${p.slice(1)}`);
		return { result: problemResult(fieldsProblem(issues, "Invalid report")) };
	}
	const { token, event, ...report } = item.data;
	try {
		const done =
			event === "expired"
				? await recordExpiry(env, token, requestId)
				: await recordPlay(env, token, report, requestId);
		return { result: { status: 200, body: done.body } };
	} catch (err) {
		if (err instanceof HttpProblem) return { result: problemResult(err.problem) };
		throw err;
	}
}

function problemResult(problem: ProblemInit) {
	const retryAfter = problem.headers?.["retry-after"];
	return {
		status: problem.status,
		body: problemBody(problem),
		...(retryAfter ? { retry_after_s: Number(retryAfter) } : {}),
	};
}

/** The optional body of a single report; unknown fields are named, as in every other 400. */
async function readReport(c: AppContext): Promise<PlayReport> {
	if ((await c.req.text()).trim() === "") return {};
	const raw = await readJsonBody(c);
	const parsed = PlayReport.safeParse(raw);
	if (!parsed.success) throw new HttpProblem(fieldsProblem(issuesFromZod(parsed.error, raw)));
	return parsed.data;
}

plays.post("/:token", async (c) => {
	const report = await readReport(c);
	const done = await recordPlay(c.env, c.req.param("token"), report, c.get("requestId"));
	return c.json(done.body);
});

plays.get("/:token", async (c) => {
	// Hono answers HEAD with the GET route (and drops the body). A HEAD (players checking before a
	// spot starts, link checkers, proxies) has no side effects: it says whether the spot may start.
	if (c.req.method === "HEAD") {
		await checkPlay(c.env, c.req.param("token"));
		return c.body(null, 200, PIXEL_HEADERS);
	}
	const report = reportFromQuery(c);
	await recordPlay(c.env, c.req.param("token"), report, c.get("requestId"));
	return c.body(PIXEL, 200, PIXEL_HEADERS);
});

plays.post("/:token/expired", async (c) => {
	const done = await recordExpiry(c.env, c.req.param("token"), c.get("requestId"));
	return c.json(done.body);
});

// Players that can only fire URLs fire the expiry URL too (a GET, answered like the play pixel).
// A HEAD (link checkers, proxies) records nothing: it only says whether the token is genuine.
plays.get("/:token/expired", async (c) => {
	if (c.req.method === "HEAD") {
		await claimsOf(c.req.param("token"), c.env);
		return c.body(null, 200, PIXEL_HEADERS);
	}
	await recordExpiry(c.env, c.req.param("token"), c.get("requestId"));
	return c.body(PIXEL, 200, PIXEL_HEADERS);
});
