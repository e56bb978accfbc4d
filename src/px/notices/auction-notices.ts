// The buyer's notices of an auction, built without calling anyone: nurl to each winner and lurl
// to each loser with their macros filled in (a buyer that bid in its own currency is told prices
// in it), what the screen's ledger keeps for a winner (burl, lurl, trackers, macros), and the
// burl or expiry lurl a settlement fires. The calls themselves are src/services/notices.ts's.
import type { EvaluatedBid } from "../auction/filter";
import { Reason } from "../auction/reasons";
import { roundCpm } from "../model/money";
import { billedMultiplier } from "../pricing/audience";
import type { DecisionNotices } from "../screen/ledger";
import { type MacroValues, substituteMacros } from "./macros";
import { MAX_NOTICE_URL, type Notice, type NoticeMessage, noticeId } from "./notice-message";

export interface NoticeValues {
	auctionId: string;
	currency: string;
	/** Audience per play per imp id (absent: 1); an hourly audience differs between spots. */
	multipliers: ReadonlyMap<string, number>;
	/** Clearing price per imp id: the winner's price, and what a loser on that imp had to beat. */
	clearing: ReadonlyMap<string, number>;
}

/**
 * A buyer that bid in its own currency is told prices in it (OpenRTB: ${AUCTION_CURRENCY} is the
 * bid's), at the rate its bid was converted by.
 */
function inBidCurrency(bid: EvaluatedBid, cpm: number | undefined): number | undefined {
	return cpm === undefined || !bid.fx?.rate ? cpm : roundCpm(cpm / bid.fx.rate);
}

function macrosFor(bid: EvaluatedBid, values: NoticeValues): MacroValues {
	const impId = typeof bid.bid.impid === "string" ? bid.bid.impid : undefined;
	const clearingPrice = inBidCurrency(
		bid,
		impId === undefined ? undefined : values.clearing.get(impId),
	);
	return {
		AUCTION_ID: values.auctionId,
		AUCTION_BID_ID: bid.bid.id,
		AUCTION_IMP_ID: impId,
		AUCTION_SEAT_ID: bid.seat,
		AUCTION_AD_ID: bid.bid.adid,
		AUCTION_CURRENCY: bid.fx?.rate ? bid.fx.cur : values.currency,
		AUCTION_MULTIPLIER: impId === undefined ? undefined : (values.multipliers.get(impId) ?? 1),
		...(bid.reason === Reason.Won
			? { AUCTION_PRICE: clearingPrice }
			: {
					AUCTION_LOSS: bid.reason,
					AUCTION_MIN_TO_WIN: clearingPrice,
				}),
	};
}

/** Only http(s) URLs are called; one longer than the queue message allows is not sent at all. */
export const sendable = (url: string | undefined): url is string =>
	typeof url === "string" && url.length <= MAX_NOTICE_URL && /^https?:\/\//i.test(url);

export function auctionNotices(bids: EvaluatedBid[], values: NoticeValues) {
	return {
		/**
		 * nurl to each winner (one per won imp); lurl with ${AUCTION_LOSS} to each bidder that lost,
		 * once per bidder (for its first losing bid that gave one): the URLs are the bidders' choice,
		 * and one auction must not turn into dozens of subrequests to them.
		 */
		message(): NoticeMessage | undefined {
			const notices: Notice[] = [];
			const told = new Set<string>();
			for (const bid of bids) {
				const won = bid.reason === Reason.Won;
				const url = won ? bid.bid.nurl : bid.bid.lurl;
				if (typeof url !== "string" || url === "") continue;
				if (!won) {
					if (told.has(bid.bidder)) continue;
					told.add(bid.bidder);
				}
				const filled = substituteMacros(url, macrosFor(bid, values));
				const kind = won ? "nurl" : "lurl";
				const impId = typeof bid.bid.impid === "string" ? bid.bid.impid : undefined;
				if (sendable(filled))
					notices.push({
						kind,
						url: filled,
						bidder: bid.bidder,
						id: noticeId(kind, values.auctionId, { impId, bidder: bid.bidder }),
					});
			}
			return notices.length > 0
				? { v: 1, auction_id: values.auctionId, notices, attempt: 0 }
				: undefined;
		},
		/**
		 * What the screen's ledger keeps for a winner: burl and its markup's impression trackers on
		 * play, lurl (code 2) and its VAST error trackers on expiry.
		 */
		forWinner(winner: EvaluatedBid): DecisionNotices {
			return {
				...(winner.bid.burl ? { burl: winner.bid.burl } : {}),
				...(winner.bid.lurl ? { lurl: winner.bid.lurl } : {}),
				...(winner.creative?.trackers?.impressions.length
					? { impressions: winner.creative.trackers.impressions }
					: {}),
				...(winner.creative?.trackers?.errors.length
					? { errors: winner.creative.trackers.errors }
					: {}),
				macros: macrosFor(winner, values),
			};
		},
	};
}

/**
 * burl as the play bills it: at the time it played, and at the audience the player measured when
 * that is lower than the auction's (${AUCTION_MULTIPLIER} is what the buyer pays for).
 */
export function billingUrl(
	notices: DecisionNotices,
	playedAt: number,
	measuredAudience?: number,
): string | undefined {
	if (!notices.burl) return undefined;
	const sold = notices.macros.AUCTION_MULTIPLIER;
	const multiplier = typeof sold === "number" ? billedMultiplier(sold, measuredAudience) : sold;
	return substituteMacros(notices.burl, {
		...notices.macros,
		AUCTION_IMP_TS: playedAt,
		...(multiplier !== undefined ? { AUCTION_MULTIPLIER: multiplier } : {}),
	});
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
