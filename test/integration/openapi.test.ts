// The OpenAPI document and the routes Hono has registered must agree: a new route without its
// operation, or an operation whose route was removed or renamed, fails here.
import { describe, expect, it } from "vitest";
import { app } from "../../src/worker/app";
import spec from "../../src/worker/generated/openapi.json";
import { callEdge } from "../support/edge";

/** Hono's `/v1/plays/:token` as OpenAPI's `/v1/plays/{token}`; `:a{x|y}` becomes two paths. */
function openApiPaths(honoPath: string): string[] {
	const path = honoPath.length > 1 ? honoPath.replace(/\/$/, "") : honoPath;
	const alt = /:(\w+)\{([^}]+)\}/.exec(path);
	if (alt) {
		return alt[2]!.split("|").flatMap((choice) => openApiPaths(path.replace(alt[0], choice)));
	}
	return [path.replace(/:(\w+)/g, "{$1}")];
}

/**
 * The review desk and operator console (pages, their form posts and the console's panel data)
 * are for people signed in with a cookie session, not the machine API the document describes;
 * README documents them.
 */
const isBrowserPage = (path: string) =>
	/^\/(review|ops|ui)(\/|$)/.test(path) || path === "/favicon.ico";

const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
	([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
);

describe("OpenAPI document", () => {
	it("documents exactly the routes the Worker registers", () => {
		const registered = new Set(
			app.routes
				.filter((r) => r.method !== "ALL" && !isBrowserPage(r.path))
				.flatMap((r) => openApiPaths(r.path).map((p) => `${r.method} ${p}`)),
		);
		// Hono answers HEAD with a GET route; the document lists HEAD where it means something.
		const withoutHead = documented.filter((d) => !d.startsWith("HEAD "));
		expect([...registered].sort()).toEqual([...new Set(withoutHead)].sort());
		for (const head of documented.filter((d) => d.startsWith("HEAD "))) {
			expect(registered).toContain(head.replace(/^HEAD/, "GET"));
		}
	});

	it("is served at /openapi.json, and /docs lists every operation", async () => {
		const { res } = await callEdge("/openapi.json");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(spec);
		const page = await callEdge("/docs");
		expect(page.res.headers.get("content-type")).toMatch(/^text\/html/);
		const html = await page.res.text();
		for (const d of documented) {
			const [method, path] = d.split(" ");
			expect(html).toContain(`${method}</span> <code>${path}</code>`);
		}
		expect(html).not.toMatch(/<script/);
	});
});
