// Bidder (DSP) configuration and per-request selection. The configuration is operator-written
// JSON, so it is validated strictly (unknown keys are typos, not extensions) and every problem is
// reported with a JSON pointer. Selection is deterministic: the same screen and bidder list always
// produce the same calls in the same order, which keeps fan-out behaviour reproducible in tests
// and explainable in the debug trace.
import { z } from "zod";
import { errorText } from "../api/error-text";
import { jsonPointer } from "../model/field-issues";
import { roundCpm } from "../model/money";
import { isKnownVenueType, venueLineage } from "../model/venues";
import type { NotCalled } from "./outcomes";
import { Reason } from "./reasons";

/**
 * A Worker invocation has at most 6 simultaneous outbound connections; the runtime queues a 7th
 * until one closes, so the fan-out keeps its own queue and times a waiting bidder when it starts.
 */
export const MAX_PARALLEL_BIDDERS = 6;
const DEFAULT_PRIORITY = 100;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** A DSP in the same region as the edge location; configure more for a distant one. */
const DEFAULT_NETWORK_ALLOWANCE_MS = 20;
/** Shorter than this, a bidder cannot run its own auction (Prebid's bidder_response_duration_min). */
const MIN_BIDDER_TMAX_MS = 20;
/** Highest `qps_cap` a bidder may be given (each unit is a key of the Rate Limiting binding). */
export const MAX_QPS_CAP = 10_000;
/**
 * A bidder without its own `timeout_ms` that timed out with less time than this was cut short by
 * the caller's budget (a publisher's short `timeout_ms`), not slow: see `timeoutIsBidders`.
 */
const FAIR_BUDGET_MS = 250;

// Headers fetch() manages itself or that would corrupt the request framing.
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection"]);

const headerName = z
	.string()
	.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name")
	.refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), "header is set by the platform");

/**
 * The secrets a bidder header may name: only those made for DSPs. A header naming
 * POP_SIGNING_KEY (or any other secret of the edge) would send it to whoever runs that endpoint.
 */
const DSP_SECRET_NAME = /^DSP_[A-Z0-9_]+$/;
export const isDspSecretName = (name: string): boolean => DSP_SECRET_NAME.test(name);

const headerValue = z.union([
	// CR/LF would let a config value inject further headers.
	z.string().regex(/^[^\r\n]*$/, "must not contain line breaks"),
	z
		.object({
			secret: z.string().regex(DSP_SECRET_NAME, "must name a secret whose name starts with DSP_"),
		})
		.strict(),
]);

const BidderMedia = z.enum(["banner", "video"]);
type BidderMedia = z.infer<typeof BidderMedia>;

export const BidderConfig = z
	.object({
		name: z
			.string()
			.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a slug: lower-case letters, digits, - and _"),
		// http is allowed on purpose: local DSP simulators run on localhost.
		endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
		/** Upper bound for this bidder; the request deadline (tmax) always caps it further. */
		timeout_ms: z.number().int().positive().max(10_000).optional(),
		/**
		 * Round trip to this bidder: its tmax is its time budget minus this, so that its answer
		 * can arrive before we stop waiting (Prebid Server's bidder network latency buffer).
		 */
		network_allowance_ms: z.number().int().min(0).max(1_000).default(DEFAULT_NETWORK_ALLOWANCE_MS),
		/** Lower is called first and wins connection slots first. */
		priority: z.number().int().min(0).max(10_000).default(DEFAULT_PRIORITY),
		media: z
			.array(BidderMedia)
			.min(1)
			.default(["banner", "video"])
			.transform((media) => [...new Set(media)]),
		/** OpenOOH 1.1 numeric ids; a parent id also buys its children and grandchildren. */
		venue_types: z
			.array(z.number().int().refine(isKnownVenueType, "unknown OpenOOH venue type"))
			.default([]),
		/** Applied to the floor sent to this bidder (e.g. to gross up for a bidder's fee). */
		floor_adjustment: z
			.object({
				multiplier: z.number().positive().max(10).optional(),
				add_cpm: z.number().min(-1000).max(1000).optional(),
			})
			.strict()
			.optional(),
		headers: z.record(headerName, headerValue).default({}),
		enabled: z.boolean().default(true),
		/**
		 * The OpenRTB version this bidder speaks (px/openrtb/profiles.ts): 2.5 receives the 2.6
		 * fields in their 2.5 `ext` locations and the header `x-openrtb-version: 2.5`.
		 */
		openrtb: z.enum(["2.6", "2.5"]).default("2.6"),
		/** Also send `dooh.venuetypeid` and `dooh.venuetax`, the names some intermediaries read. */
		dooh_aliases: z.boolean().default(false),
		/** A named intermediary's extensions: "bidswitch" adds `device.ext.dooh.impmultiply`. */
		profile: z.enum(["bidswitch"]).optional(),
		/**
		 * DSP accounts: called through the notices queue when an ad it submitted (POST
		 * /v1/dsp/ads) is approved or denied, as GET with `ad_id` and `audit_status` added.
		 */
		ad_audit_url: z
			.url({ protocol: /^https?$/, error: "must be an http(s) URL" })
			.max(2048)
			.optional(),
		max_response_bytes: z
			.number()
			.int()
			.min(1024)
			.max(1024 * 1024)
			.default(DEFAULT_MAX_RESPONSE_BYTES),
		/**
		 * Most calls per second the DSP's contract allows, per Cloudflare location. Past it the
		 * bidder is not called (BidderQpsCapped); counted by the Rate Limiting binding.
		 */
		qps_cap: z.number().int().min(1).max(MAX_QPS_CAP).optional(),
	})
	.strict();
