// The hot path behind POST /v1/ad-requests: admit through the screen's DO, translate, fan out,
// filter, auction, answer. Everything that can wait (DO write, notices, events, metrics) is
// returned as `after` for ctx.waitUntil.
import type { BidRequest } from "iab-openrtb/v26";
import type { PxAnswer } from "../px/answer";
import { runAuction } from "../px/auction";
import { bidderFloor, parseBidders, selectBidders, timeBidders } from "../px/bidders";
import { evaluateBids, judgeApprovals, keyApprovals, normalizeDomain } from "../px/filter";
import type { AdmitResult } from "../px/ledger";
import type { AdRequest, Publisher } from "../px/model";
import type { NoticeMessage } from "../px/notice-message";
import { toBidRequest } from "../px/openrtb/translate";
import { Reason } from "../px/reasons";
import { resolveAdRequest } from "../px/resolve";
import { lookupApprovals } from "../services/approvals";
import { inBackground, withinBudget } from "../services/budget";
import { publishEvents } from "../services/emit";
import { log } from "../services/log";
import { auctionNotices, enqueueNotices, type NoticeValues } from "../services/notices";
import { screenStub } from "../services/stubs";
import { clippedDomains, type TracedBidder, traceBidders } from "./auction-trace";
import {
	type AuctionFacts,
	adRequestEvent,
	auctionEvents,
	type RequestFacts,
} from "./decision-events";
import { type BidderOutcome, fanOut } from "./fanout";
import { memoByString } from "./memo";
import { bidderCircuits, deadlineMargin, decisionSlots, SHED_RETRY_AFTER_S } from "./pacing";
import { signPopToken } from "./pop-token";
import { fieldsProblem, HttpProblem, problems } from "./problem";
import { mayStartNewScreen } from "./publisher-limit";

/** A player may start an ad this early before the planned play time. */
export const PLAY_EARLY_TOLERANCE_MS = 60_000;
/** Proof of play is accepted this long after the play window closes (Vistar allows 15 min). */
export const REPORT_GRACE_MS = 15 * 60_000;
/** The screen's Durable Object must admit a request within this share of its timeout. */
const ADMIT_SHARE = 0.4;
const ADMIT_MAX_MS = 250;
/** A screen that gets 503 because its state was unreachable may ask again after this. */
const ADMIT_RETRY_AFTER_S = 5;
/** The ledger write that makes a decision billable gets at least this long. */
const LEDGER_MIN_MS = 50;
/**
 * An answer this much past its timeout_ms counts as late for the concurrency limit: a decision
 * whose bidder hung answers right at the deadline by design, and a few ms over it are noise.
 */
const LATE_AFTER_MS = 20;
/** A bidder's timeout noticed later than this after its budget says more about us than about it. */
const OWN_LAG_TOLERANCE_MS = 15;

const biddersFrom = memoByString((raw) => {
	const parsed = parseBidders(raw || "[]");
	if (!parsed.ok) throw new Error(`BIDDERS is invalid: ${JSON.stringify(parsed.issues)}`);
	return parsed.bidders;
});

export interface DecideInput {
	env: Env;
	publisher: Publisher;
	request: AdRequest;
	dialect: string;
	requestId: string;
	origin: string;
	startedAt: number;
}

export type Decision =
	| { kind: "limited"; retryAfterSeconds: number }
	| {
			kind: "answered";
			answer: PxAnswer | undefined;
			noFillReason?: string;
			cached: boolean;
			trace: TracedBidder[];
			after: () => Promise<unknown>;
	  };

/**
 * Sheds the request at once (503 + Retry-After) when the isolate already has as many decisions in
 * flight as it can answer on time (px/deadline.ts): an answer late for everyone helps no screen.
 */
export async function decide(input: DecideInput): Promise<Decision> {
	if (!decisionSlots.tryAcquire()) {
		throw new HttpProblem(
			problems.noAuction("edge-overloaded", "The edge is at capacity", SHED_RETRY_AFTER_S),
		);
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
		decisionSlots.release(onTime);
	}
}

