import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
	type AuctionEvent,
	batchForQueue,
	EVENT_SCHEMA_VERSION,
	EVENT_TYPES,
	EventTooLargeError,
	eventBytes,
	newEvent,
	type PxEvent,
	PxEventSchema,
	packBytes,
	packEvents,
	parseEvent,
	QUEUE_MAX_BATCH_BYTES,
	QUEUE_MAX_MESSAGE_BYTES,
	QUEUE_MAX_MESSAGES,
	safeParseEvent,
} from "../../src/px/events/events";

// Records exactly as version 1 wrote them. Never edit these: they are what the archive holds.
const V1_RECORDS = [
	{
		event_id: "6f1d3c2a-8b4e-4f6a-9c1d-2e3f4a5b6c7d",
		schema_version: 1,
		type: "ad_request",
		ts: 1_760_000_000_000,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		venue_type: 20101,
		request_id: "req-1",
		dialect: "px",
		slot_id: "main",
		outcome: "no_fill",
		no_fill_reason: "all_bids_filtered",
		latency_ms: 41.5,
		bidders_called: 3,
	},
	{
		event_id: "7a2e4d3b-9c5f-4a7b-8d2e-3f4a5b6c7d8e",
		schema_version: 1,
		type: "auction",
		ts: 1_760_000_000_010,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		venue_type: 20101,
		auction_id: "auc-1",
		at: 2,
		floor_cpm: 2,
		cur: "USD",
		bids: [
			{
				bidder: "dsp-a",
				bid_id: "b1",
				seat: "s1",
				crid: "cr-1",
				adomain: ["brand.example"],
				price: 9.5,
				outcome: "won",
				reason: 0,
				latency_ms: 80,
			},
			{ bidder: "dsp-b", price: 7, crid: "cr-2", outcome: "lost", reason: 102, latency_ms: 95 },
			{ bidder: "dsp-c", outcome: "timeout", reason: 500, latency_ms: 300 },
		],
		clearing_price: 7.01,
	},
	{
		event_id: "8b3f5e4c-ad6a-4b8c-9e3f-4a5b6c7d8e9f",
		schema_version: 1,
		type: "win",
		ts: 1_760_000_000_020,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		venue_type: 20101,
		auction_id: "auc-1",
		decision_id: "dec-1",
		bidder: "dsp-a",
		crid: "cr-1",
		adomain: ["brand.example"],
		price_cpm: 9.5,
		clearing_price_cpm: 7.01,
		multiplier: 12.5,
		not_after: 1_760_003_600_000,
	},
	{
		event_id: "9c4a6f5d-be7b-4c9d-8f4a-5b6c7d8e9fa0",
		schema_version: 1,
		type: "play",
		ts: 1_760_000_600_000,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		venue_type: 20101,
		decision_id: "dec-1",
		auction_id: "auc-1",
		bidder: "dsp-a",
		crid: "cr-1",
		price_cpm: 7.01,
		multiplier: 12.5,
		played_at: 1_760_000_590_000,
	},
	{
		event_id: "ad5b7a6e-cf8c-4dae-9a5b-6c7d8e9fa0b1",
		schema_version: 1,
		type: "expiry",
		ts: 1_760_003_700_000,
		publisher_id: "demo-pub",
		screen_id: "lobby-2",
		venue_type: 20101,
		decision_id: "dec-2",
		auction_id: "auc-2",
		bidder: "dsp-b",
		crid: "cr-2",
		reported_at: 1_760_003_700_000,
		reason: "inferred",
	},
	{
		event_id: "be6c8b7f-da9d-4ebf-8b6c-7d8e9fa0b1c2",
		schema_version: 1,
		type: "creative_seen",
		ts: 1_760_000_000_015,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		venue_type: 20101,
		bidder: "dsp-b",
		crid: "cr-2",
		creative_key: "dsp-b:cr-2",
		adomain: ["other.example"],
		asset_url: "https://cdn.example/cr-2.mp4",
		mime: "video/mp4",
		w: 1080,
		h: 1920,
		duration_s: 15,
	},
	{
		event_id: "cf7d9c8a-ebae-4fca-9c7d-8e9fa0b1c2d3",
		schema_version: 1,
		type: "telemetry",
		ts: 1_760_000_000_030,
		publisher_id: "demo-pub",
		screen_id: "lobby-1",
		kind: "error",
		detail: "asset download failed",
	},
] as const satisfies readonly PxEvent[];

/** Version-1 records rebuilt through the builder (fields minus envelope), keyed by type. */
function sampleEvents() {
	const byType = Object.fromEntries(
		V1_RECORDS.map(({ event_id, schema_version: _v, type, ts, ...fields }) => [
			type,
			newEvent(type, structuredClone(fields) as any, { now: ts, id: event_id }),
		]),
	);
	return byType as { [T in PxEvent["type"]]: Extract<PxEvent, { type: T }> };
}

