// Several display areas in one request (OpenRTB multi-imp) and loop mode (a schedule filled until
// an end time in one call), through the public API with real OpenRTB DSPs on loopback.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { EdgeClient } from "../../sdk/edge-client";
import type { PxAnswer } from "../../src/px/api/answer";
import { Reason } from "../../src/px/auction/reasons";
import type { PxEvent } from "../../src/px/events/events";
import { app } from "../../src/worker/app";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	dspAssets,
	dspLogAfter,
	registerScreen,
	type TestBidder,
	useBidders,
} from "../support/edge";
import { BASE, PUBLISHER_KEY, transitScreen } from "../support/fixtures";
import { capturingQueue } from "../support/records";

interface Decision extends Partial<PxAnswer> {
	slot_id: string;
	play_at: number;
	filled: boolean;
	cached?: boolean;
	no_fill_reason?: string;
}
interface ScheduleAnswer {
	filled: boolean;
	decisions: Decision[];
	debug?: { bidders: { bidder: string; bids: { imp_id?: string; reason: number }[] }[] };
}

const MAIN = { w: 1440, h: 1080 };
const SIDE = { w: 480, h: 1080 };
const BRANDS = ["alpha", "bravo", "charlie", "delta"] as const;
let tagCount = 0;
const newTag = () => `pl${Date.now().toString(36)}${tagCount++}`;

/** One image bidder per brand, each bidding on every imp; earlier brands bid higher. */
const brandBidders = (): TestBidder[] =>
	BRANDS.map((brand, i) => ({
		name: brand,
		behaviour: "bid",
		media: ["banner"],
		query: { price: 10 - i, crid: `crid-${brand}`, adomain: `${brand}.example`, media: "image" },
	}));

const register = (id: string) => registerScreen(transitScreen(id));

async function ask(body: unknown, bidders: TestBidder[], query = "?debug=1") {
	const tag = newTag();
	const events = capturingQueue();
	const { res, settled } = await adRequest(body, biddersJson(tag, bidders), query, {
		EVENTS: events.queue,
	});
	const answer = (await res.json()) as ScheduleAnswer & Record<string, unknown>;
	await settled;
	return { res, answer, tag, events: events.sent };
}

/** Soon enough that each spot may be played at once (a minute early is allowed). */
const PLAY_AT = () => Date.now() + 30_000;

beforeAll(async () => {
	await approve(
		...BRANDS.flatMap((brand) =>
			[MAIN, SIDE].map((size) => ({
				bidder: brand,
				crid: `crid-${brand}`,
				asset_url: dspAssets.image(`crid-${brand}`, size),
				adomain: [`${brand}.example`],
			})),
		),
	);
});

