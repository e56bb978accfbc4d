import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import {
	type AuctionEvent,
	EVENT_SCHEMA_VERSION,
	newEvent,
	type PlayEvent,
	type PxEvent,
} from "../../src/px/events/events";
import { gunzip } from "../../src/queues/gzip";
import {
	ARCHIVE_COLUMNS,
	ARCHIVE_LAYOUT,
	archivedRecord,
	archiveKey,
	encodeEvents,
} from "../../src/queues/parquet";

type WinRecord = Extract<PxEvent, { type: "win" }>;
const screen = { publisher_id: "pub", screen_id: "scr", venue_type: 20101 };
const T = Date.UTC(2026, 10, 23, 9, 30);
/** Columns only an unbilled or re-measured play fills; the fixtures' play is billed as planned. */
const PLAY_BILLING = ["billable", "not_billable_reason", "planned_multiplier"];
/** The columns of a file of the fixtures, whose ids are all text ("req-1", "auc-1", …). */
const TEXT_ID_COLUMNS = ARCHIVE_COLUMNS.filter(
	(c) => !c.endsWith("_uuid") && !PLAY_BILLING.includes(c),
);

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
				cur: "USD",
				gross_cpm: 5,
				take_cpm: 1,
				net_cpm: 4,
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
				cur: "USD",
				gross_cpm: 5,
				take_cpm: 1,
				net_cpm: 4,
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
	parquetReadObjects({
		file: bytes.slice().buffer as ArrayBuffer,
		compressors: { GZIP: gunzip },
		utf8: true,
	});
const metadata = (bytes: Uint8Array) => parquetMetadata(bytes.slice().buffer as ArrayBuffer);
const columnsOf = (bytes: Uint8Array) =>
	metadata(bytes)
		.schema.slice(1)
		.map((s) => s.name);