/** An auction whose JSON is exactly `bytes` long, padded with a field a newer version might add. */
function auctionWithBytes(bytes: number, auctionId: string): PxEvent {
	const base = { ...sampleEvents().auction, auction_id: auctionId, note: "" };
	const padding = bytes - eventBytes(base);
	if (padding < 0) throw new Error("target smaller than the base auction");
	return Object.assign(base, { note: "x".repeat(padding) });
}

describe("newEvent", () => {
	it("fills the envelope from the options", () => {
		const event = newEvent(
			"play",
			{
				publisher_id: "pub",
				screen_id: "scr",
				venue_type: 20101,
				request_id: "req-1",
				decision_id: "d1",
				auction_id: "a1",
				bidder: "dsp",
				crid: "c1",
				price_cpm: 12.5,
				multiplier: 3.2,
				played_at: 1_760_000_000_500,
			},
			{ now: 1_760_000_000_000, id: "0b7c6a8e-1f2d-4c3b-9a5e-6d7f8091a2b3" },
		);
		expect(event).toEqual({
			event_id: "0b7c6a8e-1f2d-4c3b-9a5e-6d7f8091a2b3",
			schema_version: EVENT_SCHEMA_VERSION,
			type: "play",
			ts: 1_760_000_000_000,
			publisher_id: "pub",
			screen_id: "scr",
			venue_type: 20101,
			request_id: "req-1",
			decision_id: "d1",
			auction_id: "a1",
			bidder: "dsp",
			crid: "c1",
			price_cpm: 12.5,
			multiplier: 3.2,
			played_at: 1_760_000_000_500,
		});
		expect(EVENT_SCHEMA_VERSION).toBe(7);
	});

	it("defaults to a random UUID and the current time", () => {
		const before = Date.now();
		const fields = { publisher_id: "p", screen_id: "s", kind: "requested" as const };
		const a = newEvent("telemetry", fields);
		const b = newEvent("telemetry", fields);
		expect(a.event_id).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
		);
		expect(a.event_id).not.toBe(b.event_id);
		expect(a.ts).toBeGreaterThanOrEqual(before);
		expect(a.ts).toBeLessThanOrEqual(Date.now());
	});

	it("builds without validating; parseEvent, the consumer's check, rejects a malformed record", () => {
		const bad = {
			publisher_id: "p",
			screen_id: "s",
			venue_type: 101,
			dialect: "px",
			slot_id: "main",
			outcome: "maybe",
			latency_ms: 3,
			bidders_called: 1,
		};
		// @ts-expect-error outcome is not an AdRequestOutcome
		const built = newEvent("ad_request", bad);
		expect(built.outcome).toBe("maybe");
		expect(() => parseEvent(built)).toThrow(z.ZodError);
		expect(() => parseEvent(newEvent("win", { ...sampleEvents().win, price_cpm: -1 }))).toThrow(
			/price_cpm/,
		);
	});
});

describe("parsing", () => {
	it("round-trips every event type through JSON", () => {
		const events = Object.values(sampleEvents());
		expect(events.map((e) => e.type).sort()).toEqual([...EVENT_TYPES].sort());
		for (const event of events) {
			expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
		}
	});

	it("still parses version-1 records as they were written", () => {
		expect(V1_RECORDS.map((r) => r.type).sort()).toEqual([...EVENT_TYPES].sort());
		for (const record of V1_RECORDS) {
			const result = safeParseEvent(structuredClone(record));
			expect(result.success, JSON.stringify(result)).toBe(true);
			expect(result.success && result.data).toEqual(record);
		}
	});

	it("can be extended with optional fields, and that version validates version-1 records", () => {
		const v2 = z.discriminatedUnion(
			"type",
			PxEventSchema.options.map((o) =>
				o.extend({ campaign_id: z.string().optional(), deal_id: z.string().optional() }),
			) as unknown as [typeof AuctionEvent],
		);
		for (const record of V1_RECORDS) expect(v2.safeParse(record).success).toBe(true);
	});

	it("keeps fields it does not know (records from a newer version)", () => {
		const auction = V1_RECORDS.find((r) => r.type === "auction")!;
		const newer = {
			...auction,
			schema_version: 2,
			campaign_id: "camp-9",
			bids: auction.bids.map((b) => ({ ...b, dsa: { paid: true } })),
		};
		const parsed = parseEvent(newer) as Record<string, unknown>;
		expect(parsed.schema_version).toBe(2);
		expect(parsed.campaign_id).toBe("camp-9");
		expect((parsed.bids as Record<string, unknown>[])[0]?.dsa).toEqual({ paid: true });
	});

	it("rejects records that break the schema", () => {
		const [adRequest] = V1_RECORDS;
		const win = V1_RECORDS.find((r) => r.type === "win")!;
		const telemetry = V1_RECORDS.find((r) => r.type === "telemetry")!;
		const cases: unknown[] = [
			{ ...adRequest, event_id: "not-a-uuid" },
			{ ...adRequest, type: "bid" },
			{ ...adRequest, schema_version: 0 },
			{ ...adRequest, ts: 1.5 },
			{ ...adRequest, latency_ms: undefined },
			{ ...win, venue_type: undefined },
			{ ...win, adomain: "example.com" },
			{ ...V1_RECORDS.find((r) => r.type === "auction")!, bids: [{ bidder: "x", outcome: "won" }] },
		];
		for (const input of cases)
			expect(safeParseEvent(input).success, JSON.stringify(input)).toBe(false);
		// Telemetry is the one record that may lack a venue.
		expect(safeParseEvent({ ...telemetry, venue_type: undefined }).success).toBe(true);
	});
});

