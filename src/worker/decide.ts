// The conductor behind POST /v1/ad-requests: admit through the screen's Durable Object, resolve
// the request into placements, serve still-approved cached decisions, run the auctions for the
// rest, sign and record the winners, answer. The rules live in src/px (resolve, allocate,
// decision); the platform reaches this module only through `DecideServices`. Everything that can
// wait (notices, events, metrics, revocations) is returned as `after` for ctx.waitUntil.

import type { SubmittedAd } from "../px/ad-management";
import { bidsPerPlacement } from "../px/allocate";
import type { PxAnswer } from "../px/answer";
import type { BidderConfig } from "../px/bidders";
import { type IssuedDecision, matchIssued, recentAdvertisers, servedSpots } from "../px/decision";
import type { PxEvent } from "../px/events";
import type { AdRequest, Placement, Publisher } from "../px/model";
import type { NoticeMessage } from "../px/notice-message";
import { toBidRequest } from "../px/openrtb/translate";
import { type NoFillReason, noFillReason } from "../px/outcomes";
import { isDark } from "../px/pricing/audience";
import type { ExchangeRates } from "../px/pricing/currency";
import { type ResolveError, resolveAdRequest } from "../px/resolve";
import { lookupApprovals } from "../services/approvals";
import { inBackground } from "../services/budget";
import { publishEvents } from "../services/emit";
import { errorText, log } from "../services/log";
import { enqueueNotices } from "../services/notices";
import type { ScreenStub } from "../services/stubs";
import { screenStub } from "../services/stubs";
import { admit } from "./admission";
import { type TracedBidder, traceBidders } from "./auction-trace";
import { withinQpsCap } from "./bidder-limit";
import { runBidding } from "./bidding";
import { config } from "./config";
import { configuredBidders, exchangeRates, registeredAd } from "./control/lookups";
import {
	type AuctionFacts,
	adRequestEvent,
	auctionEvents,
	type RequestFacts,
} from "./decision-events";
import { deadlineMargin, decisionSlots, SHED_RETRY_AFTER_S } from "./pacing";
import { HttpProblem, problems } from "./problem";
import {
	AD_SCOPE,
	mayStartNewScreen,
	publisherAllowedUnits,
	publisherLimited,
} from "./publisher-limit";
import { LEDGER_MIN_MS, recordWinners } from "./winners";

/**
 * An answer this much past its timeout_ms counts as late for the concurrency limit: a decision
 * whose bidder hung answers right at the deadline by design, and a few ms over it are noise.
 */
const LATE_AFTER_MS = 20;

/** Everything a decision touches outside the process, built once per request by the route. */
export interface DecideServices {
	screen: Pick<
		ScreenStub,
		"admit" | "recordDecisions" | "revoke" | "voidDecisions" | "keepUndelivered"
	>;
	approvals: KVNamespace;
	notices: Queue;
	/** Sends to the events queue (with retries); returns what it still could not send. */
	publish(events: PxEvent[]): Promise<{ failed: PxEvent[] }>;
	bidders: ReadonlyArray<BidderConfig>;
	/** Values for bidder headers configured as `{ "secret": "NAME" }`. */
	secrets: Record<string, unknown>;
	popSigningKey: string;
	exchange: { asi: string; secure: boolean };
	mayStartNewScreen(): Promise<boolean>;
	/** Whether a bidder may be called under its `qps_cap` now (spends one call of it). */
	withinQpsCap(bidder: BidderConfig): Promise<boolean>;
	/** Charges more units of the publisher's ad-request budget; false when it is spent. */
	chargePublisher(units: number): Promise<boolean>;
	/** The ad a bidder pre-registered under `adid` (DSP accounts), for a bid without adm. */
	registeredAd(bidder: string, adid: string): SubmittedAd | undefined;
	/** The rates bids in other currencies are converted by. */
	rates: ExchangeRates;
}

export function decideServices(env: Env, publisherId: string, screenId: string): DecideServices {
	return {
		screen: screenStub(env, publisherId, screenId),
		approvals: env.APPROVALS,
		notices: env.NOTICES,
		publish: (events) => publishEvents(env, events),
		bidders: configuredBidders(env),
		secrets: env as unknown as Record<string, unknown>,
		popSigningKey: config(env).POP_SIGNING_KEY,
		exchange: { asi: config(env).EXCHANGE_ASI, secure: config(env).REQUIRE_SECURE_CREATIVES },
		mayStartNewScreen: () => mayStartNewScreen(env, publisherId),
		withinQpsCap: (bidder) => withinQpsCap(env.BIDDER_LIMITER, bidder),
		chargePublisher: (units) => publisherAllowedUnits(env, AD_SCOPE, publisherId, units),
		registeredAd: (bidder, adid) => registeredAd(env, bidder, adid),
		rates: exchangeRates(env),
	};
}

