// Floors by rule (issue 25) in the control plane: the admin API stores, lists, versions, audits
// and deletes them like deals, and the Publisher an ad request sees carries them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { publisherByKeyHash } from "../../src/px/control/control";
import { controlSnapshot } from "../../src/worker/control/snapshot";
import { sha256Hex } from "../../src/worker/crypto";
import { adminCall, problemPointers } from "../support/edge";

/** Airports on weekday mornings: 8 CPM, or 0.5 a second of creative when that is more. */
const airportMornings = (publisher_id: string) => ({
	publisher_id,
	venue_types: [101],
	days: [0, 1, 2, 3, 4],
	hours: { from: 6, to: 10 },
	floor_cpm: 8,
	floor_cpm_per_second: 0.5,
});

describe("floor rules in the admin API", () => {
	it("creates, reads, updates conditionally (412 when stale), lists, audits and deletes", async () => {
		const created = await adminCall("PUT", "/floor-rules/fr-crud", airportMornings("demo-pub"));
		expect(created.status).toBe(201);
		const v1 = created.headers.get("etag")!;
		expect(await created.json()).toMatchObject({ id: "fr-crud", priority: 100 });

		const read = await adminCall("GET", "/floor-rules/fr-crud");
		expect(read.headers.get("etag")).toBe(v1);
		expect(await read.json()).toEqual({
			id: "fr-crud",
			...airportMornings("demo-pub"),
			priority: 100,
		});

		const updated = await adminCall(
			"PUT",
			"/floor-rules/fr-crud",
			{ ...airportMornings("demo-pub"), floor_cpm: 9 },
			{ "if-match": v1 },
		);
		expect(updated.status).toBe(200);
		const v2 = updated.headers.get("etag")!;
		const stale = await adminCall(
			"PUT",
			"/floor-rules/fr-crud",
			{ ...airportMornings("demo-pub"), floor_cpm: 1 },
			{ "if-match": v1 },
		);
		expect(stale.status).toBe(412);
		expect(await stale.json()).toMatchObject({
			type: "/problems/precondition-failed",
			current_etag: v2,
		});
		expect(await (await adminCall("GET", "/floor-rules/fr-crud")).json()).toMatchObject({
			floor_cpm: 9,
		});

		await adminCall("PUT", "/floor-rules/fr-other", { publisher_id: "second-pub", floor_cpm: 1 });
		const listed = await adminCall("GET", "/floor-rules?publisher_id=demo-pub");
		expect(await listed.json()).toEqual({
			floor_rules: [{ etag: v2, rule: expect.objectContaining({ id: "fr-crud", floor_cpm: 9 }) }],
		});

		expect(
			(await adminCall("DELETE", "/floor-rules/fr-crud", undefined, { "if-match": v1 })).status,
		).toBe(412);
		expect(
			(await adminCall("DELETE", "/floor-rules/fr-crud", undefined, { "if-match": v2 })).status,
		).toBe(204);
		expect((await adminCall("GET", "/floor-rules/fr-crud")).status).toBe(404);
		expect(await (await adminCall("GET", "/floor-rules?publisher_id=demo-pub")).json()).toEqual({
			floor_rules: [],
		});

		const { records } = (await (await adminCall("GET", "/audit?limit=500")).json()) as {
			records: { kind: string; key: string; action: string }[];
		};
		expect(records.filter((r) => r.key === "fr-crud").map((r) => [r.kind, r.action])).toEqual([
			["floor_rule", "create"],
			["floor_rule", "update"],
			["floor_rule", "delete"],
		]);
	});

	it("refuses an invalid rule with 400 naming the field, and a listing without its publisher", async () => {
		const noFloor = await adminCall("PUT", "/floor-rules/fr-bad", {
			publisher_id: "demo-pub",
			days: [0],
		});
		expect(noFloor.status).toBe(400);
		expect(noFloor.headers.get("content-type")).toContain("application/problem+json");
		expect(await problemPointers(noFloor)).toEqual(["#/floor_cpm"]);

		const bad = await adminCall("PUT", "/floor-rules/fr-bad", {
			publisher_id: "demo-pub",
			floor_cpm: 1,
			venue_types: [42],
			hours: { from: 9, to: 9 },
			min_duration: 30,
			max_duration: 15,
		});
		expect(bad.status).toBe(400);
		expect(await problemPointers(bad)).toEqual(
			expect.arrayContaining(["#/venue_types/0", "#/hours/to"]),
		);
		const range = await adminCall("PUT", "/floor-rules/fr-bad", {
			publisher_id: "demo-pub",
			floor_cpm: 1,
			min_duration: 30,
			max_duration: 15,
		});
		expect(await problemPointers(range)).toEqual(["#/max_duration"]);
		expect((await adminCall("GET", "/floor-rules/fr-bad")).status).toBe(404);

		const unlisted = await adminCall("GET", "/floor-rules");
		expect(unlisted.status).toBe(400);
		expect(await problemPointers(unlisted)).toEqual(["#/publisher_id"]);
	});

	it("reaches the Publisher an ad request sees, and never through the publisher's own body", async () => {
		const pub = "fr-network";
		const account = await adminCall("PUT", `/publishers/${pub}`, {
			name: "Rules Network",
			floor_rules: [{ id: "smuggled", publisher_id: pub, floor_cpm: 99 }],
		});
		expect(account.status).toBe(201);
		expect(await account.json()).not.toHaveProperty("floor_rules");
		const { key } = (await (await adminCall("POST", `/publishers/${pub}/keys`)).json()) as {
			key: string;
		};
		const hash = await sha256Hex(key);
		const seen = async () =>
			publisherByKeyHash(await controlSnapshot(env), hash, Date.now())?.floor_rules;
		expect(await seen()).toBeUndefined();

		expect((await adminCall("PUT", "/floor-rules/fr-seen", airportMornings(pub))).status).toBe(201);
		expect(await seen()).toEqual([{ id: "fr-seen", ...airportMornings(pub), priority: 100 }]);

		expect((await adminCall("DELETE", "/floor-rules/fr-seen")).status).toBe(204);
		expect(await seen()).toBeUndefined();
	});
});
