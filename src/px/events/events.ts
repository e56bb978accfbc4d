// The one event schema: every record that flows through the events queue (and from there into
// the Parquet archive, the approval intake and the dead-letter queue) is a `PxEvent`.
//
// Schema evolution rule — additive only:
// - A new version may add event types and OPTIONAL fields, and may relax a constraint (a
//   required field becoming optional, a longer max length). It never removes or renames a
//   field, never changes a field's type or meaning, never makes an optional field required.
// - Bump EVENT_SCHEMA_VERSION with every change and note it in the changelog below. Records keep
//   the version they were written with, so readers can tell which fields could exist.
// - Old records must still parse with the newest schema (test/unit/events.test.ts keeps v1
//   fixtures for that). New records should survive old readers too: objects are "loose", so a
//   reader that does not know a field passes it through instead of dropping it, and
//   `schema_version` is any integer ≥ 1, not a literal.
// - Enum values (outcomes, kinds) are part of the schema: adding one needs a version bump, and
//   readers must treat values they do not know as "other" rather than fail.
//
// Changelog:
// 1: first version.
// 2: expiry reason "revoked" (a creative rejected after its auction); auction bids[] may carry
//    dropped_bids (bids of that response past the per-response cap, never evaluated).
// 3: play may carry the player's displayed_at and displayed_ms, the play_share they give, and
//    billable (false: under the play threshold, no burl fired; absent means billed).
// 4: requests for several display areas or a loop: ad_request may carry `placements` (how many
//    impressions it asked for); auction (one record per placement) and win may carry imp_id and
//    slot_id; win may carry play_at (the planned time of its spot).
// 5: a play with billable false carries not_billable_reason (no_evidence, under_threshold,
//    implausible): a play without displayed_ms, or with one the clocks contradict, is not billed.
//    win may carry approval_key (its asset's unit of approval), so the review desk knows which
//    screens hold a decision it must revoke when that asset is rejected.
// 6: auction bids[] outcome "not_called" for a selected bidder that was not called (no time
//    left 508, circuit open 509, QPS cap 510; before, such lines were no_bid with 0 ms), and the
//    ad_request no_fill_reason "bidders_not_called" (px/auction/outcomes.ts NO_FILL_REASONS lists them).
// 7: pricing (README "Pricing"). Auction records may carry the placement's multiplier (its hour's
//    audience prorated to the spot) and mincpmpersec; bid lines the bid's own currency, price and
//    the rate that converted it (bid_cur, bid_price, fx_rate), the floor it was judged at
//    (floor_cpm), the floor rule that set it (floor_rule) and the duration it was judged at
//    (duration_s). Win and play records may carry gross_cpm (what the buyer pays), take_cpm (the
//    exchange's take) and net_cpm (what the publisher earns), in cur; a play may carry
//    planned_multiplier when a measured audience lowered its multiplier. ad_request no_fill_reason
//    "outside_opening_hours" (the screen's hour has no audience: no auction).
import { z } from "zod";
import { NOT_BILLABLE_REASONS } from "../api/play-report";
import { AUCTION_LINE_OUTCOMES } from "../auction/outcomes";

export const EVENT_SCHEMA_VERSION = 7;

const text = z.string().min(1).max(256);
/** Dates a record can carry: Date, ISO strings and the archive's hour partitions end at year 9999. */
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const epochMs = z.number().int().nonnegative().max(MAX_EPOCH_MS);
const nonNegative = z.number().nonnegative();
const count = z.number().int().nonnegative();
const domains = z.array(z.string().min(1).max(256)).max(64);
const currency = z.string().length(3);

/** What one won spot is worth and to whom (version 7 on), CPM in the record's `cur`. */
const split = {
	cur: currency.optional(),
	/** What the buyer pays: the clearing price. */
	gross_cpm: nonNegative.optional(),
	/** The exchange's take out of it (the publisher's revenue share or fee). */
	take_cpm: nonNegative.optional(),
	/** What the publisher earns: gross minus take. */
	net_cpm: nonNegative.optional(),
};

// Common to every record. venue_type is the OpenOOH 1.1 numeric id, deliberately not checked
// against src/px/venues: the taxonomy grows, and an archive record must never be rejected for it.
const envelope = {
	event_id: z.uuid(),
	schema_version: z.number().int().min(1),
	ts: epochMs,
	publisher_id: text,
	screen_id: text,
	venue_type: z.number().int().positive(),
	request_id: text.optional(),
};

