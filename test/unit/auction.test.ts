import { readFileSync } from "node:fs";
import type { Bid, BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import type { ApprovalStatus } from "../../src/px/auction/approval";
import { type AuctionOptions, runAuction } from "../../src/px/auction/auction";
import {
	type EvaluatedBid,
	evaluateBids,
	judgeApprovals,
	keyApprovals,
} from "../../src/px/auction/filter";
import { Reason, type ReasonName } from "../../src/px/auction/reasons";
import { roundCpm } from "../../src/px/model/money";
import { type CandidateBid, parseBidResponse } from "../../src/px/openrtb/response";

let seq = 0;
function ev(fields: {
	price: number;
	bidder?: string;
	id?: string;
	dealid?: string;
	/** The deal's auction type (3 = fixed price at the deal floor). */
	dealAt?: 1 | 2 | 3;
	floor?: number;
	reason?: Reason;
}): EvaluatedBid {
	seq += 1;
	const id = fields.id ?? `bid-${seq}`;
	const bid: Bid = { id, impid: "1", price: fields.price, crid: `cr-${id}` };
	if (fields.dealid) bid.dealid = fields.dealid;
	return {
		bidder: fields.bidder ?? `bidder-${seq}`,
		bid,
		price: fields.price,
		floor: fields.floor ?? 0,
		...(fields.dealid
			? {
					deal: {
						id: fields.dealid,
						bidfloor: fields.floor ?? 0,
						...(fields.dealAt ? { at: fields.dealAt } : {}),
					},
				}
			: {}),
		...(fields.reason !== undefined ? { reason: fields.reason } : {}),
	};
}

const reasonsOf = (bids: EvaluatedBid[]) => bids.map((b) => b.reason);

describe("runAuction: first price", () => {
	it("the highest bid wins and pays its bid; other eligible bids lose to it", () => {
		const bids = [ev({ price: 3 }), ev({ price: 5.5 }), ev({ price: 4 })];
		const result = runAuction(bids, { at: 1 });
		expect(result.winner?.bid.bid.id).toBe(bids[1]?.bid.id);
		expect(result.winner?.clearingPrice).toBe(5.5);
		expect(reasonsOf(result.bids)).toEqual([
			Reason.LostToHigherBid,
			Reason.Won,
			Reason.LostToHigherBid,
		]);
	});
});

describe("runAuction: second price", () => {
	it("pays the second-highest price plus one cent", () => {
		const result = runAuction([ev({ price: 5 }), ev({ price: 4 })], { at: 2 });
		expect(result.winner?.clearingPrice).toBe(4.01);
	});

	it("pays the floor plus one cent when alone", () => {
		expect(runAuction([ev({ price: 5, floor: 2 })], { at: 2 }).winner?.clearingPrice).toBe(2.01);
		expect(runAuction([ev({ price: 5 })], { at: 2 }).winner?.clearingPrice).toBe(0.01);
	});

	it("uses the floor the winner was sent, whatever another bidder was sent", () => {
		const result = runAuction([ev({ price: 5, floor: 2.3 }), ev({ price: 2.1 })], {
			at: 2,
		});
		expect(result.winner?.clearingPrice).toBe(2.31);
	});

	it("never pays more than its own bid", () => {
		const tie = runAuction([ev({ price: 5 }), ev({ price: 5 })], { at: 2 });
		expect(tie.winner?.clearingPrice).toBe(5);
		const atFloor = runAuction([ev({ price: 2, floor: 2 })], { at: 2 });
		expect(atFloor.winner?.clearingPrice).toBe(2);
		const close = runAuction([ev({ price: 4.005 }), ev({ price: 4 })], { at: 2 });
		expect(close.winner?.clearingPrice).toBe(4.005);
	});

	it("rounds the clearing price to 4 decimals", () => {
		const result = runAuction([ev({ price: 2 }), ev({ price: 1.1 })], { at: 2 });
		expect(result.winner?.clearingPrice).toBe(1.11);
	});
});

describe("runAuction: floors", () => {
	it("open bids under the publisher floor lose with BelowAuctionFloor and do not set the price", () => {
		const bids = [1.5, 6, 1.99].map((price) => ev({ price, floor: 2 }));
		const result = runAuction(bids, { at: 2 });
		expect(reasonsOf(result.bids)).toEqual([
			Reason.BelowAuctionFloor,
			Reason.Won,
			Reason.BelowAuctionFloor,
		]);
		expect(result.winner?.clearingPrice).toBe(2.01);
	});

	it("each open bid is judged against the floor its own bidder was sent (floor_adjustment), both ways", () => {
		// The publisher's floor is 2: "halved" was sent 1 (multiplier 0.5), "doubled" was sent 4.
		const halved = ev({ price: 1.5, bidder: "halved", floor: 1 });
		const doubled = ev({ price: 3, bidder: "doubled", floor: 4 });
		const result = runAuction([doubled, halved], { at: 2 });
		expect(reasonsOf(result.bids)).toEqual([Reason.BelowAuctionFloor, Reason.Won]);
		expect(result.winner?.clearingPrice).toBe(1.01);
	});

	it("has no winner when nothing clears", () => {
		const result = runAuction([ev({ price: 1, floor: 2 })], { at: 1 });
		expect(result.winner).toBeUndefined();
		expect(reasonsOf(result.bids)).toEqual([Reason.BelowAuctionFloor]);
	});
});

describe("runAuction: deals", () => {
	it("the best deal bid wins over higher open bids, which lose to the deal", () => {
		const bids = [
			ev({ price: 10 }),
			ev({ price: 4, dealid: "d1", floor: 3.5 }),
			ev({ price: 3.8, dealid: "d1", floor: 3.5 }),
		];
		const result = runAuction(bids, { at: 2 });
		expect(reasonsOf(result.bids)).toEqual([Reason.LostToDeal, Reason.Won, Reason.LostToHigherBid]);
		expect(result.winner?.clearingPrice).toBe(3.81);
	});

	it("a lone deal bid pays its deal floor plus one cent, even below the publisher floor", () => {
		const result = runAuction([ev({ price: 1.5, dealid: "low", floor: 1 }), ev({ price: 9 })], {
			at: 2,
		});
		expect(result.winner?.bid.bid.dealid).toBe("low");
		expect(result.winner?.clearingPrice).toBe(1.01);
		expect(result.bids[1]?.reason).toBe(Reason.LostToDeal);
	});

	it("pays the deal bid in first price", () => {
		const result = runAuction([ev({ price: 7, dealid: "d" }), ev({ price: 6, dealid: "d" })], {
			at: 1,
		});
		expect(result.winner?.clearingPrice).toBe(7);
	});

	it("a fixed-price deal (at 3) pays the deal price, whatever the bid", () => {
		const result = runAuction(
			[
				ev({ price: 9, dealid: "fixed", dealAt: 3, floor: 6 }),
				ev({ price: 7, dealid: "fixed", dealAt: 3, floor: 6 }),
			],
			{ at: 2 },
		);
		expect(result.winner?.bid.bid.price).toBe(9);
		expect(result.winner?.clearingPrice).toBe(6);
	});

	it("a deal's own at overrides the publisher's", () => {
		const result = runAuction(
			[ev({ price: 9, dealid: "d", dealAt: 1 }), ev({ price: 7, dealid: "d", dealAt: 1 })],
			{ at: 2 },
		);
		expect(result.winner?.clearingPrice).toBe(9);
	});

	it("ineligible deal bids do not push the open auction aside", () => {
		const bids = [ev({ price: 7, dealid: "d", reason: Reason.BelowDealFloor }), ev({ price: 3 })];
		const result = runAuction(bids, { at: 1 });
		expect(reasonsOf(result.bids)).toEqual([Reason.BelowDealFloor, Reason.Won]);
	});
});

describe("runAuction: ties and determinism", () => {
	it("equal prices: the earlier bidder in input (priority) order wins", () => {
		const bids = [
			ev({ price: 5, bidder: "first", id: "z" }),
			ev({ price: 5, bidder: "second", id: "a" }),
		];
		expect(runAuction(bids, { at: 1 }).winner?.bid.bidder).toBe("first");
	});

	it("equal prices within one bidder: the lower bid id wins whatever the listing order", () => {
		const a = ev({ price: 5, bidder: "same", id: "bid-b" });
		const b = ev({ price: 5, bidder: "same", id: "bid-a" });
		expect(runAuction([a, b], { at: 1 }).winner?.bid.bid.id).toBe("bid-a");
		expect(runAuction([b, a], { at: 1 }).winner?.bid.bid.id).toBe("bid-a");
	});

	it("a custom tieBreak decides between equal prices, never over price", () => {
		const bids = [
			ev({ price: 5, bidder: "x" }),
			ev({ price: 5, bidder: "y" }),
			ev({ price: 6, bidder: "z" }),
		];
		const preferY: AuctionOptions["tieBreak"] = (a, b) =>
			(a.bidder === "y" ? -1 : 0) - (b.bidder === "y" ? -1 : 0);
		expect(runAuction(bids, { at: 1, tieBreak: preferY }).winner?.bid.bidder).toBe("z");
		expect(runAuction(bids.slice(0, 2), { at: 1, tieBreak: preferY }).winner?.bid.bidder).toBe("y");
	});

	it("keeps input order, keeps earlier reasons and does not mutate its input", () => {
		const bids = [
			ev({ price: 9, reason: Reason.CreativeSize }),
			ev({ price: 3 }),
			ev({ price: 4 }),
		];
		const snapshot = structuredClone(bids);
		const result = runAuction(bids, { at: 2 });
		expect(bids).toEqual(snapshot);
		expect(result.bids.map((b) => b.bid.id)).toEqual(bids.map((b) => b.bid.id));
		expect(reasonsOf(result.bids)).toEqual([
			Reason.CreativeSize,
			Reason.LostToHigherBid,
			Reason.Won,
		]);
		expect(result.winner?.bid).toBe(result.bids[2]);
	});

	it("treats bids already marked Won (code 0) as decided, not eligible", () => {
		const result = runAuction([ev({ price: 9, reason: Reason.Won }), ev({ price: 3 })], {
			at: 1,
		});
		expect(result.winner?.bid.price).toBe(3);
	});
});

describe("roundCpm", () => {
	it.each([
		[1.00005, 1.0001],
		[1.00004, 1],
		[2.67495, 2.675],
		[0.1 + 0.2, 0.3],
		[1.23456789, 1.2346],
		[4.005, 4.005],
		[1e-7, 0],
		[123456.78905, 123456.7891],
		[-1.00005, -1.0001],
		[Number.NaN, 0],
		// Past 2^53 / 1e4 the string shift used to read "1e+21e-4": NaN, which passed every check.
		[1e17, 1e17],
		[1.5e17, 1.5e17],
		[1e21, 1e21],
		[Number.MAX_VALUE, Number.MAX_VALUE],
		[Number.POSITIVE_INFINITY, 0],
	])("%s → %s", (input, output) => {
		expect(roundCpm(input)).toBe(output);
	});

	it("is finite for every finite input", () => {
		for (let e = -10; e <= 308; e++) expect(Number.isFinite(roundCpm(1.2345 * 10 ** e))).toBe(true);
	});
});

// End to end over the pure pipeline, from fixture bidder answers.
interface Scenario {
	name: string;
	request: string;
	now: number;
	auction: { at: 1 | 2 };
	approvals: Record<string, ApprovalStatus>;
	recentAdvertisers: string[];
	responses: { bidder: string; body: unknown }[];
	expected: {
		responses: Record<string, "bids" | "no_bid" | ReasonName>;
		winner: { bidder: string; id: string; clearingPrice: number };
		reasons: Record<string, ReasonName>;
	};
}

const fixtures = new URL("../fixtures/bids/", import.meta.url);
const readText = (path: string) => readFileSync(new URL(path, fixtures), "utf8");
const { scenarios } = JSON.parse(readText("auction-scenarios.json")) as { scenarios: Scenario[] };

function inlineAdmFiles(body: unknown): unknown {
	return JSON.parse(JSON.stringify(body), (key, value) => {
		if (key !== "" && value && typeof value === "object" && "adm_file" in value) {
			const { adm_file, ...rest } = value as { adm_file: string };
			return { ...rest, adm: readText(`vast/${adm_file}`) };
		}
		return value;
	});
}

describe("parse → filter → auction scenarios", () => {
	for (const s of scenarios) {
		it(s.name, async () => {
			const request = JSON.parse(readText(s.request)) as BidRequest;
			const candidates: CandidateBid[] = [];
			const outcomes: Record<string, string> = {};
			for (const { bidder, body } of s.responses) {
				const parsed = parseBidResponse(inlineAdmFiles(body), request, bidder);
				if (parsed.kind === "bids") candidates.push(...parsed.bids);
				outcomes[bidder] =
					parsed.kind === "invalid"
						? (Object.entries(Reason).find(([, code]) => code === parsed.reason)?.[0] ?? "?")
						: parsed.kind;
			}
			expect(outcomes).toEqual(s.expected.responses);

			const screened = await keyApprovals(
				evaluateBids(candidates, {
					request,
					recentAdvertisers: new Set(s.recentAdvertisers),
					now: s.now,
				}),
			);
			// Fixtures name approvals by bidder:crid; the key adds the asset's digest.
			const evaluated = judgeApprovals(screened, (key) => s.approvals[key.slice(0, -65)]);
			const result = runAuction(evaluated, s.auction);
			expect({
				bidder: result.winner?.bid.bidder,
				id: result.winner?.bid.bid.id,
				clearingPrice: result.winner?.clearingPrice,
			}).toEqual(s.expected.winner);
			const reasons = Object.fromEntries(
				result.bids.map((b) => [`${b.bidder}/${b.bid.id}`, b.reason]),
			);
			expect(reasons).toEqual(
				Object.fromEntries(
					Object.entries(s.expected.reasons).map(([key, name]) => [key, Reason[name]]),
				),
			);
		});
	}
});