export interface DecideInput {
	services: DecideServices;
	publisher: Publisher;
	request: AdRequest;
	dialect: string;
	requestId: string;
	origin: string;
	startedAt: number;
}

/** One placement's outcome: what to play there, or why nothing. */
export interface PlacementAnswer {
	placement: Placement;
	answer?: PxAnswer;
	noFillReason?: NoFillReason;
	/** Served again from the screen's cache (no new auction). */
	cached: boolean;
}

export type Decision =
	| { kind: "limited"; retryAfterSeconds: number }
	/** The request cannot be served on this screen (px/resolve.ts says why and where). */
	| { kind: "unresolved"; error: ResolveError }
	| {
			kind: "answered";
			/** The request asked for several slots or a loop: answer with the whole list. */
			multi: boolean;
			placements: PlacementAnswer[];
			trace: TracedBidder[];
			after: () => Promise<unknown>;
	  };

/**
 * Sheds the request at once (503 + Retry-After) when the isolate already has as many decisions in
 * flight as it can answer on time (px/deadline.ts): an answer late for everyone helps no screen.
 * Slots are shared fairly between publishers: one flooding the isolate is shed before the others.
 */
export async function decide(input: DecideInput): Promise<Decision> {
	const tenant = input.publisher.id;
	if (!decisionSlots.tryAcquire(tenant)) {
		throw new HttpProblem(problems.noAuction("edge-overloaded", SHED_RETRY_AFTER_S));
	}
	// How long a task waits in this isolate's event loop now: requests queued before ours waited
	// about as long before our code saw them, which no timestamp of ours can show.
	const lag = eventLoopLag();
	let onTime: boolean | undefined;
	try {
		const decision = await decideAdmitted(input);
		onTime = Date.now() - input.startedAt + (await lag) <= input.request.timeout_ms + LATE_AFTER_MS;
		return decision;
	} finally {
		// A refusal (404, 429, 503) says nothing about whether we keep deadlines.
		decisionSlots.release(onTime, tenant);
	}
}

