// Parquet encoding for the archive, runnable in workerd: hyparquet-writer's web entry (no `fs`)
// and web-standard APIs, plus node:zlib's gzip (./gzip, under nodejs_compat).
//
// Archive layout 3 (footer key `px.archive_layout`):
// - A typed column per envelope field and per field the report aggregates (ARCHIVE_COLUMNS).
//   A value that does not fit its column's type (a loose record from a newer version) is not
//   coerced: it stays in `extra`.
// - `request_id`, `auction_id`, `decision_id` have two columns each: `<field>_uuid` (16-byte
//   UUID) for a value that is a canonical lowercase UUID, what the edge generates, and the text
//   column for any other value (ids are free text in the event schema, e.g. a player's own
//   x-request-id). A row fills at most one of the two. A column's type never depends on the
//   data: readers that merge files by name (DuckDB, Spark) fail on a column that is UUID in one
//   file and text in another.
// - `extra`: the record's remaining fields as JSON — auction bids, adomain, rarely read fields,
//   fields of newer versions — so the record is exactly its typed columns plus `extra`
//   (`archivedRecord` puts it back together). Nested event data lives only here, so it can
//   evolve without a nested Parquet schema change, which is what left the reference system
//   unable to query its history.
// - A column that is null in every row of a file is left out of that file; files therefore
//   differ in their columns, as files of different versions always could. Read them with
//   DuckDB's `union_by_name = true`: a missing column reads as NULL.
// Layout 3 files written before event schema 7 have no cur, gross_cpm, take_cpm or net_cpm
// columns (an auction's cur was in `extra`); readers take a missing column as NULL, as above.
// Files written before the play's billing columns (billable, not_billable_reason,
// planned_multiplier) have those fields in `extra`: readers look there when the column is NULL,
// and take a billable that is in neither as true (the event schema's "absent means billed").
// Layout 2 had no `<field>_uuid` columns (every id as text). Layout 1 (before
// `px.archive_layout`) had the columns event_id … reason, event_id as text, and the whole record
// as JSON in `details`. Readers must keep accepting both (archivedRecord and
// scripts/report-queries.ts do).
//
// Size (test/unit/parquet-size.test.ts, bench/pipeline.ts): no second copy of the record, GZIP
// on the columns where it pays, dictionary- and delta-encoded columns, 16-byte ids and footers
// without statistics make files 2.5–3.5× smaller than layout 1's. What remains is mostly random
// ids (three UUIDs an auction, one per bid) and, in small files, each column's footer entry;
// src/queues/compact.ts merges the small files.
import type { SchemaElement } from "hyparquet";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer/src/index.js";
import { EVENT_SCHEMA_VERSION, type PxEvent, type PxEventType } from "../px/events/events";
import { gzip } from "./gzip";

/** The archive layout written by this module (footer key `px.archive_layout`). */
export const ARCHIVE_LAYOUT = 3;

/**
 * Every column an archive file can have, in file order; a file has the envelope columns and,
 * of the others, those with a value in at least one row. Add columns only before `extra`.
 */
export const ARCHIVE_COLUMNS = [
	"event_id",
	"schema_version",
	"type",
	"ts",
	"publisher_id",
	"screen_id",
	"venue_type",
	"request_id",
	"auction_id",
	"decision_id",
	"bidder",
	"crid",
	"price_cpm",
	"outcome",
	"reason",
	"clearing_price_cpm",
	"multiplier",
	"kind",
	"request_id_uuid",
	"auction_id_uuid",
	"decision_id_uuid",
	"cur",
	"gross_cpm",
	"take_cpm",
	"net_cpm",
	"billable",
	"not_billable_reason",
	"planned_multiplier",
	"extra",
] as const;

type ArchiveColumn = (typeof ARCHIVE_COLUMNS)[number];

/**
 * - UUID: FIXED_LEN_BYTE_ARRAY(16) with the UUID logical type; readers get the canonical
 *   lowercase text (DuckDB type UUID, which also compares with text ids of layout 1).
 * - ID: the same column type, for free-text ids: only a canonical lowercase UUID fits, so the
 *   value reads back exactly as it was written.
 * - TIMESTAMP: INT64 TIMESTAMP_MILLIS from epoch ms; DuckDB and others read a timestamp.
 */
