// The exchange's take (issue 25) on the decision path: the win record and the screen's ledger
// carry the clearing price split by the publisher's exchange_take as it stood at the auction, the
// buyer is still told the gross (${AUCTION_PRICE}), and the play is settled from what the ledger
// stored, so a take changed after the auction never rewrites what that play earned.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { PxEvent } from "../../src/px/events/events";
import { settlementEvent } from "../../src/px/notices/settlement";
import type { DecisionMeta } from "../../src/px/screen/ledger";
import {
	adminCall,
	approve,
	biddersJson,
	billboardAdRequest,
	DSP_ADOMAIN,
	dspAssets,
	dspLogAfter,
} from "../support/edge";
import { capturingQueue } from "../support/records";
import { env } from "../support/test-env";

/** An admin call that must succeed. */
async function admin(method: string, path: string, body?: unknown) {
	const res = await adminCall(method, path, body);
	expect(res.status, await res.clone().text()).toBeLessThan(300);
	return res;
}

const CRID = "crid-take";
const PUB = "take-network";
let key = "";
let n = 0;

const account = (exchange_take: unknown) => ({
	name: "Take Network",
	floor_cpm: 1,
	cur: "EUR",
	exchange_take,
});

beforeAll(async () => {
	await approve({
		bidder: "taken",
		crid: CRID,
		asset_url: dspAssets.image(CRID, { w: 1400, h: 400 }),
		adomain: [DSP_ADOMAIN],
	});
	await admin("PUT", `/publishers/${PUB}`, account({ share: 0.2 }));
	const created = await admin("POST", `/publishers/${PUB}/keys`, { label: "players" });
	key = ((await created.json()) as { key: string }).key;
});

/** One won auction (one bid, second price: it clears at the floor) on a fresh billboard of the take publisher. */
async function win() {
	const t = `take${Date.now().toString(36)}${n++}`;
	const screenId = `bb-${t}`;
	const events = capturingQueue();
	const { res, settled } = await billboardAdRequest({
		key,
		screenId,
		overrides: {
			BIDDERS: biddersJson(t, [
				{ name: "taken", behaviour: "bid", query: { crid: CRID, price: 9 } },
			]),
			EVENTS: events.queue,
		},
	});
	const answer = (await res.json()) as { filled: boolean; decision_id: string };
	expect(answer.filled).toBe(true);
	await settled;
	const winEvent = events.sent.find((e) => e.type === "win") as Extract<PxEvent, { type: "win" }>;
	const stub = env.SCREENS.get(env.SCREENS.idFromName(`${PUB}:${screenId}`));
	const meta = await runInDurableObject(stub, (_i, state: DurableObjectState) => {
		const row = state.storage.sql
			.exec<{ meta: string }>(
				"SELECT meta FROM decisions WHERE decision_id = ?",
				answer.decision_id,
			)
			.one();
		return JSON.parse(row.meta) as DecisionMeta;
	});
	return { t, answer, winEvent, meta };
}

describe("the exchange's take on a win", () => {
	it("splits the clearing price into gross, take and net on the win and in the ledger", async () => {
		const { t, winEvent, meta } = await win();
		// Second price alone: the publisher's floor of 1 net, grossed up by the 20 % share to 1.25
		// (so the publisher nets it), plus one increment.
		expect(winEvent).toMatchObject({
			clearing_price_cpm: 1.26,
			cur: "EUR",
			gross_cpm: 1.26,
			take_cpm: 0.252,
			net_cpm: 1.008,
		});
		expect(meta).toMatchObject({
			priceCpm: 1.26,
			cur: "EUR",
			split: { gross_cpm: 1.26, take_cpm: 0.252, net_cpm: 1.008 },
		});
		// The buyer pays gross: its win notice says the clearing price, not the net.
		const log = await dspLogAfter(t, "nurl", 1);
		expect(log.find((l) => l.startsWith("nurl"))).toContain("price=1.26");
	});

	it("a take changed after the auction leaves that decision's split as it was", async () => {
		const before = await win();
		await admin("PUT", `/publishers/${PUB}`, account({ fee_cpm: 0.5 }));
		try {
			const after = await win();
			// A fee of 0.5 grosses the floor of 1 up to 1.5: the publisher still nets 1.01.
			expect(after.winEvent).toMatchObject({ gross_cpm: 1.51, take_cpm: 0.5, net_cpm: 1.01 });
			// The play is settled from the ledger's row (the outbox builds its event the same way).
			const play = settlementEvent(
				{ decisionId: before.answer.decision_id, notices: { macros: {} }, meta: before.meta },
				{ kind: "play", playedAt: Date.now() },
			);
			expect(play).toMatchObject({ cur: "EUR", gross_cpm: 1.26, take_cpm: 0.252, net_cpm: 1.008 });
		} finally {
			await admin("PUT", `/publishers/${PUB}`, account({ share: 0.2 }));
		}
	});
});

describe("the play event's split", () => {
	const meta: DecisionMeta = {
		publisherId: "p",
		screenId: "s",
		auctionId: "a",
		bidder: "b",
		crid: "c",
		priceCpm: 8,
		multiplier: 2,
		venueType: 30101,
		approvalKey: "k",
	};
	const settled = (m: DecisionMeta) => ({ decisionId: "d", notices: { macros: {} }, meta: m });

	it("billable or not, a play carries the split its ledger row stored", () => {
		const split = { gross_cpm: 8, take_cpm: 2, net_cpm: 6 };
		const stored = settled({ ...meta, cur: "USD", split });
		for (const billable of [true, false]) {
			expect(settlementEvent(stored, { kind: "play", playedAt: 1, billable })).toMatchObject({
				cur: "USD",
				...split,
			});
		}
	});

	it("a measured audience lowers the play's multiplier and keeps the one sold beside it", () => {
		const play = settlementEvent(settled(meta), {
			kind: "play",
			playedAt: 1,
			measuredAudience: 1.5,
		});
		expect(play).toMatchObject({ multiplier: 1.5, planned_multiplier: 2 });
		const higher = settlementEvent(settled(meta), {
			kind: "play",
			playedAt: 1,
			measuredAudience: 3,
		});
		expect(higher).toMatchObject({ multiplier: 2 });
		expect(higher).not.toHaveProperty("planned_multiplier");
	});

	it("a ledger row written before the take was stored settles with no take", () => {
		const play = settlementEvent(settled(meta), { kind: "play", playedAt: 1 });
		expect(play).toMatchObject({ gross_cpm: 8, take_cpm: 0, net_cpm: 8 });
		expect(play).not.toHaveProperty("cur");
	});
});
