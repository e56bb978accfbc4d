// The one error shape of the whole API: RFC 9457 problem details.
// Validation problems name every offending field as a JSON pointer, so a publisher's
// integrator can fix the payload without reading our source.

import { PROBLEM_CATALOG, type ProblemType } from "../px/api/problem-types";
import type { StaleItem } from "../px/api/review-api";
import { type FieldIssue, jsonPointer, type PathIssue } from "../px/model/field-issues";

/** Only `problem()` makes a ProblemInit: its status and title always come from the catalog. */
declare const catalogued: unique symbol;

export interface ProblemInit {
	readonly [catalogued]: true;
	status: number;
	/** Short slug; becomes the problem type URI `/problems/<slug>`. */
	type: ProblemType;
	title: string;
	detail?: string;
	errors?: FieldIssue[];
	headers?: Record<string, string>;
	[extension: string]: unknown;
}

/**
 * A problem of `type`, with the catalog's status and title (src/px/api/problem-schema.ts): the throw
 * site says only what happened (`detail`) and any extension members or headers.
 */
export function problem(
	type: ProblemType,
	detail?: string,
	extra: Omit<Partial<ProblemInit>, "type" | "status" | "title" | "detail"> = {},
): ProblemInit {
	const { status, title } = PROBLEM_CATALOG[type];
	const made = { status, type, title, ...(detail === undefined ? {} : { detail }), ...extra };
	return made as ProblemInit;
}

export class HttpProblem extends Error {
	constructor(readonly problem: ProblemInit) {
		super(problem.detail ?? problem.title);
	}
}

const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The JSON a problem is answered with (its headers travel separately). */
export function problemBody(problem: ProblemInit, instance?: string): Record<string, unknown> {
	const { headers: _, type, ...rest } = problem;
	return { type: `/problems/${type}`, ...rest, ...(instance ? { instance } : {}) };
}

export function problemResponse(problem: ProblemInit, instance?: string): Response {
	const { headers } = problem;
	const body = problemBody(problem, instance);
	return new Response(JSON.stringify(body), {
		status: problem.status,
		headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
	});
}

/** 400 naming every offending field; accepts zod issues or the same shape from an RPC. */
export function validationProblem(
	issues: ReadonlyArray<PathIssue>,
	context = "Invalid request body",
): ProblemInit {
	return fieldsProblem(
		issues.map((issue) => ({ pointer: jsonPointer(issue.path), detail: issue.message })),
		context,
	);
}

/**
 * A problem naming every offending field (`validation`, 400, unless `type` says otherwise); the
 * detail is `context` and the first field's issue.
 */
export function fieldsProblem(
	errors: FieldIssue[],
	context = "Invalid request body",
	type: ProblemType = "validation",
): ProblemInit {
	const first = errors[0];
	return problem(type, first ? `${context}: ${first.pointer}: ${first.detail}` : context, {
		errors,
	});
}

export const problems = {
	/** 503 before any auction ran: the screen may ask again after `retryAfterS`. */
	noAuction: (
		type: "edge-overloaded" | "screen-state-unavailable",
		retryAfterS: number,
	): ProblemInit =>
		problem(type, `No auction was run; ask again after ${retryAfterS} s`, {
			headers: { "retry-after": String(retryAfterS) },
		}),
	/** 429 for one screen's ad requests (its token bucket in ScreenDO). */
	rateLimited: (retryAfterS: number): ProblemInit =>
		problem("rate-limited", `Retry after ${retryAfterS} s`, {
			headers: { "retry-after": String(retryAfterS) },
		}),
	newScreensLimited: (): ProblemInit =>
		problem(
			"new-screens-rate-limited",
			"Register screens with PUT /v1/screens/{id} instead of describing them inline",
			{ headers: { "retry-after": "60" } },
		),
	notFound: (detail = "No such resource"): ProblemInit => problem("not-found", detail),
	unauthorized: (detail: string): ProblemInit =>
		problem("unauthorized", detail, {
			headers: { "www-authenticate": 'Bearer realm="px-edge"' },
		}),
	forbidden: (detail: string): ProblemInit => problem("forbidden", detail),
	invalidJson: (detail: string): ProblemInit => problem("invalid-json", detail),
	tooLarge: (limit: number): ProblemInit =>
		problem("body-too-large", `The body exceeds the limit of ${limit} bytes`, { limit }),
	/** 409: a review decision named a version its item no longer has; nothing was changed. */
	staleDecision: (stale: StaleItem[], detail: string): ProblemInit =>
		problem("stale-decision", detail, { stale }),
	/** 412: an admin write whose If-Match (or If-None-Match) is not the resource's state now. */
	preconditionFailed: (detail: string, current: number | null): ProblemInit =>
		problem("precondition-failed", detail, {
			current_etag: current === null ? null : `"${current}"`,
		}),
	/** 422: an approval whose file could not be fetched and copied; nothing was approved. */
	assetUnavailable: (detail: string): ProblemInit => problem("asset-unavailable", detail),
	internal: (): ProblemInit =>
		problem("internal", "The request could not be processed; it is safe to retry"),
};