export type BidderConfig = z.infer<typeof BidderConfig>;
export type BidderConfigInput = z.input<typeof BidderConfig>;

/**
 * Most bidders a configuration may list. Every bidder called adds a row to the auction record and
 * each keeps at least one bid (bidShares), so this bounds the record that must fit one queue message.
 */
export const MAX_BIDDERS = 64;

const BidderList = z
	.array(BidderConfig)
	.max(MAX_BIDDERS)
	.superRefine((bidders, ctx) => {
		const seen = new Set<string>();
		bidders.forEach((bidder, i) => {
			if (seen.has(bidder.name)) {
				ctx.addIssue({ code: "custom", path: [i, "name"], message: "duplicate bidder name" });
			}
			seen.add(bidder.name);
		});
	});

interface ConfigIssue {
	/** JSON pointer into the configuration, e.g. "#/2/endpoint". */
	pointer: string;
	detail: string;
}

type ParseBiddersResult =
	| { ok: true; bidders: BidderConfig[] }
	| { ok: false; issues: ConfigIssue[] };

/** Parses the bidder configuration: a JSON array of bidder objects. */
export function parseBidders(json: string): ParseBiddersResult {
	let raw: unknown;
	try {
		raw = JSON.parse(json);
	} catch (err) {
		const detail = errorText(err);
		return { ok: false, issues: [{ pointer: "#", detail: `not valid JSON: ${detail}` }] };
	}
	const parsed = BidderList.safeParse(raw);
	if (parsed.success) return { ok: true, bidders: parsed.data };
	return {
		ok: false,
		issues: parsed.error.issues.map((issue) => ({
			pointer: jsonPointer(issue.path),
			detail: issue.message,
		})),
	};
}

interface SelectionTarget {
	/** OpenOOH 1.1 numeric venue type of the screen. */
	venueType: number;
	/** What the slot can play (PX model formats). */
	formats: ReadonlyArray<"image" | "video" | "html">;
}

/**
 * The bidders to call, in call order. Disabled bidders and bidders that do not buy this media or
 * venue are not candidates (they never wanted it, and listing them would drown the signal).
 * Candidates are ordered by priority, then venue-specific before catch-all (a bidder that targets
 * this venue is likelier to bid), then name. All of them are called: the first
 * MAX_PARALLEL_BIDDERS at once, the rest as connections free (src/worker/decide/fanout.ts).
 */
export function selectBidders(
	bidders: ReadonlyArray<BidderConfig>,
	target: SelectionTarget,
): BidderConfig[] {
	const wanted = mediaFor(target.formats);
	return bidders
		.filter(
			(b) =>
				b.enabled &&
				b.media.some((m) => wanted.has(m)) &&
				buysVenue(b.venue_types, target.venueType),
		)
		.sort(compareBidders);
}