export const AdRequestOutcome = z.enum(["filled", "no_fill", "rejected", "cached"]);
const BidOutcome = z.enum(AUCTION_LINE_OUTCOMES);
/** reported by the screen, inferred when nobody reported, revoked when its creative was rejected. */
export const ExpiryReason = z.enum(["reported", "inferred", "revoked"]);
export type ExpiryReason = z.infer<typeof ExpiryReason>;
export const TelemetryKind = z.enum(["requested", "played", "error"]);

const AdRequestEvent = z.looseObject({
	...envelope,
	type: z.literal("ad_request"),
	dialect: text,
	slot_id: text,
	/** Impressions asked for: display areas times loop spots (absent: one slot, one spot). */
	placements: count.optional(),
	outcome: AdRequestOutcome,
	/** One of NO_FILL_REASONS (px/auction/outcomes.ts); a reader takes a value it does not know as "other". */
	no_fill_reason: z.string().max(256).optional(),
	latency_ms: nonNegative,
	bidders_called: count,
});

/** One bidder's answer within an auction: every called bidder appears, even without a bid. */
export const AuctionBid = z.looseObject({
	bidder: text,
	bid_id: text.optional(),
	seat: text.optional(),
	crid: text.optional(),
	adomain: domains.optional(),
	price: nonNegative.optional(),
	outcome: BidOutcome,
	/** A `Reason` code (src/px/auction/reasons.ts). Any integer, so codes added later still parse. */
	reason: count,
	latency_ms: nonNegative,
	dropped_bids: count.optional(),
	/** The bid's own currency and price when it was not the auction's `cur` (version 7 on). */
	bid_cur: currency.optional(),
	bid_price: nonNegative.optional(),
	/** Units of the auction's `cur` per unit of bid_cur, as used to convert `price`. */
	fx_rate: z.number().positive().optional(),
	/** The floor this bid was judged at (its duration and format), in the auction's `cur`. */
	floor_cpm: nonNegative.optional(),
	/** The id of the publisher's floor rule that set floor_cpm. */
	floor_rule: text.optional(),
	/** The duration the bid was judged at, seconds. */
	duration_s: nonNegative.optional(),
});

export const AuctionEvent = z.looseObject({
	...envelope,
	type: z.literal("auction"),
	auction_id: text,
	/** Which imp of a multi-imp bid request this record is the auction of. */
	imp_id: text.optional(),
	slot_id: text.optional(),
	at: z.union([z.literal(1), z.literal(2)]),
	floor_cpm: nonNegative,
	cur: z.string().length(3),
	bids: z.array(AuctionBid).max(256),
	clearing_price: nonNegative.optional(),
	/** The placement's audience per play: its hour's value prorated to the spot (version 7 on). */
	multiplier: z.number().positive().optional(),
	/** The per-second floor sent with this placement, CPM per second of the creative. */
	mincpmpersec: nonNegative.optional(),
});

const WinEvent = z.looseObject({
	...envelope,
	type: z.literal("win"),
	auction_id: text,
	decision_id: text,
	imp_id: text.optional(),
	slot_id: text.optional(),
	/** The planned start of the spot this win fills, epoch ms. */
	play_at: epochMs.optional(),
	bidder: text,
	crid: text,
	/** The won asset's unit of approval (px/auction/approval.ts); longer than `text` may be, so a long
	 * bidder name or crid never costs the win its record. */
	approval_key: z.string().min(1).max(1024).optional(),
	adomain: domains,
	price_cpm: nonNegative,
	clearing_price_cpm: nonNegative,
	/** Audience per play (OpenRTB imp.qty.multiplier). */
	multiplier: z.number().positive(),
	/** The play window closes at this epoch ms (auction time + imp.exp). */
	not_after: epochMs,
	...split,
	/** The winning bid's own currency when it was not `cur`, and the rate that converted it. */
	bid_cur: currency.optional(),
	fx_rate: z.number().positive().optional(),
});

