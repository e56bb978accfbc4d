import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Reason } from "../../src/px/auction/reasons";
import { screenStub } from "../../src/services/stubs";
import { signPopToken } from "../../src/worker/pop-token";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspBase,
	dspLog,
	dspLogAfter,
	fullPlay,
	spotRan,
	winOnBillboard,
} from "../support/edge";
import { billboardScreen } from "../support/fixtures";

let n = 0;
const tag = () => `p${Date.now().toString(36)}${n++}`;

beforeAll(() =>
	approve({
		bidder: "buyer",
		crid: "crid-play",
		asset_url: dspAssets.image("crid-play", { w: 1400, h: 400 }),
		adomain: [DSP_ADOMAIN],
	}),
);

/** Wins one auction on a fresh inline billboard and returns the answer plus its DSP log tag. */
const win = (opts: { windowS?: number } = {}) =>
	winOnBillboard(
		tag(),
		{ name: "buyer", query: { crid: "crid-play", price: 8 } },
		opts.windowS ? { play_window_s: opts.windowS } : {},
	);

describe("proof of play", () => {
	it("is accepted once, fires burl exactly once, and a replay is 409", async () => {
		const { t, popPath, answer } = await win();
		const first = await callEdge(popPath, await fullPlay(answer));
		expect(first.res.status).toBe(200);
		expect(await first.res.json()).toMatchObject({ status: "accepted" });
		await first.settled;
		const again = await callEdge(popPath, { method: "POST" });
		expect(again.res.status).toBe(409);
		expect(await again.res.json()).toMatchObject({ type: "/problems/already-reported" });
		await again.settled;
		const burls = (await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"));
		expect(burls).toHaveLength(1);
		expect(burls[0]).toMatch(/price=\d+(\.\d+)?&mult=1&ts=\d{13}/);
		// Its Idempotency-Key names the auction (the buyer's ${AUCTION_ID}) and the decision.
		const auction = /auction=([^&]+)/.exec(
			(await dspLog(t)).find((l) => l.startsWith("nurl"))!,
		)![1];
		expect((await dspLog(`${t}~hits`)).filter((h) => h.startsWith("burl"))).toEqual([
			`burl burl:${auction}:${answer.decision_id}`,
		]);
	});

	it("50 simultaneous reports of one token: exactly one is accepted and billed", async () => {
		const { t, popPath, answer } = await win();
		const report = await fullPlay(answer);
		const calls = await Promise.all(Array.from({ length: 50 }, () => callEdge(popPath, report)));
		const statuses = calls.map((c) => c.res.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect(statuses.filter((s) => s === 409)).toHaveLength(49);
		await Promise.all(calls.map((c) => c.settled));
		expect((await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"))).toHaveLength(1);
	});

	it("the GET pixel form works for simple players", async () => {
		const { popPath } = await win();
		const { res } = await callEdge(popPath);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("image/gif");
	});

	it("403 for a forged or tampered token", async () => {
		const { popPath } = await win();
		const [payload, signature] = popPath.split("/").pop()!.split(".");
		const tampered = `${payload!.slice(0, -2)}AA.${signature}`;
		expect((await callEdge(`/v1/plays/${tampered}`, { method: "POST" })).res.status).toBe(403);
		const forged = await signPopToken(
			{ v: 1, d: "x", p: "demo-pub", s: "s", nb: 0, na: Date.now() + 1e6, ru: Date.now() + 1e6 },
			"not-the-key",
		);
		expect((await callEdge(`/v1/plays/${forged}`, { method: "POST" })).res.status).toBe(403);
		expect((await callEdge("/v1/plays/garbage", { method: "POST" })).res.status).toBe(403);
	});

	it("410 after the reporting window, and nothing is billed", async () => {
		const late = await signPopToken(
			{ v: 1, d: "late", p: "demo-pub", s: "s", nb: 0, na: Date.now() - 2e6, ru: Date.now() - 1e6 },
			env.POP_SIGNING_KEY,
		);
		const { res } = await callEdge(`/v1/plays/${late}`, { method: "POST" });
		expect(res.status).toBe(410);
	});

	it("an expiry report is never billed, tells the buyer loss code 2, and blocks a later play", async () => {
		const { t, popPath, expiryPath } = await win();
		const expired = await callEdge(expiryPath, { method: "POST" });
		expect(expired.res.status).toBe(200);
		await expired.settled;
		const play = await callEdge(popPath, { method: "POST" });
		expect(play.res.status).toBe(410);
		const log = await dspLogAfter(t, "lurl", 1);
		expect(log.filter((l) => l.startsWith("burl"))).toHaveLength(0);
		expect(log.filter((l) => l.startsWith("lurl"))).toEqual([`lurl ?loss=${Reason.Expired}&min=`]);
	});

	it("a GET on the expiry URL records the expiry (players that fire URLs), once", async () => {
		const { t, screenId, expiryPath } = await win();
		const head = await callEdge(expiryPath, { method: "HEAD" });
		expect(head.res.status).toBe(200);
		expect(await screenStub(env, "demo-pub", screenId).stats()).toMatchObject({
			decisions: { issued: 1 },
		});
		const fired = await callEdge(expiryPath);
		expect(fired.res.status).toBe(200);
		expect(fired.res.headers.get("content-type")).toBe("image/gif");
		await fired.settled;
		const again = await callEdge(expiryPath);
		expect(again.res.status).toBe(200);
		const posted = await callEdge(expiryPath, { method: "POST" });
		expect(posted.res.status).toBe(200);
		await Promise.all([again.settled, posted.settled]);
		expect(await screenStub(env, "demo-pub", screenId).stats()).toMatchObject({
			decisions: { expired: 1 },
		});
		const log = await dspLogAfter(t, "lurl", 1);
		expect(log.filter((l) => l.startsWith("lurl"))).toEqual([`lurl ?loss=${Reason.Expired}&min=`]);
	});

	it("a played ad cannot be reported expired (409)", async () => {
		const { popPath, expiryPath } = await win();
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(200);
		expect((await callEdge(expiryPath, { method: "POST" })).res.status).toBe(409);
	});
});

/** SCREENS that counts the calls made on the screen objects' stubs (RPC methods). */
function countingScreens(): { calls: string[]; namespace: Env["SCREENS"] } {
	const calls: string[] = [];
	const namespace = new Proxy(env.SCREENS, {
		get(target, property) {
			if (property !== "get") return Reflect.get(target, property, target).bind?.(target);
			return (id: DurableObjectId) => {
				const stub = target.get(id);
				return new Proxy(stub, {
					get(s, method) {
						if (typeof method !== "string") return Reflect.get(s, method, s);
						// An RPC stub answers every property name with a remote method.
						return (...args: unknown[]) => {
							calls.push(method);
							return (s as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(
								...args,
							);
						};
					},
				});
			};
		},
	}) as unknown as Env["SCREENS"];
	return { calls, namespace };
}

describe("POST /v1/plays (batch) is bounded", () => {
	it("100 copies of one token make one object call: the repeats are answered 409 without one", async () => {
		const { t, popPath, answer } = await win();
		const token = popPath.split("/").pop()!;
		const spy = countingScreens();
		await spotRan(answer); // a billable play: its 1 s spot could have run
		const report = { token, displayed_ms: 1_000 };
		const { res, settled } = await callEdge(
			"/v1/plays",
			{ method: "POST", body: JSON.stringify({ reports: Array(100).fill(report) }) },
			{ SCREENS: spy.namespace },
		);
		expect(res.status).toBe(200);
		const { results } = (await res.json()) as { results: { status: number }[] };
		expect(results[0]!.status).toBe(200);
		expect(results.slice(1).every((r) => r.status === 409)).toBe(true);
		await settled;
		expect(spy.calls).toEqual(["redeemPlay"]);
		expect((await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"))).toHaveLength(1);
	});

	it("a publisher over its limit gets 429 with Retry-After, counted under the token's publisher", async () => {
		const { screenId, popPath } = await win();
		const keys: string[] = [];
		const refuse = {
			limit: async ({ key }: { key: string }) => {
				keys.push(key);
				return { success: false };
			},
		} as unknown as RateLimit;
		const token = popPath.split("/").pop()!;
		const { res } = await callEdge(
			"/v1/plays",
			{ method: "POST", body: JSON.stringify({ reports: [{ token }, { token: "forged" }] }) },
			{ PUBLISHER_LIMITER: refuse },
		);
		expect(res.status).toBe(429);
		expect(res.headers.get("retry-after")).toBe("10");
		expect(await res.json()).toMatchObject({ type: "/problems/publisher-rate-limited" });
		expect(keys).toEqual(["plays:demo-pub"]);
		expect(await screenStub(env, "demo-pub", screenId).stats()).toMatchObject({
			decisions: { issued: 1 },
		});
	});
});

describe("ScreenDO state", () => {
	it("the alarm infers expiry for decisions never reported, and deletes them after purge", async () => {
		const { screenId, answer } = await win();
		const stub = screenStub(env, "demo-pub", screenId);
		await runInDurableObject(stub, (_instance, state) => {
			// Move the decision's whole life into the past, as if its window had closed long ago.
			state.storage.sql.exec(
				"UPDATE decisions SET play_at = 0, not_after = 1, report_until = 2, purge_at = 3 WHERE decision_id = ?",
				answer.decision_id,
			);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await stub.stats()).toEqual({ decisions: {}, outbox: 0 });
		expect(await runDurableObjectAlarm(stub)).toBe(false); // nothing left: no alarm re-armed
	});

	it("the decision cache serves an open decision and never an expired or played one", async () => {
		const { screenId, answer, popPath } = await win();
		const stub = screenStub(env, "demo-pub", screenId);
		const admit = () =>
			stub.admit({
				slotIds: ["face-a"],
				from: Date.now(),
				to: Date.now(),
				rateLimit: { burst: 100, per_minute: 100 },
				separationSeconds: 0,
			});
		const hit = await admit();
		expect(hit.kind === "admitted" && hit.cached.map((d) => d.decisionId)).toEqual([
			answer.decision_id,
		]);

		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec(
				"UPDATE decisions SET not_after = ? WHERE decision_id = ?",
				Date.now() - 1,
				answer.decision_id,
			);
		});
		const expired = await admit();
		expect(expired.kind === "admitted" && expired.cached).toEqual([]);

		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec(
				"UPDATE decisions SET not_after = ? WHERE decision_id = ?",
				Date.now() + 600_000,
				answer.decision_id,
			);
		});
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(200);
		const played = await admit();
		expect(played.kind === "admitted" && played.cached).toEqual([]);
	});

	it("state survives eviction", async () => {
		const { screenId, popPath } = await win();
		const { evictDurableObject } = await import("cloudflare:test");
		await evictDurableObject(screenStub(env, "demo-pub", screenId));
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(200);
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(409);
	});

	it("outbox rows of the earlier one-part-per-row layout are still delivered", async () => {
		const { t, screenId } = await win();
		const stub = screenStub(env, "demo-pub", screenId);
		const burl = `${dspBase()}/notices/${t}/burl?legacy=1`;
		await runInDurableObject(stub, (_i, state: DurableObjectState) => {
			state.storage.sql.exec(
				"INSERT INTO outbox (kind, body, next_at) VALUES ('notice', ?, 0)",
				JSON.stringify({ kind: "burl", url: burl }),
			);
		});
		expect((await stub.stats()).outbox).toBe(1);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect((await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"))).toEqual([
			"burl ?legacy=1",
		]);
		expect((await stub.stats()).outbox).toBe(0);
	});

	it("the token bucket refills over time", async () => {
		const stub = screenStub(env, "demo-pub", "bucket-test");
		const limit = { burst: 2, per_minute: 60 };
		const admit = () =>
			stub.admit({
				slotIds: ["s"],
				from: Date.now(),
				to: Date.now(),
				rateLimit: limit,
				separationSeconds: 0,
				inline: true,
				acceptNew: true,
			});
		expect((await admit()).kind).toBe("admitted");
		expect((await admit()).kind).toBe("admitted");
		expect(await admit()).toEqual({ kind: "limited", retryAfterSeconds: 1 });
		await runInDurableObject(stub, (instance) => {
			const bucket = (instance as unknown as { bucket: { at: number } }).bucket;
			bucket.at -= 1500;
		});
		expect((await admit()).kind).toBe("admitted");
		expect((await admit()).kind).toBe("limited");
	});

	it("competitive separation: a second auction on the screen filters the same advertiser", async () => {
		const { t, screenId } = await win({ windowS: 60 });
		const second = await adRequest(
			{
				screen_id: screenId,
				slot_id: "face-a",
				screen: billboardScreen(screenId),
				play_at: Date.now() + 120_000,
			},
			biddersJson(t, [{ name: "buyer", behaviour: "bid", query: { crid: "crid-play", price: 8 } }]),
			"?debug=1",
		);
		const answer = (await second.res.json()) as {
			filled: boolean;
			debug: { bidders: { bids: { reason: number }[] }[] };
		};
		expect(answer.filled).toBe(false);
		expect(answer.debug.bidders[0]!.bids[0]!.reason).toBe(Reason.CompetitiveSeparation);
	});
});