async function decideAdmitted(input: DecideInput): Promise<Decision> {
	const { services, publisher, request, startedAt } = input;
	const admitted = await admit({
		screen: services.screen,
		publisher,
		request,
		startedAt,
		mayStartNewScreen: services.mayStartNewScreen,
	});
	if (admitted.kind === "limited") return admitted;
	const profile = admitted.kind === "admitted" ? (admitted.profile ?? undefined) : undefined;
	const resolved = resolveAdRequest(request, profile, startedAt);
	if (!resolved.ok) return { kind: "unresolved", error: resolved.error };
	// Unknown (nothing stored, nothing described) always fails to resolve (404) above.
	if (admitted.kind !== "admitted") throw new HttpProblem(problems.internal());
	const context = resolved.value;
	const margin = deadlineMargin.marginMs(request.timeout_ms);
	const deadline = startedAt + request.timeout_ms - margin;
	// When the answer was ready: what ad_request events report as latency.
	let answeredAt = Date.now();
	const facts = (): RequestFacts => ({
		publisherId: publisher.id,
		screenId: request.screen_id,
		requestId: input.requestId,
		dialect: input.dialect,
		startedAt,
		answeredAt,
		context,
	});
	const background = (parts: ReadonlyArray<() => unknown>) =>
		inBackground(parts, (error) =>
			log("error", "after_answer_failed", { error: errorText(error) }),
		);

	const matched = matchIssued(context.placements, admitted.issued);
	const reuse = await reusable(matched, services, (deadline - Date.now()) / 2);
	const served = context.placements.flatMap((placement, i) => {
		const answer = reuse.served[i];
		return answer ? [{ placement, answer }] : [];
	});
	const fromCache = served.map((s): PlacementAnswer => ({ ...s, cached: true }));
	// A spot in an hour the screen has no audience is not sold: no auction, no bidder asked.
	const unserved = context.placements.filter((_, i) => !reuse.served[i]);
	const open = unserved.filter((p) => !isDark(p));
	const dark = unserved.filter(isDark);
	const unsold = dark.map(
		(placement): PlacementAnswer => ({
			placement,
			noFillReason: "outside_opening_hours",
			cached: false,
		}),
	);
	if (open.length === 0) {
		const outcome = fromCache.length > 0 ? "cached" : "no_fill";
		return {
			kind: "answered",
			multi: context.multi,
			placements: inScheduleOrder([...fromCache, ...unsold]),
			trace: [],
			after: () =>
				background([
					async () => {
						const reason = outcome === "no_fill" ? "outside_opening_hours" : undefined;
						const event = adRequestEvent(facts(), outcome, 0, reason);
						if (event) await deliverOrKeep(services, [event]);
					},
				]),
		};
	}

	// The request paid one unit of the publisher's budget; every further placement put to auction
	// pays its own (each costs the DSPs a bid, and later notices), so a loop cannot buy 16 for one.
	if (open.length > 1 && !(await services.chargePublisher(open.length - 1))) {
		throw publisherLimited();
	}
	const auctionId = crypto.randomUUID();
	const bidRequest = toBidRequest({
		id: auctionId,
		resolved: { ...context, placements: open },
		publisher,
		exchange: { ...services.exchange, tid: input.requestId },
		rates: services.rates,
		now: startedAt,
		tmax: Math.max(1, deadline - Date.now()),
	});
	const bidding = await runBidding({
		bidders: services.bidders,
		secrets: services.secrets,
		withinQpsCap: services.withinQpsCap,
		registeredAd: services.registeredAd,
		rates: services.rates,
		approvals: services.approvals,
		publisher,
		screen: context.screen,
		placements: open,
		bidRequest,
		deadline,
		margin,
		recentAdvertisers: recentAdvertisers(
			admitted.recent,
			new Set(matched.flatMap((m) => (m ? [m.decisionId] : []))),
		),
		served: servedSpots(served),
	});
	const currency = bidRequest.cur?.[0] ?? "USD";
	const won = await recordWinners({
		screen: services.screen,
		popSigningKey: services.popSigningKey,
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
	answeredAt = Date.now();
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
	const placements = inScheduleOrder([...fromCache, ...unsold, ...fresh]);
	const trace = won.failed
		? traceBidders(bidding.outcomes, won.bids, bidding.skipped)
		: bidding.trace;
	const auctionFacts: AuctionFacts = {
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
		cachedPlacements: fromCache.length,
		...(won.wins.length === 0 && fromCache.length === 0
			? { noFillReason: fresh[0]?.noFillReason }
			: {}),
	};
	return {
		kind: "answered",
		multi: context.multi,
		placements,
		trace,
		after: () =>
			background([
				() => reuse.revoked,
				// Their buyers get lurl 1 below: whatever of them reached the ledger must go.
				() => won.abandoned.length > 0 && services.screen.voidDecisions(won.abandoned),
				() => deliverOrKeep(services, auctionEvents(facts(), auctionFacts), won.notices),
			]),
	};
}

/**
 * Cached decisions are served only while their creative is still approved (checked within the
 * budget, fail closed). A rejected one is revoked (never served or billed again, lurl 202); an
 * unconfirmed one is left alone. Either way its placement gets a fresh auction.
 */
async function reusable(
	matched: ReadonlyArray<IssuedDecision | undefined>,
	services: DecideServices,
	budgetMs: number,
): Promise<{ served: (PxAnswer | undefined)[]; revoked: Promise<unknown> }> {
	const keys = matched.flatMap((m) => (m?.approvalKey ? [m.approvalKey] : []));
	if (keys.length === 0)
		return { served: matched.map(() => undefined), revoked: Promise.resolve() };
	const status = await lookupApprovals(services.approvals, keys, budgetMs);
	const statusOf = (m: IssuedDecision | undefined) =>
		m?.approvalKey ? status(m.approvalKey) : undefined;
	const rejected = matched.filter((m) => statusOf(m) === "rejected");
	// Started now, awaited (and its failure logged) after the answer; until then a failure must
	// not surface as an unhandled rejection.
	const revoked = Promise.all(rejected.map((m) => services.screen.revoke(m!.decisionId)));
	revoked.catch(() => {});
	return {
		served: matched.map((m) => (statusOf(m) === "approved" ? m!.answer : undefined)),
		revoked,
	};
}

/**
 * Puts a request's events and its auction's notices on their queues; what the queues still
 * refuse after the sends' own retries goes to the screen's outbox, which retries from its alarm
 * (an auction is reconciled and a buyer notified from these: they must not vanish).
 */
async function deliverOrKeep(
	services: DecideServices,
	events: PxEvent[],
	notices?: NoticeMessage,
): Promise<void> {
	const [{ failed }, noticesSent] = await Promise.all([
		services.publish(events),
		enqueueNotices(services.notices, notices),
	]);
	if (failed.length === 0 && noticesSent) return;
	await services.screen.keepUndelivered({
		...(failed.length > 0 ? { events: failed } : {}),
		...(noticesSent ? {} : { notice: notices }),
	});
	log("warn", "kept_for_redelivery", { events: failed.length, notices: !noticesSent });
}

/** Imp ids count the placements in schedule order. */
function inScheduleOrder(placements: PlacementAnswer[]): PlacementAnswer[] {
	return placements.sort((a, b) => Number(a.placement.impId) - Number(b.placement.impId));
}

function eventLoopLag(): Promise<number> {
	const asked = Date.now();
	return new Promise((resolve) => setTimeout(() => resolve(Date.now() - asked), 0));
}
