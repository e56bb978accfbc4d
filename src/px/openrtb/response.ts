// Reading one bidder's OpenRTB 2.6 bid response. The schema is deliberately lenient: it only
// checks the envelope (id, seatbid[].bid[] are objects) and leaves every bid's own fields to the
// bid filter, so that one malformed bid is counted against that bid with its precise reason
// instead of throwing away the bidder's other bids.
import type { Bid, BidRequest } from "iab-openrtb/v26";
import { z } from "zod";
import { Reason } from "../auction/reasons";
import { isObject } from "../model/json";

/** One bid as received, tagged with who sent it. Fields of `bid` are not validated yet. */
export interface CandidateBid {
	bidder: string;
	seat?: string;
	bid: Bid;
	/** ISO-4217 currency of the response (OpenRTB default USD), upper-cased. */
	cur: string;
}

type ParsedBidResponse =
	| { kind: "no_bid"; nbr?: number }
	| { kind: "invalid"; reason: Reason; detail: string }
	/** `dropped`: bids past MAX_BIDS_PER_RESPONSE, counted but never evaluated. */
	| { kind: "bids"; cur: string; bids: CandidateBid[]; dropped: number };

/**
 * The most bids of one response that are evaluated. One DOOH impression needs one bid per seat
 * or so; a DSP answering with hundreds would only cost CPU and bloat the auction record (which
 * must stay under the queue's 128 KB message limit with every bidder at this cap).
 */
export const MAX_BIDS_PER_RESPONSE = 10;

const SeatBidSchema = z.looseObject({
	seat: z.string().optional(),
	bid: z.array(z.looseObject({})),
});

const BidResponseSchema = z.looseObject({
	id: z.string(),
	seatbid: z.array(SeatBidSchema),
	cur: z
		.string()
		.regex(/^[A-Za-z]{3}$/, "must be an ISO-4217 code")
		.optional(),
});

/**
 * `raw` is the decoded JSON body (a string body is decoded here too; an empty one is a no-bid,
 * as some DSPs answer 200 with nothing instead of 204). A response without bids is a no-bid
 * whatever its id says: there is nothing to attribute to the wrong auction.
 */
export function parseBidResponse(
	raw: unknown,
	request: BidRequest,
	bidder: string,
): ParsedBidResponse {
	const body = typeof raw === "string" ? decode(raw) : { value: raw };
	if ("invalid" in body) return body.invalid;
	const value = body.value;
	if (value === undefined) return { kind: "no_bid" };
	if (!isObject(value)) return invalid("response is not a JSON object");
	if (isEmpty(value.seatbid)) return noBid(value.nbr);

	const parsed = BidResponseSchema.safeParse(value);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue ? `/${issue.path.join("/")}` : "";
		return invalid(`${where}: ${issue?.message ?? "malformed"}`);
	}
	const response = parsed.data;
	if (response.id !== request.id) {
		return {
			kind: "invalid",
			reason: Reason.InvalidAuctionId,
			detail: `response id ${JSON.stringify(response.id)} does not match request id`,
		};
	}
	const cur = (response.cur ?? "USD").toUpperCase();
	const bids: CandidateBid[] = [];
	let dropped = 0;
	for (const seatbid of response.seatbid) {
		for (const bid of seatbid.bid) {
			if (bids.length >= MAX_BIDS_PER_RESPONSE) {
				dropped++;
				continue;
			}
			bids.push({
				bidder,
				...(seatbid.seat !== undefined ? { seat: seatbid.seat } : {}),
				bid: bid as unknown as Bid,
				cur,
			});
		}
	}
	if (bids.length === 0) return noBid(value.nbr);
	return { kind: "bids", cur, bids, dropped };
}

function decode(text: string): { value: unknown } | { invalid: ParsedBidResponse } {
	if (text.trim() === "") return { value: undefined };
	try {
		return { value: JSON.parse(text) };
	} catch {
		return { invalid: invalid("response body is not JSON") };
	}
}

function invalid(detail: string): ParsedBidResponse {
	return { kind: "invalid", reason: Reason.InvalidBidResponse, detail };
}

function noBid(nbr: unknown): ParsedBidResponse {
	return Number.isInteger(nbr) ? { kind: "no_bid", nbr: nbr as number } : { kind: "no_bid" };
}

function isEmpty(seatbid: unknown): boolean {
	return (
		seatbid === undefined || seatbid === null || (Array.isArray(seatbid) && seatbid.length === 0)
	);
}
