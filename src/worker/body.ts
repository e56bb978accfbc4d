import type { z } from "zod";
import type { AppContext } from "./context";
import { HttpProblem, problems, validationProblem } from "./problem";

/** The (already size-capped) body as JSON, or a 400 problem saying why it is not JSON. */
export async function readJsonBody(c: AppContext): Promise<unknown> {
	try {
		return JSON.parse(await c.req.text());
	} catch (err) {
		throw new HttpProblem(problems.invalidJson(err instanceof Error ? err.message : String(err)));
	}
}

/** The body validated by `schema`, or a 400 problem naming every offending field. */
export async function readJson<S extends z.ZodType>(
	c: AppContext,
	schema: S,
): Promise<z.output<S>> {
	const parsed = schema.safeParse(await readJsonBody(c));
	if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error.issues));
	return parsed.data;
}

/** Like readJson, for bodies that may be left out: no body (or only white space) reads as `{}`. */
export async function readOptionalJson<S extends z.ZodType>(
	c: AppContext,
	schema: S,
): Promise<z.output<S>> {
	// HonoRequest caches the body, so readJson below can read it again.
	const text = await c.req.text();
	if (text.trim() === "") {
		const parsed = schema.safeParse({});
		if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error.issues));
		return parsed.data;
	}
	return readJson(c, schema);
}
