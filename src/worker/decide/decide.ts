// The conductor behind POST /v1/ad-requests: admit through the screen's Durable Object, resolve
// the request into placements, serve still-approved cached decisions, leave dark hours unsold,
// and run one auction for the rest (auction.ts). The rules live in src/px (resolve, pricing,
// allocate, decision); the platform reaches this folder only through `DecideServices`
// (ports.ts; services.ts builds them from the env). Everything that can wait (notices, events,
// metrics, revocations) is returned as `after` for ctx.waitUntil.

import type { PxAnswer } from "../../px/api/answer";
import type { PxEvent } from "../../px/events/events";
import type { NoticeMessage } from "../../px/notices/notice-message";
import { isDark } from "../../px/pricing/audience";
import {
	type CachedDecision,
	matchCached,
	recentAdvertisers,
	servedSpots,
} from "../../px/screen/decision";
import { type ResolveError, resolveAdRequest } from "../../px/screen/resolve";
import { inBackground } from "../../services/budget";
import { errorText, log } from "../../services/log";
import { HttpProblem, problems } from "../problem";
import { admit } from "./admission";
import { runAuction } from "./auction";
import { type AuctionFacts, adRequestEvent, auctionEvents, type RequestFacts } from "./events";
import { deadlineMargin, decisionSlots, SHED_RETRY_AFTER_S } from "./pacing";
import type { DecideInput, DecideServices, PlacementAnswer } from "./ports";
import type { TracedBidder } from "./trace";

/**
 * An answer this much past its timeout_ms counts as late for the concurrency limit: a decision
 * whose bidder hung answers right at the deadline by design, and a few ms over it are noise.
 */
const LATE_AFTER_MS = 20;

export type DecideResult =
	| { kind: "limited"; retryAfterSeconds: number }
	/** The request cannot be served on this screen (px/screen/resolve.ts says why and where). */
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
 * flight as it can answer on time (px/pacing/deadline.ts): an answer late for everyone helps no screen.
 * Slots are shared fairly between publishers: one flooding the isolate is shed before the others.
 */
export async function decide(input: DecideInput): Promise<DecideResult> {
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

async function decideAdmitted(input: DecideInput): Promise<DecideResult> {
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

	const matched = matchCached(context.placements, admitted.cached);
	const cached = await stillApproved(matched, services, (deadline - Date.now()) / 2);
	const served = context.placements.flatMap((placement, i) => {
		const answer = cached.served[i];
		return answer ? [{ placement, answer }] : [];
	});
	const fromCache = served.map((s): PlacementAnswer => ({ ...s, cached: true }));
	// A spot in an hour the screen has no audience is not sold: no auction, no bidder asked.
	const unserved = context.placements.filter((_, i) => !cached.served[i]);
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
					() => cached.revoked,
					async () => {
						const reason = outcome === "no_fill" ? "outside_opening_hours" : undefined;
						const event = adRequestEvent(facts(), outcome, 0, reason);
						if (event) await deliverOrKeep(services, [event]);
					},
				]),
		};
	}

	const auction = await runAuction({
		input,
		context,
		open,
		deadline,
		margin,
		recent: recentAdvertisers(
			admitted.recent,
			new Set(matched.flatMap((m) => (m ? [m.decisionId] : []))),
		),
		served: servedSpots(served),
	});
	answeredAt = auction.answeredAt;
	const placements = inScheduleOrder([...fromCache, ...unsold, ...auction.fresh]);
	const { won, trace } = auction;
	const auctionFacts: AuctionFacts = {
		...auction.facts,
		cachedPlacements: fromCache.length,
		...(won.wins.length === 0 && fromCache.length === 0
			? { noFillReason: auction.fresh[0]?.noFillReason }
			: {}),
	};
	return {
		kind: "answered",
		multi: context.multi,
		placements,
		trace,
		after: () =>
			background([
				() => cached.revoked,
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
async function stillApproved(
	matched: ReadonlyArray<CachedDecision | undefined>,
	services: DecideServices,
	budgetMs: number,
): Promise<{ served: (PxAnswer | undefined)[]; revoked: Promise<unknown> }> {
	const keys = matched.flatMap((m) => (m?.approvalKey ? [m.approvalKey] : []));
	if (keys.length === 0)
		return { served: matched.map(() => undefined), revoked: Promise.resolve() };
	const status = await services.approvals(keys, budgetMs);
	const statusOf = (m: CachedDecision | undefined) =>
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
		services.enqueueNotices(notices),
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
