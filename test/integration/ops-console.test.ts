// The operator console (/ops) as workerd serves it, reading a stand-in of the Analytics Engine
// SQL API on the loopback test server (test/support/dsp-server.ts): operator sessions, the SQL it
// sends and with which credentials, the figures it computes, and a console that degrades per
// panel when the API fails.
import { createMessageBatch } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { handleQueue } from "../../src/queues";
import { CONSOLE_QUERIES, consoleSql } from "../../src/services/metrics";
import { reviewDesk } from "../../src/services/stubs";
import { clearSnapshotCache, type OpsSnapshot } from "../../src/worker/ops/snapshot";
import { biddersJson, billboardAdRequest, callEdge, dspBase, dspLog } from "../support/edge";
import { billboardScreen, REVIEWER_KEY } from "../support/fixtures";
import { formPost, OPERATOR_KEY, signIn } from "../support/pages";
import { capturingQueue, putOnDesk } from "../support/records";
import { env } from "../support/test-env";

const ae = (scenario = "ok", tag = "ae") => ({
	AE_SQL_API_URL: `${dspBase()}/client/v4/accounts/acct/analytics_engine/sql?tag=${tag}&scenario=${scenario}`,
	METRICS_DATASET: "px_metrics_staging",
});

beforeEach(() => clearSnapshotCache());

