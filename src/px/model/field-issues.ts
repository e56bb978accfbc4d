// Zod issues → JSON pointers, so every 4xx names the offending field of the body as sent.
import type { z } from "zod";

/** One offending field, the API's one name for it: a JSON pointer into the body as sent, and why. */
export interface FieldIssue {
	pointer: string;
	detail: string;
}

/** The same before it is pointed: a path into the value (zod's issue shape, also sent over RPC). */
export interface PathIssue {
	path: ReadonlyArray<PropertyKey>;
	message: string;
}

/** RFC 6901 pointer in URI-fragment form, e.g. `#/display_area/0/width`. */
export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
	if (path.length === 0) return "#";
	return `#/${path.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
	let node = root;
	for (const key of path) {
		if (node === null || typeof node !== "object") return undefined;
		node = (node as Record<PropertyKey, unknown>)[key];
	}
	return node;
}

export function issuesFromZod(
	error: z.ZodError,
	body: unknown,
	mapPointer: (pointer: string) => string = (p) => p,
): FieldIssue[] {
	return error.issues.flatMap((issue): FieldIssue[] => {
		if (issue.code === "unrecognized_keys") {
			return issue.keys.map((key) => ({
				pointer: mapPointer(jsonPointer([...issue.path, key])),
				detail: "is not a known field",
			}));
		}
		// Zod words a missing field as a type mismatch against undefined; say it plainly.
		const missing =
			issue.code === "invalid_type" &&
			issue.path.length > 0 &&
			valueAt(body, issue.path) === undefined;
		return [
			{
				pointer: mapPointer(jsonPointer(issue.path)),
				detail: missing ? "is required" : issue.message,
			},
		];
	});
}
