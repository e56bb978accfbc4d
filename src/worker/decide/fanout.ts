// Bidder I/O: one OpenRTB request per selected bidder, one hard deadline. A Worker invocation has
// MAX_PARALLEL_BIDDERS connections; further bidders wait here, in call order, for one to free and
// are then timed with what is left of the deadline (a fetch queued by the runtime would run its
// timer, and carry a tmax, from before it could even connect).
// Nothing a bidder does (hang, drip, 500, garbage, huge body) can throw past this module or
// delay the answer beyond the deadline: every call settles into a BidderOutcome.

import type { BidRequest } from "iab-openrtb/v26";
import {
	type BidderConfig,
	bidShares,
	MAX_PARALLEL_BIDDERS,
	timeBidders,
} from "../../px/auction/bidders";
import type { BidderStatus, NotCalled, NotCalledReason } from "../../px/auction/outcomes";
import { Reason } from "../../px/auction/reasons";
import { toWire } from "../../px/openrtb/profiles";
import {
	type CandidateBid,
	MAX_BIDS_PER_RESPONSE,
	parseBidResponse,
} from "../../px/openrtb/response";
import { errorText } from "../../services/log";

export interface BidderOutcome {
	bidder: string;
	status: BidderStatus;
	/** Set for timeout and error: why this bidder's answer could not be used. */
	reason?: Reason;
	detail?: string;
	httpStatus?: number;
	latencyMs: number;
	candidates: CandidateBid[];
	/** Bids past the per-response cap: counted, never evaluated. */
	droppedBids?: number;
	/**
	 * For a timeout: how much later than its budget the abort actually ran. A large value means
	 * our own event loop was busy, so the timeout says little about the bidder.
	 */
	lateMs?: number;
}

export interface BidderCall {
	bidder: BidderConfig;
	request: BidRequest;
	/** How long to wait for this bidder (px/auction/bidders.ts timeBidders). */
	budgetMs: number;
	/** What goes on the wire: `request` in the bidder's OpenRTB profile (px/openrtb/profiles.ts). */
	body?: unknown;
}

interface FanOutOptions {
	/** The value of a secret a bidder's header names (`{ "secret": "NAME" }`), when it is set. */
	secret(name: string): string | undefined;
	/** When the bidders' answers are due, epoch ms. */
	deadline: number;
	/** The request a bidder is sent once it has a connection and so its tmax. */
	requestFor(bidder: BidderConfig, tmax: number): BidRequest;
	/**
	 * Asked once a bidder has a connection and time to bid, right before its call: a reason not
	 * to call it after all (its circuit, its QPS cap), or undefined to call it. What it grants
	 * (a circuit's probe, a QPS token) is spent on a call that is really made.
	 */
	mayCall?(
		bidder: BidderConfig,
	): NotCalledReason | undefined | Promise<NotCalledReason | undefined>;
}

interface FanOut {
	/** In the order they started; `outcomes[i]` is the answer to `calls[i]`. */
	calls: BidderCall[];
	outcomes: BidderOutcome[];
	/** Bidders not called: without time to bid when their turn came, or refused by `mayCall`. */
	skipped: NotCalled[];
}

/**
 * Most bids one auction evaluates: six full responses, the bound the auction record (one queue
 * message) is sized for. More bidders than connections share it (px/auction/bidders.ts bidShares).
 */
export const MAX_BIDS_PER_AUCTION = MAX_PARALLEL_BIDDERS * MAX_BIDS_PER_RESPONSE;

/** Calls `bidders` in order, at most MAX_PARALLEL_BIDDERS at a time. */
export async function fanOut(
	bidders: ReadonlyArray<BidderConfig>,
	options: FanOutOptions,
): Promise<FanOut> {
	const result: FanOut = { calls: [], outcomes: [], skipped: [] };
	let next = 0;
	const slot = async () => {
		for (let bidder = bidders[next++]; bidder; bidder = bidders[next++]) {
			const timed = timeBidders([bidder], options.deadline - Date.now());
			result.skipped.push(...timed.skipped);
			const time = timed.calls[0];
			if (!time) continue;
			const refused = await options.mayCall?.(bidder);
			if (refused !== undefined) {
				result.skipped.push({ bidder: bidder.name, reason: refused });
				continue;
			}
			const request = options.requestFor(bidder, time.tmax);
			// Bids are judged against the 2.6 request; the bidder reads it in its own dialect.
			const call = { bidder, budgetMs: time.budgetMs, request, body: toWire(request, bidder) };
			const i = result.calls.push(call) - 1;
			result.outcomes[i] = await callBidder(call, options);
		}
	};
	await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_BIDDERS, bidders.length) }, slot));
	const shares = bidShares(
		result.outcomes.map((o) => o.candidates.length),
		MAX_BIDS_PER_AUCTION,
	);
	result.outcomes = result.outcomes.map((o, i) => {
		const over = o.candidates.length - shares[i]!;
		if (over <= 0) return o;
		const dropped = (o.droppedBids ?? 0) + over;
		return { ...o, candidates: o.candidates.slice(0, shares[i]), droppedBids: dropped };
	});
	return result;
}

