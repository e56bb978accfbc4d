// More bidders than a Worker invocation has connections (6): the rest wait in priority order for
// a slot to free, each then called with the tmax that is left of the deadline (src/worker/decide/fanout.ts).

import type { BidRequest } from "iab-openrtb/v26";
import { beforeAll, describe, expect, it } from "vitest";
import { Reason } from "../../src/px/auction/reasons";
import {
	adRequest,
	approve,
	biddersJson,
	dspLog,
	lobbyAssets,
	registerScreen,
	type TestBidder,
	useBidders,
} from "../support/edge";
import { lobbyScreen } from "../support/fixtures";

interface Answer {
	filled: boolean;
	creative?: { id: string };
	debug: {
		bidders: { bidder: string; status: string; reason?: number; bids: { outcome: string }[] }[];
	};
}

let n = 0;
const newTag = () => `bq${Date.now().toString(36)}${n++}`;

/** One tag per bidder, so the DSP log says which of them was called and with what. */
function taggedBidders(bidders: TestBidder[]): { json: string; tags: Map<string, string> } {
	const tags = new Map(bidders.map((b) => [b.name, newTag()]));
	const list = bidders.flatMap((b) => JSON.parse(biddersJson(tags.get(b.name)!, [b])) as unknown[]);
	return { json: JSON.stringify(list), tags };
}

async function requestsOf(tag: string): Promise<BidRequest[]> {
	return (await dspLog(tag))
		.filter((l) => l.startsWith("request"))
		.map((l) => JSON.parse(l.split(" ").slice(3).join(" ")) as BidRequest);
}

const six = (behaviour: string, query: Record<string, string | number> = {}): TestBidder[] =>
	Array.from({ length: 6 }, (_, i) => ({ name: `first${i}`, behaviour, query, priority: 1 + i }));

beforeAll(async () => {
	await approve(...lobbyAssets("seventh", "crid-seventh"), ...lobbyAssets("eighth", "crid-eighth"));
});

describe("more than six bidders", () => {
	it("bidders 7 and 8 are called once the first six answer, and one of them can win", async () => {
		const screen = `queue-fast-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const { json, tags } = taggedBidders([
			...six("nobid"),
			{
				name: "seventh",
				behaviour: "bid",
				query: { price: 6, crid: "crid-seventh" },
				priority: 20,
			},
			{ name: "eighth", behaviour: "bid", query: { price: 9, crid: "crid-eighth" }, priority: 30 },
		]);
		const { res, settled } = await adRequest(
			{ screen_id: screen, slot_id: "main", timeout_ms: 600 },
			json,
			"?debug=1",
		);
		expect(res.status).toBe(200);
		const answer = (await res.json()) as Answer;
		await settled;
		for (const name of ["seventh", "eighth"]) {
			expect(await requestsOf(tags.get(name)!)).toHaveLength(1);
		}
		expect(answer.debug.bidders.filter((b) => b.status === "not_called")).toEqual([]);
		expect(answer.filled).toBe(true);
		expect(answer.creative?.id).toBe("crid-eighth");
		const eighth = answer.debug.bidders.find((b) => b.bidder === "eighth")!;
		expect(eighth.bids.map((b) => b.outcome)).toEqual(["won"]);
	});

	it("a queued bidder is told the tmax left when its slot frees, not the one at the start", async () => {
		const screen = `queue-tmax-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const { json, tags } = taggedBidders([
			...six("nobid", { delay: 150 }),
			{ name: "seventh", behaviour: "nobid", priority: 20 },
		]);
		const { res, settled } = await adRequest(
			{ screen_id: screen, slot_id: "main", timeout_ms: 800 },
			json,
			"?debug=1",
		);
		expect(res.status).toBe(200);
		await settled;
		const [first] = await requestsOf(tags.get("first0")!);
		const [seventh] = await requestsOf(tags.get("seventh")!);
		expect(first?.tmax).toBeGreaterThan(0);
		// It waited about 150 ms for a connection: that time is not its to spend.
		expect(seventh?.tmax).toBeLessThanOrEqual(first!.tmax! - 140);
		expect(seventh?.tmax).toBeGreaterThanOrEqual(20);
	});

	it("when the first six hang to the deadline, 7 and 8 are not called (508) and the answer is on time", async () => {
		const screen = `queue-slow-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const { json, tags } = taggedBidders([
			...six("hang"),
			{
				name: "seventh",
				behaviour: "bid",
				query: { price: 6, crid: "crid-seventh" },
				priority: 20,
			},
			{ name: "eighth", behaviour: "bid", query: { price: 9, crid: "crid-eighth" }, priority: 30 },
		]);
		await useBidders(json); // configured first: the time measured is the request's alone
		const started = Date.now();
		const { res, settled } = await adRequest(
			{ screen_id: screen, slot_id: "main", timeout_ms: 300 },
			json,
			"?debug=1",
		);
		expect(res.status).toBe(200);
		const answer = (await res.json()) as Answer;
		expect(Date.now() - started).toBeLessThan(300 + 150);
		await settled;
		for (const name of ["seventh", "eighth"]) {
			expect(await requestsOf(tags.get(name)!)).toEqual([]);
			expect(answer.debug.bidders.find((b) => b.bidder === name)).toMatchObject({
				status: "not_called",
				reason: Reason.BidderNoTime,
			});
		}
		expect(answer.debug.bidders.filter((b) => b.status === "timeout")).toHaveLength(6);
		expect(answer.filled).toBe(false);
	});
});