type Kind = "UUID" | "ID" | "STRING" | "INT32" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP";

interface Column {
	name: Exclude<ArchiveColumn, "extra">;
	kind: Kind;
	/** The record field this column holds for an event type; undefined: none. */
	field: (type: string) => string | undefined;
	/** Every record has it: a REQUIRED column in every file. */
	envelope?: true;
	/** Takes its field before the columns without it; a field fills one column of a row at most. */
	first?: true;
}

const same = (name: string) => () => name;

const COLUMNS: Column[] = [
	{ name: "event_id", kind: "UUID", field: same("event_id"), envelope: true },
	{ name: "schema_version", kind: "INT32", field: same("schema_version"), envelope: true },
	{ name: "type", kind: "STRING", field: same("type"), envelope: true },
	{ name: "ts", kind: "TIMESTAMP", field: same("ts"), envelope: true },
	{ name: "publisher_id", kind: "STRING", field: same("publisher_id"), envelope: true },
	{ name: "screen_id", kind: "STRING", field: same("screen_id"), envelope: true },
	{ name: "venue_type", kind: "INT32", field: same("venue_type") },
	// Ids are free text in the event schema (only event_id must be a UUID): the text columns hold
	// those that are not UUIDs, the `_uuid` columns below the others.
	{ name: "request_id", kind: "STRING", field: same("request_id") },
	{ name: "auction_id", kind: "STRING", field: same("auction_id") },
	{ name: "decision_id", kind: "STRING", field: same("decision_id") },
	{ name: "bidder", kind: "STRING", field: same("bidder") },
	{ name: "crid", kind: "STRING", field: same("crid") },
	{ name: "price_cpm", kind: "DOUBLE", field: same("price_cpm") },
	// An ad request's outcome. An auction's per-bid outcomes are in extra.bids.
	{ name: "outcome", kind: "STRING", field: (t) => (t === "ad_request" ? "outcome" : undefined) },
	// Why the row ended as it did: an ad request's no-fill reason or an expiry's reason.
	{
		name: "reason",
		kind: "STRING",
		field: (t) => (t === "ad_request" ? "no_fill_reason" : t === "expiry" ? "reason" : undefined),
	},
	{ name: "clearing_price_cpm", kind: "DOUBLE", field: same("clearing_price_cpm") },
	{ name: "multiplier", kind: "DOUBLE", field: same("multiplier") },
	{ name: "kind", kind: "STRING", field: same("kind") },
	// 16 bytes instead of ~21 gzipped text bytes a row: the ids are random, so text never
	// compresses below their hex digits.
	{ name: "request_id_uuid", kind: "ID", field: same("request_id"), first: true },
	{ name: "auction_id_uuid", kind: "ID", field: same("auction_id"), first: true },
	{ name: "decision_id_uuid", kind: "ID", field: same("decision_id"), first: true },
	// What a win or play is worth to whom (event schema 7), typed because the report sums them.
	// The auction's currency lands here too: one column for every record's `cur`.
	{ name: "cur", kind: "STRING", field: same("cur") },
	{ name: "gross_cpm", kind: "DOUBLE", field: same("gross_cpm") },
	{ name: "take_cpm", kind: "DOUBLE", field: same("take_cpm") },
	{ name: "net_cpm", kind: "DOUBLE", field: same("net_cpm") },
	// Whether a play is billed decides every money figure, so the report filters on it without
	// parsing JSON. The schema omits billable on billed plays: a file of billed plays has no such
	// column, and readers take NULL as billed. planned_multiplier is here so audits of measured
	// audience can compare it with multiplier in SQL.
	{ name: "billable", kind: "BOOLEAN", field: same("billable") },
	{ name: "not_billable_reason", kind: "STRING", field: same("not_billable_reason") },
	{ name: "planned_multiplier", kind: "DOUBLE", field: same("planned_multiplier") },
];

