import { gunzipSync, gzipSync } from "node:zlib";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import { newEvent, type PxEvent } from "../../src/px/events";
import { ARCHIVE_COLUMNS, archiveKey, encodeEvents } from "../../src/queues/parquet";

const screen = { publisher_id: "pub", screen_id: "scr", venue_type: 20101 };
const T = Date.UTC(2026, 10, 23, 9, 30);

/** One event of every type, in a fixed order. */
function events(): PxEvent[] {
	let n = 0;
	const opts = () => ({
		now: T + n,
		id: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
	});
	return [
		newEvent(
			"ad_request",
			{
				...screen,
				request_id: "req-1",
				dialect: "vistar",
				slot_id: "main",
				outcome: "no_fill",
				no_fill_reason: "no_bids",
				latency_ms: 31.25,
				bidders_called: 2,
			},
			opts(),
		),
		newEvent(
			"auction",
			{
				...screen,
				auction_id: "auc-1",
				at: 1,
				floor_cpm: 2,
				cur: "USD",
				bids: [
					{
						bidder: "a",
						crid: "c1",
						adomain: ["x.example"],
						price: 5,
						outcome: "won",
						reason: 0,
						latency_ms: 70,
					},
					{ bidder: "b", outcome: "filtered", reason: 201, latency_ms: 90 },
				],
				clearing_price: 5,
			},
			opts(),
		),
		newEvent(
			"win",
			{
				...screen,
				auction_id: "auc-1",
				decision_id: "dec-1",
				bidder: "a",
				crid: "c1",
				adomain: ["x.example"],
				price_cpm: 5,
				clearing_price_cpm: 5,
				multiplier: 4,
				not_after: T + 3_600_000,
			},
			opts(),
		),
		newEvent(
			"play",
			{
				...screen,
				decision_id: "dec-1",
				auction_id: "auc-1",
				bidder: "a",
				crid: "c1",
				price_cpm: 5,
				multiplier: 4,
				played_at: T + 60_000,
			},
			opts(),
		),
		newEvent(
			"expiry",
			{
				...screen,
				decision_id: "dec-2",
				auction_id: "auc-2",
				bidder: "b",
				crid: "c9",
				reported_at: T + 7_200_000,
				reason: "reported",
			},
			opts(),
		),
		newEvent(
			"creative_seen",
			{
				...screen,
				bidder: "b",
				crid: "c9",
				creative_key: "b:c9",
				adomain: ["y.example"],
				asset_url: "https://cdn.example/c9.jpg",
				mime: "image/jpeg",
				w: 1920,
				h: 1080,
			},
			opts(),
		),
		newEvent(
			"telemetry",
			{ publisher_id: "pub", screen_id: "scr", kind: "played", detail: "ünïcødé ✓" },
			opts(),
		),
	];
}

const read = (bytes: Uint8Array) =>
	parquetReadObjects({ file: bytes.slice().buffer as ArrayBuffer, utf8: true });

