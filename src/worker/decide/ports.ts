// The hot path's types shared by its modules: what a decision needs from outside the process
// (DecideServices, built from the env by services.ts, or from fakes in a test), what it is asked
// (DecideInput) and what each placement gets (PlacementAnswer).

import type { PxAnswer } from "../../px/api/answer";
import type { SubmittedAd } from "../../px/auction/ad-management";
import type { BidderConfig } from "../../px/auction/bidders";
import type { NoFillReason } from "../../px/auction/outcomes";
import type { PxEvent } from "../../px/events/events";
import type { AdRequest, Placement, Publisher } from "../../px/model/model";
import type { NoticeMessage } from "../../px/notices/notice-message";
import type { ExchangeRates } from "../../px/pricing/currency";
import type { Approvals } from "../../services/approvals";
import type { ScreenStub } from "../../services/stubs";
import type { PopClaims } from "../pop-token";

/**
 * Everything a decision touches outside the process, as narrow functions: the route builds them
 * from the env once per request (services.ts), a test from fakes (test/unit/decide.test.ts).
 */
export interface DecideServices {
	screen: Pick<
		ScreenStub,
		"admit" | "recordDecisions" | "revoke" | "voidDecisions" | "keepUndelivered"
	>;
	/** Approval verdicts of these keys from the replica, looked up within `budgetMs` (fail closed). */
	approvals(keys: string[], budgetMs: number): Promise<Approvals>;
	/** Puts one auction's notices on the notices queue (with retries); false when it could not. */
	enqueueNotices(message: NoticeMessage | undefined): Promise<boolean>;
	/** Sends to the events queue (with retries); returns what it still could not send. */
	publish(events: PxEvent[]): Promise<{ failed: PxEvent[] }>;
	bidders: ReadonlyArray<BidderConfig>;
	/** The value of a secret a bidder's header names (`{ "secret": "NAME" }`), when it is set. */
	secret(name: string): string | undefined;
	/** Signs a proof-of-play token. */
	signPopToken(claims: PopClaims): Promise<string>;
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
