import { readFileSync } from "node:fs";
import type { Bid, BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import {
	type ApprovalStatus,
	evaluateBids,
	type FilterContext,
	normalizeDomain,
} from "../../src/px/filter";
import type { CandidateBid } from "../../src/px/openrtb/response";
import { Reason, type ReasonName } from "../../src/px/reasons";

const fixtures = new URL("../fixtures/bids/", import.meta.url);

function readText(path: string): string {
	return readFileSync(new URL(path, fixtures), "utf8");
}

function readJson<T>(path: string): T {
	return JSON.parse(readText(path)) as T;
}

/** RFC 7396 merge patch, so fixture cases can override or (with null) delete any field. */
function patch<T>(target: T, changes: unknown): T {
	if (typeof changes !== "object" || changes === null || Array.isArray(changes))
		return changes as T;
	const out: Record<string, unknown> =
		typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
	for (const [key, value] of Object.entries(changes)) {
		if (value === null) delete out[key];
		else out[key] = patch(out[key], value);
	}
	return out as T;
}

interface FilterCase {
	name: string;
	reason: ReasonName | null;
	bid?: Record<string, unknown>;
	imp?: Record<string, unknown>;
	request?: string;
	request_patch?: Record<string, unknown>;
	candidate?: { cur?: string; seat?: string | null; bidder?: string };
	adm_file?: string;
	adm_replace?: [string, string];
	approval?: Exclude<ApprovalStatus, undefined> | null;
	recentAdvertisers?: string[];
	asset?: string;
}

interface FilterCases {
	request: string;
	now: number;
	defaults: {
		bidder: string;
		seat: string;
		cur: string;
		approval: Exclude<ApprovalStatus, undefined>;
		recentAdvertisers: string[];
	};
	baseBid: Bid;
	cases: FilterCase[];
}

const table = readJson<FilterCases>("filter-cases.json");

function buildCase(c: FilterCase): { candidate: CandidateBid; ctx: FilterContext } {
	let request = patch(readJson<BidRequest>(c.request ?? table.request), c.request_patch ?? {});
	const [imp, ...rest] = request.imp;
	request = { ...request, imp: [patch(imp!, c.imp ?? {}), ...rest] };
	const bid = patch(table.baseBid, c.bid ?? {});
	if (c.adm_file) {
		const adm = readText(`vast/${c.adm_file}`);
		bid.adm = c.adm_replace ? adm.replace(c.adm_replace[0], c.adm_replace[1]) : adm;
	}
	const { approval: defaultApproval, recentAdvertisers, ...candidateDefaults } = table.defaults;
	const candidate = patch({ ...candidateDefaults, bid }, c.candidate ?? {}) as CandidateBid;
	const status = "approval" in c ? (c.approval ?? undefined) : defaultApproval;
	const expectedKey = `${candidate.bidder}:${bid.crid}`;
	return {
		candidate,
		ctx: {
			request,
			// Answers only for the documented key shape, so a wrong key shows up as "pending".
			approval: (key) => (key === expectedKey ? status : undefined),
			recentAdvertisers: new Set(c.recentAdvertisers ?? recentAdvertisers),
			now: table.now,
		},
	};
}

describe("evaluateBids: fixture cases (one reason per bid, first failing check)", () => {
	it("has a case for every filtering reason", () => {
		const covered = new Set(table.cases.map((c) => c.reason));
		const expected: ReasonName[] = [
			"InvalidBidResponse",
			"MissingPrice",
			"MissingCreativeId",
			"MissingMarkup",
			"CurrencyNotAccepted",
			"InvalidDealId",
			"BuyerSeatBlocked",
			"BelowDealFloor",
			"BelowAuctionFloor",
			"CreativeFormat",
			"NotSecure",
			"CreativeSize",
			"DurationNotAllowed",
			"InvalidAdvertiserDomain",
			"AdvertiserExclusion",
			"CategoryExclusion",
			"CompetitiveSeparation",
			"ExpiredBeforePlay",
			"CreativeDisapproved",
			"CreativePendingApproval",
		];
		for (const reason of expected) expect(covered, reason).toContain(reason);
		expect(covered).toContain(null);
	});

	for (const c of table.cases) {
		it(`${c.name} → ${c.reason ?? "eligible"}`, () => {
			const { candidate, ctx } = buildCase(c);
			const [result] = evaluateBids([candidate], ctx);
			expect(result?.reason).toBe(c.reason === null ? undefined : Reason[c.reason]);
			if (c.reason === null) expect(result?.creative).toBeDefined();
			if (c.asset) expect(result?.creative?.asset_url).toBe(c.asset);
		});
	}
});

describe("evaluateBids: the evaluated record", () => {
	const base = buildCase({ name: "base", reason: null });

	function evaluate(bid: Partial<Bid>, candidate: Partial<CandidateBid> = {}) {
		const c = { ...base.candidate, ...candidate, bid: { ...base.candidate.bid, ...bid } };
		return evaluateBids([c], base.ctx)[0]!;
	}

	it("keeps bidder, seat and bid; rounds the price; keys the creative by bidder and crid", () => {
		const r = evaluate({ price: 4.123456 });
		expect(r).toMatchObject({
			bidder: "alpha",
			seat: "seat-a",
			price: 4.1235,
			floor: 2,
			creativeKey: "alpha:coffee-1080",
		});
		expect(r.reason).toBeUndefined();
		expect(r.bid.price).toBe(4.123456);
		expect(r.creative).toMatchObject({ id: "coffee-1080", mime: "image/jpeg", duration_s: 10 });
	});

	it("records the deal's floor for deal bids, for the second-price auction", () => {
		expect(evaluate({ dealid: "deal-silver" }).floor).toBe(3.5);
		expect(evaluate({ dealid: "deal-low", price: 1.5 }).floor).toBe(1);
	});

	it("has no creative and a zero price when rejected before parsing", () => {
		const r = evaluate({ price: -1 });
		expect(r.reason).toBe(Reason.MissingPrice);
		expect(r.price).toBe(0);
		expect(r.creative).toBeUndefined();
		expect(evaluate({ crid: undefined }).creativeKey).toBe("alpha:");
	});

	it("omits seat when the response had none", () => {
		const { seat: _seat, ...withoutSeat } = base.candidate;
		const [r] = evaluateBids([withoutSeat], base.ctx);
		expect(r).not.toHaveProperty("seat");
	});

	it("survives bids that are not objects and keeps input order", () => {
		const garbage = { ...base.candidate, bid: null as unknown as Bid };
		const results = evaluateBids(
			[garbage, base.candidate, { ...base.candidate, bid: { ...base.candidate.bid, price: 0 } }],
			base.ctx,
		);
		expect(results.map((r) => r.reason)).toEqual([
			Reason.InvalidBidResponse,
			undefined,
			Reason.MissingPrice,
		]);
	});

	it("does not mutate its input", () => {
		const input = structuredClone(base.candidate);
		evaluateBids([input], base.ctx);
		expect(input).toEqual(base.candidate);
	});

	it("routes each bid to its own imp", () => {
		const [imp] = base.ctx.request.imp;
		const request = {
			...base.ctx.request,
			imp: [imp!, { ...imp!, id: "2", bidfloor: 10 }],
		};
		const ctx = { ...base.ctx, request };
		const bid = base.candidate.bid;
		const results = evaluateBids(
			[base.candidate, { ...base.candidate, bid: { ...bid, impid: "2" } }],
			ctx,
		);
		expect(results.map((r) => r.reason)).toEqual([undefined, Reason.BelowAuctionFloor]);
		expect(results[1]?.floor).toBe(10);
	});
});

describe("normalizeDomain", () => {
	it.each([
		["coffee.example", "coffee.example"],
		["  Coffee.Example ", "coffee.example"],
		["https://www.coffee.example/path?q=1", "coffee.example"],
		["www.coffee.example:443", "coffee.example"],
		["coffee.example.", "coffee.example"],
	])("%j → %j", (input, output) => {
		expect(normalizeDomain(input)).toBe(output);
	});
});
