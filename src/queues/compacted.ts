// What a compacted archive file holds and how it is named: every record of its input files,
// once per event_id, in time order, encoded with more effort than a queue batch can afford.
// Pure (no R2), so Node tests and the bench build the same files as src/queues/compact.ts.
import { parquetReadObjects } from "hyparquet";
import type { PxEvent } from "../px/events/events";
import { gunzip, gzip } from "./gzip";
import { archivedRecord, encodeEvents } from "./parquet";

/** File names (the last key segment) of compacted files start with this; queue batches never do. */
export const COMPACTED_PREFIX = "compacted-";

/** The records of an archive file of any layout (hyparquet reads SNAPPY itself). */
export async function readArchiveFile(file: ArrayBuffer): Promise<Record<string, unknown>[]> {
	const rows = await parquetReadObjects({ file, compressors: { GZIP: gunzip } });
	return rows.map(archivedRecord);
}

/**
 * The event ids an archive file holds, reading that one column: what a merge must not write
 * again when the file itself is not one of the merge's inputs (a full compacted file).
 */
export async function readEventIds(file: ArrayBuffer): Promise<Set<string>> {
	const rows = await parquetReadObjects({
		file,
		columns: ["event_id"],
		compressors: { GZIP: gunzip },
	});
	return new Set(rows.map((r) => String(r.event_id).toLowerCase()));
}

interface Merged {
	records: PxEvent[];
	/** Rows dropped as further copies of an event_id (queue redeliveries, an earlier crash). */
	duplicates: number;
}

/**
 * Every record once per event_id, sorted by ts then event_id. Of two copies the one of the
 * higher schema version is kept, as the report does; on a tie the first seen. Ids in `stored`
 * are already held by another file of the partition: their copies here are dropped.
 */
export function mergeRecords(
	files: Record<string, unknown>[][],
	stored: ReadonlySet<string> = new Set(),
): Merged {
	const byId = new Map<string, Record<string, unknown>>();
	let rows = 0;
	for (const records of files) {
		for (const record of records) {
			rows++;
			// Layout 1 kept event_id as text; a UUID column reads back in lowercase.
			const id = String(record.event_id).toLowerCase();
			if (stored.has(id)) continue;
			const kept = byId.get(id);
			if (!kept || Number(record.schema_version) > Number(kept.schema_version)) {
				byId.set(id, record);
			}
		}
	}
	const records = [...byId.values()].sort(
		(a, b) =>
			Number(a.ts) - Number(b.ts) ||
			(String(a.event_id) < String(b.event_id)
				? -1
				: String(a.event_id) > String(b.event_id)
					? 1
					: 0),
	);
	// The records came out of archive files, which hold only records the encoder accepted.
	return { records: records as unknown as PxEvent[], duplicates: rows - byId.size };
}

/**
 * A compacted file's bytes. Time order keeps `ts` deltas small (sorting by screen or bidder
 * measured no smaller); gzip level 9 because the auction JSON in `extra` is most of the bytes
 * and shrinks ~11% more than at level 6 (BENCHMARKS.md).
 */
export function encodeCompacted(records: PxEvent[]): Uint8Array {
	return encodeEvents(records, { compressors: { GZIP: (input) => gzip(input, 9) } });
}

/**
 * The key of the file compacted from `inputNames` in `partition` (a `…/hour=hh/` prefix):
 * derived from the inputs, so a pass repeated on the same inputs (after a crash, or by a
 * concurrent run) writes the same key with the same bytes instead of a second copy.
 */
export async function compactedKey(partition: string, inputNames: string[]): Promise<string> {
	const text = new TextEncoder().encode([...inputNames].sort().join("\n"));
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
	const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
	return `${partition}${COMPACTED_PREFIX}${hex}.parquet`;
}
