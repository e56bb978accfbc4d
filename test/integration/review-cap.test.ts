// A DSP cannot flood the review desk: past its cap of pending items its new creatives are not
// added (they stay unapproved: auctions hold them back), the desk says which DSPs are capped and
// how many submissions it refused, and once reviewers decide some of its items the creative's next
// bid brings it onto the desk.
import { createMessageBatch } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PENDING_CAP_PER_DSP } from "../../src/durable-objects/desk-intake";
import type { CappedDsp } from "../../src/px/api/review-api";
import { approvalKey } from "../../src/px/auction/approval";
import { Reason } from "../../src/px/auction/reasons";
import { newEvent, type PxEvent } from "../../src/px/events/events";
import { handleQueue } from "../../src/queues";
import { biddersJson, billboardAdRequest, callEdge, DSP_ADOMAIN, dspAssets } from "../support/edge";
import { REVIEWER_KEY } from "../support/fixtures";
import { signIn } from "../support/pages";
import { capturingQueue } from "../support/records";
import { env } from "../support/test-env";

const reviewer = { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" };
const t = Date.now().toString(36);
const desk = () => env.REVIEW_DESK.get(env.REVIEW_DESK.idFromName("review-desk"));

/** A creative_seen record of a 1400×400 still, as the edge sends it for a held-back bid. */
async function seen(bidder: string, crid: string): Promise<{ key: string; event: PxEvent }> {
	const unit = {
		bidder,
		crid,
		asset_url: `https://cdn.example/${crid}.png`,
		adomain: [DSP_ADOMAIN],
	};
	const key = await approvalKey(unit);
	const event = newEvent("creative_seen", {
		publisher_id: "demo-pub",
		screen_id: "s",
		venue_type: 30101,
		bidder,
		crid,
		creative_key: key,
		adomain: unit.adomain,
		asset_url: unit.asset_url,
		mime: "image/png",
		w: 1400,
		h: 400,
	});
	return { key, event };
}

async function intake(events: PxEvent[]): Promise<void> {
	await handleQueue(
		createMessageBatch(
			"px-events",
			events.map((body, i) => ({ id: `cap-${t}-${i}`, timestamp: new Date(), attempts: 1, body })),
		),
		env,
	);
}

async function pendingOf(bidder: string): Promise<number> {
	const items = await desk().list("pending", 100_000);
	return items.filter((i) => i.bidder === bidder).length;
}

async function cappedList(): Promise<CappedDsp[]> {
	const { res } = await callEdge("/v1/review/creatives?status=pending", { headers: reviewer });
	expect(res.status).toBe(200);
	return ((await res.json()) as { capped_dsps: CappedDsp[] }).capped_dsps;
}

/** One auction on a fresh billboard where `bidder` bids `crid`; the records the edge sent. */
async function auction(bidder: string, crid: string): Promise<PxEvent[]> {
	const { sent, queue } = capturingQueue();
	const screenId = `bb-cap-${t}-${crid}`;
	const { res, settled } = await billboardAdRequest({
		screenId,
		query: "?debug=1",
		overrides: {
			BIDDERS: biddersJson(`cap-${t}`, [{ name: bidder, behaviour: "bid", query: { crid } }]),
			EVENTS: queue,
		},
	});
	const answer = (await res.json()) as {
		filled: boolean;
		debug: { bidders: { bids: { reason: number }[] }[] };
	};
	await settled;
	// Held back, not served: the desk does not know it, which auctions treat as pending.
	expect(answer.filled).toBe(false);
	expect(answer.debug.bidders[0]!.bids[0]!.reason).toBe(Reason.CreativePendingApproval);
	return sent;
}

describe("pending items per DSP on the review desk", () => {
	const flood = `flood-${t}`;
	const other = `other-${t}`;

	it("a DSP sending cap + 5 new creatives gets exactly the cap on the desk; another DSP's still arrive", async () => {
		const flooded = await Promise.all(
			Array.from({ length: PENDING_CAP_PER_DSP + 5 }, (_, i) => seen(flood, `f${i}`)),
		);
		const calm = await seen(other, "o1");
		// The other DSP's creative comes last in the batch, behind the flood.
		await intake([...flooded.map((s) => s.event), calm.event]);

		expect(await pendingOf(flood)).toBe(PENDING_CAP_PER_DSP);
		expect(await pendingOf(other)).toBe(1);
		const item = await callEdge(`/v1/review/creatives/${calm.key}`, { headers: reviewer });
		expect(item.res.status).toBe(200);
		// The first ones sent are the ones taken; the refused are not on the desk at all.
		expect((await desk().get(flooded[0]!.key))?.item.status).toBe("pending");
		expect(await desk().get(flooded.at(-1)!.key)).toBeNull();

		// A pending item seen again is counted as held back, not refused.
		await intake([flooded[0]!.event]);
		expect((await desk().get(flooded[0]!.key))?.item.held_back).toBe(2);

		const capped = await cappedList();
		expect(capped.find((d) => d.bidder === flood)).toMatchObject({
			bidder: flood,
			pending: PENDING_CAP_PER_DSP,
			cap: PENDING_CAP_PER_DSP,
			refused: 5,
			last_refused_at: expect.any(Number),
		});
		expect(capped.find((d) => d.bidder === other)).toBeUndefined();

		const { cookie } = await signIn("review", REVIEWER_KEY);
		const html = await (await callEdge("/review", { headers: { cookie } })).res.text();
		expect(html).toContain(`at their cap of ${PENDING_CAP_PER_DSP} pending creatives`);
		expect(html).toMatch(
			new RegExp(
				`<li data-bidder="${flood}"><strong>${flood}</strong>: capped, ${PENDING_CAP_PER_DSP} pending, 5 submissions refused`,
			),
		);
		expect(html).not.toContain(`data-bidder="${other}"`);
	});

	it("a creative refused at the cap comes back with a later bid once reviewers decided some items", async () => {
		const crid = `late-${t}`;
		const key = await approvalKey({
			bidder: flood,
			crid,
			asset_url: dspAssets.image(crid, { w: 1400, h: 400 }),
			adomain: [DSP_ADOMAIN],
		});
		// Still at the cap: the bid's record is refused, and counted.
		const first = (await auction(flood, crid)).filter((e) => e.type === "creative_seen");
		expect(first).toHaveLength(1);
		await intake(first);
		expect(await desk().get(key)).toBeNull();
		expect((await cappedList()).find((d) => d.bidder === flood)?.refused).toBe(6);

		// Reviewers decide two of its items: it is below the cap.
		const pending = (await desk().list("pending", 100_000)).filter((i) => i.bidder === flood);
		for (const item of pending.slice(0, 2)) {
			const { res } = await callEdge(`/v1/review/creatives/${item.creative_key}/reject`, {
				method: "POST",
				headers: reviewer,
				body: JSON.stringify({ reason: "one of a flood" }),
			});
			expect(res.status).toBe(200);
		}
		expect((await cappedList()).find((d) => d.bidder === flood)).toBeUndefined();

		// The next auction it bids in submits it again, and now the desk takes it.
		await intake((await auction(flood, crid)).filter((e) => e.type === "creative_seen"));
		const taken = await desk().get(key);
		expect(taken?.item).toMatchObject({ status: "pending", bidder: flood, crid });
		expect(taken?.audit.map((a) => a.action)).toEqual(["intake"]);
		expect(await pendingOf(flood)).toBe(PENDING_CAP_PER_DSP - 1);
	});
});