class ResponseTooLarge extends Error {}

async function callBidder(
	call: BidderCall,
	options: Pick<FanOutOptions, "secret">,
): Promise<BidderOutcome> {
	const { bidder, request } = call;
	const started = Date.now();
	const budget = call.budgetMs;
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), budget);
	const outcome = (
		o: Omit<BidderOutcome, "bidder" | "latencyMs" | "candidates"> & { candidates?: CandidateBid[] },
	) => ({
		bidder: bidder.name,
		latencyMs: Date.now() - started,
		candidates: [],
		...o,
	});
	try {
		const response = await fetch(bidder.endpoint, {
			method: "POST",
			headers: requestHeaders(bidder, options.secret),
			body: JSON.stringify(call.body ?? request),
			signal: controller.signal,
		});
		if (response.status === 204) {
			await response.body?.cancel();
			return outcome({ status: "no_bid", httpStatus: 204 });
		}
		if (!response.ok) {
			await response.body?.cancel();
			return outcome({
				status: "error",
				reason: Reason.BidderError,
				httpStatus: response.status,
				detail: `HTTP ${response.status}`,
			});
		}
		const text = await readCapped(response, bidder.max_response_bytes, controller.signal);
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			return outcome({
				status: "error",
				reason: Reason.InvalidBidResponse,
				httpStatus: response.status,
				detail: "body is not JSON",
			});
		}
		const parsed = parseBidResponse(json, request, bidder.name);
		if (parsed.kind === "no_bid") return outcome({ status: "no_bid", httpStatus: response.status });
		if (parsed.kind === "invalid") {
			return outcome({
				status: "error",
				reason: parsed.reason,
				httpStatus: response.status,
				detail: parsed.detail,
			});
		}
		return outcome({
			status: "bids",
			httpStatus: response.status,
			candidates: parsed.bids,
			...(parsed.dropped > 0 ? { droppedBids: parsed.dropped } : {}),
		});
	} catch (err) {
		if (controller.signal.aborted) {
			return outcome({
				status: "timeout",
				reason: Reason.BidderTimeout,
				detail: `no complete answer within ${budget} ms`,
				lateMs: Math.max(0, Date.now() - started - budget),
			});
		}
		if (err instanceof ResponseTooLarge) {
			return outcome({ status: "error", reason: Reason.BidderError, detail: err.message });
		}
		return outcome({
			status: "error",
			reason: Reason.BidderError,
			detail: errorText(err),
		});
	} finally {
		clearTimeout(timer);
	}
}

function requestHeaders(bidder: BidderConfig, secret: FanOutOptions["secret"]): Headers {
	const headers = new Headers({
		"content-type": "application/json",
		"x-openrtb-version": bidder.openrtb ?? "2.6",
	});
	for (const [name, value] of Object.entries(bidder.headers ?? {})) {
		const resolved = typeof value === "string" ? value : secret(value.secret);
		if (typeof resolved === "string") headers.set(name, resolved);
	}
	return headers;
}

/**
 * Reads at most `limit` bytes before `signal` aborts; a bigger body is cancelled rather than
 * buffered, and a slow-dripping one is cancelled at the deadline.
 */
async function readCapped(response: Response, limit: number, signal: AbortSignal): Promise<string> {
	const declared = Number(response.headers.get("content-length"));
	if (declared > limit) {
		await response.body?.cancel();
		throw new ResponseTooLarge(`body of ${declared} bytes exceeds ${limit}`);
	}
	if (!response.body) return "";
	const reader = response.body.getReader();
	const cancel = () => void reader.cancel().catch(() => {});
	signal.addEventListener("abort", cancel, { once: true });
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (signal.aborted) throw new DOMException("deadline passed while reading", "AbortError");
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			throw new ResponseTooLarge(`body exceeds ${limit} bytes`);
		}
		chunks.push(value);
	}
	signal.removeEventListener("abort", cancel);
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return new TextDecoder().decode(bytes);
}
