// Exchange rates (issue 25): set through the admin API with its ETag and audit conventions, and
// refreshed by px-edge's cron from a real HTTP source (the loopback test server's /fx), where a
// failing source leaves the stored rates exactly as they were.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import edge from "../../src/index";
import { refreshRates } from "../../src/worker/control/fx-refresh";
import { controlSnapshot } from "../../src/worker/control/snapshot";
import { readAudit, readRowsAt } from "../../src/worker/control/store";
import { adminCall, dspBase, problemPointers } from "../support/edge";

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** px-edge's env with FX_RATES_URL at the test server's /fx, answering `query`. */
const withSource = (query: Record<string, string | number>) =>
	({
		...env,
		FX_RATES_URL: `${dspBase()}/fx?${new URLSearchParams(
			Object.entries(query).map(([k, v]) => [k, String(v)]),
		)}`,
	}) as Env;

const stored = async () => (await readRowsAt(env.CONTROL, "currency_rate")).rows;
const lastAudit = async () => (await readAudit(env.CONTROL, { after: 0, limit: 10_000 })).at(-1);

beforeEach(async () => {
	await env.CONTROL.prepare("DELETE FROM currency_rates").run();
});

describe("admin API: currency rates", () => {
	it("creates, lists, updates with If-Match and deletes a rate; the snapshot holds it", async () => {
		const created = await adminCall("PUT", "/currency-rates/eur", { per_usd: 0.94 });
		expect(created.status).toBe(201);
		const etag = created.headers.get("etag")!;
		const rate = (await created.json()) as { currency: string; as_of: string; source: string };
		expect(rate).toMatchObject({ currency: "EUR", per_usd: 0.94, source: "admin" });
		expect(Math.abs(Date.parse(rate.as_of) - Date.now())).toBeLessThan(60_000);
		expect((await controlSnapshot(env)).rates.get("EUR")).toMatchObject({ perUsd: 0.94 });
		expect(await lastAudit()).toMatchObject({
			kind: "currency_rate",
			key: "EUR",
			action: "create",
		});

		const listed = await adminCall("GET", "/currency-rates");
		expect(await listed.json()).toEqual({
			rates: [{ ...rate, age_s: expect.any(Number), stale: false }],
			max_age_s: 72 * 3600,
		});

		const old = "2026-01-01T00:00:00Z";
		const stale = await adminCall(
			"PUT",
			"/currency-rates/EUR",
			{ per_usd: 0.9, as_of: old, source: "desk" },
			{ "if-match": '"1"' },
		);
		expect(stale.status).toBe(412);
		const updated = await adminCall(
			"PUT",
			"/currency-rates/EUR",
			{ per_usd: 0.9, as_of: old, source: "desk" },
			{ "if-match": etag },
		);
		expect(updated.status).toBe(200);
		const list = (await (await adminCall("GET", "/currency-rates")).json()) as {
			rates: { stale: boolean; age_s: number }[];
		};
		expect(list.rates[0]).toMatchObject({ per_usd: 0.9, as_of: old, source: "desk", stale: true });

		expect((await adminCall("DELETE", "/currency-rates/EUR")).status).toBe(204);
		expect((await adminCall("GET", "/currency-rates/EUR")).status).toBe(404);
		expect((await controlSnapshot(env)).rates.has("EUR")).toBe(false);
	});

	it("refuses USD, a code that is not one, a rate that is not positive and an as_of far ahead", async () => {
		const usd = await adminCall("PUT", "/currency-rates/USD", { per_usd: 1 });
		expect(usd.status).toBe(400);
		expect(usd.headers.get("content-type")).toContain("application/problem+json");
		expect(await problemPointers(usd)).toEqual(["#/currency"]);
		expect(
			await problemPointers(await adminCall("PUT", "/currency-rates/EURO", { per_usd: 1 })),
		).toEqual(["#/currency"]);
		expect(
			await problemPointers(await adminCall("PUT", "/currency-rates/GBP", { per_usd: 0 })),
		).toEqual(["#/per_usd"]);
		const ahead = new Date(Date.now() + 3 * 86_400_000).toISOString();
		expect(
			await problemPointers(
				await adminCall("PUT", "/currency-rates/GBP", { per_usd: 0.8, as_of: ahead }),
			),
		).toEqual(["#/as_of"]);
		expect(await stored()).toEqual([]);
	});
});