function mediaFor(formats: SelectionTarget["formats"]): Set<BidderMedia> {
	const media = new Set<BidderMedia>();
	for (const format of formats) media.add(format === "video" ? "video" : "banner");
	return media;
}

/** True when `venueType` is one of `ids` or a child/grandchild of one (the taxonomy's lineage). */
export function buysVenue(ids: ReadonlyArray<number>, venueType: number): boolean {
	return ids.length === 0 || venueLineage(venueType).some((t) => ids.includes(t));
}

function compareBidders(a: BidderConfig, b: BidderConfig): number {
	if (a.priority !== b.priority) return a.priority - b.priority;
	const aCatchAll = a.venue_types.length === 0;
	const bCatchAll = b.venue_types.length === 0;
	if (aCatchAll !== bCatchAll) return aCatchAll ? 1 : -1;
	// Code-unit order, not localeCompare: must not depend on the runtime's locale data.
	return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The floor sent to this bidder, CPM, never negative, 4 decimals. */
export function bidderFloor(bidder: Pick<BidderConfig, "floor_adjustment">, floor: number): number {
	const adj = bidder.floor_adjustment;
	const adjusted = floor * (adj?.multiplier ?? 1) + (adj?.add_cpm ?? 0);
	return Math.max(0, roundCpm(adjusted));
}

/**
 * Whether a timeout after `budgetMs` says the bidder is slow: it had at least its own timeout, or
 * without one FAIR_BUDGET_MS. A shorter budget was the caller's choice, and must not open the
 * bidder's circuit for every other publisher on the isolate.
 */
export function timeoutIsBidders(
	bidder: Pick<BidderConfig, "timeout_ms">,
	budgetMs: number,
): boolean {
	return budgetMs >= Math.min(bidder.timeout_ms ?? FAIR_BUDGET_MS, FAIR_BUDGET_MS);
}

/** Time this bidder gets: its own timeout, never beyond what is left of the request deadline. */
export function bidderTimeout(
	bidder: Pick<BidderConfig, "timeout_ms">,
	remainingMs: number,
): number {
	return Math.max(0, Math.min(bidder.timeout_ms ?? remainingMs, remainingMs));
}

interface TimedCall<B> {
	bidder: B;
	/** How long we wait for this bidder's answer. */
	budgetMs: number;
	/** What the bid request tells it: the budget minus its network allowance. */
	tmax: number;
}

/**
 * Each selected bidder's wait and tmax for a request with `remainingMs` left before the bidders'
 * deadline. A bidder whose tmax would be under MIN_BIDDER_TMAX_MS is not called (BidderNoTime):
 * it could not answer in time, and calling it anyway only teaches it to time out.
 */
export function timeBidders<
	B extends Pick<BidderConfig, "name" | "timeout_ms" | "network_allowance_ms">,
>(bidders: B[], remainingMs: number): { calls: TimedCall<B>[]; skipped: NotCalled[] } {
	const calls: TimedCall<B>[] = [];
	const skipped: NotCalled[] = [];
	for (const bidder of bidders) {
		const budgetMs = bidderTimeout(bidder, remainingMs);
		const tmax = Math.floor(
			budgetMs - (bidder.network_allowance_ms ?? DEFAULT_NETWORK_ALLOWANCE_MS),
		);
		if (tmax < MIN_BIDDER_TMAX_MS)
			skipped.push({ bidder: bidder.name, reason: Reason.BidderNoTime });
		else calls.push({ bidder, budgetMs, tmax });
	}
	return { calls, skipped };
}

/**
 * How many of its bids each response keeps when one auction may evaluate at most `max`: the largest
 * equal share that fits (a response with fewer keeps them all), never under 1, so no bidder is
 * silenced and none is favoured by when it answered. `counts[i]` is response i's bid count.
 */
export function bidShares(counts: ReadonlyArray<number>, max: number): number[] {
	const total = (share: number) => counts.reduce((n, c) => n + Math.min(c, share), 0);
	let share = Math.max(0, ...counts);
	while (share > 1 && total(share) > max) share--;
	return counts.map((c) => Math.min(c, Math.max(share, 1)));
}
