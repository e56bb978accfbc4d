import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Reason } from "../../src/px/reasons";
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
	dspLogAfter,
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
async function win(opts: { windowS?: number } = {}) {
	const t = tag();
	const screenId = `bb-${t}`;
	const { res, settled } = await adRequest(
		{
			screen_id: screenId,
			slot_id: "face-a",
			screen: billboardScreen(screenId),
			...(opts.windowS ? { play_window_s: opts.windowS } : {}),
		},
		biddersJson(t, [{ name: "buyer", behaviour: "bid", query: { crid: "crid-play", price: 8 } }]),
	);
	const answer = (await res.json()) as {
		filled: boolean;
		proof_of_play_url: string;
		expiry_url: string;
		decision_id: string;
	};
	expect(answer.filled).toBe(true);
	await settled;
	const path = (url: string) => new URL(url).pathname;
	return {
		t,
		screenId,
		answer,
		popPath: path(answer.proof_of_play_url),
		expiryPath: path(answer.expiry_url),
	};
}

describe("proof of play", () => {
	it("is accepted once, fires burl exactly once, and a replay is 409", async () => {
		const { t, popPath } = await win();
		const first = await callEdge(popPath, { method: "POST" });
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
	});

	it("50 simultaneous reports of one token: exactly one is accepted and billed", async () => {
		const { t, popPath } = await win();
		const calls = await Promise.all(
			Array.from({ length: 50 }, () => callEdge(popPath, { method: "POST" })),
		);
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

	it("a played ad cannot be reported expired (409)", async () => {
		const { popPath, expiryPath } = await win();
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(200);
		expect((await callEdge(expiryPath, { method: "POST" })).res.status).toBe(409);
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
		expect(hit.kind === "admitted" && hit.issued.map((d) => d.decisionId)).toEqual([
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
		expect(expired.kind === "admitted" && expired.issued).toEqual([]);

		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec(
				"UPDATE decisions SET not_after = ? WHERE decision_id = ?",
				Date.now() + 600_000,
				answer.decision_id,
			);
		});
		expect((await callEdge(popPath, { method: "POST" })).res.status).toBe(200);
		const played = await admit();
		expect(played.kind === "admitted" && played.issued).toEqual([]);
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
