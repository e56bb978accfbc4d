// Bidder I/O: one OpenRTB request per selected bidder, all in parallel, one hard deadline.
// Nothing a bidder does (hang, drip, 500, garbage, huge body) can throw past this module or
// delay the answer beyond the deadline: every call settles into a BidderOutcome.
import type { BidRequest } from "iab-openrtb/v26";
import type { BidderConfig } from "../px/bidders";
import { type CandidateBid, parseBidResponse } from "../px/openrtb/response";
import type { BidderStatus } from "../px/outcomes";
import { Reason } from "../px/reasons";

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
	/** How long to wait for this bidder (px/bidders.ts timeBidders). */
	budgetMs: number;
	/** What goes on the wire: `request` in the bidder's OpenRTB profile (px/openrtb/profiles.ts). */
	body?: unknown;
}

interface FanOutOptions {
	/** Values for headers configured as `{ "secret": "NAME" }`. */
	secrets: Record<string, unknown>;
}

export function fanOut(calls: BidderCall[], options: FanOutOptions): Promise<BidderOutcome[]> {
	return Promise.all(calls.map((call) => callBidder(call, options)));
}

class ResponseTooLarge extends Error {}

async function callBidder(call: BidderCall, options: FanOutOptions): Promise<BidderOutcome> {
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
			headers: requestHeaders(bidder, options.secrets),
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
			detail: err instanceof Error ? err.message : String(err),
		});
	} finally {
		clearTimeout(timer);
	}
}

function requestHeaders(bidder: BidderConfig, secrets: Record<string, unknown>): Headers {
	const headers = new Headers({
		"content-type": "application/json",
		"x-openrtb-version": bidder.openrtb ?? "2.6",
	});
	for (const [name, value] of Object.entries(bidder.headers ?? {})) {
		const resolved = typeof value === "string" ? value : secrets[value.secret];
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
