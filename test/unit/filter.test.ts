import { readFileSync } from "node:fs";
import type { Bid, BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import { normalizeDomain } from "../../src/px/auction/advertisers";
import { type ApprovalOf, type ApprovalStatus, approvalKey } from "../../src/px/auction/approval";
import {
	type EvaluatedBid,
	evaluateBids,
	type FilterContext,
	judgeApprovals,
	keyApprovals,
} from "../../src/px/auction/filter";
import { Reason, type ReasonName } from "../../src/px/auction/reasons";
import type { CandidateBid } from "../../src/px/openrtb/response";

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
	approval?: ApprovalStatus | null;
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
		approval: ApprovalStatus;
		recentAdvertisers: string[];
	};
	baseBid: Bid;
	cases: FilterCase[];
}

const table = readJson<FilterCases>("filter-cases.json");

/** Checks 1–19, then the approval of the asset that would play (check 20), as the edge runs them. */
async function judge(
	candidates: CandidateBid[],
	ctx: FilterContext,
	approvalOf: ApprovalOf,
): Promise<EvaluatedBid[]> {
	return judgeApprovals(await keyApprovals(evaluateBids(candidates, ctx)), approvalOf);
}

function buildCase(c: FilterCase): {
	candidate: CandidateBid;
	ctx: FilterContext;
	approvalOf: ApprovalOf;
} {
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
	// Answers only for the documented key shape, so a wrong key shows up as "pending".
	const keyPrefix = `${candidate.bidder}:${bid.crid}:`;
	return {
		candidate,
		ctx: {
			request,
			recentAdvertisers: new Set(c.recentAdvertisers ?? recentAdvertisers),
			now: table.now,
		},
		approvalOf: (key) => (key.startsWith(keyPrefix) ? status : undefined),
	};
}

