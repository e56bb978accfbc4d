// A queue outage on the hot path: the edge retries its sends, and what the queues still refuse
// (the request's events, the auction's nurl/lurl) goes to the screen's outbox, delivered from
// its alarm once the queues take it again. Nothing an exchange reconciles or bills from vanishes.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { screenStub } from "../../src/services/stubs";
import {
	adRequest,
	approve,
	biddersJson,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	dspLogAfter,
	registerScreen,
} from "../support/edge";
import { billboardScreen } from "../support/fixtures";

const down = {
	send: async () => {
		throw new Error("queue unavailable");
	},
	sendBatch: async () => {
		throw new Error("queue unavailable");
	},
} as unknown as Queue;

describe("events and notices the queues refused", () => {
	it("are kept by the screen's object and delivered from its alarm, once", async () => {
		const screen = billboardScreen("outbox-billboard");
		await registerScreen(screen);
		const crid = "crid-outbox";
		await approve({
			bidder: "steady",
			crid,
			asset_url: dspAssets.image(crid, { w: 1400, h: 400 }),
			adomain: [DSP_ADOMAIN],
		});
		const tag = "event-outbox";
		const bidders = biddersJson(tag, [
			{ name: "steady", behaviour: "bid", query: { crid, price: 6 } },
		]);
		const { res, settled } = await adRequest(
			{ screen_id: screen.id, slot_id: "face-a" },
			bidders,
			"",
			{ EVENTS: down, NOTICES: down },
		);
		expect(((await res.json()) as { filled: boolean }).filled).toBe(true);
		await settled;

		const stub = screenStub(env, "demo-pub", screen.id);
		// ad_request, auction and win, plus the auction's notice message.
		expect((await stub.stats()).outbox).toBe(4);
		expect((await dspLog(tag)).filter((l) => l.startsWith("nurl"))).toEqual([]);

		// The queues are back: the alarm hands everything over, and the buyer gets its nurl once.
		await runDurableObjectAlarm(stub);
		expect((await stub.stats()).outbox).toBe(0);
		const log = await dspLogAfter(tag, "nurl", 1);
		expect(log.filter((l) => l.startsWith("nurl"))).toHaveLength(1);
	});
});
