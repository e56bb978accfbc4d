// The control plane (issue 24): the admin API's auth, validation, optimistic concurrency and audit
// log, and the bound on how long a change takes to reach ad requests (README "Configuration").
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ageSnapshot, MAX_AGE_MS, snapshotStatus } from "../../src/worker/control/snapshot";
import { writeRow } from "../../src/worker/control/store";
import { adminCall, billboardAdRequest, callEdge, dspBase, dspLog } from "../support/edge";
import { OPERATOR_KEY, signIn } from "../support/pages";

let n = 0;
const newTag = () => `control-${Date.now()}-${n++}`;

const bidderBody = (tag: string, name: string) => ({
	name,
	endpoint: `${dspBase()}/dsp/bid?tag=${tag}`,
	media: ["banner"],
});

async function billboardRequest(t: string, key?: string) {
	const { res, settled } = await billboardAdRequest({ key, screenId: `bb-${t}` });
	await res.arrayBuffer();
	await settled;
	return res;
}

const calls = async (tag: string) => (await dspLog(tag)).filter((l) => l.startsWith("request"));

afterEach(() => vi.restoreAllMocks());

describe("admin API", () => {
	it("refuses a missing key, a publisher key and an unknown key", async () => {
		for (const authorization of [undefined, "Bearer demo-publisher-key", "Bearer nope"]) {
			const { res } = await callEdge("/v1/admin/bidders/x", {
				headers: authorization ? { authorization } : {},
			});
			expect(res.status).toBe(401);
			expect(res.headers.get("content-type")).toContain("application/problem+json");
		}
	});

	it("validates bodies with the edge's schemas and names the field", async () => {
		const res = await adminCall("PUT", "/bidders/bad-one", { endpoint: "ftp://x" });
		expect(res.status).toBe(400);
		const problem = (await res.json()) as { errors: { pointer: string }[] };
		expect(problem.errors.map((e) => e.pointer)).toContain("#/endpoint");

		const mismatch = await adminCall("PUT", "/publishers/p-one", { id: "p-two", name: "P" });
		expect(mismatch.status).toBe(400);
		expect(((await mismatch.json()) as { detail: string }).detail).toContain("#/id");

		const deal = await adminCall("PUT", "/deals/d-bad", {
			publisher_id: "demo-pub",
			flight_start: "2026-12-02T00:00:00Z",
			flight_end: "2026-12-01T00:00:00Z",
		});
		expect(deal.status).toBe(400);
		expect(((await deal.json()) as { detail: string }).detail).toContain("#/flight_end");
	});

	it("takes a publisher's exchange_take as a share or a fee, never both, and names the field", async () => {
		for (const [take, pointer] of [
			[{ share: 0.95 }, "#/exchange_take/share"],
			[{ fee_cpm: -1 }, "#/exchange_take/fee_cpm"],
			[{ share: 0.1, fee_cpm: 1 }, "#/exchange_take"],
			[{}, "#/exchange_take"],
			[{ share: 0.1, extra: 1 }, "#/exchange_take"],
		] as const) {
			const res = await adminCall("PUT", "/publishers/take-bad", {
				name: "T",
				exchange_take: take,
			});
			expect(res.status, JSON.stringify(take)).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string }[] };
			expect(problem.errors.map((e) => e.pointer)).toEqual([pointer]);
		}
		for (const take of [{ share: 0.2 }, { fee_cpm: 0.5 }]) {
			const res = await adminCall("PUT", "/publishers/take-ok", { name: "T", exchange_take: take });
			expect(res.status).toBeLessThan(300);
			expect(await res.json()).toMatchObject({ exchange_take: take });
		}
	});

	it("writes with ETags: a stale If-Match is refused with 412 and changes nothing", async () => {
		const t = newTag();
		const created = await adminCall("PUT", "/bidders/etag-dsp", bidderBody(t, "etag-dsp"));
		expect(created.status).toBe(201);
		const v1 = created.headers.get("etag");
		expect(v1).toMatch(/^"\d+"$/);

		const updated = await adminCall(
			"PUT",
			"/bidders/etag-dsp",
			{ ...bidderBody(t, "etag-dsp"), priority: 5 },
			{ "if-match": v1! },
		);
		expect(updated.status).toBe(200);
		const v2 = updated.headers.get("etag");
		expect(v2).not.toBe(v1);

		const stale = await adminCall(
			"PUT",
			"/bidders/etag-dsp",
			{ ...bidderBody(t, "etag-dsp"), priority: 9 },
			{ "if-match": v1! },
		);
		expect(stale.status).toBe(412);
		expect(stale.headers.get("content-type")).toContain("application/problem+json");
		expect(await stale.json()).toMatchObject({
			type: "/problems/precondition-failed",
			current_etag: v2,
		});
		const staleDelete = await adminCall("DELETE", "/bidders/etag-dsp", undefined, {
			"if-match": v1!,
		});
		expect(staleDelete.status).toBe(412);
		const createOnly = await adminCall("PUT", "/bidders/etag-dsp", bidderBody(t, "etag-dsp"), {
			"if-none-match": "*",
		});
		expect(createOnly.status).toBe(412);

		const read = await adminCall("GET", "/bidders/etag-dsp");
		expect(read.headers.get("etag")).toBe(v2);
		expect(await read.json()).toMatchObject({ priority: 5 });

		const deleted = await adminCall("DELETE", "/bidders/etag-dsp", undefined, { "if-match": v2! });
		expect(deleted.status).toBe(204);
		expect((await adminCall("GET", "/bidders/etag-dsp")).status).toBe(404);
	});

	it("appends who, when, what, before and after to the audit log, which cannot be rewritten", async () => {
		const t = newTag();
		const id = `audited-${n}`;
		const start = Date.now();
		await adminCall("PUT", `/bidders/${id}`, bidderBody(t, id));
		await adminCall("PUT", `/bidders/${id}`, { ...bidderBody(t, id), priority: 7 });
		await adminCall("DELETE", `/bidders/${id}`);
		const res = await adminCall("GET", "/audit?limit=500");
		const { records } = (await res.json()) as {
			records: {
				actor: string;
				at: number;
				action: string;
				key: string;
				before: any;
				after: any;
			}[];
		};
		const mine = records.filter((r) => r.key === id);
		expect(mine.map((r) => r.action)).toEqual(["create", "update", "delete"]);
		expect(mine[0]).toMatchObject({ before: null, after: { name: id, priority: 100 } });
		expect(mine[1]).toMatchObject({ before: { priority: 100 }, after: { priority: 7 } });
		expect(mine[2]).toMatchObject({ before: { priority: 7 }, after: null });
		expect(mine[0]!.actor).toMatch(/^admin-key:[0-9a-f]{12}$/);
		expect(mine[0]!.at).toBeGreaterThanOrEqual(start);
		await expect(env.CONTROL.prepare("DELETE FROM audit").run()).rejects.toThrow(/append-only/);
	});
});

