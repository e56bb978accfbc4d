// The bidder side of one decision: choose the bidders, call them under the deadline, judge every
// bid against the request its bidder was sent, confirm approvals, and run one auction per
// placement (px/auction/allocate.ts). Bidder circuits and the deadline margin learn from each call here.
import type { BidRequest } from "iab-openrtb/v26";
import { completeFromRegistered, type SubmittedAd } from "../../px/auction/ad-management";
import {
	type Allocation,
	allocate,
	type PlacementTerms,
	type TakenSpot,
} from "../../px/auction/allocate";
import {
	type BidderConfig,
	bidderFloor,
	selectBidders,
	timeoutIsBidders,
} from "../../px/auction/bidders";
import { evaluateBids, judgeApprovals, keyApprovals } from "../../px/auction/filter";
import type { NotCalled } from "../../px/auction/outcomes";
import { Reason } from "../../px/auction/reasons";
import type { Placement, Publisher, Screen } from "../../px/model/model";
import type { ExchangeRates } from "../../px/pricing/currency";
import type { OpenFloors } from "../../px/pricing/open-floor";
import type { Approvals } from "../../services/approvals";
import { type BidderCall, type BidderOutcome, fanOut } from "./fanout";
import { bidderCircuits, deadlineMargin } from "./pacing";
import { type TracedBidder, traceBidders } from "./trace";

/** A bidder's timeout noticed later than this after its budget says more about us than about it. */
const OWN_LAG_TOLERANCE_MS = 15;

export interface BiddingInput {
	bidders: ReadonlyArray<BidderConfig>;
	/** The value of a secret a bidder's header names (`{ "secret": "NAME" }`), when it is set. */
	secret(name: string): string | undefined;
	/** Whether a bidder with a `qps_cap` may be called now (spends one call of its cap). */
	withinQpsCap(bidder: BidderConfig): Promise<boolean>;
	/** The ad a bidder pre-registered under `adid`: a bid naming it needs no adm. */
	registeredAd(bidder: string, adid: string): SubmittedAd | undefined;
	/** Exchange rates: bids in another currency are converted into the publisher's. */
	rates?: ExchangeRates;
	/** Approval verdicts of these keys, looked up within `budgetMs` (fail closed). */
	approvals(keys: string[], budgetMs: number): Promise<Approvals>;
	publisher: Publisher;
	screen: Screen;
	placements: ReadonlyArray<Placement>;
	/** Each placement's open floors, priced once (px/pricing/open-floor.ts). */
	floors: ReadonlyMap<string, OpenFloors>;
	bidRequest: BidRequest;
	/** When bidding must be done (epoch ms), and the margin kept after it for our own work. */
	deadline: number;
	margin: number;
	recentAdvertisers: ReadonlyArray<string>;
	/** The request's placements served from the screen's cache, held by their advertisers. */
	served: ReadonlyArray<TakenSpot>;
}

export interface Bidding {
	calls: BidderCall[];
	outcomes: BidderOutcome[];
	skipped: NotCalled[];
	/** Each bid's approval, and the hosted copy of an approved asset (what its answer serves). */
	approval: Approvals;
	allocation: Allocation;
	/** Per placement its imp id, time, spot length and the publisher's floor (before bidder adjustments). */
	terms: PlacementTerms[];
	trace: TracedBidder[];
	/** Records how long our own work after the bidders took, for the next requests' margin. */
	timeOwnWork(): void;
}

