// Trust: nothing unreviewed reaches a street screen, a rejection reaches decisions already made,
// and nobody pays for what did not play. Driven through the public API, as a DSP, a reviewer and
// a screen would.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ReviewDesk } from "../../src/durable-objects/review-desk";
import { approvalKey, approvalKvKey } from "../../src/px/auction/approval";
import { Reason } from "../../src/px/auction/reasons";
import { clearApprovalMemory, lookupApprovals } from "../../src/services/approvals";
import { screenStub } from "../../src/services/stubs";
import { TEST_ADMIN_KEY } from "../support/control-setup";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	dspLogAfter,
	fullPlay,
	hostedUrl,
	setApproval,
} from "../support/edge";
import { authHeaders, billboardScreen, REVIEWER_KEY } from "../support/fixtures";
import { capturingQueue, putOnDesk } from "../support/records";

const BILLBOARD = { w: 1400, h: 400 };
const reviewer = { authorization: `Bearer ${REVIEWER_KEY}` };
let n = 0;
const tag = () => `tr${Date.now().toString(36)}${n++}`;

interface Answer {
	filled: boolean;
	cached?: boolean;
	no_fill_reason?: string;
	decision_id?: string;
	creative?: { id: string; asset_url: string };
	proof_of_play_url?: string;
	play?: { not_before: number };
	debug?: {
		bidders: { bidder: string; bids: { crid?: string; reason: number; price?: number }[] }[];
	};
}

function billboardRequest(screenId: string, extra: Record<string, unknown> = {}) {
	return { screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId), ...extra };
}

async function ask(screenId: string, bidders: string, query = "?debug=1", extra = {}) {
	const { res, settled } = await adRequest(billboardRequest(screenId, extra), bidders, query);
	expect(res.status).toBe(200);
	const answer = (await res.json()) as Answer;
	await settled;
	return answer;
}

const unit = (bidder: string, crid: string, asset_url = dspAssets.image(crid, BILLBOARD)) => ({
	bidder,
	crid,
	asset_url,
	adomain: [DSP_ADOMAIN],
});

/** The desk Durable Object. */
const desk = () => env.REVIEW_DESK.get(env.REVIEW_DESK.idFromName("review-desk"));

async function review(key: string, action: "approve" | "reject") {
	const { res } = await callEdge(`/v1/review/creatives/${key}/${action}`, {
		method: "POST",
		headers: { ...reviewer, "content-type": "application/json" },
		...(action === "reject" ? { body: JSON.stringify({ reason: "not street-safe" }) } : {}),
	});
	expect(res.status).toBe(200);
	return (await res.json()) as { status: string; replica: string };
}

