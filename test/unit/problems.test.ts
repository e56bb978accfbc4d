// The problem catalog: one status and one title per type, everywhere it is read: the Worker's
// problems, the SDK's EdgeError and README's table.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EdgeError } from "../../sdk/edge-client";
import { PROBLEM_CATALOG, PROBLEM_TYPES, problemSlug } from "../../src/px/api/problem-types";
import { fieldsProblem, problem, problems } from "../../src/worker/problem";

describe("problem catalog", () => {
	it("gives every problem its type's status and title; the throw site adds only the detail", () => {
		expect(problem("decision-expired", "gone")).toEqual({
			status: 410,
			type: "decision-expired",
			title: "This decision expired",
			detail: "gone",
		});
		expect(problems.noAuction("edge-overloaded", 1)).toMatchObject({
			status: 503,
			title: PROBLEM_CATALOG["edge-overloaded"].title,
			headers: { "retry-after": "1" },
		});
		// A validation problem is 400 with its context in the detail, never another status.
		expect(fieldsProblem([{ pointer: "#/x", detail: "bad" }], "Invalid ad request")).toEqual({
			status: 400,
			type: "validation",
			title: "Invalid request",
			detail: "Invalid ad request: #/x: bad",
			errors: [{ pointer: "#/x", detail: "bad" }],
		});
		expect(
			fieldsProblem([{ pointer: "#/screen_id", detail: "?" }], "c", "unknown-screen"),
		).toMatchObject({ status: 404, type: "unknown-screen" });
	});

	it("README's error table lists every type with its status and title", () => {
		const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
		const rows = [...readme.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|/gm)].map(
			([, type, status, title]) => [type, Number(status), title!.trim()],
		);
		expect(rows).toEqual(
			PROBLEM_TYPES.map((t) => [t, PROBLEM_CATALOG[t].status, PROBLEM_CATALOG[t].title]),
		);
	});

	it("the SDK names the type to switch on, and nothing for a slug it does not know", () => {
		const known = new EdgeError(
			410,
			{ type: "/problems/creative-revoked", title: "x", status: 410 },
			undefined,
		);
		expect(known.type).toBe("creative-revoked");
		const future = new EdgeError(
			418,
			{ type: "/problems/teapot", title: "t", status: 418 },
			undefined,
		);
		expect(future.type).toBeUndefined();
		expect(problemSlug(undefined)).toBeUndefined();
	});
});