export const PlayEvent = z.looseObject({
	...envelope,
	type: z.literal("play"),
	decision_id: text,
	auction_id: text,
	bidder: text,
	crid: text,
	price_cpm: nonNegative,
	multiplier: z.number().positive(),
	played_at: epochMs,
	/** The player's own clock: when the spot started on screen and for how long (ms). */
	displayed_at: epochMs.optional(),
	displayed_ms: z.number().int().nonnegative().optional(),
	/** displayed_ms over the spot's length, when both are known. */
	play_share: nonNegative.optional(),
	/** False when the play was recorded but not billed (absent: billed). */
	billable: z.boolean().optional(),
	/** Why it was not billed, when billable is false (version 5 on). */
	not_billable_reason: z.enum(NOT_BILLABLE_REASONS).optional(),
	...split,
	/** The auction's multiplier, when the audience the player measured lowered `multiplier`. */
	planned_multiplier: z.number().positive().optional(),
});

const ExpiryEvent = z.looseObject({
	...envelope,
	type: z.literal("expiry"),
	decision_id: text,
	auction_id: text,
	bidder: text,
	crid: text,
	reported_at: epochMs,
	reason: ExpiryReason,
});

export const CreativeSeenEvent = z.looseObject({
	...envelope,
	type: z.literal("creative_seen"),
	bidder: text,
	crid: text,
	/** Stable identity of the creative for the review desk (bidder + crid + asset). */
	creative_key: text,
	adomain: domains,
	asset_url: z.string().min(1).max(2048),
	mime: text,
	w: z.number().int().positive(),
	h: z.number().int().positive(),
	/** Absent for a static creative that declares no duration. */
	duration_s: nonNegative.optional(),
});

const TelemetryEvent = z.looseObject({
	...envelope,
	type: z.literal("telemetry"),
	// The screen library does not always know its venue.
	venue_type: envelope.venue_type.optional(),
	kind: TelemetryKind,
	detail: z.string().max(1024).optional(),
});

export const PxEventSchema = z.discriminatedUnion("type", [
	AdRequestEvent,
	AuctionEvent,
	WinEvent,
	PlayEvent,
	ExpiryEvent,
	CreativeSeenEvent,
	TelemetryEvent,
]);

/**
 * The inferred type without the index signature that loose objects add, so a typo in a field
 * name is still a compile error for producers; unknown fields still survive at run time.
 */
type Known<T> = T extends readonly (infer U)[]
	? Known<U>[]
	: T extends object
		? { [K in keyof T as string extends K ? never : K]: Known<T[K]> }
		: T;

type AdRequestEvent = Known<z.infer<typeof AdRequestEvent>>;
export type AuctionBid = Known<z.infer<typeof AuctionBid>>;
export type AuctionEvent = Known<z.infer<typeof AuctionEvent>>;
type WinEvent = Known<z.infer<typeof WinEvent>>;
export type PlayEvent = Known<z.infer<typeof PlayEvent>>;
type ExpiryEvent = Known<z.infer<typeof ExpiryEvent>>;
export type CreativeSeenEvent = Known<z.infer<typeof CreativeSeenEvent>>;
type TelemetryEvent = Known<z.infer<typeof TelemetryEvent>>;
export type PxEvent =
	| AdRequestEvent
	| AuctionEvent
	| WinEvent
	| PlayEvent
	| ExpiryEvent
	| CreativeSeenEvent
	| TelemetryEvent;
export type PxEventType = PxEvent["type"];
type EventOf<T extends PxEventType> = Extract<PxEvent, { type: T }>;
/** What a producer supplies: everything but the envelope fields the builder fills in. */
export type EventFields<T extends PxEventType> = Omit<
	EventOf<T>,
	"event_id" | "schema_version" | "type" | "ts"
>;

export const EVENT_TYPES = PxEventSchema.options.map((o) => o.shape.type.value) as PxEventType[];

interface EventOptions {
	/** When it happened, epoch ms; defaults to Date.now(). */
	now?: number;
	/** The event id; defaults to crypto.randomUUID(). Pass one to make a retry idempotent. */
	id?: string;
}

/**
 * Builds a record of `type`, filling the envelope. It does not validate: producers are the edge's
 * own code, typed against these schemas, and the queue consumer validates every message it
 * receives (a malformed one is retried alone and kept in the dead-letter queue). Parsing each
 * record here cost the screen's isolate CPU on every decision for a check made again downstream.
 */