describe("scheduled refresh", () => {
	it("writes the source's rates as one audited write, then nothing while they are unchanged", async () => {
		const source = withSource({ date: today(), EUR: 0.94, GBP: 0.79, CAD: 1.39 });
		const result = await refreshRates(source);
		expect(result).toMatchObject({ status: "updated", rates: 3, updated: ["CAD", "EUR", "GBP"] });
		const host = new URL(dspBase()).host;
		expect((await stored()).map((r) => r.body)).toEqual([
			{ currency: "CAD", per_usd: 1.39, as_of: `${today()}T23:59:59Z`, source: host },
			{ currency: "EUR", per_usd: 0.94, as_of: `${today()}T23:59:59Z`, source: host },
			{ currency: "GBP", per_usd: 0.79, as_of: `${today()}T23:59:59Z`, source: host },
		]);
		const audit = await lastAudit();
		expect(audit).toMatchObject({ actor: "scheduler", kind: "currency_rate", key: "CAD,EUR,GBP" });
		expect(audit?.version).toBe(result.status === "updated" ? result.version : -1);
		expect((await controlSnapshot(env)).rates.get("GBP")).toMatchObject({ perUsd: 0.79 });

		const version = (await readRowsAt(env.CONTROL, "currency_rate")).version;
		expect(await refreshRates(source)).toMatchObject({ status: "unchanged", updated: [] });
		expect((await readRowsAt(env.CONTROL, "currency_rate")).version).toBe(version);
	});

	it("converts a source in another base to rates per USD", async () => {
		const result = await refreshRates(
			withSource({ base: "EUR", date: today(), USD: 1.25, GBP: 0.85 }),
		);
		expect(result).toMatchObject({ status: "updated", updated: ["EUR", "GBP"] });
		const perUsd = Object.fromEntries(
			(await stored()).map((r) => [r.key, (r.body as { per_usd: number }).per_usd]),
		);
		expect(perUsd).toEqual({ EUR: 0.8, GBP: 0.68 });
	});

	it("keeps a newer rate (an admin's override) over the source's older one", async () => {
		expect((await adminCall("PUT", "/currency-rates/EUR", { per_usd: 0.5 })).status).toBe(201);
		const result = await refreshRates(withSource({ date: daysAgo(1), EUR: 0.94, GBP: 0.79 }));
		expect(result).toMatchObject({ status: "updated", updated: ["GBP"] });
		const eur = (await stored()).find((r) => r.key === "EUR");
		expect(eur?.body).toMatchObject({ per_usd: 0.5, source: "admin" });
	});

	it("a source that fails, lies or stalls leaves the rates and the version as they were", async () => {
		await refreshRates(withSource({ date: daysAgo(2), EUR: 0.94 }));
		const before = await readRowsAt(env.CONTROL, "currency_rate");
		const audit = await lastAudit();
		const failures: [Record<string, string | number>, RegExp][] = [
			[{ status: 500 }, /answered 500/],
			[{ garbage: 1 }, /JSON/],
			[{ date: today(), EUR: 0.9, bytes: 300_000 }, /over/],
			[{ date: today(), EUR: -1 }, /rates/],
			[{ date: "yesterday", EUR: 0.9 }, /date/],
			[{ base: "EUR", date: today(), GBP: 0.85 }, /without a USD rate/],
			[{ date: today(), EUR: 0.9, delay: 2_000 }, /abort|timed? ?out/i],
		];
		for (const [query, error] of failures) {
			const result = await refreshRates(withSource(query), { timeoutMs: 300 });
			expect(result.status, JSON.stringify(query)).toBe("failed");
			expect(result.status === "failed" && result.error, JSON.stringify(query)).toMatch(error);
		}
		expect(await readRowsAt(env.CONTROL, "currency_rate")).toEqual(before);
		expect(await lastAudit()).toEqual(audit);
	});

	it("does nothing without FX_RATES_URL", async () => {
		expect(await refreshRates({ ...env, FX_RATES_URL: "" } as Env)).toEqual({ status: "skipped" });
		expect(await stored()).toEqual([]);
	});

	it("runs from px-edge's cron trigger", async () => {
		const controller = createScheduledController({ cron: "40 * * * *" });
		await edge.scheduled(controller, withSource({ date: today(), CAD: 1.4 }));
		expect((await stored()).map((r) => r.key)).toEqual(["CAD"]);
	});
});