describe("encodeEvents", () => {
	it("writes typed columns with the right values and nulls", async () => {
		const input = events();
		const rows = await read(encodeEvents(input));
		expect(rows.length).toBe(input.length);
		expect(Object.keys(rows[0]!)).toEqual(TEXT_ID_COLUMNS);
		const typed = rows.map(({ extra: _e, ...r }) => r);
		const n = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
		const common = (i: number, type: string) => ({
			event_id: n(i),
			schema_version: EVENT_SCHEMA_VERSION,
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
			clearing_price_cpm: null,
			multiplier: null,
			kind: null,
			cur: null,
			gross_cpm: null,
			take_cpm: null,
			net_cpm: null,
		};
		const won = {
			auction_id: "auc-1",
			decision_id: "dec-1",
			bidder: "a",
			crid: "c1",
			price_cpm: 5,
		};
		const split = { cur: "USD", gross_cpm: 5, take_cpm: 1, net_cpm: 4 };
		expect(typed).toEqual([
			{
				...common(1, "ad_request"),
				...none,
				request_id: "req-1",
				outcome: "no_fill",
				reason: "no_bids",
			},
			{ ...common(2, "auction"), ...none, auction_id: "auc-1", cur: "USD" },
			{ ...common(3, "win"), ...none, ...won, clearing_price_cpm: 5, multiplier: 4, ...split },
			{ ...common(4, "play"), ...none, ...won, multiplier: 4, ...split },
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
			{ ...common(7, "telemetry"), ...none, venue_type: null, kind: "played" },
		]);
		// extra: exactly the fields without a typed column, nested parts included.
		expect(rows.map((r) => (r.extra === null ? null : JSON.parse(r.extra as string)))).toEqual([
			{ dialect: "vistar", slot_id: "main", latency_ms: 31.25, bidders_called: 2 },
			{
				at: 1,
				floor_cpm: 2,
				bids: (input[1] as AuctionEvent).bids,
				clearing_price: 5,
			},
			{ adomain: ["x.example"], not_after: T + 3_600_000 },
			{ played_at: T + 60_000 },
			{ reported_at: T + 7_200_000 },
			{
				creative_key: "b:c9",
				adomain: ["y.example"],
				asset_url: "https://cdn.example/c9.jpg",
				mime: "image/jpeg",
				w: 1920,
				h: 1080,
			},
			{ detail: "ünïcødé ✓" },
		]);
	});

	it("puts every record back together from its row", async () => {
		const input = events();
		const rows = await read(encodeEvents(input));
		expect(rows.map(archivedRecord)).toEqual(input);
	});

	it("keeps fields of newer versions in extra and out of typed columns", async () => {
		const [, auction, win] = events();
		const newer = {
			...auction!,
			schema_version: EVENT_SCHEMA_VERSION + 1,
			bidder: { not: "a string" },
			multiplier: "4",
			campaign: "c",
		};
		// The win gives the file bidder and multiplier columns; the newer record's values do not fit.
		const [row, winRow] = await read(encodeEvents([newer as unknown as PxEvent, win!]));
		expect(row).toMatchObject({
			schema_version: EVENT_SCHEMA_VERSION + 1,
			bidder: null,
			multiplier: null,
		});
		expect(winRow).toMatchObject({ bidder: "a", multiplier: 4 });
		expect(JSON.parse(row?.extra as string)).toMatchObject({
			bidder: { not: "a string" },
			multiplier: "4",
			campaign: "c",
		});
		expect(archivedRecord(row!)).toEqual(newer);
		expect(archivedRecord(winRow!)).toEqual(win);
	});

	it("types a play's billable, not_billable_reason and planned_multiplier, out of extra", async () => {
		const [, , , play] = events();
		const unbilled = {
			...(play as PlayEvent),
			event_id: crypto.randomUUID(),
			billable: false,
			not_billable_reason: "under_threshold",
			multiplier: 3,
			planned_multiplier: 4,
		} as PlayEvent;
		const [billedRow, unbilledRow] = await read(encodeEvents([play!, unbilled]));
		expect(billedRow).toMatchObject({
			billable: null,
			not_billable_reason: null,
			planned_multiplier: null,
		});
		expect(unbilledRow).toMatchObject({
			billable: false,
			not_billable_reason: "under_threshold",
			multiplier: 3,
			planned_multiplier: 4,
		});
		expect(JSON.parse(unbilledRow!.extra as string)).toEqual({ played_at: T + 60_000 });
		expect([billedRow, unbilledRow].map((r) => archivedRecord(r!))).toEqual([play, unbilled]);
		// A file of billed plays has no billing columns at all: readers take billable as true.
		expect(columnsOf(encodeEvents([play!]))).not.toContain("billable");
	});

	it("reads a play archived before the billing columns, with billable in extra", () => {
		const [, , , play] = events();
		const { extra: _e, ...columns } = Object.fromEntries(
			ARCHIVE_COLUMNS.filter((c) => !PLAY_BILLING.includes(c)).map((c) => [c, null]),
		);
		const old = { ...(play as PlayEvent), billable: false, not_billable_reason: "no_evidence" };
		const { played_at, billable, not_billable_reason, ...typed } = old;
		const row = {
			...columns,
			...typed,
			ts: new Date(old.ts),
			extra: JSON.stringify({ played_at, billable, not_billable_reason }),
		};
		expect(archivedRecord(row)).toEqual(old);
	});

	it("leaves out the columns that are null in every row", async () => {
		const [adRequest, , , play] = events();
		const bytes = encodeEvents([adRequest!, adRequest!]);
		expect(columnsOf(bytes)).toEqual([
			...["event_id", "schema_version", "type", "ts", "publisher_id", "screen_id"],
			...["venue_type", "request_id", "outcome", "reason", "extra"],
		]);
		const { request_id: _r, ...noRequest } = play as PlayEvent;
		expect(columnsOf(encodeEvents([noRequest as PxEvent]))).not.toContain("request_id");
		// The envelope columns are in every file, even an empty one.
		expect(columnsOf(encodeEvents([]))).toEqual(ARCHIVE_COLUMNS.slice(0, 6));
	});

	it("writes GZIP where it pays, a delta-encoded millisecond timestamp and a UUID event_id", () => {
		const many = Array.from({ length: 50 }, () => events()).flat();
		const bytes = encodeEvents(many);
		const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
		expect(latin1(bytes.subarray(0, 4))).toBe("PAR1");
		expect(latin1(bytes.subarray(-4))).toBe("PAR1");
		const meta = metadata(bytes);
		const chunks = Object.fromEntries(
			meta.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!]),
		);
		expect(Object.keys(chunks)).toEqual(TEXT_ID_COLUMNS);
		// Text with many distinct values is compressed; ids, dictionaries, delta-encoded ints are not.
		expect(chunks.extra?.codec).toBe("GZIP");
		expect(chunks.event_id?.codec).toBe("UNCOMPRESSED");
		expect(chunks.type?.codec).toBe("UNCOMPRESSED");
		expect(chunks.type?.encodings).toContain("RLE_DICTIONARY");
		expect(chunks.ts?.encodings).toEqual(["DELTA_BINARY_PACKED"]);
		// Statistics only for ts, the one column whose min/max lets readers skip a file.
		expect(chunks.ts?.statistics).toMatchObject({ min_value: new Date(T), null_count: 0n });
		expect(chunks.screen_id?.statistics).toBeUndefined();
		const schema = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s]));
		expect(schema.ts).toMatchObject({
			type: "INT64",
			converted_type: "TIMESTAMP_MILLIS",
			repetition_type: "REQUIRED",
		});
		expect(schema.event_id).toMatchObject({
			type: "FIXED_LEN_BYTE_ARRAY",
			type_length: 16,
			logical_type: { type: "UUID" },
			repetition_type: "REQUIRED",
		});
		expect(schema.venue_type?.repetition_type).toBe("OPTIONAL");
		expect(schema.price_cpm?.type).toBe("DOUBLE");
		expect(schema.extra).toMatchObject({ type: "BYTE_ARRAY", converted_type: "UTF8" });
		expect(meta.key_value_metadata).toEqual([
			{ key: "px.schema_version", value: String(EVENT_SCHEMA_VERSION) },
			{ key: "px.archive_layout", value: String(ARCHIVE_LAYOUT) },
		]);
		expect(meta.num_rows).toBe(350n);
	});

	it("stores UUID ids in 16-byte columns and any other id as text, and reads both back", async () => {
		const [adRequest, auction, win] = events();
		const uuid = "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4";
		const upper = "0B9F1C2E-3D4A-4B5C-8D6E-7F8091A2B3C5"; // would come back lowercased
		const input = [
			{ ...adRequest!, request_id: uuid },
			{ ...auction!, request_id: upper, auction_id: uuid },
			{ ...win!, auction_id: uuid, decision_id: "dec-1" },
		] as PxEvent[];
		const bytes = encodeEvents(input);
		// A column null in every row is left out of the file: undefined here.
		const pair = (a: unknown, b: unknown) => [a ?? null, b ?? null];
		const rows = await read(bytes);
		expect(rows.map((r) => pair(r.request_id, r.request_id_uuid))).toEqual([
			[null, uuid],
			[upper, null],
			[null, null],
		]);
		expect(rows.map((r) => pair(r.auction_id, r.auction_id_uuid))).toEqual([
			[null, null],
			[null, uuid],
			[null, uuid],
		]);
		expect(rows.map((r) => pair(r.decision_id, r.decision_id_uuid))).toEqual([
			[null, null],
			[null, null],
			["dec-1", null],
		]);
		expect(rows.map(archivedRecord)).toEqual(input);
		// The column types never depend on the values: readers merge files by name.
		const schema = Object.fromEntries(metadata(bytes).schema.map((s) => [s.name, s]));
		for (const name of ["request_id_uuid", "auction_id_uuid"]) {
			expect(schema[name]).toMatchObject({
				type: "FIXED_LEN_BYTE_ARRAY",
				logical_type: { type: "UUID" },
			});
		}
		expect(schema.request_id).toMatchObject({ type: "BYTE_ARRAY", converted_type: "UTF8" });
		expect(schema.auction_id).toBeUndefined();
		expect(schema.decision_id_uuid).toBeUndefined();
	});

	it("reads a UUID event_id back in lowercase", async () => {
		const [adRequest] = events();
		const id = "0B9F1C2E-3D4A-4B5C-8D6E-7F8091A2B3C4";
		const [row] = await read(encodeEvents([{ ...adRequest!, event_id: id }]));
		expect(row?.event_id).toBe(id.toLowerCase());
	});

	it("refuses a record whose envelope does not fit its column", () => {
		const [adRequest] = events();
		expect(() => encodeEvents([{ ...adRequest!, event_id: "not-a-uuid" }])).toThrow(
			/event not-a-uuid: event_id "not-a-uuid" is not a UUID/,
		);
		expect(() => encodeEvents([{ ...adRequest!, ts: 1.5 }])).toThrow(/ts 1.5 is not a TIMESTAMP/);
	});

	it("compresses repetitive events well below their JSON size", () => {
		const many = Array.from({ length: 500 }, () => events()).flat();
		const json = new TextEncoder().encode(many.map((e) => JSON.stringify(e)).join("\n"));
		expect(encodeEvents(many).length).toBeLessThan(json.length / 10);
	});

	it("uses another codec when asked", async () => {
		const input = events();
		const snappy = encodeEvents(input, { codec: "SNAPPY" });
		const codecs = (bytes: Uint8Array) =>
			new Set(metadata(bytes).row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)));
		expect(codecs(snappy)).toEqual(new Set(["SNAPPY", "UNCOMPRESSED"]));
		const rows = await parquetReadObjects({ file: snappy.slice().buffer as ArrayBuffer });
		expect(rows.map(archivedRecord)).toEqual(input);
		const brotli = encodeEvents(input, {
			codec: "BROTLI",
			compressors: { BROTLI: (b) => new Uint8Array(brotliCompressSync(b)) },
		});
		expect(codecs(brotli)).toEqual(new Set(["BROTLI", "UNCOMPRESSED"]));
		const decoded = await parquetReadObjects({
			file: brotli.slice().buffer as ArrayBuffer,
			compressors: { BROTLI: (b: Uint8Array) => new Uint8Array(brotliDecompressSync(b)) },
		});
		expect(decoded.map(archivedRecord)).toEqual(input);
	});

	it("encodes an empty batch as a valid file with no rows", async () => {
		expect(await read(encodeEvents([]))).toEqual([]);
	});
});

