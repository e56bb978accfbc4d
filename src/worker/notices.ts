// Win and loss notices (nurl/lurl) fired after the answer, and the billing notice (burl) kept for
// proof of play: in DOOH an impression is billed when it played, not when it was won.
import type { DecisionNotices } from "../durable-objects/screen-do";
import type { EvaluatedBid } from "../px/filter";
import { type MacroValues, substituteMacros } from "../px/macros";
import { Reason } from "../px/reasons";
import { log } from "./log";

export interface NoticeValues {
	auctionId: string;
	impId: string;
	currency: string;
	multiplier: number;
	clearingPrice?: number;
}

const NOTICE_TIMEOUT_MS = 5_000;

function macrosFor(bid: EvaluatedBid, values: NoticeValues): MacroValues {
	return {
		AUCTION_ID: values.auctionId,
		AUCTION_BID_ID: bid.bid.id,
		AUCTION_IMP_ID: values.impId,
		AUCTION_SEAT_ID: bid.seat,
		AUCTION_AD_ID: bid.bid.adid,
		AUCTION_CURRENCY: values.currency,
		AUCTION_MULTIPLIER: values.multiplier,
		...(bid.reason === Reason.Won
			? { AUCTION_PRICE: values.clearingPrice }
			: {
					AUCTION_LOSS: bid.reason,
					AUCTION_MIN_TO_WIN: values.clearingPrice,
				}),
	};
}

/** True when the buyer's server took the notice (2xx), or when there is nothing to send. */
export async function fireNotice(kind: "nurl" | "lurl" | "burl", url: string): Promise<boolean> {
	if (!/^https?:\/\//i.test(url)) return true;
	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(NOTICE_TIMEOUT_MS) });
		await res.body?.cancel();
		if (!res.ok) log("warn", "notice_rejected", { kind, status: res.status });
		return res.ok;
	} catch (err) {
		log("warn", "notice_failed", { kind, error: err instanceof Error ? err.message : String(err) });
		return false;
	}
}

export function auctionNotices(bids: EvaluatedBid[], values: NoticeValues) {
	const winner = bids.find((b) => b.reason === Reason.Won);
	return {
		/**
		 * nurl to the winner; lurl with ${AUCTION_LOSS} to each other bidder, once per bidder (for
		 * its first bid that gave one): the URLs are the bidders' choice, and one auction must not
		 * turn into dozens of subrequests to them.
		 */
		fire(): Promise<unknown> {
			const sends: Promise<boolean>[] = [];
			const told = new Set<string>();
			for (const bid of bids) {
				const won = bid.reason === Reason.Won;
				const url = won ? bid.bid.nurl : bid.bid.lurl;
				if (typeof url !== "string" || url === "") continue;
				if (!won) {
					if (told.has(bid.bidder)) continue;
					told.add(bid.bidder);
				}
				sends.push(
					fireNotice(won ? "nurl" : "lurl", substituteMacros(url, macrosFor(bid, values))),
				);
			}
			return Promise.all(sends);
		},
		/** What the screen's ledger keeps for the winner: burl on play, lurl (code 2) on expiry. */
		forWinner(): DecisionNotices {
			return {
				...(winner?.bid.burl ? { burl: winner.bid.burl } : {}),
				...(winner?.bid.lurl ? { lurl: winner.bid.lurl } : {}),
				macros: winner ? macrosFor(winner, values) : {},
			};
		},
	};
}

/** burl at play time: the ledger's macros plus the moment it played. */
export function billingUrl(notices: DecisionNotices, playedAt: number): string | undefined {
	return notices.burl
		? substituteMacros(notices.burl, { ...notices.macros, AUCTION_IMP_TS: playedAt })
		: undefined;
}

/** lurl for a won ad that never ran: by default loss code 2, impression opportunity expired. */
export function expiryLossUrl(
	notices: DecisionNotices,
	loss: Reason = Reason.Expired,
): string | undefined {
	return notices.lurl
		? substituteMacros(notices.lurl, { ...notices.macros, AUCTION_LOSS: loss })
		: undefined;
}