describe("several display areas in one request", () => {
	it("one imp per area, one decision per area, and one advertiser never in two areas at once", async () => {
		await register("transit-areas");
		const playAt = PLAY_AT();
		const { res, answer, tag, events } = await ask(
			{ screen_id: "transit-areas", slot_ids: ["main", "side"], play_at: playAt },
			brandBidders().slice(0, 2),
		);
		expect(res.status).toBe(200);
		expect(answer.filled).toBe(true);
		expect(answer.decisions.map((d) => [d.slot_id, d.play_at, d.filled])).toEqual([
			["main", playAt, true],
			["side", playAt, true],
		]);
		const [main, side] = answer.decisions;
		// alpha bid highest on both areas; it may have one of them only.
		expect(main!.creative!.advertiser_domains).toEqual(["alpha.example"]);
		expect(side!.creative!.advertiser_domains).toEqual(["bravo.example"]);
		expect([main!.creative!.w, side!.creative!.w]).toEqual([MAIN.w, SIDE.w]);
		expect(main!.decision_id).not.toBe(side!.decision_id);
		const alpha = answer.debug!.bidders.find((b) => b.bidder === "alpha")!;
		expect(alpha.bids.map((b) => [b.imp_id, b.reason])).toEqual([
			["1", Reason.Won],
			["2", Reason.CompetitiveSeparation],
		]);

		// Each area's decision is its own proof of play: accepted once each.
		for (const d of [main!, side!]) {
			const path = new URL(d.proof_of_play_url!).pathname;
			expect((await callEdge(path, { method: "POST" })).res.status).toBe(200);
			expect((await callEdge(path, { method: "POST" })).res.status).toBe(409);
		}
		// One win notice per won area; one loss notice per bidder that lost an area. (The plays above
		// say nothing of what was shown: recorded, not billed, each winner told lurl 2 instead.)
		const log = await dspLogAfter(tag, "nurl", 2);
		expect(log.filter((l) => l.startsWith("nurl"))).toHaveLength(2);
		const auctionLoss = (l: string) =>
			l.startsWith("lurl") && !l.includes(`loss=${Reason.Expired}&`);
		expect(log.filter(auctionLoss).sort()).toEqual(
			[
				expect.stringContaining(`loss=${Reason.LostToHigherBid}`),
				expect.stringContaining(`loss=${Reason.CompetitiveSeparation}`),
			].sort(),
		);

		// One auction record per area, one win per area, one ad request.
		const auctions = events.filter((e) => e.type === "auction");
		expect(auctions.map((a) => [a.imp_id, a.slot_id])).toEqual([
			["1", "main"],
			["2", "side"],
		]);
		expect(new Set(auctions.map((a) => a.auction_id)).size).toBe(1);
		const wins = events.filter((e): e is Extract<PxEvent, { type: "win" }> => e.type === "win");
		expect(wins.map((w) => [w.slot_id, w.decision_id])).toEqual([
			["main", main!.decision_id],
			["side", side!.decision_id],
		]);
		const requests = events.filter((e) => e.type === "ad_request");
		expect(requests).toMatchObject([{ outcome: "filled", placements: 2, slot_id: "main" }]);
	});

	it("an area served from the screen's cache keeps its advertiser out of the other areas at that time", async () => {
		const id = `transit-cached-${newTag()}`;
		await register(id);
		const playAt = PLAY_AT();
		const [alpha, bravo] = brandBidders();
		const first = await ask({ screen_id: id, slot_id: "main", play_at: playAt }, [alpha!]);
		expect(first.answer).toMatchObject({ filled: true });
		const mainDecision = (first.answer as { decision_id?: string }).decision_id;

		// Main is served again from the cache (alpha); only side is auctioned, and alpha, which
		// bids highest there too, must not hold both areas at once.
		const { answer } = await ask({ screen_id: id, slot_ids: ["main", "side"], play_at: playAt }, [
			alpha!,
			bravo!,
		]);
		expect(
			answer.decisions.map((d) => [d.slot_id, d.cached === true, d.creative?.advertiser_domains]),
		).toEqual([
			["main", true, ["alpha.example"]],
			["side", false, ["bravo.example"]],
		]);
		expect(answer.decisions[0]!.decision_id).toBe(mainDecision);
		const alphaBids = answer.debug!.bidders.find((b) => b.bidder === "alpha")!.bids;
		expect(alphaBids.map((b) => [b.imp_id, b.reason])).toEqual([
			["2", Reason.CompetitiveSeparation],
		]);
	});

	it("an area nobody can fill is answered with its own reason, the others still filled", async () => {
		await register("transit-half");
		const { answer } = await ask(
			{ screen_id: "transit-half", slot_ids: ["side", "main"], play_at: PLAY_AT() },
			[{ ...brandBidders()[0]!, query: { ...brandBidders()[0]!.query, imp: "1" } }],
		);
		// The request named side first: it is imp 1 and the only one bid on.
		expect(answer.decisions.map((d) => [d.slot_id, d.filled, d.no_fill_reason])).toEqual([
			["side", true, undefined],
			["main", false, "no_bids"],
		]);
	});

	it("names a slot the screen does not have by its index in slot_ids", async () => {
		await register("transit-typo");
		const { res, answer } = await ask(
			{ screen_id: "transit-typo", slot_ids: ["main", "sidebar"] },
			brandBidders(),
		);
		expect(res.status).toBe(400);
		expect(answer).toMatchObject({ errors: [{ pointer: "#/slot_ids/1" }] });
	});

	it("the vistar dialect answers an advertisement for every display area", async () => {
		const displayTime = Math.floor(PLAY_AT() / 1000);
		const area = (id: string, size: { w: number; h: number }) => ({
			id,
			width: size.w,
			height: size.h,
			allow_audio: false,
			supported_media: ["image/png"],
			static_duration: 10,
		});
		const { res, answer } = await ask(
			{
				device_id: "vistar-transit",
				display_time: displayTime,
				latitude: 48.86,
				longitude: 2.34,
				device_attribute: [{ name: "venue_type", value: "10502" }],
				display_area: [area("main", MAIN), area("side", SIDE)],
			},
			brandBidders().slice(0, 2),
			"?dialect=vistar",
		);
		expect(res.status).toBe(200);
		const ads = answer.advertisement as { display_area_id: string; advertiser: string }[];
		expect(ads.map((a) => [a.display_area_id, a.advertiser])).toEqual([
			["main", "alpha.example"],
			["side", "bravo.example"],
		]);
	});
});

