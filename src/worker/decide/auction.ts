// One auction for the placements a request still needs: charge the publisher for the extra
// placements, price them once in px (floors, currency, audience), build the OpenRTB request, fan
// out and judge the bids, and make the winners real (tokens and the fenced ledger write). What it
// returns is each placement's answer and the facts its events are built from.

import type { TakenSpot } from "../../px/auction/allocate";
import { bidsPerPlacement } from "../../px/auction/allocate";
import { noFillReason } from "../../px/auction/outcomes";
import type { Placement, ResolvedAdRequest } from "../../px/model/model";
import { toBidRequest } from "../../px/openrtb/translate";
import { openFloors } from "../../px/pricing/open-floor";
import { publisherLimited } from "../publisher-limit";
import { runBidding } from "./bidding";
import type { AuctionFacts } from "./events";
import type { DecideInput, PlacementAnswer } from "./ports";
import { traceBidders } from "./trace";
import { LEDGER_MIN_MS, recordWinners } from "./winners";

export interface AuctionInput {
	input: DecideInput;
	context: ResolvedAdRequest;
	/** The placements to put to auction (not served from the cache, not dark). */
	open: Placement[];
	deadline: number;
	margin: number;
	/** Advertisers played on the screen within the separation window. */
	recent: ReadonlyArray<string>;
	/** The request's placements served from the cache, held by their advertisers. */
	served: TakenSpot[];
}

export async function runAuction(a: AuctionInput) {
	const { input, context, open, deadline, margin } = a;
	const { services, publisher, request, startedAt } = input;
	// The request paid one unit of the publisher's budget; every further placement put to auction
	// pays its own (each costs the DSPs a bid, and later notices), so a loop cannot buy 16 for one.
	if (open.length > 1 && !(await services.chargePublisher(open.length - 1))) {
		throw publisherLimited();
	}
	const auctionId = crypto.randomUUID();
	// Floors in the publisher's currency, decided once: the request states them, the filter judges
	// each bid by them (px/pricing/open-floor.ts).
	const currency = publisher.cur;
	const floors = new Map(open.map((p) => [p.impId, openFloors(publisher, context.screen, p)]));
	const bidRequest = toBidRequest({
		id: auctionId,
		resolved: { ...context, placements: open },
		publisher,
		exchange: { ...services.exchange, tid: input.requestId },
		rates: services.rates,
		floors,
		now: startedAt,
		tmax: Math.max(1, deadline - Date.now()),
	});
	const bidding = await runBidding({
		bidders: services.bidders,
		secret: services.secret,
		withinQpsCap: services.withinQpsCap,
		registeredAd: services.registeredAd,
		rates: services.rates,
		approvals: services.approvals,
		publisher,
		screen: context.screen,
		placements: open,
		floors,
		bidRequest,
		deadline,
		margin,
		recentAdvertisers: a.recent,
		served: a.served,
	});
	const won = await recordWinners({
		screen: services.screen,
		signPopToken: services.signPopToken,
		origin: input.origin,
		publisher,
		request,
		startedAt,
		context,
		bidding,
		auctionId,
		currency,
		ledgerBudgetMs: Math.max(LEDGER_MIN_MS, deadline + margin - Date.now()),
	});
	const answeredAt = Date.now();
	bidding.timeOwnWork();

	const statuses = bidding.outcomes.map((o) => o.status);
	const tried = bidsPerPlacement(
		won.bids,
		open.map((p) => p.impId),
	);
	const fresh = open.map((placement): PlacementAnswer => {
		const win = won.answers.get(placement.impId);
		if (win) return { placement, answer: win, cached: false };
		return {
			placement,
			noFillReason: won.failed
				? "internal_error"
				: noFillReason(statuses, tried.get(placement.impId) ?? 0, bidding.skipped.length),
			cached: false,
		};
	});
	const trace = won.failed
		? traceBidders(bidding.outcomes, won.bids, bidding.skipped)
		: bidding.trace;
	const facts: Omit<AuctionFacts, "cachedPlacements"> = {
		auctionId,
		at: publisher.auction_type,
		currency,
		placements: bidding.terms.map((t, i) => ({
			impId: t.impId,
			slotId: open[i]!.slot.id,
			playAt: t.playAt,
			floor: t.floor,
			multiplier: open[i]!.multiplier ?? 1,
			...(won.clearing.has(t.impId) ? { clearingPrice: won.clearing.get(t.impId) } : {}),
		})),
		bids: won.bids,
		trace,
		biddersCalled: bidding.calls.length,
		approval: bidding.approval,
		wins: won.wins,
	};
	return { fresh, trace, won, facts, answeredAt };
}