describe("street safety: the unit of approval is the asset that plays", () => {
	it("an approved crid with a swapped asset never plays: pending, and its own desk item", async () => {
		await approve(unit("swapper", "crid-swap"));
		const t = tag();
		// The DSP's media query makes it send a video (another file) under the approved crid.
		const honest = biddersJson(t, [
			{ name: "swapper", behaviour: "bid", query: { crid: "crid-swap", price: 5 } },
		]);
		const first = await ask(`bb-${t}`, honest);
		expect(first.filled).toBe(true);
		// The exchange's copy of the approved file.
		expect(first.creative?.asset_url).toBe(
			await hostedUrl(dspAssets.image("crid-swap", BILLBOARD)),
		);

		const swapped = biddersJson(t, [
			{
				name: "swapper",
				behaviour: "bid",
				query: { crid: "crid-swap", price: 5, asset: "https://cdn.evil.example/unreviewed.png" },
			},
		]);
		for (let i = 0; i < 5; i++) {
			const answer = await ask(`bb-${t}-swap-${i}`, swapped);
			expect(answer.filled).toBe(false);
			expect(answer.debug!.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativePendingApproval);
		}
	});

	it("an approved asset re-bid under another adomain is pending (201) and its own desk item", async () => {
		const approved = unit("rebrander", `crid-rebrand-${tag()}`);
		const approvedKey = await setApproval(approved, "approved");
		const t = tag();
		const bidAs = (adomain: string) =>
			biddersJson(t, [
				{ name: "rebrander", behaviour: "bid", query: { crid: approved.crid, price: 5, adomain } },
			]);
		// Spelled another way, it is the advertiser the reviewer approved the file for.
		const respelled = await ask(`bb-${t}`, bidAs(`https://WWW.${DSP_ADOMAIN.toUpperCase()}/`));
		expect(respelled.filled).toBe(true);

		// The same file for another advertiser: the publisher's badv and separation would judge
		// that advertiser, so a human has to see the file as its ad first.
		const { sent, queue } = capturingQueue();
		const { res, settled } = await adRequest(
			billboardRequest(`bb-${t}-other`),
			bidAs("other-brand.example"),
			"?debug=1",
			{ EVENTS: queue },
		);
		const answer = (await res.json()) as Answer;
		await settled;
		expect(answer.filled).toBe(false);
		expect(answer.debug!.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativePendingApproval);
		const seen = sent.filter((e) => e.type === "creative_seen");
		expect(seen).toHaveLength(1);
		await desk().intake(seen as Parameters<ReturnType<typeof desk>["intake"]>[0]);
		const otherKey = (seen[0] as { creative_key: string }).creative_key;
		expect(otherKey).not.toBe(approvedKey);
		const item = await callEdge(`/v1/review/creatives/${otherKey}`, { headers: reviewer });
		expect(item.res.status).toBe(200);
		expect(((await item.res.json()) as { item: unknown }).item).toMatchObject({
			status: "pending",
			bidder: "rebrander",
			crid: approved.crid,
			asset_url: approved.asset_url,
			adomain: ["other-brand.example"],
		});
		expect((await lookupApprovals(env.APPROVALS, [approvedKey]))(approvedKey)).toBe("approved");
	});
});