describe("loop mode: a schedule until an end time in one call", () => {
	it("fills back-to-back spots with separation between them, each its own decision", async () => {
		await register("transit-loop");
		const playAt = PLAY_AT();
		const body = {
			screen_id: "transit-loop",
			slot_id: "side",
			play_at: playAt,
			until: playAt + 45_000,
		};
		const { answer, events } = await ask(body, brandBidders());
		// 10 s spots (the slot's duration): four whole spots fit in 45 s.
		expect(answer.decisions.map((d) => d.play_at - playAt)).toEqual([0, 10_000, 20_000, 30_000]);
		// The publisher separates advertisers by 10 minutes: each spot goes to the best brand not
		// already in the loop.
		expect(answer.decisions.map((d) => d.creative?.advertiser_domains[0])).toEqual(
			BRANDS.map((b) => `${b}.example`),
		);
		expect(new Set(answer.decisions.map((d) => d.decision_id)).size).toBe(4);
		expect(answer.decisions.every((d) => d.play!.not_before <= d.play_at)).toBe(true);
		expect(events.filter((e) => e.type === "auction")).toHaveLength(4);

		// Asked again, the same spots come back from the screen's cache, one decision per spot.
		const again = await ask(body, brandBidders());
		expect(again.answer.decisions.map((d) => [d.decision_id, d.cached])).toEqual(
			answer.decisions.map((d) => [d.decision_id, true]),
		);
		expect(again.events.filter((e) => e.type === "auction")).toHaveLength(0);
		expect(again.events.filter((e) => e.type === "ad_request")).toMatchObject([
			{ outcome: "cached" },
		]);
	});

	it("each placement put to auction counts in the publisher's budget, not one per request", async () => {
		await register("transit-budget");
		const keys: string[] = [];
		const budget = (allow: number) => ({
			limit: async ({ key }: { key: string }) => {
				keys.push(key);
				return { success: keys.length <= allow };
			},
		});
		const loop = (playAt: number) => ({
			screen_id: "transit-budget",
			slot_id: "side",
			play_at: playAt,
			until: playAt + 45_000,
		});
		const playAt = PLAY_AT();
		const paid = await adRequest(loop(playAt), "[]", "", {
			PUBLISHER_LIMITER: budget(100) as unknown as RateLimit,
		});
		expect(paid.res.status).toBe(200);
		await paid.settled;
		// Four spots: the request's unit and three more, all under the ad-request scope.
		expect(keys).toEqual(Array(4).fill("ad:demo-pub"));

		keys.length = 0;
		const short = await adRequest(loop(playAt + 3_600_000), "[]", "", {
			PUBLISHER_LIMITER: budget(2) as unknown as RateLimit,
		});
		expect(short.res.status).toBe(429);
		expect(short.res.headers.get("retry-after")).toBe("10");
		expect(await short.res.json()).toMatchObject({ type: "/problems/publisher-rate-limited" });
	});

	it("refuses a loop of more than 16 spots with a problem naming until", async () => {
		await register("transit-long");
		const playAt = PLAY_AT();
		const { res, answer } = await ask(
			{ screen_id: "transit-long", slot_id: "side", play_at: playAt, until: playAt + 600_000 },
			brandBidders(),
		);
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toContain("application/problem+json");
		expect(answer).toMatchObject({ errors: [{ pointer: "#/until" }] });
	});

	it("the player SDK asks for a schedule with requestSchedule and gets typed decisions", async () => {
		await register("transit-sdk");
		await useBidders(biddersJson(newTag(), brandBidders()));
		const pending: Promise<void>[] = [];
		const client = new EdgeClient({
			baseUrl: BASE,
			apiKey: PUBLISHER_KEY,
			fetch: async (input, init) => {
				const ctx = createExecutionContext();
				const res = await app.fetch(new Request(input, init), env, ctx);
				pending.push(waitOnExecutionContext(ctx));
				return res;
			},
		});
		const playAt = PLAY_AT();
		const schedule = await client.requestSchedule({
			screen_id: "transit-sdk",
			slot_ids: ["main", "side"],
			play_at: playAt,
			until: playAt + 20_000,
		});
		await Promise.all(pending);
		// main has 15 s spots (one fits in 20 s), side 10 s spots (two fit).
		expect(schedule.decisions.map((d) => [d.slot_id, d.play_at - playAt, d.filled])).toEqual([
			["main", 0, true],
			["side", 0, true],
			["side", 10_000, true],
		]);
	});
});