async function decideAdmitted(input: DecideInput): Promise<Decision> {
	const { env, publisher, request } = input;
	const playAt = request.play_at ?? input.startedAt;
	const stub = screenStub(env, publisher.id, request.screen_id);
	// Fail closed, fast: without the screen's state there is no rate limit, no registered profile,
	// no separation memory, so no auction; the screen learns at once that it may retry (503), and
	// the answer still comes well inside its timeout.
	const admitBy = input.startedAt + Math.min(ADMIT_MAX_MS, request.timeout_ms * ADMIT_SHARE);
	const admit = (acceptNew: boolean) =>
		withinBudget<AdmitResult>(
			(async () =>
				stub.admit({
					slotId: request.slot_id,
					playAt,
					rateLimit: publisher.rate_limit,
					separationSeconds: publisher.separation_seconds,
					inline: request.screen !== undefined,
					acceptNew,
				}))(),
			admitBy - Date.now(),
		);
	let admission = await admit(false);
	// An unregistered screen seen for the first time gets state of its own: publishers may start
	// only so many of those per minute (register screens through the data collection API instead).
	if (admission.ok && admission.value.kind === "new") {
		if (!(await mayStartNewScreen(env, publisher.id))) {
			throw new HttpProblem({
				status: 429,
				type: "new-screens-rate-limited",
				title: "Too many new unregistered screens",
				detail: "Register screens with PUT /v1/screens/{id} instead of describing them inline",
				headers: { "retry-after": "60" },
			});
		}
		admission = await admit(true);
	}
	if (!admission.ok) {
		log("error", "admit_failed", {
			why: admission.why,
			...(admission.why === "error" ? { error: errorText(admission.error) } : {}),
		});
		throw new HttpProblem(
			problems.noAuction(
				"screen-state-unavailable",
				"The screen's state cannot be reached right now",
				ADMIT_RETRY_AFTER_S,
			),
		);
	}
	const admitted = admission.value;
	if (admitted.kind === "limited") return admitted;
	if (admitted.kind !== "admitted") {
		// Unknown (nothing stored, nothing described): the same 404 the resolver gives.
		throw resolveProblem(resolveAdRequest(request, undefined, input.startedAt));
	}

	const resolved = resolveAdRequest(request, admitted.profile ?? undefined, input.startedAt);
	if (!resolved.ok) throw resolveProblem(resolved);
	const context = resolved.value;
	const margin = deadlineMargin.marginMs(request.timeout_ms);
	const deadline = input.startedAt + request.timeout_ms - margin;
	// When the answer was ready: what ad_request events report as latency.
	let answeredAt = Date.now();
	const facts = (): RequestFacts => ({
		publisherId: publisher.id,
		screenId: request.screen_id,
		requestId: input.requestId,
		dialect: input.dialect,
		startedAt: input.startedAt,
		answeredAt,
		context,
	});

	// A cached decision is served only while its creative is still approved (checked within half
	// of what is left of the deadline, fail closed). A rejected one is revoked (never served or
	// billed again, lurl 202); an unconfirmed one is left alone. Either way a fresh auction runs.
	let revoked: Promise<unknown> | undefined;
	if (admitted.cached) {
		const { approvalKey, decisionId, answer } = admitted.cached;
		const status = approvalKey
			? (await lookupApprovals(env.APPROVALS, [approvalKey], (deadline - Date.now()) / 2))(
					approvalKey,
				)
			: undefined;
		if (status === "approved") {
			return {
				kind: "answered",
				answer,
				cached: true,
				trace: [],
				after: () =>
					background([() => publishEvents(env, present(adRequestEvent(facts(), "cached", 0)))]),
			};
		}
		if (status === "rejected") revoked = stub.revoke(decisionId);
	}

	const auctionId = crypto.randomUUID();
	const bidRequest = toBidRequest({
		id: auctionId,
		resolved: context,
		publisher,
		exchange: {
			asi: env.EXCHANGE_ASI,
			tid: input.requestId,
			secure: env.REQUIRE_SECURE_CREATIVES !== "false",
		},
		now: input.startedAt,
		tmax: Math.max(1, deadline - Date.now()),
	});
	const floor = bidRequest.imp[0]?.bidfloor ?? 0;
	const selection = selectBidders(biddersFrom(env.BIDDERS), {
		venueType: context.screen.venue.type,
		formats: context.slot.formats,
	});
	// Bidders whose circuit is open are not called; each one called gets its own tmax.
	const circuitAt = Date.now();
	const open: { bidder: string; reason: Reason }[] = [];
	const callable = selection.selected.filter((bidder) => {
		if (bidderCircuits.verdict(circuitKey(bidder), circuitAt) !== "skip") return true;
		open.push({ bidder: bidder.name, reason: Reason.BidderCircuitOpen });
		return false;
	});
	const timed = timeBidders(callable, deadline - Date.now());
	const skipped = [...selection.skipped, ...open, ...timed.skipped];
	const calls = timed.calls.map(({ bidder, budgetMs, tmax }) => ({
		bidder,
		budgetMs,
		request: forBidder(bidRequest, bidderFloor(bidder, floor), tmax),
	}));
	const outcomes = await fanOut(calls, {
		secrets: env as unknown as Record<string, unknown>,
	});
	const biddersDone = Date.now();
	for (const [i, o] of outcomes.entries()) {
		const key = circuitKey(calls[i]!.bidder);
		// A timeout noticed late was our overload, not the bidder's: it must not open its circuit.
		if (o.status === "timeout" && (o.lateMs ?? 0) > OWN_LAG_TOLERANCE_MS) {
			bidderCircuits.inconclusive(key);
		} else {
			bidderCircuits.record(key, o.status === "bids" || o.status === "no_bid", biddersDone);
		}
	}
	// What our own work after the bidders took (lag included) sets the next requests' margin.
	const timeOwnWork = () => deadlineMargin.record(Date.now() - Math.min(biddersDone, deadline));
	const recentAdvertisers = new Set(admitted.recentAdvertisers);
	const auctionTime = Date.now();
	// Each bidder's bids are judged against the request that bidder was sent (its own floor).
	const screened = await keyApprovals(
		outcomes.flatMap((o, i) =>
			evaluateBids(o.candidates, {
				request: calls[i]!.request,
				recentAdvertisers,
				now: auctionTime,
				maxBidCpm: publisher.max_bid_cpm,
			}),
		),
	);
	const approval = await lookupApprovals(
		env.APPROVALS,
		screened.flatMap((b) => (b.approvalKey ? [b.approvalKey] : [])),
		deadline + margin / 2 - Date.now(),
	);
	const evaluated = judgeApprovals(screened, approval);
	const auction = runAuction(evaluated, { at: publisher.auction_type, floor });
	const trace = traceBidders(outcomes, auction.bids, skipped);
	const winner = auction.winner;
	const multiplier = bidRequest.imp[0]?.qty?.multiplier ?? 1;
	const noticeValues: NoticeValues = {
		auctionId,
		impId: bidRequest.imp[0]?.id ?? "1",
		currency: bidRequest.cur?.[0] ?? "USD",
		multiplier,
		clearingPrice: winner?.clearingPrice,
	};
	const notices = auctionNotices(auction.bids, noticeValues);
	const auctionFacts: AuctionFacts = {
		auctionId,
		at: publisher.auction_type,
		floor,
		currency: noticeValues.currency,
		multiplier,
		auction,
		trace,
		biddersCalled: calls.length,
		approval,
	};

	const noFill = (noFillReason: string, facts_: AuctionFacts, told?: NoticeMessage) => {
		answeredAt = Date.now();
		timeOwnWork();
		return {
			kind: "answered" as const,
			answer: undefined,
			noFillReason,
			cached: false,
			trace,
			after: () =>
				background([
					() => revoked,
					() => enqueueNotices(env.NOTICES, told),
					() => publishEvents(env, auctionEvents(facts(), { ...facts_, noFillReason })),
				]),
		};
	};
	if (!winner) {
		return noFill(noFillReasonOf(outcomes, auction.bids.length), auctionFacts, notices.message());
	}

	const creative = winner.bid.creative!;
	const decisionId = crypto.randomUUID();
	const notBefore = Math.max(input.startedAt, playAt - PLAY_EARLY_TOLERANCE_MS);
	// Whole milliseconds: a DSP may send a fractional exp (1.5 s), and the ledger, the token and
	// the win event all keep epoch ms as integers.
	const bidExp =
		typeof winner.bid.bid.exp === "number"
			? Math.floor(input.startedAt + winner.bid.bid.exp * 1000)
			: Infinity;
	const notAfter = Math.min(playAt + request.play_window_s * 1000, bidExp);
	const reportUntil = notAfter + REPORT_GRACE_MS;
	const token = await signPopToken(
		{
			v: 1,
			d: decisionId,
			p: publisher.id,
			s: request.screen_id,
			nb: notBefore,
			na: notAfter,
			ru: reportUntil,
		},
		env.POP_SIGNING_KEY,
	);
	const advertiserDomains = clippedDomains(winner.bid.bid.adomain) ?? [];
	const answer: PxAnswer = {
		decision_id: decisionId,
		creative: {
			id: creative.id,
			asset_url: creative.asset_url,
			mime: creative.mime,
			w: creative.w,
			h: creative.h,
			duration_s: creative.duration_s,
			advertiser_domains: advertiserDomains,
		},
		play: { not_before: notBefore, not_after: notAfter },
		impression_multiplier: multiplier,
		proof_of_play_url: `${input.origin}/v1/plays/${token}`,
		expiry_url: `${input.origin}/v1/plays/${token}/expired`,
	};
	// Awaited before answering: a token whose ledger entry was never written could never be
	// billed. If the write fails or is late, the winner is told it lost (1, internal error).
	const record = stub.recordDecision({
		decisionId,
		slotId: request.slot_id,
		playAt,
		notBefore,
		notAfter,
		reportUntil,
		answer,
		advertiserDomains: advertiserDomains.map(normalizeDomain),
		separationSeconds: publisher.separation_seconds,
		notices: notices.forWinner(),
		meta: {
			publisherId: publisher.id,
			screenId: request.screen_id,
			auctionId,
			bidder: winner.bid.bidder,
			crid: creative.id,
			priceCpm: winner.clearingPrice,
			multiplier,
			venueType: context.screen.venue.type,
			approvalKey: winner.bid.approvalKey!,
		},
	});
	const recorded = await withinBudget(
		record,
		Math.max(LEDGER_MIN_MS, deadline + margin - Date.now()),
	);
	if (!recorded.ok) {
		log("error", "ledger_write_failed", {
			why: recorded.why,
			...(recorded.why === "error" ? { error: errorText(recorded.error) } : {}),
		});
		const bids = auction.bids.map((b) =>
			b.reason === Reason.Won ? { ...b, reason: Reason.InternalError } : b,
		);
		const failed = auctionNotices(bids, { ...noticeValues, clearingPrice: undefined });
		return noFill(
			"internal_error",
			{
				...auctionFacts,
				auction: { bids },
				trace: traceBidders(outcomes, bids, skipped),
			},
			failed.message(),
		);
	}
	answeredAt = Date.now();
	timeOwnWork();
	return {
		kind: "answered",
		answer,
		cached: false,
		trace,
		after: () =>
			background([
				() => revoked,
				() => enqueueNotices(env.NOTICES, notices.message()),
				() =>
					publishEvents(
						env,
						auctionEvents(facts(), {
							...auctionFacts,
							win: { decisionId, notAfter, advertiserDomains },
						}),
					),
			]),
	};
}

