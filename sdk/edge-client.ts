// The edge's HTTP API as a player uses it: ask for an ad, report plays and expiries (in batches),
// send telemetry, list the assets to pre-cache. No retries here: callers decide (the player loop
// waits and asks again, the report queue retries for days); this module only says what happened.

import { errorText } from "../src/px/api/error-text";
import { type ProblemType, problemSlug } from "../src/px/api/problem-types";
import { retryAfterMs } from "./backoff";
import { type Clock, systemClock } from "./clock";
import type {
	AdAnswer,
	AdRequestInput,
	BatchReportInput,
	PlayBatchResult,
	Problem,
	ScheduleAnswer,
	Screen,
	ScreenAssets,
	TelemetryRecord,
} from "./types";

export interface EdgeClientOptions {
	/** The edge's origin, e.g. https://px-edge.example (no trailing path). */
	baseUrl: string;
	/** The publisher key the device was provisioned with; sent as a Bearer token, never in a URL. */
	apiKey: string;
	fetch?: typeof fetch;
	clock?: Clock;
	/** Give up on a call after this long (the network may hang instead of failing). */
	timeoutMs?: number;
}

/** A call that did not get a 2xx: its status, problem body and Retry-After, when the edge sent them. */
export class EdgeError extends Error {
	/** The problem's type slug when the edge's catalog knows it (PROBLEM_CATALOG): switch on it. */
	readonly type: ProblemType | undefined;

	constructor(
		readonly status: number,
		readonly problem: Problem | undefined,
		readonly retryAfterMs: number | undefined,
	) {
		super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
		this.name = "EdgeError";
		this.type = problemSlug(problem?.type);
	}
}

/** The network failed (offline, DNS, reset, timeout): nothing is known to have reached the edge. */
export class NetworkError extends Error {
	constructor(cause: unknown) {
		super(errorText(cause));
		this.name = "NetworkError";
	}
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class EdgeClient {
	readonly baseUrl: string;
	private readonly apiKey: string;
	private readonly fetchFn: typeof fetch;
	private readonly clock: Clock;
	private readonly timeoutMs: number;

	constructor(options: EdgeClientOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, "");
		this.apiKey = options.apiKey;
		// Bound to globalThis: browsers throw "Illegal invocation" for a detached window.fetch.
		this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.clock = options.clock ?? systemClock;
		this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	}

	/** POST /v1/ad-requests (px dialect). A no fill is an answer, not an error. */
	requestAd(request: AdRequestInput): Promise<AdAnswer> {
		// The edge answers within timeout_ms; allow it plus the network's round trip.
		const timeout = (request.timeout_ms ?? 500) + 5_000;
		return this.json<AdAnswer>("POST", "/v1/ad-requests", request, { auth: true, timeout });
	}

	/**
	 * POST /v1/ad-requests for several display areas (`slot_ids`) and/or a loop (`until`): one
	 * decision per placement, in schedule order, each with its own proof-of-play URL.
	 */
	requestSchedule(
		request: Omit<AdRequestInput, "slot_id"> &
			({ slot_ids: string[] } | { slot_id: string; until: number }),
	): Promise<ScheduleAnswer> {
		const timeout = (request.timeout_ms ?? 500) + 5_000;
		return this.json<ScheduleAnswer>("POST", "/v1/ad-requests", request, { auth: true, timeout });
	}

	/** POST /v1/plays: many reports, one result each (the single route's status and body). */
	sendReports(reports: BatchReportInput[]): Promise<PlayBatchResult> {
		return this.json<PlayBatchResult>("POST", "/v1/plays", { reports }, { auth: false });
	}

	/**
	 * The pre-play check, HEAD {proof_of_play_url}: "gone" only when the edge answers 410 (the
	 * creative was rejected since the auction, or the decision can no longer play). Any other
	 * answer, a network error or no answer within `waitMs` is "play": an unreachable edge must
	 * not blank the screen, and billing re-checks the approval when the play is reported.
	 * `signal` (the player stopping) ends the wait early.
	 */
	async prePlayCheck(
		proofOfPlayUrl: string,
		waitMs: number,
		signal?: AbortSignal,
	): Promise<"play" | "gone"> {
		const abort = new AbortController();
		const stop = () => abort.abort();
		signal?.addEventListener("abort", stop, { once: true });
		if (signal?.aborted) stop();
		const check = this.fetchFn(proofOfPlayUrl, { method: "HEAD", signal: abort.signal }).then(
			(res) => (res.status === 410 ? ("gone" as const) : ("play" as const)),
			() => "play" as const,
		);
		const late = this.clock.sleep(waitMs, abort.signal).then(() => "play" as const);
		try {
			return await Promise.race([check, late]);
		} finally {
			abort.abort();
			signal?.removeEventListener("abort", stop);
		}
	}

	/** POST /v1/telemetry (at most 100 events). */
	sendTelemetry(events: TelemetryRecord[]): Promise<{ accepted: number }> {
		return this.json("POST", "/v1/telemetry", { events }, { auth: true });
	}

	/** GET /v1/screens/{id}: the registered screen (its slots, sizes, durations). */
	screen(screenId: string): Promise<Screen> {
		return this.json<Screen>("GET", `/v1/screens/${encodeURIComponent(screenId)}`, undefined, {
			auth: true,
		});
	}

	/** GET /v1/screens/{id}/assets: what to pre-cache for the next `hours`. */
	screenAssets(screenId: string, hours = 24): Promise<ScreenAssets> {
		const path = `/v1/screens/${encodeURIComponent(screenId)}/assets?hours=${hours}`;
		return this.json<ScreenAssets>("GET", path, undefined, { auth: true });
	}

	private async json<T>(
		method: string,
		path: string,
		body: unknown,
		opts: { auth: boolean; timeout?: number },
	): Promise<T> {
		const headers: Record<string, string> = { accept: "application/json" };
		if (body !== undefined) headers["content-type"] = "application/json";
		if (opts.auth) headers.authorization = `Bearer ${this.apiKey}`;
		const abort = new AbortController();
		const timer = setTimeout(() => abort.abort(), opts.timeout ?? this.timeoutMs);
		let res: Response;
		let text: string;
		// The timer covers the body too: a connection can stall halfway through an answer.
		try {
			res = await this.fetchFn(`${this.baseUrl}${path}`, {
				method,
				headers,
				...(body !== undefined ? { body: JSON.stringify(body) } : {}),
				signal: abort.signal,
			});
			text = await res.text();
		} catch (err) {
			throw new NetworkError(err);
		} finally {
			clearTimeout(timer);
		}
		const parsed = parseJson(text);
		if (!res.ok) {
			throw new EdgeError(
				res.status,
				isProblem(parsed) ? parsed : undefined,
				retryAfterMs(res.headers.get("retry-after"), this.clock.now()),
			);
		}
		return parsed as T;
	}
}

function parseJson(text: string): unknown {
	try {
		return text === "" ? undefined : JSON.parse(text);
	} catch {
		return undefined;
	}
}

function isProblem(value: unknown): value is Problem {
	return typeof value === "object" && value !== null && "type" in value && "status" in value;
}

/** The token of a proof_of_play_url or expiry_url (`…/v1/plays/<token>[/expired]`). */
export function tokenOf(url: string): string {
	const path = new URL(url).pathname.replace(/\/expired$/, "");
	return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}