describe("batchForQueue", () => {
	const small = (n: number) =>
		Array.from({ length: n }, (_, i) =>
			newEvent("telemetry", { publisher_id: "p", screen_id: `s${i}`, kind: "played" }, { now: i }),
		);
	const check = (input: PxEvent[], batches: PxEvent[][]) => {
		expect(batches.flat()).toEqual(input); // nothing lost, order kept
		for (const batch of batches) {
			expect(batch.length).toBeGreaterThan(0);
			expect(batch.length).toBeLessThanOrEqual(QUEUE_MAX_MESSAGES);
			const bytes = batch.reduce(
				(sum, e) => sum + new TextEncoder().encode(JSON.stringify(e)).length,
				0,
			);
			expect(bytes).toBeLessThanOrEqual(QUEUE_MAX_BATCH_BYTES);
		}
	};

	it("caps batches at 100 messages", () => {
		const events = small(250);
		const batches = batchForQueue(events, eventBytes);
		expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
		check(events, batches);
		expect(batchForQueue([], eventBytes)).toEqual([]);
	});

	it("caps batches at 256 KB with big events", () => {
		const events = Array.from({ length: 10 }, (_, i) => auctionWithBytes(60_000, `a${i}`));
		for (const e of events) expect(eventBytes(e)).toBe(60_000);
		const batches = batchForQueue(events, eventBytes);
		// Four 60 KB events fit in 256 KB, a fifth does not.
		expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
		check(events, batches);
	});

	it("respects both limits on a mix of sizes", () => {
		const events = [...small(150), auctionWithBytes(120_000, "big1"), ...small(30)];
		events.push(auctionWithBytes(100_000, "big2"), auctionWithBytes(90_000, "big3"), ...small(99));
		const batches = batchForQueue(events, eventBytes);
		check(events, batches);
		// 100 small | 50 small + 120 KB + 30 small + 100 KB | 90 KB + 99 small (100 messages)
		expect(batches.map((b) => b.length)).toEqual([100, 82, 100]);
	});

	it("measures bytes as UTF-8, not characters", () => {
		const wide = newEvent("telemetry", {
			publisher_id: "p",
			screen_id: "s",
			kind: "error",
			detail: "画面が黒い".repeat(200), // 1,000 characters, 3,000 bytes
		});
		expect(eventBytes(wide)).toBe(new TextEncoder().encode(JSON.stringify(wide)).length);
		expect(eventBytes(wide)).toBeGreaterThan(3_000);
		const batches = batchForQueue(
			Array.from({ length: 100 }, () => wide),
			eventBytes,
		);
		expect(batches.length).toBe(2); // 100 × ~3.2 KB > 256 KB
	});

	it("batches packs (one message each) by their size as sent", () => {
		const packs = [small(3), small(2), small(1)];
		expect(batchForQueue(packs, packBytes)).toEqual([packs]);
		expect(packBytes(packs[0]!)).toBe(new TextEncoder().encode(JSON.stringify(packs[0])).length);
	});
});

describe("packEvents", () => {
	const telemetry = (i: number) =>
		newEvent("telemetry", { publisher_id: "p", screen_id: `s${i}`, kind: "played" }, { now: i });

	it("puts a request's records in one message, in order", () => {
		const events = [0, 1, 2].map(telemetry);
		expect(packEvents(events)).toEqual([events]);
	});

	it("starts a new message before one would pass the 128 KB message limit", () => {
		const big = (i: number) => Object.assign(telemetry(i), { note: "x".repeat(50_000) });
		const events = [0, 1, 2, 3].map(big);
		const packs = packEvents(events);
		expect(packs.map((p) => p.length)).toEqual([2, 2]);
		for (const pack of packs) {
			expect(new TextEncoder().encode(JSON.stringify(pack)).byteLength).toBeLessThanOrEqual(
				QUEUE_MAX_MESSAGE_BYTES,
			);
		}
		expect(packs.flat()).toEqual(events);
	});

	it("an event too large alone is reported, the others still packed", () => {
		const huge = Object.assign(telemetry(9), { note: "x".repeat(QUEUE_MAX_MESSAGE_BYTES) });
		const tooLarge: string[] = [];
		const packs = packEvents([telemetry(1), huge, telemetry(2)], {
			onTooLarge: (e) => tooLarge.push(e.event.event_id),
		});
		expect(tooLarge).toEqual([huge.event_id]);
		expect(packs.flat().map((e) => e.ts)).toEqual([1, 2]);
		expect(() => packEvents([huge])).toThrow(EventTooLargeError);
	});
});