describe("archivedRecord", () => {
	it("reads a row of archive layout 1 from its details", () => {
		const [, auction] = events();
		const row = { event_id: auction!.event_id, type: "auction", details: JSON.stringify(auction) };
		expect(archivedRecord(row)).toEqual(auction);
	});

	it("reads a row as DuckDB returns it: bigint integers, null for absent columns", () => {
		const [, , win] = events();
		const row: Record<string, unknown> = {
			...Object.fromEntries(ARCHIVE_COLUMNS.map((c) => [c, null])),
		};
		Object.assign(row, {
			event_id: win!.event_id,
			schema_version: EVENT_SCHEMA_VERSION,
			type: "win",
			ts: new Date(win!.ts),
			publisher_id: "pub",
			screen_id: "scr",
			venue_type: 20101n,
			auction_id: "auc-1",
			decision_id: "dec-1",
			bidder: "a",
			crid: "c1",
			price_cpm: 5,
			clearing_price_cpm: 5,
			multiplier: 4,
			cur: "USD",
			gross_cpm: 5,
			take_cpm: 1,
			net_cpm: 4,
			extra: JSON.stringify({ adomain: ["x.example"], not_after: T + 3_600_000 }),
		});
		expect(archivedRecord(row)).toEqual(win);
	});

	it("reads a win archived before event schema 7: no split columns, the auction's cur in extra", () => {
		const [, auction, win] = events();
		const { cur: _c, gross_cpm: _g, take_cpm: _t, net_cpm: _n, ...v6 } = win as WinRecord;
		const row = {
			...Object.fromEntries(
				ARCHIVE_COLUMNS.filter((c) => c !== "cur" && !c.endsWith("_cpm")).map((c) => [c, null]),
			),
			...v6,
			ts: new Date(v6.ts),
			extra: JSON.stringify({ adomain: v6.adomain, not_after: v6.not_after }),
		};
		expect(archivedRecord(row)).toEqual(v6);
		const a = auction as AuctionEvent;
		const auctionRow = {
			event_id: a.event_id,
			schema_version: 6,
			type: "auction",
			ts: new Date(a.ts),
			publisher_id: "pub",
			screen_id: "scr",
			venue_type: 20101,
			auction_id: "auc-1",
			extra: JSON.stringify({ at: 1, floor_cpm: 2, cur: "USD", bids: a.bids, clearing_price: 5 }),
		};
		expect(archivedRecord(auctionRow)).toEqual({ ...a, schema_version: 6 });
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