describe("revocation: a rejection reaches decisions already made", () => {
	it("a cached decision whose creative is rejected is revoked: not served, lurl 202, never billed", async () => {
		const t = tag();
		const u = unit("revoker", "crid-revoke");
		const key = await putOnDesk(u);
		await review(key, "approve");
		clearApprovalMemory();
		const bidders = biddersJson(t, [
			{ name: "revoker", behaviour: "bid", query: { crid: "crid-revoke", price: 6 } },
		]);
		const screenId = `bb-${t}`;
		const first = await ask(screenId, bidders);
		expect(first.filled).toBe(true);
		const cached = await ask(screenId, bidders);
		expect(cached).toMatchObject({ filled: true, cached: true, decision_id: first.decision_id });

		expect(await review(key, "reject")).toMatchObject({ status: "rejected", replica: "published" });
		clearApprovalMemory(); // stands in for APPROVAL_MEMORY_TTL_MS passing

		const after = await ask(screenId, bidders);
		expect(after.cached).not.toBe(true);
		expect(after.decision_id).not.toBe(first.decision_id);
		expect(after.filled).toBe(false);
		expect(after.debug!.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativeDisapproved);

		// One lurl 202 for the revoked decision, one for the new bid that lost as disapproved.
		const log = await dspLogAfter(t, "lurl ?loss=202", 2);
		expect(log.filter((l) => l.startsWith("lurl ?loss=202"))).toHaveLength(2);
		expect(await screenStub(env, "demo-pub", screenId).stats()).toEqual({
			decisions: { expired: 1 },
			outbox: 0,
		});
		const play = await callEdge(new URL(first.proof_of_play_url!).pathname, { method: "POST" });
		expect(play.res.status).toBe(410);
		await play.settled;
		expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(0);
	});

	it("a play reported after its creative was rejected is refused (410) and never billed", async () => {
		const t = tag();
		const u = unit("late-reject", "crid-late-reject");
		await approve(u);
		const answer = await ask(
			`bb-${t}`,
			biddersJson(t, [
				{ name: "late-reject", behaviour: "bid", query: { crid: "crid-late-reject", price: 6 } },
			]),
		);
		expect(answer.filled).toBe(true);
		await setApproval(u, "rejected", 1);
		clearApprovalMemory();
		const play = await callEdge(new URL(answer.proof_of_play_url!).pathname, { method: "POST" });
		expect(play.res.status).toBe(410);
		expect(await play.res.json()).toMatchObject({ type: "/problems/creative-revoked" });
		await play.settled;
		const log = await dspLogAfter(t, "lurl ?loss=202", 1);
		expect(log.filter((l) => l.startsWith("burl"))).toHaveLength(0);
		expect(log.filter((l) => l.startsWith("lurl ?loss=202"))).toHaveLength(1);
	});

	it("a play whose approval cannot be confirmed is not recorded: 503 with Retry-After, then accepted", async () => {
		const t = tag();
		const u = unit("vanishing", "crid-vanish");
		await approve(u);
		const answer = await ask(
			`bb-${t}`,
			biddersJson(t, [
				{ name: "vanishing", behaviour: "bid", query: { crid: "crid-vanish", price: 6, dur: 1 } },
			]),
		);
		const path = new URL(answer.proof_of_play_url!).pathname;
		await env.APPROVALS.delete(approvalKvKey(await approvalKey(u)));
		clearApprovalMemory();
		const unsure = await callEdge(path, { method: "POST" });
		expect(unsure.res.status).toBe(503);
		expect(unsure.res.headers.get("retry-after")).toBe("30");
		await approve(u);
		clearApprovalMemory();
		const retried = await callEdge(path, await fullPlay(answer));
		expect(retried.res.status).toBe(200);
		await retried.settled;
		expect((await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"))).toHaveLength(1);
	});
});

describe("the desk's outbox: the replica never disagrees with the desk for good", () => {
	async function replicaOf(key: string) {
		return (await env.APPROVALS.get(approvalKvKey(key), "json")) as {
			status: string;
			version: number;
		} | null;
	}

	it("a KV write that fails is retried from the alarm until it lands", async () => {
		const key = await putOnDesk(unit("outbox", `crid-outbox-${tag()}`));
		const stub = desk();
		const decided = await runInDurableObject(stub, async (instance: ReviewDesk) => {
			const real = (instance as unknown as { env: Env }).env;
			(instance as unknown as { env: Env }).env = {
				...real,
				APPROVALS: {
					put: async () => {
						throw new Error("KV unavailable");
					},
				} as unknown as KVNamespace,
			};
			try {
				return await instance.decide({ key, action: "reject", actor: "t", reason: "unsafe" });
			} finally {
				(instance as unknown as { env: Env }).env = real;
			}
		});
		expect(decided).toMatchObject({ status: "rejected", replica: "pending" });
		expect((await replicaOf(key))?.status).toBe("pending");
		expect(await stub.outboxSize()).toBeGreaterThan(0);
		await runInDurableObject(stub, (_i, state: DurableObjectState) =>
			state.storage.sql.exec("UPDATE outbox SET next_at = 0"),
		);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect((await replicaOf(key))?.status).toBe("rejected");
		expect(await stub.outboxSize()).toBe(0);
	});

	it("approve then reject, with the approval's write slow: the replica ends rejected", async () => {
		const key = await putOnDesk(unit("ordering", `crid-order-${tag()}`));
		const stub = desk();
		const status = await runInDurableObject(stub, async (instance: ReviewDesk) => {
			const real = (instance as unknown as { env: Env }).env;
			let calls = 0;
			(instance as unknown as { env: Env }).env = {
				...real,
				APPROVALS: {
					put: async (k: string, v: string) => {
						// The first write (the approval) takes a while; a racing writer would land last.
						if (calls++ === 0) await new Promise((r) => setTimeout(r, 100));
						return real.APPROVALS.put(k, v);
					},
				} as unknown as KVNamespace,
			};
			try {
				const approving = instance.decide({ key, action: "approve", actor: "t", reason: null });
				const rejecting = instance.decide({ key, action: "reject", actor: "t", reason: "no" });
				await Promise.all([approving, rejecting]);
			} finally {
				(instance as unknown as { env: Env }).env = real;
			}
			return (await replicaOf(key))?.status;
		});
		expect(status).toBe("rejected");
	});

	it("a write that timed out and lands after a newer one is overwritten again", async () => {
		const key = await putOnDesk(unit("late-write", `crid-late-${tag()}`));
		const stub = desk();
		await runInDurableObject(stub, async (instance: ReviewDesk) => {
			const self = instance as unknown as { env: Env };
			const real = self.env;
			let calls = 0;
			let lateWrite: Promise<unknown> = Promise.resolve();
			self.env = {
				...real,
				APPROVALS: {
					put: (k: string, v: string) => {
						// The first write (the approval) answers after the desk gave up on it (5 s).
						if (calls++ > 0) return real.APPROVALS.put(k, v);
						lateWrite = new Promise((r) => setTimeout(r, 5_500)).then(() =>
							real.APPROVALS.put(k, v),
						);
						return lateWrite;
					},
				} as unknown as KVNamespace,
			};
			try {
				const approved = await instance.decide({
					key,
					action: "approve",
					actor: "t",
					reason: null,
				});
				expect(approved).toMatchObject({ replica: "pending" });
				await instance.decide({ key, action: "reject", actor: "t", reason: "no" });
				await lateWrite;
				expect((await replicaOf(key))?.status).toBe("approved"); // the stale write landed last
			} finally {
				self.env = real;
			}
		});
		await runInDurableObject(stub, (_i, state: DurableObjectState) =>
			state.storage.sql.exec("UPDATE outbox SET next_at = 0"),
		);
		await runDurableObjectAlarm(stub);
		expect((await replicaOf(key))?.status).toBe("rejected");
		expect(await stub.outboxSize()).toBe(0);
	}, 15_000);

	it("readers ignore an older version than one they have seen", async () => {
		const u = unit("versions", `crid-version-${tag()}`);
		const key = await setApproval(u, "rejected", 7);
		clearApprovalMemory();
		expect((await lookupApprovals(env.APPROVALS, [key]))(key)).toBe("rejected");
		// An edge-cached or late write of an older verdict.
		await setApproval(u, "approved", 3);
		const later = Date.now() + 60_000; // past the memory TTL: KV is read again
		expect(
			(await lookupApprovals(env.APPROVALS, [key], Number.POSITIVE_INFINITY, later))(key),
		).toBe("rejected");
		await setApproval(u, "approved", 8);
		expect(
			(await lookupApprovals(env.APPROVALS, [key], Number.POSITIVE_INFINITY, later + 60_000))(key),
		).toBe("approved");
	});
});

describe("money", () => {
	it("a 1e17 bid is filtered (507) and the real winner clears at its true second price", async () => {
		const t = tag();
		await approve(
			unit("absurd", "crid-absurd"),
			unit("honest", "crid-honest"),
			unit("third", "crid-third"),
		);
		const answer = await ask(
			`bb-${t}`,
			biddersJson(t, [
				{
					name: "absurd",
					behaviour: "bid",
					query: { crid: "crid-absurd", price: 1e17 },
					priority: 1,
				},
				{ name: "honest", behaviour: "bid", query: { crid: "crid-honest", price: 8 }, priority: 2 },
				{ name: "third", behaviour: "bid", query: { crid: "crid-third", price: 5 }, priority: 3 },
			]),
		);
		expect(answer.filled).toBe(true);
		expect(answer.creative?.id).toBe("crid-honest");
		const reasons = Object.fromEntries(
			answer.debug!.bidders.map((b) => [b.bidder, b.bids[0]?.reason]),
		);
		expect(reasons).toEqual({
			absurd: Reason.PriceAboveCap,
			honest: Reason.Won,
			third: Reason.LostToHigherBid,
		});
		const nurl = (await dspLogAfter(t, "nurl", 1)).find((l) => l.startsWith("nurl"));
		expect(nurl).toMatch(/price=5\.01&/);
	});

	it("a bidder's floor_adjustment is enforced: its bids are judged against the floor it was sent", async () => {
		const t = tag();
		await approve(unit("adjusted", "crid-adjusted"));
		// The demo publisher's floor is 2.0; this bidder is sent 2.0 × 2 = 4.0 and bids 3.
		const bidders = JSON.stringify(
			(
				JSON.parse(
					biddersJson(t, [
						{ name: "adjusted", behaviour: "bid", query: { crid: "crid-adjusted", price: 3 } },
					]),
				) as object[]
			).map((b) => ({ ...b, floor_adjustment: { multiplier: 2 } })),
		);
		const answer = await ask(`bb-${t}`, bidders);
		expect(answer.filled).toBe(false);
		expect(answer.debug!.bidders[0]!.bids[0]!.reason).toBe(Reason.BelowAuctionFloor);
		const sent = (await dspLog(t)).find((l) => l.startsWith("request"))!;
		expect(JSON.parse(sent.slice(sent.indexOf("{"))).imp[0].bidfloor).toBe(4);
	});

	it("a bidder sent a lowered floor (floor_adjustment 0.5) is judged against it, not the publisher's", async () => {
		const t = tag();
		await approve(unit("halved", "crid-halved"));
		// The demo publisher's floor is 2.0; this bidder is sent 2.0 × 0.5 = 1.0 and bids 1.5.
		const bidders = JSON.stringify(
			(
				JSON.parse(
					biddersJson(t, [
						{ name: "halved", behaviour: "bid", query: { crid: "crid-halved", price: 1.5 } },
					]),
				) as object[]
			).map((b) => ({ ...b, floor_adjustment: { multiplier: 0.5 } })),
		);
		const answer = await ask(`bb-${t}`, bidders);
		expect(answer.debug!.bidders[0]!.bids[0]!.reason).toBe(Reason.Won);
		expect(answer.filled).toBe(true);
		const sent = (await dspLog(t)).find((l) => l.startsWith("request"))!;
		expect(JSON.parse(sent.slice(sent.indexOf("{"))).imp[0].bidfloor).toBe(1);
		// Second price, alone: the floor it was sent plus one cent.
		const nurl = (await dspLogAfter(t, "nurl", 1)).find((l) => l.startsWith("nurl"));
		expect(nurl).toMatch(/price=1\.01&/);
	});

	it("a play reported before not_before is refused (425) without touching the ledger", async () => {
		const t = tag();
		await approve(unit("early", "crid-early"));
		const screenId = `bb-${t}`;
		const answer = await ask(
			screenId,
			biddersJson(t, [
				{ name: "early", behaviour: "bid", query: { crid: "crid-early", price: 6 } },
			]),
			"",
			{ play_at: Date.now() + 10 * 60_000 },
		);
		expect(answer.filled).toBe(true);
		const early = await callEdge(new URL(answer.proof_of_play_url!).pathname, { method: "POST" });
		expect(early.res.status).toBe(425);
		expect(await early.res.json()).toMatchObject({ type: "/problems/play-too-early" });
		await early.settled;
		expect(await screenStub(env, "demo-pub", screenId).stats()).toEqual({
			decisions: { issued: 1 },
			outbox: 0,
		});
		expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(0);
	});

	it("a billing notice the queue cannot take is kept in the screen's outbox and retried by the alarm, billed once", async () => {
		const t = tag();
		await approve(unit("queue-down", "crid-queue-down"));
		const screenId = `bb-${t}`;
		const answer = await ask(
			screenId,
			biddersJson(t, [
				{
					name: "queue-down",
					behaviour: "bid",
					query: { crid: "crid-queue-down", price: 6, dur: 1 },
				},
			]),
		);
		const stub = screenStub(env, "demo-pub", screenId);
		// The outbox's view of the notices queue refuses every send until it is put back.
		await runInDurableObject(stub, (instance) => {
			const outbox = (instance as unknown as { outbox: { env: Env } }).outbox;
			const down = {
				send: () => Promise.reject(new Error("queue unavailable")),
			} as unknown as Queue;
			outbox.env = { ...outbox.env, NOTICES: down };
		});
		const play = await callEdge(
			new URL(answer.proof_of_play_url!).pathname,
			await fullPlay(answer),
		);
		expect(play.res.status).toBe(200);
		await play.settled;
		// The object delivers after answering: the event goes out, the notice stays.
		await vi.waitFor(
			async () => expect(await stub.stats()).toEqual({ decisions: { played: 1 }, outbox: 1 }),
			{ timeout: 5_000, interval: 100 },
		);
		await runInDurableObject(stub, (instance, state: DurableObjectState) => {
			const outbox = (instance as unknown as { outbox: { env: Env } }).outbox;
			outbox.env = env;
			state.storage.sql.exec("UPDATE outbox SET next_at = 0");
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await stub.stats()).toEqual({ decisions: { played: 1 }, outbox: 0 });
		expect((await dspLogAfter(t, "burl", 1)).filter((l) => l.startsWith("burl"))).toHaveLength(1);
	});

	it("HEAD on the proof-of-play URL has no side effects", async () => {
		const t = tag();
		await approve(unit("probe", "crid-probe"));
		const screenId = `bb-${t}`;
		const answer = await ask(
			screenId,
			biddersJson(t, [
				{ name: "probe", behaviour: "bid", query: { crid: "crid-probe", price: 6 } },
			]),
		);
		const path = new URL(answer.proof_of_play_url!).pathname;
		const head = await callEdge(path, { method: "HEAD" });
		expect(head.res.status).toBe(200);
		await head.settled;
		expect(await screenStub(env, "demo-pub", screenId).stats()).toEqual({
			decisions: { issued: 1 },
			outbox: 0,
		});
		expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(0);
		expect((await callEdge(path.replace(/.$/, "x"), { method: "HEAD" })).res.status).toBe(403);
		const play = await callEdge(path, { method: "POST" });
		expect(play.res.status).toBe(200);
	});

	it("a signature in non-canonical base64url does not verify", async () => {
		const t = tag();
		await approve(unit("canon", "crid-canon"));
		const answer = await ask(
			`bb-${t}`,
			biddersJson(t, [
				{ name: "canon", behaviour: "bid", query: { crid: "crid-canon", price: 6 } },
			]),
		);
		const path = new URL(answer.proof_of_play_url!).pathname;
		// A 32-byte HMAC is 43 base64url characters: the last carries 4 data bits and 2 unused ones.
		const last = path.at(-1)!;
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
		const variant = `${path.slice(0, -1)}${twin}`;
		expect((await callEdge(variant, { method: "POST" })).res.status).toBe(403);
		expect((await callEdge(path, { method: "POST" })).res.status).toBe(200);
	});

	it("?debug=1 shows other bidders' prices only in development or to an operator key", async () => {
		const t = tag();
		await approve(unit("dbg", "crid-dbg"));
		const bidders = biddersJson(t, [
			{ name: "dbg", behaviour: "bid", query: { crid: "crid-dbg", price: 6 } },
		]);
		const production = { BIDDERS: bidders, DEBUG_TRACES: "false" };
		const asPublisher = await callEdge(
			"/v1/ad-requests?debug=1",
			{ method: "POST", headers: authHeaders(), body: JSON.stringify(billboardRequest(`bb-${t}`)) },
			production,
		);
		const plain = (await asPublisher.res.json()) as Answer;
		expect(plain.filled).toBe(true);
		expect(plain).not.toHaveProperty("debug");
		const asOperator = await callEdge(
			"/v1/ad-requests?debug=1",
			{
				method: "POST",
				headers: { ...authHeaders(), "x-operator-key": "demo-operator-key" },
				body: JSON.stringify(billboardRequest(`bb-${t}-op`)),
			},
			production,
		);
		expect(((await asOperator.res.json()) as Answer).debug?.bidders[0]?.bidder).toBe("dbg");
	});
});

describe("deals", () => {
	// The publisher's deal is managed in the control plane (PUT /v1/admin/deals/{id}).
	beforeAll(async () => {
		await approve(unit("open-buyer", "crid-open"), unit("deal-buyer", "crid-deal"));
		const { res } = await callEdge("/v1/admin/deals/pub-deal-1", {
			method: "PUT",
			headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
			body: JSON.stringify({ publisher_id: "demo-pub", bidfloor: 7 }),
		});
		expect(res.status).toBe(201);
	});

	it("configured deals are sent in imp.pmp, and a deal bid wins over a higher open bid", async () => {
		const t = tag();
		const bidders = biddersJson(t, [
			{
				name: "open-buyer",
				behaviour: "bid",
				query: { crid: "crid-open", price: 20 },
				priority: 1,
			},
			{
				name: "deal-buyer",
				behaviour: "bid",
				query: { crid: "crid-deal", price: 9, deal: "pub-deal-1" },
				priority: 2,
			},
		]);
		const { res, settled } = await callEdge(
			"/v1/ad-requests?debug=1",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify(
					billboardRequest(`bb-${t}`, {
						screen: {
							...billboardScreen(`bb-${t}`),
							deals: [{ id: "screen-deal", bidfloor: 12, at: 3 }],
						},
					}),
				),
			},
			{ BIDDERS: bidders },
		);
		const answer = (await res.json()) as Answer;
		await settled;
		expect(answer.creative?.id).toBe("crid-deal");
		const reasons = Object.fromEntries(
			answer.debug!.bidders.map((b) => [b.bidder, b.bids[0]?.reason]),
		);
		expect(reasons).toEqual({ "open-buyer": Reason.LostToDeal, "deal-buyer": Reason.Won });
		const sent = (await dspLog(t)).find((l) => l.startsWith("request"))!;
		expect(JSON.parse(sent.slice(sent.indexOf("{"))).imp[0].pmp).toEqual({
			private_auction: 0,
			deals: [
				{ id: "pub-deal-1", bidfloor: 7, bidfloorcur: "USD" },
				{ id: "screen-deal", bidfloor: 12, bidfloorcur: "USD", at: 3 },
			],
		});
	});

	it("a deal bid under its deal floor loses with 101 and the open auction runs", async () => {
		const t = tag();
		const bidders = biddersJson(t, [
			{ name: "open-buyer", behaviour: "bid", query: { crid: "crid-open", price: 5 }, priority: 1 },
			{
				name: "deal-buyer",
				behaviour: "bid",
				query: { crid: "crid-deal", price: 6, deal: "pub-deal-1" },
				priority: 2,
			},
		]);
		const { res, settled } = await callEdge(
			"/v1/ad-requests?debug=1",
			{ method: "POST", headers: authHeaders(), body: JSON.stringify(billboardRequest(`bb-${t}`)) },
			{ BIDDERS: bidders },
		);
		const answer = (await res.json()) as Answer;
		await settled;
		expect(answer.creative?.id).toBe("crid-open");
		const reasons = Object.fromEntries(
			answer.debug!.bidders.map((b) => [b.bidder, b.bids[0]?.reason]),
		);
		expect(reasons).toEqual({ "open-buyer": Reason.Won, "deal-buyer": Reason.BelowDealFloor });
	});
});
