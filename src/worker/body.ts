import type { z } from "zod";
import type { AppContext } from "./context";
import { HttpProblem, problems, validationProblem } from "./problem";

/** Parse the (already size-capped) JSON body and validate it, or throw a problem naming the field. */
export async function readJson<S extends z.ZodType>(
	c: AppContext,
	schema: S,
): Promise<z.output<S>> {
	let raw: unknown;
	try {
		raw = JSON.parse(await c.req.text());
	} catch (err) {
		throw new HttpProblem(problems.invalidJson(err instanceof Error ? err.message : String(err)));
	}
	const parsed = schema.safeParse(raw);
	if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error));
	return parsed.data;
}