describe("evaluateBids: fixture cases (one reason per bid, first failing check)", () => {
	it("has a case for every filtering reason", () => {
		const covered = new Set(table.cases.map((c) => c.reason));
		const expected: ReasonName[] = [
			"InvalidBidResponse",
			"MissingPrice",
			"PriceAboveCap",
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
			"CreativeAttributeExclusion",
			"LanguageExclusion",
			"InvalidAdvertiserDomain",
			"AdvertiserExclusion",
			"NotAllowedInDeal",
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
		it(`${c.name} → ${c.reason ?? "eligible"}`, async () => {
			const { candidate, ctx, approvalOf } = buildCase(c);
			const [result] = await judge([candidate], ctx, approvalOf);
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

	it("keeps bidder, seat and bid; rounds the price", () => {
		const r = evaluate({ price: 4.123456 });
		expect(r).toMatchObject({
			bidder: "alpha",
			seat: "seat-a",
			price: 4.1235,
			floor: 2,
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

describe("approval: the unit is the asset that plays, for its advertisers (bidder + crid + asset URL + adomain)", () => {
	const base = buildCase({ name: "base", reason: null });
	const approvedAsset = "https://cdn.coffee.example/spring_1920x1080.jpg";
	const bidWith = (asset: string, adomain = ["coffee.example"]) => ({
		...base.candidate,
		bid: { ...base.candidate.bid, adm: `<img src="${asset}">`, adomain },
	});

	async function approvedOnly(...assets: string[]): Promise<ApprovalOf> {
		const keys = new Set(
			await Promise.all(
				assets.map((asset_url) =>
					approvalKey({
						bidder: "alpha",
						crid: "coffee-1080",
						asset_url,
						adomain: ["coffee.example"],
					}),
				),
			),
		);
		return (key) => (keys.has(key) ? "approved" : undefined);
	}

	it("the key changes with the advertiser domains, compared as normalizeDomain compares them", async () => {
		const unit = { bidder: "alpha", crid: "coffee-1080", asset_url: approvedAsset };
		const brand = await approvalKey({ ...unit, adomain: ["brand.example"] });
		expect(brand).toMatch(/^alpha:coffee-1080:[0-9a-f]{64}$/);
		expect(await approvalKey({ ...unit, adomain: ["other.example"] })).not.toBe(brand);
		expect(await approvalKey({ ...unit, adomain: ["brand.example", "other.example"] })).not.toBe(
			brand,
		);
		// One advertiser however it is spelled, listed or repeated.
		expect(normalizeDomain("WWW.Brand.example")).toBe("brand.example");
		for (const same of [
			["WWW.Brand.example"],
			["https://www.brand.example/x"],
			["brand.example", "Brand.example."],
		]) {
			expect(await approvalKey({ ...unit, adomain: same }), same.join()).toBe(brand);
		}
		const two = await approvalKey({ ...unit, adomain: ["a.example", "b.example"] });
		expect(await approvalKey({ ...unit, adomain: ["B.example", "a.example"] })).toBe(two);
	});

	it("an approved asset re-declared under another adomain is pending, as its own unit", async () => {
		const approvalOf = await approvedOnly(approvedAsset);
		const [same, respelled, other] = await judge(
			[
				bidWith(approvedAsset),
				bidWith(approvedAsset, ["https://WWW.Coffee.example/"]),
				bidWith(approvedAsset, ["tobacco.example"]),
			],
			base.ctx,
			approvalOf,
		);
		expect(same?.reason).toBeUndefined();
		expect(respelled?.reason).toBeUndefined();
		expect(other?.reason).toBe(Reason.CreativePendingApproval);
		expect(other?.approvalKey).not.toBe(same?.approvalKey);
	});

	it("an approved crid carrying another asset is pending, as its own unit", async () => {
		const approvalOf = await approvedOnly(approvedAsset);
		const [same, swapped] = await judge(
			[bidWith(approvedAsset), bidWith("https://cdn.evil.example/unreviewed.jpg")],
			base.ctx,
			approvalOf,
		);
		expect(same?.reason).toBeUndefined();
		expect(swapped?.reason).toBe(Reason.CreativePendingApproval);
		expect(swapped?.approvalKey).not.toBe(same?.approvalKey);
		expect(swapped?.approvalKey).toMatch(/^alpha:coffee-1080:[0-9a-f]{64}$/);
	});

	it("a VAST ad plays the MediaFile chosen for the slot: approving another one does not count", async () => {
		const vast = readText("vast/vast2-inline.xml");
		const files = [...vast.matchAll(/<MediaFile[^>]*>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)/g)].map(
			(m) => m[1]!,
		);
		expect(files.length).toBeGreaterThan(1);
		const { candidate, ctx } = buildCase({
			name: "vast",
			reason: null,
			bid: { mtype: 2 },
			adm_file: "vast2-inline.xml",
		});
		const [screened] = evaluateBids([candidate], ctx);
		const chosen = screened!.creative!.asset_url;
		const others = files.filter((f) => f !== chosen);
		expect(others.length).toBeGreaterThan(0);
		const [onlyOthers] = await judge([candidate], ctx, await approvedOnly(...others));
		expect(onlyOthers?.reason).toBe(Reason.CreativePendingApproval);
		const [chosenApproved] = await judge([candidate], ctx, await approvedOnly(chosen));
		expect(chosenApproved?.reason).toBeUndefined();
	});

	it("only bids that passed every other check are keyed (and looked up)", async () => {
		const keyed = await keyApprovals(
			evaluateBids(
				[base.candidate, { ...base.candidate, bid: { ...base.candidate.bid, price: 0.5 } }],
				base.ctx,
			),
		);
		expect(keyed[0]?.approvalKey).toBeDefined();
		expect(keyed[1]?.reason).toBe(Reason.BelowAuctionFloor);
		expect(keyed[1]?.approvalKey).toBeUndefined();
	});

	it("fails closed: an eligible bid never keyed is pending, whatever the lookup says", () => {
		const [r] = judgeApprovals(evaluateBids([base.candidate], base.ctx), () => "approved");
		expect(r?.reason).toBe(Reason.CreativePendingApproval);
	});

	it("a rejected asset is disapproved", async () => {
		const [r] = await judge([base.candidate], base.ctx, () => "rejected");
		expect(r?.reason).toBe(Reason.CreativeDisapproved);
	});
});

describe("evaluateBids: price cap and per-bidder floors", () => {
	const base = buildCase({ name: "base", reason: null });
	const withPrice = (price: number) => ({
		...base.candidate,
		bid: { ...base.candidate.bid, price },
	});

	it("the publisher's max_bid_cpm replaces the default cap", () => {
		const ctx = { ...base.ctx, maxBidCpm: 50 };
		const [ok, over] = evaluateBids([withPrice(50), withPrice(50.0001)], ctx);
		expect(ok?.reason).toBeUndefined();
		expect(over?.reason).toBe(Reason.PriceAboveCap);
	});

	it("non-finite prices never pass", () => {
		const results = evaluateBids(
			[withPrice(Number.POSITIVE_INFINITY), withPrice(Number.NaN), withPrice(1e308)],
			base.ctx,
		);
		expect(results.map((r) => r.reason)).toEqual([
			Reason.MissingPrice,
			Reason.MissingPrice,
			Reason.PriceAboveCap,
		]);
	});

	it("judges a bid against the floor its bidder was sent", () => {
		const [imp] = base.ctx.request.imp;
		const adjusted = { ...base.ctx.request, imp: [{ ...imp!, bidfloor: 5 }] };
		const [r] = evaluateBids([withPrice(4)], { ...base.ctx, request: adjusted });
		expect(r?.reason).toBe(Reason.BelowAuctionFloor);
		expect(r?.floor).toBe(5);
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
