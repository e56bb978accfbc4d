// Validation and filtering of every received bid against the OpenRTB request it answers. Each bid
// gets exactly one reason: the first check it fails, in this order (cheap envelope checks first,
// the creative's content next, buyer policy after that, human approval last, so that only
// otherwise-winnable creatives are queued for review):
//
//   1  InvalidBidResponse       bid is not an object, has no id, or its impid is not in the request
//   2  MissingPrice             price absent, not a finite number, or <= 0
//      PriceAboveCap            price over the publisher's max_bid_cpm: a price nobody means
//                               (1e17, a misplaced decimal) must not clear or bend the auction
//   3  MissingCreativeId        crid absent, empty or over MAX_CRID_LENGTH
//   4  MissingMarkup            adm absent or empty
//   5  CurrencyNoRate           a bid in another currency than the auction's (request.cur[0], the
//      CurrencyRateStale        floors' bidfloorcur) is converted at the control plane's rate
//                               (FilterContext.rates); without one, or with one older than its
//                               maximum age, it is filtered. Without rates at all, and for a code
//      CurrencyNotAccepted      that is no ISO 4217 code, such a bid is not accepted.
//   6  InvalidDealId            dealid not among imp.pmp.deals, or no dealid on a private auction
//   7  BuyerSeatBlocked         seat in request.bseat, or outside request.wseat / the deal's wseat
//   8  (moved to 14b: a floor depends on the creative's duration)
//   9  (moved to 14b)
//  10  CreativeFormat           markup yields no playable creative (see creative.ts)
//      CreativeFormat           asset URL over MAX_ASSET_URL_LENGTH (creative-fit.ts; players, the desk and the
//                               archive all keep it) or a mime type over 100 characters
//  11  NotSecure                imp.secure = 1 and the asset is not https
//  12  CreativeFormat           mime/format not accepted: a video needs imp.video with its mime;
//                               an image needs imp.banner (banner.mimes, default common images) or
//                               imp.video listing the image mime; mtype must match an offered object
//  13  CreativeSize             see the size rule below
//  14  DurationNotAllowed       outside video.minduration..maxduration or not one of rqddurs
//      CreativeAttributeExclusion  a bid.attr is in the battr of the banner/video that takes it
//      LanguageExclusion        bid.language (or langb's primary subtag) outside request.wlang; a
//                               bid that declares no language is not refused for it
//  14b BelowDealFloor           deal bid below its deal's floor at the creative's duration:
//                               bidfloor, or its durfloors range's, and at least mincpmpersec times
//                               the seconds (pricing/floors.ts; an image counts its spot's length)
//      BelowAuctionFloor        open bid below its floor: the same terms from imp.bidfloor and
//                               imp.video's mincpmpersec/durfloors, or the publisher's floor rule
//                               for its format and duration (FilterContext.openFloor)
//  15  InvalidAdvertiserDomain  no adomain: blocks and separation could not be enforced
//  16  AdvertiserExclusion      an adomain is in badv (subdomains included)
//      NotAllowedInDeal         a deal bid whose adomain is outside the deal's wadomain
//  17  CategoryExclusion        a cat is in bcat (IAB 1.0: "IAB7" also blocks "IAB7-1"); or the
//                               bid's cats are in another taxonomy (bid.cattax, default 1) than
//                               bcat's (request.cattax, default 1): a block that cannot be checked
//  18  CompetitiveSeparation    an adomain played on this screen recently (allocate.ts adds the
//                               same reason across the placements of one request)
//  19  ExpiredBeforePlay        bid.exp ends before the planned play (imp.dt + duration) ends
//  20  CreativeDisapproved      approval of the asset that plays, for these advertisers, says
//                               rejected
//      CreativePendingApproval  approval says pending or has never seen that asset for them
//
// Checks 1–19 are `evaluateBids`; check 20 is `judgeApprovals`, run after the caller has looked
// up the approval of every bid still eligible (the unit of approval, bidder + crid + asset +
// advertiser domains, is only known once the markup has been read: see approval.ts).
//
// Size rule (DOOH screens scale a creative to the slot, they never show it cropped):
// - exact match with the slot (banner w/h, any banner.format w/h, video w/h) passes;
// - otherwise the same aspect ratio within 1% passes (scaled without bars; tolerance absorbs
//   encoder rounding such as 854x480 for 16:9); banner.format wratio/hratio entries accept that
//   ratio, at least wmin wide;
// - a video of another aspect passes only when boxing is allowed (video.boxingallowed absent or 1)
//   and its orientation (landscape/portrait/square) is the slot's: letterboxing a 4:3 into 16:9
//   is acceptable, a landscape spot shrunk onto a portrait screen is not;
// - a slot object without any size accepts every size.
import type { Bid, BidRequest, Deal, Imp } from "iab-openrtb/v26";
import { type Format, formatOfMime } from "../model/format";
import { isObject as isJsonObject } from "../model/json";
import { DEFAULT_MAX_BID_CPM } from "../model/model";
import { roundCpm } from "../model/money";
import type { CandidateBid } from "../openrtb/response";
import { convertCpm, type ExchangeRates } from "../pricing/currency";
import { floorAt, requestedTerms, wholeSeconds } from "../pricing/floors";
import type { OpenFloor } from "../pricing/open-floor";
import { advertiserDomains, domainSuffixes } from "./advertisers";
import { type ApprovalOf, approvalKey, MAX_CRID_LENGTH } from "./approval";
import {
	advertiserBlocked,
	attributeBlocked,
	categoryBlocked,
	dealAdmits,
	languageBlocked,
} from "./blocks";
import { type Creative, extractCreative } from "./creative";
import { acceptingObjects, creativeReason, preference } from "./creative-fit";
import { Reason } from "./reasons";