describe("encodeEvents", () => {
	it("writes flat columns with the right values and nulls", async () => {
		const input = events();
		const rows = await read(encodeEvents(input));
		expect(rows.length).toBe(input.length);
		expect(Object.keys(rows[0]!)).toEqual([...ARCHIVE_COLUMNS]);
		const flat = rows.map(({ details: _d, ...r }) => r);
		const n = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
		const common = (i: number, type: string) => ({
			event_id: n(i),
			schema_version: 1,
			type,
			ts: new Date(T + i - 1),
			publisher_id: "pub",
			screen_id: "scr",
			venue_type: 20101,
			request_id: null,
		});
		const none = {
			auction_id: null,
			decision_id: null,
			bidder: null,
			crid: null,
			price_cpm: null,
			outcome: null,
			reason: null,
		};
		expect(flat).toEqual([
			{
				...common(1, "ad_request"),
				...none,
				request_id: "req-1",
				outcome: "no_fill",
				reason: "no_bids",
			},
			{ ...common(2, "auction"), ...none, auction_id: "auc-1" },
			{
				...common(3, "win"),
				...none,
				auction_id: "auc-1",
				decision_id: "dec-1",
				bidder: "a",
				crid: "c1",
				price_cpm: 5,
			},
			{
				...common(4, "play"),
				...none,
				auction_id: "auc-1",
				decision_id: "dec-1",
				bidder: "a",
				crid: "c1",
				price_cpm: 5,
			},
			{
				...common(5, "expiry"),
				...none,
				auction_id: "auc-2",
				decision_id: "dec-2",
				bidder: "b",
				crid: "c9",
				reason: "reported",
			},
			{ ...common(6, "creative_seen"), ...none, bidder: "b", crid: "c9" },
			{ ...common(7, "telemetry"), ...none, venue_type: null },
		]);
		// The full record, nested parts included, survives in `details`.
		expect(rows.map((r) => JSON.parse(r.details as string))).toEqual(input);
	});

	it("keeps fields of newer versions in details and out of typed columns", async () => {
		const [, auction] = events();
		const newer = { ...auction!, schema_version: 2, bidder: { not: "a string" }, campaign: "c" };
		const [row] = await read(encodeEvents([newer as unknown as PxEvent]));
		expect(row?.schema_version).toBe(2);
		expect(row?.bidder).toBeNull();
		expect(JSON.parse(row?.details as string).campaign).toBe("c");
	});

	it("writes a Snappy-compressed file with a millisecond timestamp and required envelope", () => {
		const bytes = encodeEvents(events());
		const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
		expect(latin1(bytes.subarray(0, 4))).toBe("PAR1");
		expect(latin1(bytes.subarray(-4))).toBe("PAR1");
		const meta = parquetMetadata(bytes.slice().buffer as ArrayBuffer);
		const chunks = meta.row_groups.flatMap((g) => g.columns);
		expect(chunks.length).toBe(ARCHIVE_COLUMNS.length);
		expect(new Set(chunks.map((c) => c.meta_data?.codec))).toEqual(new Set(["SNAPPY"]));
		const schema = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s]));
		expect(schema.ts).toMatchObject({ type: "INT64", converted_type: "TIMESTAMP_MILLIS" });
		expect(schema.ts?.repetition_type).toBe("REQUIRED");
		expect(schema.event_id?.repetition_type).toBe("REQUIRED");
		expect(schema.venue_type?.repetition_type).toBe("OPTIONAL");
		expect(schema.price_cpm?.type).toBe("DOUBLE");
		expect(meta.key_value_metadata).toContainEqual({ key: "px.schema_version", value: "1" });
		expect(meta.num_rows).toBe(7n);
	});

	it("compresses repetitive events well below their JSON size", () => {
		const many = Array.from({ length: 500 }, () => events()).flat();
		const json = new TextEncoder().encode(many.map((e) => JSON.stringify(e)).join("\n"));
		expect(encodeEvents(many).length).toBeLessThan(json.length / 3);
	});

	it("uses an injected compressor for another codec", async () => {
		const input = events();
		const bytes = encodeEvents(input, {
			codec: "GZIP",
			compressors: { GZIP: (b) => new Uint8Array(gzipSync(b)) },
		});
		const meta = parquetMetadata(bytes.slice().buffer as ArrayBuffer);
		const codecs = meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec));
		expect(new Set(codecs)).toEqual(new Set(["GZIP"]));
		const rows = await parquetReadObjects({
			file: bytes.slice().buffer as ArrayBuffer,
			compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gunzipSync(b)) },
		});
		expect(rows.map((r) => JSON.parse(r.details as string))).toEqual(input);
	});

	it("encodes an empty batch as a valid file with no rows", async () => {
		expect(await read(encodeEvents([]))).toEqual([]);
	});
});

describe("archiveKey", () => {
	const tz = process.env.TZ;
	afterEach(() => {
		process.env.TZ = tz;
	});

	it("partitions by type, UTC day and UTC hour", () => {
		// A local-time implementation would land this on another day west of UTC.
		process.env.TZ = "America/Los_Angeles";
		expect(
			archiveKey({ type: "win", ts: Date.UTC(2026, 0, 2, 3, 59, 59, 999), batchId: "b-1" }),
		).toBe("events/type=win/dt=2026-01-02/hour=03/b-1.parquet");
		expect(archiveKey({ type: "auction", ts: Date.UTC(2026, 11, 31, 23), batchId: "x.y_z" })).toBe(
			"events/type=auction/dt=2026-12-31/hour=23/x.y_z.parquet",
		);
	});

	it("refuses batch ids that would escape or split the partition", () => {
		for (const batchId of ["", "a/b", "..", ".hidden", "a b", "x".repeat(129)]) {
			expect(() => archiveKey({ type: "play", ts: T, batchId }), batchId).toThrow(/batchId/);
		}
		expect(() => archiveKey({ type: "play", ts: Number.NaN, batchId: "b" })).toThrow(RangeError);
	});
});
