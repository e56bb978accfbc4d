// The winners of one decision made real: a signed proof-of-play token, the answer the screen gets
// and a ledger entry in the screen's object for each won placement, plus the win and loss notices.
import type { PxAnswer } from "../../px/api/answer";
import { hostedAssetUrl } from "../../px/auction/hosted-asset";
import { Reason } from "../../px/auction/reasons";
import type { AdRequest, Publisher, ResolvedAdRequest } from "../../px/model/model";
import { auctionNotices } from "../../px/notices/auction-notices";
import { splitGross } from "../../px/pricing/take";
import { answerFor, playWindow } from "../../px/screen/decision";
import { type LedgerWrite, ledgerEntry } from "../../px/screen/ledger";
import { withinBudget } from "../../services/budget";
import { errorText, log } from "../../services/log";
import type { ScreenStub } from "../../services/stubs";
import type { PopClaims } from "../pop-token";
import type { Bidding } from "./bidding";
import type { WinFacts } from "./events";
import { clippedDomains } from "./trace";

/** The ledger write that makes a decision billable gets at least this long. */
export const LEDGER_MIN_MS = 50;

export interface WinnersInput {
	screen: Pick<ScreenStub, "recordDecisions">;
	/** Signs a proof-of-play token (HMAC, pop-token.ts). */
	signPopToken(claims: PopClaims): Promise<string>;
	/** Where proof-of-play URLs point (the edge's origin). */
	origin: string;
	publisher: Publisher;
	request: AdRequest;
	startedAt: number;
	context: ResolvedAdRequest;
	bidding: Bidding;
	auctionId: string;
	currency: string;
	ledgerBudgetMs: number;
}

/**
 * Signs a proof-of-play token and writes a ledger entry for each won placement, all in one call
 * to the screen's object, awaited before answering: a token whose entry was never written could
 * never be billed. If the write fails, is late or is refused as late, every winner is told it lost
 * (1, internal error), the placements go unfilled, and the ids it may have stored are `abandoned`
 * (the caller voids them after the answer).
 */
export async function recordWinners(args: WinnersInput) {
	const { publisher, request, startedAt, context, bidding, auctionId, currency } = args;
	const byImp = new Map(context.placements.map((p) => [p.impId, p]));
	const multipliers = new Map(
		context.placements.flatMap((p) =>
			p.multiplier === undefined ? [] : [[p.impId, p.multiplier]],
		),
	);
	const winners = bidding.allocation.placements.flatMap((p) =>
		p.winner ? [{ placement: byImp.get(p.impId)!, ...p.winner }] : [],
	);
	const clearing = new Map(winners.map((w) => [w.placement.impId, w.clearingPrice]));
	const values = { auctionId, currency, multipliers, clearing };
	const notices = auctionNotices(bidding.allocation.bids, values);
	const settled = await Promise.all(
		winners.map(async (w) => {
			const decisionId = crypto.randomUUID();
			const creative = w.bid.creative!;
			const multiplier = w.placement.multiplier ?? 1;
			const window = playWindow({
				startedAt,
				playAt: w.placement.playAt,
				playWindowS: request.play_window_s,
				bidExpS: w.bid.bid.exp,
			});
			const token = await args.signPopToken({
				v: 1,
				d: decisionId,
				p: publisher.id,
				s: request.screen_id,
				nb: window.notBefore,
				na: window.notAfter,
				ru: window.reportUntil,
			});
			const advertiserDomains = clippedDomains(w.bid.bid.adomain) ?? [];
			// Split now and stored with the decision: a take changed later never reprices this play.
			const split = splitGross(w.clearingPrice, publisher.exchange_take);
			// Only approved bids win, and an approval without a hosted copy is not "approved".
			const hosted = bidding.approval.hosted(w.bid.approvalKey!);
			if (!hosted) throw new Error(`approved creative ${w.bid.approvalKey} has no hosted copy`);
			const answer = answerFor({
				decisionId,
				creative,
				advertiserDomains,
				hosted: { asset_url: hostedAssetUrl(args.origin, hosted.sha256), sha256: hosted.sha256 },
				window,
				multiplier,
				proofOfPlayUrl: `${args.origin}/v1/plays/${token}`,
			});
			const record = ledgerEntry({
				decisionId,
				slotId: w.placement.slot.id,
				playAt: w.placement.playAt,
				window,
				answer,
				winner: {
					bidder: w.bid.bidder,
					crid: creative.id,
					approvalKey: w.bid.approvalKey!,
					clearingPrice: w.clearingPrice,
					adomain: advertiserDomains,
					split,
				},
				notices: notices.forWinner(w.bid),
				spotMs: w.placement.spotMs,
				auction: {
					publisherId: publisher.id,
					screenId: request.screen_id,
					auctionId,
					multiplier,
					cur: currency,
					venueType: context.screen.venue.type,
					separationSeconds: publisher.separation_seconds,
				},
			});
			const win: WinFacts = {
				impId: w.placement.impId,
				decisionId,
				bid: w.bid,
				clearingPrice: w.clearingPrice,
				split,
				notAfter: window.notAfter,
				advertiserDomains,
			};
			return { answer, record, win };
		}),
	);
	// The instant the edge stops waiting, on its clock: the object refuses the write after it, so
	// no decision whose buyer is told it lost can be stored.
	const until = Date.now() + args.ledgerBudgetMs;
	const write: Promise<LedgerWrite> =
		settled.length === 0
			? Promise.resolve({ kind: "recorded" })
			: args.screen.recordDecisions(
					settled.map((s) => s.record),
					until,
				);
	const recorded = await withinBudget(write, args.ledgerBudgetMs);
	if (recorded.ok && recorded.value.kind === "recorded") {
		return {
			failed: false,
			answers: new Map(settled.map((s) => [s.win.impId, s.answer])),
			wins: settled.map((s) => s.win),
			bids: bidding.allocation.bids,
			clearing,
			notices: notices.message(),
			abandoned: [],
		};
	}
	log("error", "ledger_write_failed", {
		why: recorded.ok ? recorded.value.kind : recorded.why,
		...(recorded.ok && recorded.value.kind === "refused" ? { late_ms: recorded.value.lateMs } : {}),
		...(!recorded.ok && recorded.why === "error" ? { error: errorText(recorded.error) } : {}),
	});
	const bids = bidding.allocation.bids.map((b) =>
		b.reason === Reason.Won ? { ...b, reason: Reason.InternalError } : b,
	);
	return {
		failed: true,
		answers: new Map<string, PxAnswer>(),
		wins: [],
		bids,
		clearing: new Map<string, number>(),
		notices: auctionNotices(bids, { ...values, clearing: new Map() }).message(),
		// A refused write stored nothing; a late or failed one may still have landed: to be voided.
		abandoned: recorded.ok ? [] : settled.map((s) => s.record.decisionId),
	};
}
