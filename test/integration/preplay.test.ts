// The pre-play check and the push of revocations: a decision a screen already holds stops being
// playable once its creative is rejected, whether the player asks (HEAD on its proof-of-play
// URL) or not (the review desk revokes it at every screen object holding it).
import { createMessageBatch, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ReviewDesk } from "../../src/durable-objects/review-desk";
import { approvalKey, approvalKvKey } from "../../src/px/auction/approval";
import type { PxEvent } from "../../src/px/events/events";
import { handleQueue } from "../../src/queues";
import { clearApprovalMemory } from "../../src/services/approvals";
import { reviewDesk, screenStub } from "../../src/services/stubs";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	dspLogAfter,
	setApproval,
} from "../support/edge";
import { billboardScreen, REVIEWER_KEY } from "../support/fixtures";
import { capturingQueue, putOnDesk } from "../support/records";
import { env } from "../support/test-env";

let n = 0;
const tag = () => `pp${Date.now().toString(36)}${n++}`;
const unit = (bidder: string, crid: string) => ({
	bidder,
	crid,
	asset_url: dspAssets.image(crid, { w: 1400, h: 400 }),
	adomain: [DSP_ADOMAIN],
});

/** Wins one auction on a fresh billboard; the events it sent are consumed by px-consumers. */
async function held(bidder: string, crid: string) {
	const t = tag();
	const screenId = `bb-${t}`;
	const events = capturingQueue();
	const { res, settled } = await adRequest(
		{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
		biddersJson(t, [{ name: bidder, behaviour: "bid", query: { crid, price: 6 } }]),
		"",
		{ EVENTS: events.queue },
	);
	const answer = (await res.json()) as {
		filled: boolean;
		decision_id: string;
		proof_of_play_url: string;
	};
	expect(answer.filled).toBe(true);
	await settled;
	return {
		t,
		screenId,
		answer,
		path: new URL(answer.proof_of_play_url).pathname,
		consume: () => consume(events.sent),
	};
}

/** The events queue consumer, as px-consumers runs it, on one message of these records. */
async function consume(records: PxEvent[]) {
	const batch = createMessageBatch("px-events", [
		{ id: "m0", timestamp: new Date(), attempts: 1, body: records },
	]);
	await handleQueue(batch, env);
}

async function reject(key: string) {
	const { res } = await callEdge(`/v1/review/creatives/${key}/reject`, {
		method: "POST",
		headers: { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" },
		body: JSON.stringify({ reason: "not street-safe" }),
	});
	expect(res.status).toBe(200);
}

const head = async (path: string) => (await callEdge(path, { method: "HEAD" })).res;

describe("pre-play check: HEAD on the proof-of-play URL", () => {
	it("200 while playable; 410 once the replica has the creative rejected, recording nothing", async () => {
		const u = unit("preplay", `crid-pre-${tag()}`);
		await approve(u);
		const { screenId, answer, path } = await held(u.bidder, u.crid);
		expect((await head(path)).status).toBe(200);
		await setApproval(u, "rejected", 1);
		clearApprovalMemory(); // stands in for APPROVAL_MEMORY_TTL_MS passing
		const res = await head(path);
		expect(res.status).toBe(410);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.text()).toBe("");
		const stub = screenStub(env, "demo-pub", screenId);
		expect(await stub.checkPlay(answer.decision_id)).toEqual({ kind: "revoked" });
		// Still issued: a HEAD never settles a decision.
		expect(await stub.stats()).toEqual({ decisions: { issued: 1 }, outbox: 0 });
	});

	it("503 when the approval cannot be confirmed, 410 once played, 403 when forged", async () => {
		const u = unit("preplay", `crid-pre-${tag()}`);
		await approve(u);
		const { path } = await held(u.bidder, u.crid);
		await env.APPROVALS.delete(approvalKvKey(await approvalKey(u)));
		clearApprovalMemory();
		const unsure = await head(path);
		expect(unsure.status).toBe(503);
		expect(unsure.headers.get("retry-after")).toBe("30");
		await approve(u);
		clearApprovalMemory();
		expect((await callEdge(path, { method: "POST" })).res.status).toBe(200);
		expect((await head(path)).status).toBe(410);
		expect((await head(path.replace(/.$/, "x"))).status).toBe(403);
	});
});

describe("push: a rejection revokes the decisions screens already hold", () => {
	it("the desk revokes at each holder: the ledger shows it revoked before any play or HEAD, lurl 202, never billed", async () => {
		const u = unit("holder", `crid-held-${tag()}`);
		const key = await putOnDesk(u);
		await callEdge(`/v1/review/creatives/${key}/approve`, {
			method: "POST",
			headers: { authorization: `Bearer ${REVIEWER_KEY}` },
		});
		clearApprovalMemory();
		const { t, screenId, answer, path, consume } = await held(u.bidder, u.crid);
		await consume(); // px-consumers reads the win: the desk learns who holds the asset
		const stub = screenStub(env, "demo-pub", screenId);
		expect(await stub.stats()).toEqual({ decisions: { issued: 1 }, outbox: 0 });

		await reject(key);
		await vi.waitFor(
			async () => expect(await stub.stats()).toEqual({ decisions: { expired: 1 }, outbox: 0 }),
			{ timeout: 5_000, interval: 50 },
		);
		expect(await stub.checkPlay(answer.decision_id)).toEqual({ kind: "revoked" });
		const log = await dspLogAfter(t, "lurl ?loss=202", 1);
		expect(log.filter((l) => l.startsWith("lurl"))).toEqual([
			expect.stringMatching(/^lurl \?loss=202/),
		]);

		expect((await head(path)).status).toBe(410);
		const play = await callEdge(path, { method: "POST" });
		expect(play.res.status).toBe(410);
		await play.settled;
		await new Promise((r) => setTimeout(r, 300));
		expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(0);
	});

	it("a win that reaches the desk after the rejection is revoked at once", async () => {
		const u = unit("holder", `crid-late-${tag()}`);
		const key = await putOnDesk(u);
		await approve(u);
		const { screenId, consume } = await held(u.bidder, u.crid);
		await reject(key);
		await consume();
		const stub = screenStub(env, "demo-pub", screenId);
		await vi.waitFor(
			async () => expect(await stub.stats()).toEqual({ decisions: { expired: 1 }, outbox: 0 }),
			{ timeout: 5_000, interval: 50 },
		);
	});

	it("a screen object that cannot be reached is revoked later, from the desk's alarm", async () => {
		const u = unit("holder", `crid-away-${tag()}`);
		const key = await putOnDesk(u);
		await approve(u);
		const { screenId, consume } = await held(u.bidder, u.crid);
		await consume();
		const desk = reviewDesk(env);
		type Holders = { holders: { env: Pick<Env, "SCREENS">; size(): { revocations: number } } };
		await runInDurableObject(desk, (instance: ReviewDesk) => {
			const unreachable = {
				idFromName: (name: string) => env.SCREENS.idFromName(name),
				get: () => ({
					revoke: () => Promise.reject(new Error("screen object unreachable")),
				}),
			} as unknown as Env["SCREENS"];
			(instance as unknown as Holders).holders.env = { SCREENS: unreachable };
		});
		await reject(key);
		const stub = screenStub(env, "demo-pub", screenId);
		await vi.waitFor(
			async () =>
				expect(
					await runInDurableObject(
						desk,
						(i: ReviewDesk) => (i as unknown as Holders).holders.size().revocations,
					),
				).toBe(1),
			{ timeout: 5_000, interval: 50 },
		);
		expect(await stub.stats()).toEqual({ decisions: { issued: 1 }, outbox: 0 });
		await runInDurableObject(desk, (instance: ReviewDesk, state: DurableObjectState) => {
			(instance as unknown as Holders).holders.env = env;
			state.storage.sql.exec("UPDATE revocations SET next_at = 0");
		});
		expect(await runDurableObjectAlarm(desk)).toBe(true);
		expect(await stub.stats()).toEqual({ decisions: { expired: 1 }, outbox: 0 });
	});
});
