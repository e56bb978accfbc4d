// The one error shape of the whole API: RFC 9457 problem details.
// Validation problems name every offending field as a JSON pointer, so a publisher's
// integrator can fix the payload without reading our source.
import { type FieldIssue, jsonPointer, type PathIssue } from "../px/field-issues";
import type { StaleItem } from "../px/review-api";

/**
 * Every problem type the API answers with, as `/problems/<slug>`: one list, so a client can
 * switch on them and a new one is a deliberate addition here, not a string at a throw site.
 */
export const PROBLEM_TYPES = [
	"validation",
	"invalid-json",
	"body-too-large",
	"unauthorized",
	"forbidden",
	"not-found",
	"internal",
	"rate-limited",
	"publisher-rate-limited",
	"new-screens-rate-limited",
	"edge-overloaded",
	"screen-state-unavailable",
	"already-reported",
	"approval-unavailable",
	"asset-unavailable",
	"creative-revoked",
	"decision-expired",
	"play-too-early",
	"play-window-closed",
	"stale-decision",
	"precondition-failed",
] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

export interface ProblemInit {
	status: number;
	/** Short slug; becomes the problem type URI `/problems/<slug>`. */
	type: ProblemType;
	title: string;
	detail?: string;
	errors?: FieldIssue[];
	headers?: Record<string, string>;
	[extension: string]: unknown;
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
	title = "Invalid request body",
): ProblemInit {
	return fieldsProblem(
		issues.map((issue) => ({ pointer: jsonPointer(issue.path), detail: issue.message })),
		title,
	);
}

export function fieldsProblem(errors: FieldIssue[], title = "Invalid request body"): ProblemInit {
	const first = errors[0];
	return {
		status: 400,
		type: "validation",
		title,
		detail: first ? `${first.pointer}: ${first.detail}` : title,
		errors,
	};
}

export const problems = {
	/** 503 before any auction ran: the screen may ask again after `retryAfterS`. */
	noAuction: (type: ProblemType, title: string, retryAfterS: number): ProblemInit => ({
		status: 503,
		type,
		title,
		detail: `No auction was run; ask again after ${retryAfterS} s`,
		headers: { "retry-after": String(retryAfterS) },
	}),
	/** 429 for one screen's ad requests (its token bucket in ScreenDO). */
	rateLimited: (retryAfterS: number): ProblemInit => ({
		status: 429,
		type: "rate-limited",
		title: "Too many ad requests for this screen",
		detail: `Retry after ${retryAfterS} s`,
		headers: { "retry-after": String(retryAfterS) },
	}),
	newScreensLimited: (): ProblemInit => ({
		status: 429,
		type: "new-screens-rate-limited",
		title: "Too many new unregistered screens",
		detail: "Register screens with PUT /v1/screens/{id} instead of describing them inline",
		headers: { "retry-after": "60" },
	}),
	notFound: (detail = "No such resource"): ProblemInit => ({
		status: 404,
		type: "not-found",
		title: "Not found",
		detail,
	}),
	unauthorized: (detail: string): ProblemInit => ({
		status: 401,
		type: "unauthorized",
		title: "Unauthorized",
		detail,
		headers: { "www-authenticate": 'Bearer realm="px-edge"' },
	}),
	forbidden: (detail: string): ProblemInit => ({
		status: 403,
		type: "forbidden",
		title: "Forbidden",
		detail,
	}),
	invalidJson: (detail: string): ProblemInit => ({
		status: 400,
		type: "invalid-json",
		title: "Body is not valid JSON",
		detail,
	}),
	tooLarge: (limit: number): ProblemInit => ({
		status: 413,
		type: "body-too-large",
		title: "Request body too large",
		detail: `The body exceeds the limit of ${limit} bytes`,
		limit,
	}),
	/** 409: a review decision named a version its item no longer has; nothing was changed. */
	staleDecision: (stale: StaleItem[], detail: string): ProblemInit => ({
		status: 409,
		type: "stale-decision",
		title: "Decided by someone else since you saw it",
		detail,
		stale,
	}),
	/** 412: an admin write whose If-Match (or If-None-Match) is not the resource's state now. */
	preconditionFailed: (detail: string, current: number | null): ProblemInit => ({
		status: 412,
		type: "precondition-failed",
		title: "Changed since you read it",
		detail,
		current_etag: current === null ? null : `"${current}"`,
	}),
	/** 422: an approval whose file could not be fetched and copied; nothing was approved. */
	assetUnavailable: (detail: string): ProblemInit => ({
		status: 422,
		type: "asset-unavailable",
		title: "The asset could not be copied, so it was not approved",
		detail,
	}),
	internal: (): ProblemInit => ({
		status: 500,
		type: "internal",
		title: "Internal error",
		detail: "The request could not be processed; it is safe to retry",
	}),
};
