import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const BASE = "https://px-edge.test";

async function problemOf(res: Response) {
	expect(res.headers.get("content-type")).toBe("application/problem+json");
	return (await res.json()) as Record<string, unknown>;
}

describe("foundation", () => {
	it("GET /healthz answers 200 with a request id echoed", async () => {
		const res = await exports.default.fetch(`${BASE}/healthz`, {
			headers: { "x-request-id": "abc-123" },
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("x-request-id")).toBe("abc-123");
		expect(await res.json()).toMatchObject({ status: "ok" });
	});

	it("generates a request id when the caller sends none", async () => {
		const res = await exports.default.fetch(`${BASE}/healthz`);
		expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("unknown route is a 404 problem", async () => {
		const res = await exports.default.fetch(`${BASE}/nope`);
		expect(res.status).toBe(404);
		const body = await problemOf(res);
		expect(body).toMatchObject({ type: "/problems/not-found", status: 404, title: "Not found" });
		expect(body.detail).toContain("/nope");
	});
});
