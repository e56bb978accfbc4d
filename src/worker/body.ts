import type { z } from "zod";
import { errorText } from "../services/log";
import type { AppContext } from "./context";
import { fieldsProblem, HttpProblem, problems, validationProblem } from "./problem";

/**
 * No request body of ours nests deeper than a few levels; past this, recursion further in (merge
 * patch, validation, Durable Object RPC serialization) would fail as a 500 instead of a 400.
 */
const MAX_JSON_DEPTH = 32;

/** The (already size-capped) body as JSON, or a 400 problem saying why it is not JSON. */
export async function readJsonBody(c: AppContext): Promise<unknown> {
	let value: unknown;
	try {
		value = JSON.parse(await c.req.text());
	} catch (err) {
		throw new HttpProblem(problems.invalidJson(errorText(err)));
	}
	const tooDeep = deeperThan(value, MAX_JSON_DEPTH);
	if (tooDeep !== undefined) {
		throw new HttpProblem(
			fieldsProblem(
				[{ pointer: tooDeep, detail: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
				"Invalid request body",
			),
		);
	}
	return value;
}

/** JSON pointer of the first place nested deeper than `limit`, found without recursion. */
function deeperThan(root: unknown, limit: number): string | undefined {
	const stack: { value: unknown; depth: number; pointer: string }[] = [
		{ value: root, depth: 0, pointer: "#" },
	];
	while (stack.length > 0) {
		const { value, depth, pointer } = stack.pop()!;
		if (typeof value !== "object" || value === null) continue;
		if (depth >= limit) return pointer;
		for (const [key, child] of Object.entries(value)) {
			const token = key.replaceAll("~", "~0").replaceAll("/", "~1");
			stack.push({ value: child, depth: depth + 1, pointer: `${pointer}/${token}` });
		}
	}
	return undefined;
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
