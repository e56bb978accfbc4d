import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { callEdge } from "../support/edge";

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

describe("client telemetry", () => {
	it("accepts a batch from a player and queues one event per record, keeping player ids", async () => {
		const sent: { type: string; event_id: string; kind: string }[] = [];
		const queue = {
			sendBatch: async (b: { body: never[] }[]) => void sent.push(...b.flatMap((m) => m.body)),
		};
		const id = crypto.randomUUID();
		const { res, settled } = await callEdge(
			"/v1/telemetry",
			{
				method: "POST",
				headers: { authorization: "Bearer demo-publisher-key", "content-type": "application/json" },
				body: JSON.stringify({
					events: [
						{ screen_id: "lobby-1", kind: "requested", ts: Date.now(), id },
						{
							screen_id: "lobby-1",
							kind: "error",
							ts: Date.now(),
							detail: "asset download failed",
						},
					],
				}),
			},
			{ EVENTS: queue as unknown as Queue },
		);
		expect(res.status).toBe(202);
		await settled;
		expect(sent.map((e) => [e.type, e.kind])).toEqual([
			["telemetry", "requested"],
			["telemetry", "error"],
		]);
		expect(sent[0]?.event_id).toBe(id);
	});

	it("rejects an unknown kind naming the field", async () => {
		const { res } = await callEdge("/v1/telemetry", {
			method: "POST",
			headers: { authorization: "Bearer demo-publisher-key" },
			body: JSON.stringify({ events: [{ screen_id: "s", kind: "exploded", ts: Date.now() }] }),
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ errors: [{ pointer: "#/events/0/kind" }] });
	});
});

describe("the environment is validated once, and loudly", () => {
	it("a misspelt flag or a missing signing key fails every request with 500, naming the variable in the log only", async () => {
		const logged: string[] = [];
		const spy = vi.spyOn(console, "error").mockImplementation((line: string) => {
			logged.push(line);
		});
		try {
			for (const [overrides, name] of [
				[{ REQUIRE_SECURE_CREATIVES: "True" }, "REQUIRE_SECURE_CREATIVES"],
				[{ POP_SIGNING_KEY: "" }, "POP_SIGNING_KEY"],
				[{ SESSION_SIGNING_KEY: "short" }, "SESSION_SIGNING_KEY"],
				[{ ENVIRONMENT: "prod" }, "ENVIRONMENT"],
			] as const) {
				logged.length = 0;
				const { res } = await callEdge("/healthz", {}, overrides as Partial<Env>);
				expect(res.status).toBe(500);
				expect(await res.json()).toMatchObject({ type: "/problems/internal" });
				const line = logged.map((l) => JSON.parse(l)).find((l) => l.msg === "config_invalid");
				expect(line.problems.join(" ")).toContain(name);
				// The log names the variable, never a secret's value.
				expect(JSON.stringify(line)).not.toContain("test-signing-key-not-a-secret");
			}
		} finally {
			spy.mockRestore();
		}
		const { res } = await callEdge("/healthz");
		expect(await res.json()).toEqual({ status: "ok", environment: "development" });
	});
});