describe("changes reach ad requests", () => {
	it("a bidder added through the API is called by the next ad request", async () => {
		const t = newTag();
		await billboardRequest(`${t}-before`);
		expect(await calls(t)).toHaveLength(0);
		expect((await adminCall("PUT", `/bidders/new-${n}`, bidderBody(t, `new-${n}`))).status).toBe(
			201,
		);
		await billboardRequest(`${t}-after`);
		expect(await calls(t)).toHaveLength(1);
	});

	it(`a change made elsewhere reaches this isolate within ${MAX_AGE_MS / 1000} s`, async () => {
		const t = newTag();
		await billboardRequest(`${t}-warm`);
		// Another isolate's admin write: this isolate's snapshot is not told.
		await writeRow(
			env.CONTROL,
			"bidder",
			`elsewhere-${n}`,
			{ body: bidderBody(t, `elsewhere-${n}`), before: undefined, expected: undefined },
			{ name: "test" },
		);
		await billboardRequest(`${t}-fresh`);
		expect(await calls(t)).toHaveLength(0);
		// Older than REFRESH_AFTER_MS: served as is while the background check runs.
		ageSnapshot(env, 15_000);
		await billboardRequest(`${t}-stale`);
		await billboardRequest(`${t}-checked`);
		expect(await calls(t)).toHaveLength(1);

		// At MAX_AGE_MS the request waits for the check: never older than the bound.
		await writeRow(
			env.CONTROL,
			"bidder",
			`elsewhere-${n}`,
			{
				body: { ...bidderBody(t, `elsewhere-${n}`), enabled: false },
				before: undefined,
				expected: (await env.CONTROL.prepare("SELECT version FROM bidders WHERE name = ?")
					.bind(`elsewhere-${n}`)
					.first<number>("version"))!,
			},
			{ name: "test" },
		);
		ageSnapshot(env, MAX_AGE_MS);
		await billboardRequest(`${t}-bound`);
		expect(await calls(t)).toHaveLength(1);
	});

	it("a revoked publisher key is refused by the next ad request", async () => {
		const pub = `pub-${n++}`;
		expect(
			(await adminCall("PUT", `/publishers/${pub}`, { name: "Managed Network", floor_cpm: 1 }))
				.status,
		).toBe(201);
		const created = await adminCall("POST", `/publishers/${pub}/keys`, { label: "player fleet" });
		expect(created.status).toBe(201);
		const { key, key_id } = (await created.json()) as { key: string; key_id: string };
		expect((await billboardRequest(newTag(), key)).status).toBe(200);

		const listed = (await (await adminCall("GET", `/publishers/${pub}/keys`)).json()) as {
			keys: Record<string, unknown>[];
		};
		expect(listed.keys).toEqual([expect.objectContaining({ key_id, label: "player fleet" })]);
		expect(JSON.stringify(listed)).not.toContain(key);

		expect((await adminCall("DELETE", `/publishers/${pub}/keys/${key_id}`)).status).toBe(204);
		expect((await billboardRequest(newTag(), key)).status).toBe(401);
	});

	it("keeps serving the last good snapshot when D1 is unreachable, and says how old it is", async () => {
		await billboardRequest(newTag());
		vi.spyOn(env.CONTROL, "prepare").mockImplementation(() => {
			throw new Error("D1 is unreachable");
		});
		ageSnapshot(env, MAX_AGE_MS + 5_000);
		expect((await billboardRequest(newTag())).status).toBe(200);
		const status = snapshotStatus(env);
		expect(status.age_ms).toBeGreaterThan(MAX_AGE_MS);
		expect(status.last_error).toContain("D1 is unreachable");
		// The operator console says so, as does the admin API.
		const ae = {
			AE_SQL_API_URL: `${dspBase()}/client/v4/accounts/acct/analytics_engine/sql?tag=ctl&scenario=ok`,
		};
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae);
		const ops = await callEdge("/ops", { headers: { cookie } }, ae);
		expect(await ops.res.text()).toMatch(/configuration v\d+, \d+ s old \(D1: .*D1 is unreachable/);
		const json = await callEdge("/ops/metrics.json", { headers: { cookie } }, ae);
		expect(((await json.res.json()) as { control: unknown }).control).toMatchObject({
			last_error: expect.stringContaining("D1 is unreachable"),
			max_age_ms: MAX_AGE_MS,
		});
		const statusRes = await adminCall("GET", "/status");
		expect(await statusRes.json()).toMatchObject({
			last_error: expect.stringContaining("unreachable"),
		});

		vi.restoreAllMocks();
		ageSnapshot(env, 10_000);
		expect((await billboardRequest(newTag())).status).toBe(200);
		expect(snapshotStatus(env).last_error).toBeNull();
	});
});
