// The catalog of every problem type the API answers with, its status and title: a throw site
// (src/worker/problem.ts) names the type and passes only the detail, so one type is always
// answered with one status, and a client (the SDK) can switch on the type. No zod here: the
// player SDK bundles this module.

export const PROBLEM_CATALOG = {
	validation: { status: 400, title: "Invalid request" },
	"invalid-json": { status: 400, title: "Body is not valid JSON" },
	"body-too-large": { status: 413, title: "Request body too large" },
	unauthorized: { status: 401, title: "Unauthorized" },
	forbidden: { status: 403, title: "Forbidden" },
	"not-found": { status: 404, title: "Not found" },
	/** An ad request for a screen nobody registered nor described inline. */
	"unknown-screen": { status: 404, title: "Unknown screen" },
	/** An ad request that contradicts the registered screen it names. */
	"screen-mismatch": { status: 422, title: "The request contradicts the registered screen" },
	internal: { status: 500, title: "Internal error" },
	"rate-limited": { status: 429, title: "Too many ad requests for this screen" },
	"publisher-rate-limited": { status: 429, title: "Too many requests for this publisher" },
	"new-screens-rate-limited": { status: 429, title: "Too many new unregistered screens" },
	"edge-overloaded": { status: 503, title: "The edge is at capacity" },
	"screen-state-unavailable": {
		status: 503,
		title: "The screen's state cannot be reached right now",
	},
	/** A proof of play reported again. */
	"already-reported": { status: 409, title: "Already reported" },
	/** The pre-play check of a decision that was already played: it does not play again. */
	"already-played": { status: 410, title: "Already played" },
	"approval-unavailable": { status: 503, title: "Cannot confirm the creative's approval now" },
	"asset-unavailable": {
		status: 422,
		title: "The asset could not be copied, so it was not approved",
	},
	"creative-revoked": { status: 410, title: "This creative was rejected" },
	"decision-expired": { status: 410, title: "This decision expired" },
	"play-too-early": { status: 425, title: "Reported before the play window opened" },
	"play-window-closed": { status: 410, title: "Too late to report this play" },
	"stale-decision": { status: 409, title: "Decided by someone else since you saw it" },
	/** An admin write whose If-Match (or If-None-Match) is not the resource's state now. */
	"precondition-failed": { status: 412, title: "Changed since you read it" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof PROBLEM_CATALOG;
export const PROBLEM_TYPES = Object.keys(PROBLEM_CATALOG) as ProblemType[];

/** The slug of a problem's `type` URI (`/problems/<slug>`), typed when the catalog knows it. */
export function problemSlug(type: string | undefined): ProblemType | undefined {
	const slug = type?.replace(/^\/problems\//, "");
	return slug !== undefined && Object.hasOwn(PROBLEM_CATALOG, slug)
		? (slug as ProblemType)
		: undefined;
}