function eventLoopLag(): Promise<number> {
	const asked = Date.now();
	return new Promise((resolve) => setTimeout(() => resolve(Date.now() - asked), 0));
}

function resolveProblem(resolved: ReturnType<typeof resolveAdRequest>): HttpProblem {
	if (resolved.ok) {
		return new HttpProblem({
			status: 500,
			type: "internal",
			title: "Screen state is inconsistent",
		});
	}
	const { status, pointer, detail } = resolved.error;
	return new HttpProblem({
		...fieldsProblem([{ pointer, detail }], "Cannot serve this ad request"),
		status,
	});
}

/** After the answer: nothing that fails here may reach the screen (it has its answer). */
function background(parts: ReadonlyArray<() => unknown>): Promise<void> {
	return inBackground(parts, (error) =>
		log("error", "after_answer_failed", { error: errorText(error) }),
	);
}

const present = <T>(item: T | undefined): T[] => (item === undefined ? [] : [item]);

function errorText(error: unknown): string {
	return error instanceof Error ? error.message.slice(0, 512) : String(error).slice(0, 512);
}

/** The auction's request as one bidder gets it: its own floor and its own tmax. */
function forBidder(request: BidRequest, floor: number, tmax: number): BidRequest {
	const [imp, ...rest] = request.imp;
	if (!imp || imp.bidfloor === floor) return { ...request, tmax };
	return { ...request, tmax, imp: [{ ...imp, bidfloor: floor }, ...rest] };
}

/** A bidder's endpoint is part of its identity for the breaker: a new endpoint starts closed. */
const circuitKey = (bidder: { name: string; endpoint: string }) =>
	`${bidder.name} ${bidder.endpoint}`;

function noFillReasonOf(outcomes: BidderOutcome[], bids: number): string {
	if (outcomes.length === 0) return "no_bidders";
	if (bids > 0) return "all_bids_filtered";
	if (outcomes.every((o) => o.status === "timeout")) return "bidders_timed_out";
	if (outcomes.every((o) => o.status === "error" || o.status === "timeout"))
		return "bidders_failed";
	return "no_bids";
}