export interface FilterContext {
	/**
	 * The OpenRTB request these bids answer, as this bidder was sent it: floors are judged against
	 * what the bidder was asked for, bidder adjustments included.
	 */
	request: BidRequest;
	/** Advertiser domains played on this screen within the separation window (normalized). */
	recentAdvertisers: ReadonlySet<string>;
	/** Epoch ms: the auction time. */
	now: number;
	/** Prices above this CPM are filtered (PriceAboveCap). */
	maxBidCpm?: number;
	/** Exchange rates: a bid in another currency is converted into the auction's (check 5). */
	rates?: ExchangeRates;
	/** Each imp's spot length, seconds: how long an image without a duration is held. */
	spotSeconds?: ReadonlyMap<string, number>;
	/**
	 * An open bid's floor at its format and duration on this imp, as the auction decided it
	 * (pricing/open-floor.ts: the slot's terms, the publisher's rules, the take), with the bidder's
	 * adjustment applied; undefined leaves the terms the request states.
	 */
	openFloor?: (imp: Imp, bid: { format: Format; durationS: number }) => OpenFloor | undefined;
}

export interface EvaluatedBid {
	bidder: string;
	seat?: string;
	bid: Bid;
	creative?: Creative;
	/** CPM in the auction's currency, 4 decimals; 0 when the bid had no usable price. */
	price: number;
	/**
	 * A bid in another currency than the auction's: its own currency and price, and the rate that
	 * converted it (none when it could not be converted: then `price` is 0, no usable price).
	 */
	fx?: { cur: string; price: number; rate?: number };
	/**
	 * The floor this bid had to meet at its duration (pricing/floors.ts): its deal's, or for open
	 * bids imp.bidfloor's terms or the floor rule's (floorRule).
	 */
	floor: number;
	/** The publisher's floor rule that set `floor`, if one did. */
	floorRule?: string;
	/** The duration the floor was judged at, seconds. */
	durationS?: number;
	/** The deal this bid was made under (its floor, seats and auction type), if any. */
	deal?: Deal;
	/** Its unit of approval (approval.ts), once `keyApprovals` has named it. */
	approvalKey?: string;
	/** Undefined while the bid is eligible. */
	reason?: Reason;
}

export function evaluateBids(
	candidates: ReadonlyArray<CandidateBid>,
	ctx: FilterContext,
): EvaluatedBid[] {
	const imps = new Map(ctx.request.imp.map((imp) => [imp.id, imp]));
	return candidates.map((candidate) => evaluateBid({ candidate, imps, ctx }));
}

interface BidInput {
	candidate: CandidateBid;
	imps: ReadonlyMap<string, Imp>;
	ctx: FilterContext;
}

/**
 * Names the approval unit (bidder + crid + asset + advertisers, approval.ts) of every bid still
 * eligible after checks 1–19: those are the ones whose approval decides, and the only ones worth
 * a lookup.
 */
export async function keyApprovals(bids: ReadonlyArray<EvaluatedBid>): Promise<EvaluatedBid[]> {
	return Promise.all(
		bids.map(async (b) =>
			b.reason === undefined && b.creative
				? {
						...b,
						approvalKey: await approvalKey({
							bidder: b.bidder,
							crid: b.creative.id,
							asset_url: b.creative.asset_url,
							adomain: advertiserDomains(b.bid),
						}),
					}
				: b,
		),
	);
}