/** The order in which columns take their fields: the `first` ones, then the others. */
const CLAIM_ORDER = [...COLUMNS.filter((c) => c.first), ...COLUMNS.filter((c) => !c.first)];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fits(kind: Kind, value: unknown): boolean {
	switch (kind) {
		case "UUID":
			return typeof value === "string" && UUID.test(value);
		case "ID":
			return typeof value === "string" && LOWERCASE_UUID.test(value);
		case "STRING":
			return typeof value === "string";
		case "INT32":
			return (
				Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31
			);
		case "DOUBLE":
			return typeof value === "number";
		case "BOOLEAN":
			return typeof value === "boolean";
		case "TIMESTAMP":
			return Number.isSafeInteger(value);
	}
}

/** The column of the record's fields without a typed column, as JSON. */
const EXTRA = { name: "extra", kind: "STRING" } as const;

function schemaElement(column: Column | typeof EXTRA): SchemaElement {
	const { name, kind } = column;
	const repetition_type = "envelope" in column && column.envelope ? "REQUIRED" : "OPTIONAL";
	switch (kind) {
		case "UUID":
		case "ID":
			return {
				name,
				type: "FIXED_LEN_BYTE_ARRAY",
				type_length: 16,
				logical_type: { type: "UUID" },
				repetition_type,
			};
		case "STRING":
			// Plain UTF8, also for the JSON in `extra`: every reader treats it as text.
			return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type };
		case "TIMESTAMP":
			return { name, type: "INT64", converted_type: "TIMESTAMP_MILLIS", repetition_type };
		default:
			return { name, type: kind, repetition_type };
	}
}

const utf8 = new TextEncoder();

/**
 * Whether compressing a text or DOUBLE column pays for the codec's framing (18 bytes a page for
 * gzip): when the bytes it stores verbatim — its distinct values, which is all of them unless
 * the writer dictionary-encodes the column — reach 256. Integers and timestamps never do: they
 * are dictionary- or delta-encoded already. Random UUIDs only when they repeat (a file of every
 * type holds a decision's request_id two or three times, side by side): the repeats then cost
 * a back-reference instead of 16 bytes.
 */
function worthCompressing(kind: Kind, values: unknown[]): boolean {
	const distinct = new Set(values);
	distinct.delete(null);
	if (kind === "ID") {
		const present = values.reduce<number>((n, v) => (v === null ? n : n + 1), 0);
		return distinct.size <= present * 0.9;
	}
	if (kind !== "STRING" && kind !== "DOUBLE") return false;
	let bytes = 0;
	for (const v of distinct) bytes += typeof v === "string" ? utf8.encode(v).length + 4 : 8;
	return bytes >= 256;
}

type WriteOptions = Parameters<typeof parquetWriteBuffer>[0];

interface EncodeOptions {
	/**
	 * GZIP by default, with ./gzip; `compressors` must supply any other codec but SNAPPY (built
	 * into hyparquet-writer) and UNCOMPRESSED. Only columns worth compressing use it.
	 */
	codec?: WriteOptions["codec"];
	compressors?: WriteOptions["compressors"];
}

/**
 * The schema and column data of `events` for hyparquet-writer (what encodeEvents writes), so a
 * test can write a file of a future layout by adding columns.
 */