describe("operator console", () => {
	it("needs an operator key: a reviewer key is refused, a page without a session redirects", async () => {
		const page = await callEdge("/ops", { redirect: "manual" });
		expect(page.res.status).toBe(303);
		expect(page.res.headers.get("location")).toBe("/ops/sign-in");
		const json = await callEdge("/ops/metrics.json", { headers: { accept: "application/json" } });
		expect(json.res.status).toBe(401);
		expect(json.res.headers.get("content-type")).toContain("application/problem+json");
		const reviewer = await callEdge("/ops/sign-in", formPost({ key: REVIEWER_KEY }));
		expect(reviewer.res.status).toBe(401);
		expect(await reviewer.res.text()).toContain("That is not an operator key.");
		// A review session does not open the console either.
		const { cookie } = await signIn("review", REVIEWER_KEY);
		const crossed = await callEdge("/ops", { headers: { cookie }, redirect: "manual" });
		expect(crossed.res.status).toBe(303);
	});

	it("sends the console's SQL for this environment's dataset with the AE token, and computes the figures", async () => {
		const tag = `ae-${crypto.randomUUID()}`;
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae("ok", tag));
		const { res } = await callEdge("/ops/metrics.json", { headers: { cookie } }, ae("ok", tag));
		expect(res.status).toBe(200);
		const s = (await res.json()) as OpsSnapshot;
		const sent = await dspLog(tag);
		// Once for the page signIn opened; the JSON reuses that snapshot (shared for 10 s, so several
		// wall screens cost one set of queries).
		expect(sent.length).toBe(Object.keys(CONSOLE_QUERIES).length);
		for (const entry of sent) {
			const [auth, ...sql] = entry.split("\n");
			expect(auth).toBe("Bearer test-ae-token");
			expect(sql.join("\n")).toContain("FROM px_metrics_staging ");
			expect(sql.join("\n")).not.toContain("FROM px_metrics ");
			expect(sql.join("\n")).toContain("_sample_interval");
		}
		expect(s.errors).toEqual([]);
		expect(s.requests).toMatchObject({ total: 40, filled: 30, fill_rate: 0.75 });
		expect(s.requests.avg_latency_ms).toBeCloseTo((10 * 40 + 30 * 60) / 40, 6);
		expect(s.requests.per_minute.map((p) => p.total)).toEqual([10, 30]);
		expect(s.bids_by_reason).toEqual([
			{ code: 0, label: "won", count: 30 },
			{ code: 100, label: "below_auction_floor", count: 20 },
			{ code: 102, label: "lost_to_higher_bid", count: 10 },
			{ code: 509, label: "bidder_circuit_open", count: 7 },
			{ code: 500, label: "bidder_timeout", count: 5 },
			{ code: 508, label: "bidder_no_time", count: 3 },
		]);
		// Not called is its own outcome, never a 0 ms no-bid (older points said no_bid).
		expect(s.bids_by_outcome).toMatchObject({ not_called: 10 });
		expect(s.bids_by_outcome.no_bid).toBeUndefined();
		expect(s.bidders.find((f) => f.bidder === "dsp-c")).toMatchObject({
			calls: 0,
			no_bids: 0,
			bids: 0,
			not_called: 7,
			not_called_by_reason: { bidder_circuit_open: 7 },
		});
		const [a, b] = s.bidders;
		expect(a).toMatchObject({
			bidder: "dsp-a",
			bids: 40,
			wins: 30,
			win_rate: 0.75,
			ecpm: 4.5,
			plays: 27,
			expiries: 2,
			plays_per_win: 0.9,
			calls: 40,
			p99_latency_ms: 180,
		});
		expect(b).toMatchObject({
			bidder: "<b>dsp-b</b>",
			bids: 20,
			timeouts: 5,
			errors: 2,
			no_bids: 13,
			not_called: 3,
			not_called_by_reason: { bidder_no_time: 3 },
		});
		expect(s.totals).toMatchObject({
			bids: 60,
			wins: 30,
			win_rate: 0.5,
			ecpm: 4.5,
			plays_per_win: 0.9,
		});
		expect(s.totals.expiries_by_reason).toEqual({ inferred: 2 });
		expect(s.queues).toEqual([
			{ queue: "px-events", batches: 12, avg_batch_size: 33.5, max_lag_ms: 5100, retried: 1 },
		]);
		expect(s.approvals).toMatchObject({ pending: 0 });
		expect(s.money).toEqual([
			{
				publisher_id: "demo-pub",
				bidder: "dsp-a",
				cur: "USD",
				plays: 25,
				gross: 1.25,
				take: 0.25,
				net: 1,
			},
			{
				publisher_id: "<i>pub-2</i>",
				bidder: "dsp-a",
				cur: "EUR",
				plays: 2,
				gross: 0.1,
				take: 0,
				net: 0.1,
			},
		]);
		const money = sent.find((entry) => entry.includes("blob1 = 'play'"))!;
		// Billed plays only, over the console's hour.
		expect(money).toContain("double4 = 1");
		expect(money).toContain("INTERVAL '1' HOUR");
	});

	it("renders the figures as charts, escaped, and the panels alone for the refresh", async () => {
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae());
		const page = await callEdge("/ops", { headers: { cookie } }, ae());
		expect(page.res.status).toBe(200);
		expect(page.res.headers.get("content-security-policy")).toContain("script-src 'self'");
		const html = await page.res.text();
		expect(html).toContain('<body class="dark" data-refresh="15">');
		expect(html).toContain(">75.0%<"); // fill rate
		expect(html).toContain('aria-label="Ad requests and fill rate per minute"');
		expect(html).toContain(">500 bidder_timeout<");
		expect(html).toContain("&lt;b&gt;dsp-b&lt;/b&gt;");
		expect(html).not.toContain("<b>dsp-b</b>");
		// Gross, take and net per publisher and DSP, each in its currency.
		expect(html).toContain('aria-label="The exchange&#39;s take per publisher and DSP"');
		expect(html).toMatch(
			/<td class="">demo-pub<\/td><td class="">dsp-a<\/td><td class="">USD<\/td><td class="num">25<\/td><td class="">1\.2500<\/td><td class="">0\.2500<\/td><td class="">1\.0000<\/td>/,
		);
		expect(html).toContain("&lt;i&gt;pub-2&lt;/i&gt;");
		const panels = await callEdge("/ops/panels", { headers: { cookie } }, ae());
		const fragment = await panels.res.text();
		expect(fragment.startsWith('<div id="panels"')).toBe(true);
		expect(fragment).not.toContain("<html");
	});

	it("a failing query empties its panel with the reason; the others still show", async () => {
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae("no-bids"));
		const { res } = await callEdge("/ops/metrics.json", { headers: { cookie } }, ae("no-bids"));
		const s = (await res.json()) as OpsSnapshot;
		expect(s.errors).toHaveLength(1);
		expect(s.errors[0]).toMatchObject({ section: "bids_by_reason" });
		expect(s.errors[0]!.message).toContain("answered 422: Invalid query");
		expect(s.bids_by_reason).toEqual([]);
		expect(s.requests.total).toBe(40);
	});

	it("without Analytics Engine credentials, or with the API down, the page still renders and says why", async () => {
		const { cookie } = await signIn("ops", OPERATOR_KEY);
		for (const overrides of [
			{ AE_API_TOKEN: "" },
			{ AE_SQL_API_URL: "", CF_ACCOUNT_ID: "" },
			ae("fail"),
		]) {
			clearSnapshotCache();
			const { res } = await callEdge("/ops", { headers: { cookie } }, overrides);
			expect(res.status).toBe(200);
			const html = await res.text();
			expect(html).toContain('role="alert"');
			expect(html).toMatch(/not configured|answered 500/);
			expect(html).not.toContain("test-ae-token");
		}
	});

	it("shows the review desk's backlog and lag", async () => {
		await putOnDesk({ bidder: "ops-desk", crid: "a", asset_url: "https://cdn.example/a.png" });
		const decided = await putOnDesk({
			bidder: "ops-desk",
			crid: "b",
			asset_url: "https://cdn.example/b.png",
		});
		await reviewDesk(env).decide({ key: decided, action: "approve", actor: "t", reason: null });
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae());
		const { res } = await callEdge("/ops/metrics.json", { headers: { cookie } }, ae());
		const s = (await res.json()) as OpsSnapshot;
		expect(s.approvals).toMatchObject({ pending: 1, decided_24h: 1, unpublished: 0 });
		expect(s.approvals!.oldest_pending).toBeGreaterThan(Date.now() - 60_000);
	});

	it("refuses a dataset name that is not an identifier (it goes into the SQL)", () => {
		expect(() => consoleSql("delivery", "px; DROP")).toThrow(/dataset/);
		expect(consoleSql("delivery", "px_metrics_production")).toContain(
			"FROM px_metrics_production ",
		);
	});
});

