import { describe, expect, it } from "vitest";
import { type PxAnswer, pxAnswerBody } from "../../src/px/api/answer";
import { noFillReason } from "../../src/px/auction/outcomes";
import type { AdSlot } from "../../src/px/model/model";
import {
	type CachedDecision,
	matchCached,
	PLAY_EARLY_TOLERANCE_MS,
	playWindow,
	REPORT_GRACE_MS,
	recentAdvertisers,
	servedSpots,
} from "../../src/px/screen/decision";
import { ledgerEntry } from "../../src/px/screen/ledger";

const T = 1_750_000_000_000;
const slot = (id: string) => ({ id }) as AdSlot;
const issued = (id: string, slotId: string, from: number, to: number): CachedDecision => ({
	decisionId: id,
	slotId,
	notBefore: from,
	notAfter: to,
	answer: { decision_id: id } as PxAnswer,
	approvalKey: `k-${id}`,
});

describe("playWindow", () => {
	it("opens a minute early (never before the request) and closes at the window or the bid's expiry", () => {
		expect(playWindow({ startedAt: T, playAt: T + 120_000, playWindowS: 60 })).toEqual({
			notBefore: T + 120_000 - PLAY_EARLY_TOLERANCE_MS,
			notAfter: T + 180_000,
			reportUntil: T + 180_000 + REPORT_GRACE_MS,
		});
		expect(playWindow({ startedAt: T, playAt: T, playWindowS: 3600, bidExpS: 1.5 }).notAfter).toBe(
			T + 1500,
		);
		// Not a number: the bid set no expiry.
		expect(playWindow({ startedAt: T, playAt: T, playWindowS: 10, bidExpS: "5" }).notAfter).toBe(
			T + 10_000,
		);
	});
});

describe("matchCached", () => {
	it("gives each spot of a loop its own cached decision: one decision is one play", () => {
		const long = [issued("d1", "main", T, T + 3_600_000), issued("d2", "main", T, T + 3_600_000)];
		const spots = [0, 15_000, 30_000].map((o) => ({ slot: slot("main"), playAt: T + o }));
		expect(matchCached(spots, long).map((m) => m?.decisionId)).toEqual(["d1", "d2", undefined]);
	});

	it("matches by slot and by the window covering the spot's time", () => {
		const rows = [
			issued("late", "main", T + 60_000, T + 120_000),
			issued("ticker", "ticker", T, T + 1),
		];
		const asked = [
			{ slot: slot("main"), playAt: T },
			{ slot: slot("ticker"), playAt: T },
		];
		expect(matchCached(asked, rows).map((m) => m?.decisionId)).toEqual([undefined, "ticker"]);
	});

	it("separation leaves out the decisions this request serves again or replaces", () => {
		const recent = [
			{ decisionId: "d1", domains: ["a.example"] },
			{ decisionId: "d2", domains: ["b.example", "a.example"] },
		];
		expect(recentAdvertisers(recent, new Set(["d2"]))).toEqual(["a.example"]);
	});
});

describe("servedSpots", () => {
	it("a placement served from the cache holds its spot for its normalized advertisers", () => {
		const answer = {
			creative: { advertiser_domains: ["https://www.Brand.example/shoes", "Other.example"] },
		} as PxAnswer;
		expect(servedSpots([{ placement: { playAt: T, spotMs: 15_000 }, answer }])).toEqual([
			{ domains: ["brand.example", "other.example"], start: T, end: T + 15_000 },
		]);
	});
});

describe("noFillReason", () => {
	it("names the most specific cause", () => {
		expect(noFillReason([], 0)).toBe("no_bidders");
		expect(noFillReason(["bids"], 2)).toBe("all_bids_filtered");
		expect(noFillReason(["timeout", "timeout"], 0)).toBe("bidders_timed_out");
		expect(noFillReason(["error", "timeout"], 0)).toBe("bidders_failed");
		expect(noFillReason(["no_bid", "error"], 0)).toBe("no_bids");
		// Selected but skipped before the call (circuit open, no time, QPS cap): not "no bidders".
		expect(noFillReason([], 0, 2)).toBe("bidders_not_called");
		expect(noFillReason(["no_bid"], 0, 1)).toBe("no_bids");
	});
});

describe("pxAnswerBody", () => {
	const answer = { decision_id: "d1", creative: { id: "c" } } as PxAnswer;
	it("answers one slot as before, and several as a list in schedule order", () => {
		const one = { slot_id: "main", play_at: T, answer, cached: true };
		expect(pxAnswerBody({ multi: false, placements: [one] })).toEqual({
			filled: true,
			cached: true,
			...answer,
		});
		const none = {
			slot_id: "ticker",
			play_at: T,
			no_fill_reason: "no_bids" as const,
			cached: false,
		};
		expect(pxAnswerBody({ multi: true, placements: [one, none] })).toEqual({
			filled: true,
			decisions: [
				{ slot_id: "main", play_at: T, filled: true, cached: true, ...answer },
				{ slot_id: "ticker", play_at: T, filled: false, no_fill_reason: "no_bids" },
			],
		});
		expect(pxAnswerBody({ multi: true, placements: [none] })).toMatchObject({ filled: false });
	});
});

describe("ledgerEntry", () => {
	it("bills at the clearing price, keeps the approval key and the normalized advertisers", () => {
		const window = playWindow({ startedAt: T, playAt: T, playWindowS: 60 });
		const entry = ledgerEntry({
			decisionId: "d1",
			slotId: "side",
			playAt: T,
			window,
			answer: { decision_id: "d1" } as PxAnswer,
			winner: {
				bidder: "dsp",
				crid: "c1",
				approvalKey: "k1",
				clearingPrice: 4.01,
				adomain: ["https://www.Brand.example/x", "brand.example"],
			},
			notices: { macros: {} },
			spotMs: 15_000,
			auction: {
				publisherId: "p",
				screenId: "s",
				auctionId: "a",
				multiplier: 3,
				venueType: 10502,
				separationSeconds: 600,
			},
		});
		expect(entry).toMatchObject({
			notBefore: window.notBefore,
			notAfter: window.notAfter,
			reportUntil: window.reportUntil,
			advertiserDomains: ["brand.example"],
			separationSeconds: 600,
			meta: {
				bidder: "dsp",
				crid: "c1",
				priceCpm: 4.01,
				approvalKey: "k1",
				multiplier: 3,
				spotMs: 15_000,
			},
		});
	});
});
