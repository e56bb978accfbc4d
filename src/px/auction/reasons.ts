// The one reason enum: why a bid (or a bidder's answer) did not win. Codes 0–213 are OpenRTB 2.6's
// loss reason codes (taken from iab-openrtb so they cannot drift); exchange-specific codes start at
// 500, as the OpenRTB 2.6 list reserves that range for exchanges, and are published to buyers in
// the README.
import { LossReasonCode } from "iab-openrtb/v26";

export const Reason = {
	Won: LossReasonCode.BID_WON,
	InternalError: LossReasonCode.INTERNAL_ERROR,
	Expired: LossReasonCode.IMPRESSION_OPPORTUNITY_EXPIRED,
	InvalidBidResponse: LossReasonCode.INVALID_BID_RESPONSE,
	InvalidDealId: LossReasonCode.INVALID_DEAL_ID,
	InvalidAuctionId: LossReasonCode.INVALID_AUCTION_ID,
	InvalidAdvertiserDomain: LossReasonCode.INVALID_ADVERTISER_DOMAIN,
	MissingMarkup: LossReasonCode.MISSING_MARKUP,
	MissingCreativeId: LossReasonCode.MISSING_CREATIVE_ID,
	MissingPrice: LossReasonCode.MISSING_BID_PRICE,
	MissingApprovalData: LossReasonCode.MISSING_MINIMUM_CREATIVE_APPROVAL_DATA,
	BelowAuctionFloor: LossReasonCode.BID_BELOW_AUCTION_FLOOR,
	BelowDealFloor: LossReasonCode.BID_BELOW_DEAL_FLOOR,
	LostToHigherBid: LossReasonCode.LOST_TO_HIGHER_BID,
	LostToDeal: LossReasonCode.LOST_TO_DEAL,
	BuyerSeatBlocked: LossReasonCode.BUYER_SEAT_BLOCKED,
	CreativeFiltered: LossReasonCode.CREATIVE_FILTERED_GENERAL,
	CreativePendingApproval: LossReasonCode.CREATIVE_FILTERED_PENDING_PROCESSING,
	CreativeDisapproved: LossReasonCode.CREATIVE_FILTERED_DISAPPROVED,
	CreativeSize: LossReasonCode.CREATIVE_FILTERED_SIZE_NOT_ALLOWED,
	CreativeFormat: LossReasonCode.CREATIVE_FILTERED_INCORRECT_FORMAT,
	AdvertiserExclusion: LossReasonCode.CREATIVE_FILTERED_ADVERTISER_EXCLUSIONS,
	NotSecure: LossReasonCode.CREATIVE_FILTERED_NOT_SECURE,
	/** The bid's `language` is outside the request's `wlang`. */
	LanguageExclusion: LossReasonCode.CREATIVE_FILTERED_LANGUAGE_EXCLUSIONS,
	CategoryExclusion: LossReasonCode.CREATIVE_FILTERED_CATEGORY_EXCLUSIONS,
	/** A `bid.attr` the request blocks in `battr` (motion on a screen that allows none, say). */
	CreativeAttributeExclusion: LossReasonCode.CREATIVE_FILTERED_ATTRIBUTE_EXCLUSIONS,
	AnimationTooLong: LossReasonCode.CREATIVE_FILTERED_ANIMATION_TOO_LONG,
	NotAllowedInDeal: LossReasonCode.CREATIVE_FILTERED_NOT_ALLOWED_IN_DEAL,
	// Exchange-specific, from LossReasonCode.EXCHANGE_SPECIFIC (500) up.
	BidderTimeout: LossReasonCode.EXCHANGE_SPECIFIC,
	BidderError: 501,
	DurationNotAllowed: 502,
	ExpiredBeforePlay: 503,
	/**
	 * Retired: no longer recorded (it was "over the 6-connection cap"; further bidders now wait for
	 * a connection). Kept so archived events and reports still read.
	 */
	BidderNotCalled: 504,
	CompetitiveSeparation: 505,
	CurrencyNotAccepted: 506,
	PriceAboveCap: 507,
	/** Not called: after its network allowance the bidder's tmax would be too short to bid. */
	BidderNoTime: 508,
	/** Not called: the bidder kept timing out or failing; its circuit is open (px/pacing/circuit.ts). */
	BidderCircuitOpen: 509,
	/** Not called: the bidder is at the queries per second its contract allows (its `qps_cap`). */
	BidderQpsCapped: 510,
	/** The bid's currency has no exchange rate into the publisher's (px/pricing/currency.ts). */
	CurrencyNoRate: 511,
	/** The rate that would convert the bid is older than FX_RATE_MAX_AGE_HOURS. */
	CurrencyRateStale: 512,
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];
export type ReasonName = keyof typeof Reason;

const names = new Map<number, ReasonName>(
	Object.entries(Reason).map(([name, code]) => [code, name as ReasonName]),
);

/** Stable snake_case label for logs, metrics and the debug trace. */
export function reasonLabel(code: Reason): string {
	const name = names.get(code);
	return name ? name.replace(/[A-Z]/g, (c, i) => (i ? "_" : "") + c.toLowerCase()) : String(code);
}

export function isReason(code: number): code is Reason {
	return names.has(code);
}
