// Parquet encoding for the archive, runnable in workerd: hyparquet-writer's web entry (no `fs`)
// and web-standard APIs only.
//
// The schema is flat on purpose. The envelope and a few often-filtered fields are columns; the
// whole record is also kept as JSON in `details`. Nested event data (auction bids, domains)
// lives only in `details`, so it can evolve without a nested Parquet schema change, which is
// what left the reference system unable to query its history.
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer/src/index.js";
import { EVENT_SCHEMA_VERSION, type PxEvent, type PxEventType } from "../px/events";

/** Column order of every archive file. Add columns only at the end (see src/px/events.ts). */
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
	"details",
] as const;

/**
 * Reads a field that only some event types have; null where it does not apply. The type check
 * keeps a same-named field of another shape (a loose record from a newer version) out of the
 * typed column.
 */
function field(event: PxEvent, name: string, kind: "string"): string | null;
function field(event: PxEvent, name: string, kind: "number"): number | null;
function field(event: PxEvent, name: string, kind: "string" | "number"): unknown {
	const value = (event as unknown as Record<string, unknown>)[name];
	return typeof value === kind ? value : null;
}

/** Why the row ended as it did, as text: an ad request's no-fill reason or an expiry's reason. */
function reasonOf(event: PxEvent): string | null {
	if (event.type === "ad_request") return event.no_fill_reason ?? null;
	if (event.type === "expiry") return event.reason;
	return null;
}

/** The archive columns of `events`, in ARCHIVE_COLUMNS order, for hyparquet-writer. */
export function eventColumns(events: PxEvent[]): ColumnSource[] {
	const col = <T>(pick: (e: PxEvent) => T) => events.map(pick);
	return [
		{ name: "event_id", type: "STRING", nullable: false, data: col((e) => e.event_id) },
		{ name: "schema_version", type: "INT32", nullable: false, data: col((e) => e.schema_version) },
		{ name: "type", type: "STRING", nullable: false, data: col((e) => e.type) },
		// TIMESTAMP = INT64 with TIMESTAMP_MILLIS: DuckDB and others read it as a timestamp.
		{ name: "ts", type: "TIMESTAMP", nullable: false, data: col((e) => e.ts) },
		{ name: "publisher_id", type: "STRING", nullable: false, data: col((e) => e.publisher_id) },
		{ name: "screen_id", type: "STRING", nullable: false, data: col((e) => e.screen_id) },
		{ name: "venue_type", type: "INT32", data: col((e) => e.venue_type ?? null) },
		{ name: "request_id", type: "STRING", data: col((e) => e.request_id ?? null) },
		{ name: "auction_id", type: "STRING", data: col((e) => field(e, "auction_id", "string")) },
		{ name: "decision_id", type: "STRING", data: col((e) => field(e, "decision_id", "string")) },
		{ name: "bidder", type: "STRING", data: col((e) => field(e, "bidder", "string")) },
		{ name: "crid", type: "STRING", data: col((e) => field(e, "crid", "string")) },
		{ name: "price_cpm", type: "DOUBLE", data: col((e) => field(e, "price_cpm", "number")) },
		{
			name: "outcome",
			type: "STRING",
			data: col((e) => (e.type === "ad_request" ? e.outcome : null)),
		},
		{ name: "reason", type: "STRING", data: col(reasonOf) },
		// Plain UTF8 rather than the JSON annotation: every reader treats it as text.
		{ name: "details", type: "STRING", nullable: false, data: col((e) => JSON.stringify(e)) },
	];
}

type WriteOptions = Parameters<typeof parquetWriteBuffer>[0];

export interface EncodeOptions {
	/**
	 * Snappy (built into hyparquet-writer) by default. GZIP or ZSTD make files about 40% smaller
	 * but need a synchronous compressor passed in `compressors`, e.g. node:zlib's gzipSync under
	 * nodejs_compat; this module stays web-standard and does not import one.
	 */
	codec?: WriteOptions["codec"];
	compressors?: WriteOptions["compressors"];
}

/** Encodes events (any mix of types) as one Parquet file. */
export function encodeEvents(events: PxEvent[], options: EncodeOptions = {}): Uint8Array {
	const buffer = parquetWriteBuffer({
		columnData: eventColumns(events),
		codec: options.codec ?? "SNAPPY",
		...(options.compressors ? { compressors: options.compressors } : {}),
		// One row group per file: archive files hold one queue batch window, small enough.
		rowGroupSize: Math.max(events.length, 1),
		createdBy: "px-edge archive",
		kvMetadata: [{ key: "px.schema_version", value: String(EVENT_SCHEMA_VERSION) }],
	});
	return new Uint8Array(buffer);
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