describe("held back from auctions", () => {
	it("each auction a pending asset is filtered from counts once on its desk item", async () => {
		const bidders = biddersJson("held-back", [
			{ name: "heldback", behaviour: "bid", query: { crid: "wait-for-me", price: 4 } },
		]);
		let asset = "";
		const before = (await reviewDesk(env).stats()).pending_held_back;
		for (let i = 0; i < 3; i++) {
			const { sent, queue } = capturingQueue();
			const { res, settled } = await callEdge(
				"/v1/ad-requests",
				{
					method: "POST",
					headers: { authorization: "Bearer demo-publisher-key" },
					body: JSON.stringify({
						screen_id: "bb-held-back",
						slot_id: "face-a",
						screen: billboardScreen("bb-held-back"),
						play_at: Date.now() + i * 3_600_000,
					}),
				},
				{ BIDDERS: bidders, EVENTS: queue },
			);
			expect(((await res.json()) as { filled: boolean }).filled).toBe(false);
			await settled;
			const seen = sent.filter((e) => e.type === "creative_seen");
			expect(seen).toHaveLength(1);
			asset = (seen[0] as { creative_key: string }).creative_key;
			await handleQueue(
				createMessageBatch(
					"px-events",
					sent.map((body, n) => ({ id: `h${i}-${n}`, timestamp: new Date(), attempts: 1, body })),
				),
				env,
			);
		}
		const found = await reviewDesk(env).get(asset);
		expect(found?.item).toMatchObject({ status: "pending", held_back: 3 });
		expect((await reviewDesk(env).stats()).pending_held_back - before).toBe(3);
	});
});

describe("open circuits on the console", () => {
	it("a DSP whose circuit opened is listed with why, live, and its skipped auctions say not_called", async () => {
		const t = `oc${crypto.randomUUID().slice(0, 8)}`;
		const name = `broken-${t}`;
		const bidders = biddersJson(t, [{ name, behaviour: "garbage" }]);
		const ask = async () => {
			const { res, settled } = await billboardAdRequest({
				query: "?debug=1",
				overrides: { BIDDERS: bidders, DEBUG_TRACES: "true" },
			});
			await settled;
			return (await res.json()) as { debug: { bidders: { status: string; reason?: number }[] } };
		};
		const { cookie } = await signIn("ops", OPERATOR_KEY, ae());
		// The snapshot is cached; the circuits are not.
		await callEdge("/ops/metrics.json", { headers: { cookie } }, ae());
		for (let i = 0; i < 5; i++) await ask();
		expect((await ask()).debug.bidders[0]).toMatchObject({ status: "not_called", reason: 509 });
		const { res } = await callEdge("/ops/metrics.json", { headers: { cookie } }, ae());
		const s = (await res.json()) as OpsSnapshot;
		expect(s.circuits.find((c) => c.bidder === name)).toMatchObject({
			why: "5 of 5 calls failed within 10 s",
			probing: false,
		});
		const page = await callEdge("/ops", { headers: { cookie } }, ae());
		const html = await page.res.text();
		expect(html).toContain("Open circuits");
		expect(html).toContain(name);
	});
});
