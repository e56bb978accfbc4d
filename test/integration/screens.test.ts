import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authHeaders, BASE, lobbyScreen } from "../support/fixtures";

const put = (id: string, body: unknown, headers = authHeaders()) =>
	exports.default.fetch(`${BASE}/v1/screens/${id}`, {
		method: "PUT",
		headers,
		body: typeof body === "string" ? body : JSON.stringify(body),
	});

async function problem(res: Response) {
	expect(res.headers.get("content-type")).toBe("application/problem+json");
	return (await res.json()) as { status: number; type: string; errors?: { pointer: string }[] };
}

describe("data collection API", () => {
	it("registers a screen, reads it back, patches part of it", async () => {
		const created = await put("lobby-1", lobbyScreen());
		expect(created.status).toBe(201);
		const again = await put("lobby-1", lobbyScreen());
		expect(again.status).toBe(200);

		const read = await exports.default.fetch(`${BASE}/v1/screens/lobby-1`, {
			headers: authHeaders(),
		});
		expect(read.status).toBe(200);
		const screen = (await read.json()) as {
			slots: { max_duration: number }[];
			interactive: boolean;
		};
		expect(screen.slots[0]?.max_duration).toBe(15);
		expect(screen.interactive).toBe(false); // defaults are applied and stored

		const patched = await exports.default.fetch(`${BASE}/v1/screens/lobby-1`, {
			method: "PATCH",
			headers: authHeaders(),
			body: JSON.stringify({
				name: "Lobby (renamed)",
				audience: { multiplier: 20 },
				physical: null,
			}),
		});
		expect(patched.status).toBe(200);
		const after = (await patched.json()) as Record<string, unknown>;
		expect(after.name).toBe("Lobby (renamed)");
		expect(after.audience).toEqual({ multiplier: 20, source: "vendor", vendor: "geopath" });
		expect(after.physical).toBeUndefined();
		expect(after.slots).toEqual(screen.slots);
	});

	it("keeps each publisher's screens apart", async () => {
		await put("shared-id", lobbyScreen("shared-id"));
		const other = await exports.default.fetch(`${BASE}/v1/screens/shared-id`, {
			headers: authHeaders("second-publisher-key"),
		});
		expect(other.status).toBe(404);
	});

	it("404 problem for an unknown screen, on GET and PATCH", async () => {
		const res = await exports.default.fetch(`${BASE}/v1/screens/nobody`, {
			headers: authHeaders(),
		});
		expect(res.status).toBe(404);
		expect((await problem(res)).type).toBe("/problems/not-found");
		const patch = await exports.default.fetch(`${BASE}/v1/screens/nobody`, {
			method: "PATCH",
			headers: authHeaders(),
			body: "{}",
		});
		expect(patch.status).toBe(404);
	});

	it("401 without a key and with a wrong key", async () => {
		const none = await put("lobby-1", lobbyScreen(), { "content-type": "application/json" });
		expect(none.status).toBe(401);
		expect((await problem(none)).type).toBe("/problems/unauthorized");
		const wrong = await put("lobby-1", lobbyScreen(), authHeaders("not-a-key"));
		expect(wrong.status).toBe(401);
	});

	it.each([
		["slot width is a string", (s: any) => (s.slots[0].w = "1080"), "#/slots/0/w"],
		["latitude out of range", (s: any) => (s.geo.lat = 123), "#/geo/lat"],
		["unknown venue type", (s: any) => (s.venue.type = 99999), "#/venue/type"],
		["no slots", (s: any) => (s.slots = []), "#/slots"],
		["vendor audience without vendor", (s: any) => delete s.audience.vendor, "#/audience/vendor"],
		[
			"durations and min/max together",
			(s: any) => (s.slots[0].durations = [10]),
			"#/slots/0/durations",
		],
		["id differs from the path", (s: any) => (s.id = "other"), "#/id"],
	])("400 naming the field: %s", async (_name, mutate, pointer) => {
		const screen = structuredClone(lobbyScreen("bad-1")) as any;
		mutate(screen);
		const res = await put("bad-1", screen);
		expect(res.status).toBe(400);
		const body = await problem(res);
		expect(body.type).toBe("/problems/validation");
		expect(body.errors?.map((e) => e.pointer)).toContain(pointer);
	});

	it("400 naming the field when a patch makes the screen invalid", async () => {
		await put("lobby-2", lobbyScreen("lobby-2"));
		const res = await exports.default.fetch(`${BASE}/v1/screens/lobby-2`, {
			method: "PATCH",
			headers: authHeaders(),
			body: JSON.stringify({ resolution: { w: -5 } }),
		});
		expect(res.status).toBe(400);
		expect((await problem(res)).errors?.[0]?.pointer).toBe("#/resolution/w");
	});

	it("400 invalid-json for a body that is not JSON", async () => {
		const res = await put("lobby-1", "{not json");
		expect(res.status).toBe(400);
		expect((await problem(res)).type).toBe("/problems/invalid-json");
	});

	it("413 for a body over the cap, declared or streamed", async () => {
		const big = JSON.stringify({ ...lobbyScreen(), name: "x".repeat(70 * 1024) });
		const declared = await put("lobby-1", big);
		expect(declared.status).toBe(413);
		expect((await problem(declared)).type).toBe("/problems/body-too-large");

		const stream = new Blob([big]).stream();
		const chunked = await exports.default.fetch(`${BASE}/v1/screens/lobby-1`, {
			method: "PUT",
			headers: authHeaders(),
			body: stream,
			// @ts-expect-error duplex is required for streamed request bodies
			duplex: "half",
		});
		expect(chunked.status).toBe(413);
	});
});
