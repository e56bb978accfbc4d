import { createMessageBatch } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { approvalKey } from "../../src/px/auction/approval";
import { Reason } from "../../src/px/auction/reasons";
import { handleQueue } from "../../src/queues";
import { clearApprovalMemory, lookupApprovals } from "../../src/services/approvals";
import { biddersJson, billboardAdRequest, callEdge, DSP_ADOMAIN, dspAssets } from "../support/edge";
import { REVIEWER_KEY } from "../support/fixtures";
import { capturingQueue, putOnDesk } from "../support/records";
import { env } from "../support/test-env";

const reviewer = { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" };

async function auction(screenId: string, bidders: string, events?: Queue) {
	const { res, settled } = await billboardAdRequest({
		screenId,
		query: "?debug=1",
		overrides: { BIDDERS: bidders, ...(events ? { EVENTS: events } : {}) },
	});
	const answer = (await res.json()) as {
		filled: boolean;
		debug: { bidders: { bids: { reason: number }[] }[] };
	};
	await settled;
	return answer;
}

describe("review desk", () => {
	it("a new DSP creative goes pending, a reviewer approves it, the next auction accepts it", async () => {
		const bidders = biddersJson("review", [
			{ name: "newdsp", behaviour: "bid", query: { crid: "brand-new", price: 4 } },
		]);
		const { sent, queue } = capturingQueue();
		const first = await auction("bb-review-1", bidders, queue);
		expect(first.filled).toBe(false);
		expect(first.debug.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativePendingApproval);
		const seen = sent.filter((e) => e.type === "creative_seen");
		expect(seen).toHaveLength(1);

		// The queue consumer's intake puts it on the desk.
		await handleQueue(
			createMessageBatch(
				"px-events",
				sent.map((body, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 1, body })),
			),
			env,
		);
		const pending = await callEdge("/v1/review/creatives?status=pending", { headers: reviewer });
		expect(pending.res.status).toBe(200);
		const list = (await pending.res.json()) as {
			items: {
				creative_key: string;
				bidder: string;
				crid: string;
				asset_url: string;
				mime: string;
			}[];
		};
		const item = list.items.find((i) => i.bidder === "newdsp" && i.crid === "brand-new");
		// Its own item per asset: the key names the exact file that would play.
		const asset_url = dspAssets.image("brand-new", { w: 1400, h: 400 });
		expect(item).toMatchObject({ mime: "image/png", asset_url });
		const key = await approvalKey({
			bidder: "newdsp",
			crid: "brand-new",
			asset_url,
			adomain: [DSP_ADOMAIN],
		});
		expect(item?.creative_key).toBe(key);

		// Approving needs no body.
		const approved = await callEdge(`/v1/review/creatives/${key}/approve`, {
			method: "POST",
			headers: { authorization: reviewer.authorization },
		});
		expect(approved.res.status).toBe(200);
		expect(await approved.res.json()).toMatchObject({ status: "approved", replica: "published" });

		clearApprovalMemory(); // stands in for APPROVAL_MEMORY_TTL_MS passing
		const second = await auction("bb-review-2", bidders);
		expect(second.filled).toBe(true);

		const detail = await callEdge(`/v1/review/creatives/${key}`, { headers: reviewer });
		const { audit } = (await detail.res.json()) as { audit: { action: string; actor: string }[] };
		expect(audit.map((a) => a.action)).toEqual(["intake", "approve"]);
		expect(audit[1]!.actor).toMatch(/^reviewer:[0-9a-f]{12}$/);
	});

	it("a rejection needs a reason and makes the creative lose as disapproved", async () => {
		const asset_url = dspAssets.image("bad-ad", { w: 1400, h: 400 });
		const key = await putOnDesk({
			bidder: "shady",
			crid: "bad-ad",
			asset_url,
			adomain: ["shady.example"],
		});
		const noReason = await callEdge(`/v1/review/creatives/${key}/reject`, {
			method: "POST",
			headers: reviewer,
			body: "{}",
		});
		expect(noReason.res.status).toBe(400);
		expect(await noReason.res.json()).toMatchObject({ errors: [{ pointer: "#/reason" }] });
		const rejected = await callEdge(`/v1/review/creatives/${key}/reject`, {
			method: "POST",
			headers: reviewer,
			body: JSON.stringify({ reason: "not street-safe: flashing imagery" }),
		});
		expect(rejected.res.status).toBe(200);
		clearApprovalMemory();
		const bidders = biddersJson("review2", [
			{ name: "shady", behaviour: "bid", query: { crid: "bad-ad", adomain: "shady.example" } },
		]);
		const answer = await auction("bb-review-3", bidders);
		expect(answer.debug.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativeDisapproved);
	});

	it("a decision on a version the item no longer has is refused (409): a stale approve cannot overturn a rejection", async () => {
		const asset_url = dspAssets.image("stale-api", { w: 1400, h: 400 });
		const key = await putOnDesk({ bidder: "stale-api", crid: "c", asset_url });
		const read = async () =>
			(await (await callEdge(`/v1/review/creatives/${key}`, { headers: reviewer })).res.json()) as {
				item: { status: string; version: number };
				audit: { action: string }[];
			};
		const decide = (action: "approve" | "reject", body: Record<string, unknown>) =>
			callEdge(`/v1/review/creatives/${key}/${action}`, {
				method: "POST",
				headers: reviewer,
				body: JSON.stringify(body),
			});
		// Reviewers A and B both load the pending item.
		const seen = (await read()).item.version;
		expect(seen).toBeGreaterThan(0);

		const a = await decide("reject", { reason: "shows a weapon", expected_version: seen });
		expect(a.res.status).toBe(200);
		const rejected = (await a.res.json()) as { status: string; version: number };
		expect(rejected.status).toBe("rejected");
		expect(rejected.version).toBeGreaterThan(seen);

		const b = await decide("approve", { expected_version: seen });
		expect(b.res.status).toBe(409);
		expect(b.res.headers.get("content-type")).toContain("application/problem+json");
		const problem = (await b.res.json()) as { type: string; detail: string; stale: unknown };
		expect(problem).toMatchObject({
			type: "/problems/stale-decision",
			status: 409,
			stale: [{ creative_key: key, status: "rejected", version: rejected.version }],
		});
		expect(problem.detail).toContain(`now rejected (version ${rejected.version})`);
		const after = await read();
		expect(after.item).toMatchObject({ status: "rejected", version: rejected.version });
		expect(after.audit.map((e) => e.action)).toEqual(["intake", "reject"]);
		expect(await lookupApprovals(env.APPROVALS, [key]).then((of) => of(key))).toBe("rejected");

		// Deciding on what it is now works; without expected_version there is no check (as before).
		const fresh = await decide("approve", { expected_version: rejected.version });
		expect(fresh.res.status).toBe(200);
		const unchecked = await decide("reject", { reason: "changed my mind" });
		expect(unchecked.res.status).toBe(200);
		const bad = await decide("approve", { expected_version: -1 });
		expect(bad.res.status).toBe(400);
	});

	it("reviewer endpoints need a reviewer key; a publisher key is not one", async () => {
		expect((await callEdge("/v1/review/creatives")).res.status).toBe(401);
		const publisher = await callEdge("/v1/review/creatives", {
			headers: { authorization: "Bearer demo-publisher-key" },
		});
		expect(publisher.res.status).toBe(401);
		const unknown = await callEdge("/v1/review/creatives/nope:nope/approve", {
			method: "POST",
			headers: reviewer,
			body: "{}",
		});
		expect(unknown.res.status).toBe(404);
	});
});
