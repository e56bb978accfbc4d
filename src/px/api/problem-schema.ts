// RFC 9457 problem details, the one error shape of the API (src/worker/problem.ts builds them),
// as a schema for the OpenAPI document and the player SDK. Its types: px/api/problem-types.ts.
import { z } from "zod";

export { PROBLEM_CATALOG, PROBLEM_TYPES, type ProblemType, problemSlug } from "./problem-types";

export const Problem = z.looseObject({
	/** `/problems/<slug>`, a PROBLEM_CATALOG key; a client takes a slug it does not know as its status. */
	type: z.string(),
	title: z.string(),
	status: z.number().int(),
	detail: z.string().optional(),
	/** Every offending field, as a JSON pointer into what was sent. */
	errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
	/** The request id (also in the x-request-id header). */
	instance: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;