export async function runBidding(input: BiddingInput): Promise<Bidding> {
	const { publisher, bidRequest, deadline } = input;
	const selected = selectBidders(input.bidders, {
		venueType: input.screen.venue.type,
		formats: [...new Set(input.placements.flatMap((p) => p.slot.formats))],
	});
	// Each bidder called gets its own tmax. Its circuit and QPS cap are asked only once it has a
	// connection and time to bid: a probe or a QPS token goes to a call that is really made.
	const {
		calls,
		outcomes: answered,
		skipped,
	} = await fanOut(selected, {
		secret: input.secret,
		deadline,
		requestFor: (bidder, tmax) => forBidder(bidRequest, bidder, tmax),
		mayCall: async (bidder) => {
			const key = circuitKey(bidder);
			const verdict = bidderCircuits.verdict(key, Date.now());
			if (verdict === "skip") return Reason.BidderCircuitOpen;
			if (await input.withinQpsCap(bidder)) return undefined;
			if (verdict === "probe") bidderCircuits.inconclusive(key);
			return Reason.BidderQpsCapped;
		},
	});
	const biddersDone = Date.now();
	learnFrom(calls, answered, biddersDone);
	const outcomes = answered.map((o) => withRegisteredAds(o, input.registeredAd));

	const recentAdvertisers = new Set(input.recentAdvertisers);
	const spotSeconds = new Map(input.placements.map((p) => [p.impId, p.spotMs / 1000]));

	const auctionTime = Date.now();
	// Each bidder's bids are judged against the request that bidder was sent (its own floors).
	const screened = await keyApprovals(
		outcomes.flatMap((o, i) =>
			evaluateBids(o.candidates, {
				request: calls[i]!.request,
				recentAdvertisers,
				now: auctionTime,
				maxBidCpm: publisher.max_bid_cpm,
				spotSeconds,
				rates: input.rates,
				openFloor: (imp, bid) => {
					const judged = input.floors.get(imp.id)?.judge(bid);
					return judged && { ...judged, floor: bidderFloor(calls[i]!.bidder, judged.floor) };
				},
			}),
		),
	);
	const approval = await input.approvals(
		screened.flatMap((b) => (b.approvalKey ? [b.approvalKey] : [])),
		deadline + input.margin / 2 - Date.now(),
	);
	const terms = input.placements.map((p) => ({
		impId: p.impId,
		playAt: p.playAt,
		spotMs: p.spotMs,
		floor: input.floors.get(p.impId)?.bidfloor ?? 0,
	}));
	const allocation = allocate(judgeApprovals(screened, approval), terms, {
		at: publisher.auction_type,
		separationMs: publisher.separation_seconds * 1000,
		taken: input.served,
	});
	return {
		calls,
		outcomes,
		skipped,
		approval,
		allocation,
		terms,
		trace: traceBidders(outcomes, allocation.bids, skipped),
		// What our own work after the bidders took (lag included) sets the next requests' margin.
		timeOwnWork: () => deadlineMargin.record(Date.now() - Math.min(biddersDone, deadline)),
	};
}

function learnFrom(calls: BidderCall[], outcomes: BidderOutcome[], at: number): void {
	for (const [i, o] of outcomes.entries()) {
		const { bidder, budgetMs } = calls[i]!;
		const key = circuitKey(bidder);
		// A timeout noticed late was our overload, and one within a budget the caller cut short
		// was the caller's choice: neither may open the bidder's circuit for everyone.
		const ours =
			o.status === "timeout" &&
			((o.lateMs ?? 0) > OWN_LAG_TOLERANCE_MS || !timeoutIsBidders(bidder, budgetMs));
		if (ours) bidderCircuits.inconclusive(key);
		else bidderCircuits.record(key, o.status === "bids" || o.status === "no_bid", at, bidder.name);
	}
}

/**
 * A bid that names a pre-registered ad by `adid` and sends no adm plays that ad (DSP accounts):
 * its markup, crid and advertiser come from the registration, and it is then judged, approved
 * and played like any other bid. An unknown adid leaves the bid as sent (filtered as 7).
 */
function withRegisteredAds(
	outcome: BidderOutcome,
	registered: BiddingInput["registeredAd"],
): BidderOutcome {
	if (!outcome.candidates.some((c) => !c.bid.adm && c.bid.adid)) return outcome;
	return {
		...outcome,
		candidates: outcome.candidates.map((c) => {
			const ad = !c.bid.adm && c.bid.adid ? registered(c.bidder, c.bid.adid) : undefined;
			return ad ? { ...c, bid: completeFromRegistered(c.bid, ad) } : c;
		}),
	};
}

/**
 * The auction's request as one bidder gets it: its own floors and its own tmax. Its adjustment
 * applies to every open floor it is sent: bidfloor, and the video's durfloors and (scaled, since
 * a fixed amount per second would multiply with the seconds) mincpmpersec.
 */
function forBidder(request: BidRequest, bidder: BidderConfig, tmax: number): BidRequest {
	if (!bidder.floor_adjustment) return { ...request, tmax };
	const perSecond = { floor_adjustment: { multiplier: bidder.floor_adjustment.multiplier } };
	return {
		...request,
		tmax,
		imp: request.imp.map((imp) => {
			const floor = bidderFloor(bidder, imp.bidfloor ?? 0);
			const video = imp.video && {
				...imp.video,
				...(imp.video.mincpmpersec !== undefined
					? { mincpmpersec: bidderFloor(perSecond, imp.video.mincpmpersec) }
					: {}),
				...(imp.video.durfloors
					? {
							durfloors: imp.video.durfloors.map((d) => ({
								...d,
								bidfloor: bidderFloor(bidder, d.bidfloor ?? 0),
							})),
						}
					: {}),
			};
			return {
				...imp,
				...(imp.bidfloor === undefined && floor === 0 ? {} : { bidfloor: floor }),
				...(video ? { video } : {}),
			};
		}),
	};
}

/** A bidder's endpoint is part of its identity for the breaker: a new endpoint starts closed. */
const circuitKey = (bidder: { name: string; endpoint: string }) =>
	`${bidder.name} ${bidder.endpoint}`;