/**
 * Check 20: a human approved the exact asset that would play, or the bid cannot win. A bid that
 * reached this check without a key (keyApprovals not run) fails closed, as pending.
 */
export function judgeApprovals(
	bids: ReadonlyArray<EvaluatedBid>,
	approvalOf: ApprovalOf,
): EvaluatedBid[] {
	return bids.map((b) => {
		if (b.reason !== undefined) return b;
		const reason = approvalReason(b.approvalKey ? approvalOf(b.approvalKey) : undefined);
		return reason === undefined ? b : { ...b, reason };
	});
}

function evaluateBid({ candidate, imps, ctx }: BidInput): EvaluatedBid {
	const bid = candidate.bid;
	const raw = isObject(bid) && isPositive(bid.price) ? roundCpm(bid.price) : 0;
	const converted = inAuctionCurrency(raw, candidate.cur, ctx);
	const price = "price" in converted ? converted.price : 0;
	const imp = isObject(bid) && typeof bid.impid === "string" ? imps.get(bid.impid) : undefined;
	const deal = imp ? findDeal(imp, bid) : undefined;
	const result: EvaluatedBid = {
		bidder: candidate.bidder,
		...(candidate.seat !== undefined ? { seat: candidate.seat } : {}),
		bid,
		price,
		...("fx" in converted ? { fx: converted.fx } : {}),
		floor: deal ? (deal.bidfloor ?? 0) : (imp?.bidfloor ?? 0),
		...(deal ? { deal } : {}),
	};
	if (!imp || !isObject(bid) || typeof bid.id !== "string" || bid.id === "") {
		return { ...result, reason: Reason.InvalidBidResponse };
	}
	const envelope =
		raw <= 0
			? Reason.MissingPrice
			: "reason" in converted
				? converted.reason
				: envelopeReason({ candidate, imp, deal, price, ctx });
	if (envelope !== undefined) return { ...result, reason: envelope };

	const extracted = extractCreative(bid, preference(imp));
	if (!extracted.ok) return { ...result, reason: extracted.reason };
	const creative = extracted.creative;
	const floor = floorFor({ creative, imp, deal, ctx });
	const priced = { ...result, creative, ...floor };
	const reason =
		creativeReason({ creative, bid, imp }) ??
		(price < floor.floor ? (deal ? Reason.BelowDealFloor : Reason.BelowAuctionFloor) : undefined) ??
		blockedReason({ creative, bid, imp, request: ctx.request }) ??
		policyReason({ bid, deal, ctx }) ??
		expiryReason({ creative, bid, imp, now: ctx.now });
	return { ...priced, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * Check 14b's floor: the terms the bidder was sent (its deal's, or the imp's), or the publisher's
 * rule for this kind of open bid, at the creative's duration; an image without one is held for
 * the spot, so it is judged at the spot's length.
 */
function floorFor(input: {
	creative: Creative;
	imp: Imp;
	deal: Deal | undefined;
	ctx: FilterContext;
}): { floor: number; floorRule?: string; durationS: number } {
	const { creative, imp, deal, ctx } = input;
	const durationS = wholeSeconds(creative.duration_s || (ctx.spotSeconds?.get(imp.id) ?? 0));
	// What plays, not how it was wrapped: a still in VAST is an image.
	const format = formatOfMime(creative.mime) ?? "image";
	const open = deal ? undefined : ctx.openFloor?.(imp, { format, durationS });
	return {
		floor: open?.floor ?? floorAt(requestedTerms(imp, deal), durationS),
		durationS,
		...(open?.rule ? { floorRule: open.rule } : {}),
	};
}

/** The auction's currency: the first of request.cur, in which every floor is stated. */
const auctionCurrency = (request: BidRequest): string => (request.cur?.[0] ?? "USD").toUpperCase();

// Check 5: the price in the auction's currency, converted at the control plane's rate.
function inAuctionCurrency(
	price: number,
	cur: string,
	ctx: FilterContext,
): { price: number; fx?: EvaluatedBid["fx"] } | { reason: Reason; fx?: EvaluatedBid["fx"] } {
	const auction = auctionCurrency(ctx.request);
	if (cur === auction) return { price };
	if (!ctx.rates || !/^[A-Z]{3}$/.test(cur)) return { reason: Reason.CurrencyNotAccepted };
	const { table, maxAgeMs } = ctx.rates;
	const converted = convertCpm(price, cur, auction, table, ctx.now, maxAgeMs);
	if (!converted.ok) {
		return {
			reason: converted.reason === "no_rate" ? Reason.CurrencyNoRate : Reason.CurrencyRateStale,
			fx: { cur, price },
		};
	}
	return { price: converted.price, fx: { cur, price, rate: converted.rate } };
}

// Checks 2–7.
function envelopeReason(input: {
	candidate: CandidateBid;
	imp: Imp;
	deal: Deal | undefined;
	price: number;
	ctx: FilterContext;
}): Reason | undefined {
	const { candidate, imp, deal, price, ctx } = input;
	const bid = candidate.bid;
	if (price <= 0) return Reason.MissingPrice;
	if (price > (ctx.maxBidCpm ?? DEFAULT_MAX_BID_CPM)) return Reason.PriceAboveCap;
	if (typeof bid.crid !== "string" || bid.crid === "" || bid.crid.length > MAX_CRID_LENGTH) {
		return Reason.MissingCreativeId;
	}
	if (typeof bid.adm !== "string" || bid.adm.trim() === "") return Reason.MissingMarkup;
	const hasDealId = typeof bid.dealid === "string" && bid.dealid !== "";
	if (hasDealId && !deal) return Reason.InvalidDealId;
	if (!hasDealId && imp.pmp?.private_auction === 1) return Reason.InvalidDealId;
	if (seatBlocked({ seat: candidate.seat, request: ctx.request, deal })) {
		return Reason.BuyerSeatBlocked;
	}
	return undefined;
}

function findDeal(imp: Imp, bid: Bid): Deal | undefined {
	if (typeof bid.dealid !== "string" || bid.dealid === "") return undefined;
	return imp.pmp?.deals?.find((d) => d.id === bid.dealid);
}

function seatBlocked(input: { seat?: string; request: BidRequest; deal?: Deal }): boolean {
	const { seat, request, deal } = input;
	if (seat !== undefined && request.bseat?.includes(seat)) return true;
	if (request.wseat?.length && (seat === undefined || !request.wseat.includes(seat))) return true;
	if (deal?.wseat?.length && (seat === undefined || !deal.wseat.includes(seat))) return true;
	return false;
}

// Check 14, continued: what the request blocks in battr and wlang.
function blockedReason(input: {
	creative: Creative;
	bid: Bid;
	imp: Imp;
	request: BidRequest;
}): Reason | undefined {
	const { creative, bid, imp, request } = input;
	const battr = acceptingObjects(creative, imp).flatMap((o) =>
		o.kind === "banner" ? (o.banner.battr ?? []) : (o.video.battr ?? []),
	);
	if (attributeBlocked(bid, battr)) return Reason.CreativeAttributeExclusion;
	if (languageBlocked(bid, request)) return Reason.LanguageExclusion;
	return undefined;
}

// Checks 15–18.
function policyReason(input: {
	bid: Bid;
	deal: Deal | undefined;
	ctx: FilterContext;
}): Reason | undefined {
	const { bid, deal, ctx } = input;
	const domains = advertiserDomains(bid);
	if (domains.length === 0 || domains.some((d) => d === "")) return Reason.InvalidAdvertiserDomain;
	if (advertiserBlocked(domains, ctx.request.badv)) return Reason.AdvertiserExclusion;
	if (!dealAdmits(domains, deal?.wadomain)) return Reason.NotAllowedInDeal;
	if (categoryBlocked(bid, ctx.request)) return Reason.CategoryExclusion;
	if (domains.some((d) => domainSuffixes(d).some((s) => ctx.recentAdvertisers.has(s)))) {
		return Reason.CompetitiveSeparation;
	}
	return undefined;
}

// Check 19: the bid must still be valid when the planned play ends.
function expiryReason(input: {
	creative: Creative;
	bid: Bid;
	imp: Imp;
	now: number;
}): Reason | undefined {
	const { creative, bid, imp, now } = input;
	if (typeof bid.exp !== "number" || !Number.isFinite(bid.exp)) return undefined;
	const playAt = typeof imp.dt === "number" ? Math.max(imp.dt, now) : now;
	const playEnd = playAt + creative.duration_s * 1000;
	return now + bid.exp * 1000 < playEnd ? Reason.ExpiredBeforePlay : undefined;
}

// Check 20.
function approvalReason(status: ReturnType<ApprovalOf>): Reason | undefined {
	if (status === "approved") return undefined;
	return status === "rejected" ? Reason.CreativeDisapproved : Reason.CreativePendingApproval;
}

function isPositive(value: unknown): value is number {
	return typeof value === "number" && Number.isFinite(value) && value > 0;
}

const isObject = (value: unknown): value is Bid => isJsonObject(value);