export function eventColumns(
	events: PxEvent[],
	codec: WriteOptions["codec"] = "GZIP",
): { schema: SchemaElement[]; columnData: ColumnSource[] } {
	const records = events as unknown as Record<string, unknown>[];
	// Per record, the fields a typed column holds; the rest goes to `extra`.
	const held = records.map(() => new Set<string>());
	const columnData: ColumnSource[] = [];
	const schema: SchemaElement[] = [{ name: "root", num_children: 0 }];
	const add = (column: Column | typeof EXTRA, data: unknown[]) => {
		const source: ColumnSource = {
			name: column.name,
			data,
			// Statistics cost ~40 bytes a column in every footer; only ts's min/max help readers
			// skip files (the hive partitions already give type and hour).
			statistics: column.name === "ts",
			codec: worthCompressing(column.kind, data) ? codec : "UNCOMPRESSED",
		};
		if (column.kind === "TIMESTAMP") source.encoding = "DELTA_BINARY_PACKED";
		columnData.push(source);
		schema.push(schemaElement(column));
	};
	const claimed = new Map<Column, unknown[]>();
	for (const column of CLAIM_ORDER) {
		let present = false;
		const data = records.map((record, i) => {
			const field = column.field(String(record.type));
			const value = field === undefined ? undefined : record[field];
			if (field === undefined || held[i]!.has(field) || !fits(column.kind, value)) {
				if (column.envelope) {
					throw new TypeError(
						`event ${String(record.event_id)}: ${column.name} ${JSON.stringify(value)} is not a ${column.kind}`,
					);
				}
				return null;
			}
			held[i]!.add(field);
			present = true;
			return value;
		});
		if (present || column.envelope) claimed.set(column, data);
	}
	for (const column of COLUMNS) {
		const data = claimed.get(column);
		if (data) add(column, data);
	}
	let anyExtra = false;
	const extra = records.map((record, i) => {
		const rest = Object.entries(record).filter(([k, v]) => v !== undefined && !held[i]!.has(k));
		if (rest.length === 0) return null;
		anyExtra = true;
		return JSON.stringify(Object.fromEntries(rest));
	});
	if (anyExtra) add(EXTRA, extra);
	schema[0]!.num_children = columnData.length;
	return { schema, columnData };
}

/** Encodes events (any mix of types, any schema version) as one Parquet file. */
export function encodeEvents(events: PxEvent[], options: EncodeOptions = {}): Uint8Array {
	const codec = options.codec ?? "GZIP";
	const buffer = parquetWriteBuffer({
		...eventColumns(events, codec),
		codec,
		compressors: { GZIP: gzip, ...options.compressors },
		// One row group per file: archive files hold one queue batch window, small enough.
		rowGroupSize: Math.max(events.length, 1),
		createdBy: "px-edge archive",
		kvMetadata: [
			{ key: "px.schema_version", value: String(EVENT_SCHEMA_VERSION) },
			{ key: "px.archive_layout", value: String(ARCHIVE_LAYOUT) },
		],
	});
	return new Uint8Array(buffer);
}

/**
 * The record a row of an archive file holds, from a row of any layout as hyparquet or DuckDB
 * return it (a timestamp as a Date, a missing column as undefined or null). Layout 2: the typed
 * columns under their field names plus `extra`; layout 1: its `details`. A UUID event_id comes
 * back in lowercase.
 */
export function archivedRecord(row: Record<string, unknown>): Record<string, unknown> {
	if (typeof row.details === "string") return JSON.parse(row.details);
	const entries: [string, unknown][] = [];
	const type = String(row.type);
	for (const column of COLUMNS) {
		const value = row[column.name];
		const field = column.field(type);
		if (value === null || value === undefined || field === undefined) continue;
		entries.push([
			field,
			value instanceof Date ? value.getTime() : typeof value === "bigint" ? Number(value) : value,
		]);
	}
	if (typeof row.extra === "string") entries.push(...Object.entries(JSON.parse(row.extra)));
	// fromEntries defines properties, so even a field named __proto__ stays a plain field.
	return Object.fromEntries(entries);
}

const SAFE_BATCH_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The R2 key of an archive file, Hive-partitioned by event type and UTC hour so readers (DuckDB
 * `hive_partitioning`, R2 list by prefix) can skip whole partitions.
 */
export function archiveKey({
	type,
	ts,
	batchId,
}: {
	type: PxEventType;
	ts: number;
	batchId: string;
}): string {
	if (!SAFE_BATCH_ID.test(batchId) || batchId.startsWith(".")) {
		throw new Error(`batchId must be 1-128 characters of [A-Za-z0-9._-], got ${batchId}`);
	}
	const iso = new Date(ts).toISOString(); // throws RangeError on a non-finite ts
	return `events/type=${type}/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${batchId}.parquet`;
}