export function newEvent<T extends PxEventType>(
	type: T,
	fields: EventFields<T>,
	options: EventOptions = {},
): EventOf<T> {
	return {
		event_id: options.id ?? crypto.randomUUID(),
		schema_version: EVENT_SCHEMA_VERSION,
		type,
		ts: options.now ?? Date.now(),
		...fields,
	} as unknown as EventOf<T>;
}

/** Validates a record of any version ≥ 1 (a queue message, a DLQ replay, an archived row). */
export function parseEvent(input: unknown): PxEvent {
	return PxEventSchema.parse(input) as PxEvent;
}

export function safeParseEvent(
	input: unknown,
): { success: true; data: PxEvent } | { success: false; error: z.ZodError } {
	const result = PxEventSchema.safeParse(input);
	return result.success
		? { success: true, data: result.data as PxEvent }
		: { success: false, error: result.error };
}

// Cloudflare Queues limits. "KB" is taken as 1,000 bytes, which leaves about 2% (≥ 60 bytes per
// message in a full batch) for per-message overhead. Send with `contentType: "json"` so the size
// measured here is the size sent (the default v8 serialization stores some strings as UTF-16).
export const QUEUE_MAX_MESSAGES = 100;
export const QUEUE_MAX_BATCH_BYTES = 256_000;
export const QUEUE_MAX_MESSAGE_BYTES = 128_000;

const encoder = new TextEncoder();

/** UTF-8 byte length of the record as JSON: its size as a queue message. */
export function eventBytes(event: PxEvent): number {
	return encoder.encode(JSON.stringify(event)).byteLength;
}

export class EventTooLargeError extends Error {
	constructor(
		readonly event: PxEvent,
		readonly bytes: number,
	) {
		super(
			`event ${event.event_id} (${event.type}) is ${bytes} bytes, over the ${QUEUE_MAX_MESSAGE_BYTES}-byte queue message limit`,
		);
		this.name = "EventTooLargeError";
	}
}

/**
 * Splits queue messages into `sendBatch` calls: ≤ 100 messages and ≤ 256 KB each, order kept.
 * `bytesOf` is a message's size as sent (UTF-8 JSON).
 */
export function batchForQueue<T>(messages: T[], bytesOf: (message: T) => number): T[][] {
	return groupBySize(messages, bytesOf, QUEUE_MAX_MESSAGES, QUEUE_MAX_BATCH_BYTES);
}

/** A pack's size as one message: its events, the commas between them and the brackets. */
export const packBytes = (pack: PxEvent[]): number =>
	pack.reduce((n, e) => n + eventBytes(e), 0) + Math.max(0, pack.length - 1) + 2;

/** Consecutive items in groups of at most `maxCount` items and `maxBytes` bytes, order kept. */
function groupBySize<T>(
	items: T[],
	bytesOf: (item: T) => number,
	maxCount: number,
	maxBytes: number,
): T[][] {
	const groups: T[][] = [];
	let current: T[] = [];
	let currentBytes = 0;
	for (const item of items) {
		const bytes = bytesOf(item);
		if (current.length === maxCount || (current.length > 0 && currentBytes + bytes > maxBytes)) {
			groups.push(current);
			current = [];
			currentBytes = 0;
		}
		current.push(item);
		currentBytes += bytes;
	}
	if (current.length > 0) groups.push(current);
	return groups;
}

/**
 * Packs events into queue messages, each an array of at most QUEUE_MAX_MESSAGE_BYTES, order
 * kept: the records of one ad request travel as one message instead of one each, and every
 * message costs three queue operations (write, read, delete). An event too large to travel even
 * alone goes to `onTooLarge` when given, else this throws EventTooLargeError.
 */
export function packEvents(
	events: PxEvent[],
	options: { onTooLarge?: (error: EventTooLargeError) => void } = {},
): PxEvent[][] {
	const sendable = events.filter((event) => {
		const bytes = eventBytes(event);
		if (bytes + 2 <= QUEUE_MAX_MESSAGE_BYTES) return true;
		const error = new EventTooLargeError(event, bytes);
		if (!options.onTooLarge) throw error;
		options.onTooLarge(error);
		return false;
	});
	// Each event after the first adds a comma; the brackets take 2 bytes of the message.
	return groupBySize(sendable, (e) => eventBytes(e) + 1, Infinity, QUEUE_MAX_MESSAGE_BYTES - 1);
}
