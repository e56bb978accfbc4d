// Archive compaction, run by px-consumers' cron trigger (wrangler.consumers.toml `[triggers]`): the small files the
// queue consumer writes (one per batch, event type and hour) of each closed
// `events/type=…/dt=…/hour=…/` partition become one file, `compacted-<hash>.parquet`.
//
// Crash-safe and idempotent:
// - A pass writes its file first, under a key derived from its inputs' names and listing those
//   names in its customMetadata (`sources`), and only then deletes the inputs, and only those it
//   read: a file that lands during a run waits for the next one.
// - A run that stops between the write and the deletes leaves inputs beside a file that holds
//   them. Readers count each event_id once meanwhile; the next run finds the inputs named in
//   `sources` and deletes them without reading them again.
// - A pass repeated on the same inputs writes the same key with the same bytes. A late file in a
//   compacted hour is merged with the compacted file into a new one. Compaction keeps one record
//   per event_id, so redeliveries and overlaps do not survive it.
// - An input that vanished while a pass read it (a concurrent run compacted it) fails the pass
//   before anything is written.
// Bounded per run: R2 calls, passes and records per pass; what is left waits for the next run.

import { errorText, log } from "../services/log";
import {
	COMPACTED_PREFIX,
	compactedKey,
	encodeCompacted,
	mergeRecords,
	readArchiveFile,
	readEventIds,
} from "./compacted";
import type { ConsumersEnv } from "./env";

/**
 * How long after an hour ends its partition is compacted. The consumer writes an hour's last
 * batches up to max_batch_timeout (30 s) after it ends, and a retried batch some seconds to
 * minutes later; waiting lets the first pass see them, so most partitions are written once. A
 * file later still is merged by a later run, so the grace is about cost, not correctness.
 */
export const CLOSE_GRACE_MS = 10 * 60_000;

/**
 * How far back partitions are looked at. ScreenDO outboxes redeliver plays and expiries for
 * about two days, and an event lands in the hour of its own ts; older late files (a replayed
 * dead letter) stay as they are, and readers still read them.
 */
const LOOKBACK_HOURS = 72;

interface CompactOptions {
	graceMs?: number;
	lookbackHours?: number;
	/** Partitions compacted per run. */
	maxPartitions?: number;
	/**
	 * R2 calls (list, get, put, delete) per run. The default keeps a run far inside the Workers
	 * subrequest limit and its wall time short.
	 */
	maxOperations?: number;
	/** Input files per pass; their names go in the output's customMetadata (8 KiB per object). */
	maxInputFiles?: number;
	/**
	 * Records per compacted file: a pass holds all of them decoded in memory (128 MB an
	 * isolate). A compacted file over half of this is full: later files start another one.
	 */
	maxRecordsPerFile?: number;
}

const DEFAULTS: Required<CompactOptions> = {
	graceMs: CLOSE_GRACE_MS,
	lookbackHours: LOOKBACK_HOURS,
	maxPartitions: 24,
	maxOperations: 900,
	maxInputFiles: 100,
	maxRecordsPerFile: 50_000,
};

/** A batch has at most 100 records (QUEUE_MAX_MESSAGES); assumed for files without the count. */
const UNCOUNTED_RECORDS = 100;
/** customMetadata `sources`, leaving room for the other keys within R2's 8 KiB. */
const MAX_SOURCES_BYTES = 6_144;

export interface Pass {
	partition: string;
	key: string;
	inputs: number;
	records: number;
	duplicates: number;
	bytesIn: number;
	bytesOut: number;
}

export interface CompactionResult {
	/** Partitions with at least one pass or cleaned leftover. */
	partitions: number;
	/** Every file written; a partition compacted in two passes reads the first one back. */
	passes: Pass[];
	filesIn: number;
	filesOut: number;
	/** Records in the files written. */
	records: number;
	/** Copies of an event_id dropped. */
	duplicates: number;
	/** Inputs of an earlier pass still there (that run stopped before deleting), deleted now. */
	leftovers: number;
	failed: { partition: string; error: string }[];
	/** Partitions still needing work when this run's budget ran out. */
	pending: number;
}

interface ArchiveFile {
	key: string;
	name: string;
	size: number;
	records: number;
	compacted: boolean;
	sources: string[];
}

/** Compacts the closed partitions of the last `lookbackHours` as of `now` (epoch ms). */
export async function compactArchive(
	bucket: R2Bucket,
	now: number,
	options: CompactOptions = {},
): Promise<CompactionResult> {
	const limits = { ...DEFAULTS, ...options };
	const budget = { operations: limits.maxOperations };
	const result: CompactionResult = {
		partitions: 0,
		passes: [],
		filesIn: 0,
		filesOut: 0,
		records: 0,
		duplicates: 0,
		leftovers: 0,
		failed: [],
		pending: 0,
	};
	const { partitions, complete } = await closedPartitions(bucket, now, limits, budget);
	const todo = [...partitions].filter(([, files]) => needsWork(files, limits));
	for (let i = 0; i < todo.length; i++) {
		if (result.partitions >= limits.maxPartitions || budget.operations < 3) {
			result.pending += todo.length - i;
			break;
		}
		const [partition, files] = todo[i]!;
		const before = result.passes.length + result.leftovers;
		try {
			const done = await compactPartition(bucket, partition, files, limits, budget, result);
			if (!done) result.pending += 1;
		} catch (err) {
			const error = errorText(err);
			result.failed.push({ partition, error });
			log("error", "archive_compaction_failed", { partition, error });
		}
		if (result.passes.length + result.leftovers > before) result.partitions += 1;
	}
	// Partitions not listed because the budget ran out while listing wait for the next run too.
	if (!complete) result.pending += 1;
	return result;
}

/** Compacts one partition until it needs no more work or the budget is spent; true if done. */
async function compactPartition(
	bucket: R2Bucket,
	partition: string,
	listed: ArchiveFile[],
	limits: Required<CompactOptions>,
	budget: { operations: number },
	result: CompactionResult,
): Promise<boolean> {
	let files = listed;
	const contained = new Set(files.flatMap((f) => f.sources));
	const leftovers = files.filter((f) => contained.has(f.name));
	if (leftovers.length > 0) {
		budget.operations -= 1;
		await bucket.delete(leftovers.map((f) => f.key));
		result.leftovers += leftovers.length;
		files = files.filter((f) => !contained.has(f.name));
	}
	for (;;) {
		const inputs = passInputs(files, limits);
		if (!inputs) return true;
		if (budget.operations < inputs.length + 2) return false;
		budget.operations -= inputs.length + 2;
		// Full files are never inputs again: late copies of their events must not be kept twice.
		const full = files.filter((f) => isFull(f, limits) && !inputs.includes(f));
		budget.operations -= full.length;
		const output = await runPass(bucket, partition, inputs, full);
		result.passes.push(output.pass);
		result.filesIn += inputs.length;
		if (output.file) result.filesOut += 1;
		result.records += output.pass.records;
		result.duplicates += output.pass.duplicates;
		const used = new Set(inputs.map((f) => f.key));
		const written = output.file ? [output.file] : [];
		files = [...files.filter((f) => !used.has(f.key) && f.key !== output.file?.key), ...written];
	}
}

async function runPass(
	bucket: R2Bucket,
	partition: string,
	inputs: ArchiveFile[],
	full: ArchiveFile[],
): Promise<{ pass: Pass; file?: ArchiveFile }> {
	const read = async (file: ArchiveFile) => {
		const object = await bucket.get(file.key);
		if (!object) throw new Error(`${file.key} vanished during the pass (compacted elsewhere?)`);
		return object.arrayBuffer();
	};
	const contents = await Promise.all(
		inputs.map(async (input) => readArchiveFile(await read(input))),
	);
	const stored = new Set<string>();
	for (const file of full) for (const id of await readEventIds(await read(file))) stored.add(id);
	const { records, duplicates } = mergeRecords(contents, stored);
	const bytesIn = inputs.reduce((n, f) => n + f.size, 0);
	if (records.length === 0) {
		await bucket.delete(inputs.map((f) => f.key)); // copies of what full files hold
		const pass = { partition, key: "", inputs: inputs.length, records: 0, duplicates, bytesIn };
		return { pass: { ...pass, bytesOut: 0 } };
	}
	const bytes = encodeCompacted(records);
	const names = inputs.map((f) => f.name);
	const key = await compactedKey(partition, names);
	await bucket.put(key, bytes, {
		httpMetadata: { contentType: "application/vnd.apache.parquet" },
		customMetadata: {
			records: String(records.length),
			sources: names.join(","),
		},
	});
	// Only after the file holding them is stored; a key written twice is never deleted.
	await bucket.delete(inputs.map((f) => f.key).filter((k) => k !== key));
	const name = key.slice(partition.length);
	return {
		pass: {
			partition,
			key,
			inputs: inputs.length,
			records: records.length,
			duplicates,
			bytesIn,
			bytesOut: bytes.byteLength,
		},
		file: {
			key,
			name,
			size: bytes.byteLength,
			records: records.length,
			compacted: true,
			sources: names,
		},
	};
}

/**
 * The files the next pass merges, or undefined when the partition is done: compacted files
 * that are not full first (so they absorb the rest), then the queue's files in key order, as
 * many as fit the record and name budgets. Files named in a compacted file's `sources` must be
 * removed before (they are held already).
 */
function passInputs(
	files: ArchiveFile[],
	limits: Pick<Required<CompactOptions>, "maxInputFiles" | "maxRecordsPerFile">,
): ArchiveFile[] | undefined {
	const full = (f: ArchiveFile) => isFull(f, limits);
	const byKey = (a: ArchiveFile, b: ArchiveFile) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
	const candidates = [
		...files.filter((f) => f.compacted && !full(f)).sort(byKey),
		...files.filter((f) => !f.compacted).sort(byKey),
	];
	const inputs: ArchiveFile[] = [];
	let records = 0;
	let nameBytes = 0;
	for (const file of candidates) {
		if (inputs.length >= limits.maxInputFiles) break;
		const fits = records + file.records <= limits.maxRecordsPerFile;
		const named = nameBytes + file.name.length + 1 <= MAX_SOURCES_BYTES;
		if (inputs.length > 0 && (!fits || !named)) continue;
		inputs.push(file);
		records += file.records;
		nameBytes += file.name.length + 1;
	}
	const useful = inputs.length > 1 || (inputs.length === 1 && !inputs[0]!.compacted);
	return useful ? inputs : undefined;
}

/** A compacted file over half the record budget takes no more inputs: later files start another. */
function isFull(file: ArchiveFile, limits: Pick<Required<CompactOptions>, "maxRecordsPerFile">) {
	return file.compacted && file.records > limits.maxRecordsPerFile / 2;
}

function needsWork(
	files: ArchiveFile[],
	limits: Pick<Required<CompactOptions>, "maxInputFiles" | "maxRecordsPerFile">,
): boolean {
	const contained = new Set(files.flatMap((f) => f.sources));
	return files.some((f) => contained.has(f.name)) || passInputs(files, limits) !== undefined;
}

const HOUR_MS = 3_600_000;
const PARTITION = /^(events\/type=[^/]+\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/)([^/]+\.parquet)$/;

/**
 * Every archive file of the closed partitions within the lookback, by partition prefix, oldest
 * day first. Lists each event type's day prefixes (one call per type and day once compacted)
 * and stops a day's listing at its first open hour: keys sort by hour.
 */
async function closedPartitions(
	bucket: R2Bucket,
	now: number,
	limits: Required<CompactOptions>,
	budget: { operations: number },
): Promise<{ partitions: Map<string, ArchiveFile[]>; complete: boolean }> {
	const from = Math.floor((now - limits.lookbackHours * HOUR_MS) / HOUR_MS) * HOUR_MS;
	const days: string[] = [];
	for (let day = Math.floor(from / 86_400_000) * 86_400_000; day <= now; day += 86_400_000) {
		days.push(new Date(day).toISOString().slice(0, 10));
	}
	const list = async (options: R2ListOptions) => {
		if (budget.operations <= 0) return undefined;
		budget.operations -= 1;
		return bucket.list(options);
	};

	const types: string[] = [];
	let cursor: string | undefined;
	do {
		const page = await list({ prefix: "events/", delimiter: "/", cursor });
		if (!page) return { partitions: new Map(), complete: false };
		types.push(...page.delimitedPrefixes);
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);

	types.sort();
	const partitions = new Map<string, ArchiveFile[]>();
	for (const day of days) {
		for (const type of types) {
			let dayCursor: string | undefined;
			dayLoop: do {
				const page = await list({
					prefix: `${type}dt=${day}/`,
					include: ["customMetadata"],
					cursor: dayCursor,
				});
				if (!page) {
					// The last partition may be listed in part; a pass over part of it could miss
					// the compacted file that already holds its other files.
					partitions.delete([...partitions.keys()].at(-1) ?? "");
					return { partitions, complete: false };
				}
				for (const object of page.objects) {
					const match = PARTITION.exec(object.key);
					if (!match) continue;
					const [, partition, dt, hour, name] = match as unknown as string[];
					const hourStart = Date.parse(`${dt}T${hour}:00:00Z`);
					if (hourStart + HOUR_MS + limits.graceMs > now) break dayLoop;
					if (hourStart < from) continue;
					const files = partitions.get(partition!) ?? [];
					files.push(archiveFile(object, name!));
					partitions.set(partition!, files);
				}
				dayCursor = page.truncated ? page.cursor : undefined;
			} while (dayCursor);
		}
	}
	return { partitions, complete: true };
}

function archiveFile(object: R2Object, name: string): ArchiveFile {
	const meta = object.customMetadata ?? {};
	const compacted = name.startsWith(COMPACTED_PREFIX);
	const records = Number(meta.records);
	return {
		key: object.key,
		name,
		size: object.size,
		records: Number.isSafeInteger(records) && records >= 0 ? records : UNCOUNTED_RECORDS,
		compacted,
		sources: compacted && meta.sources ? meta.sources.split(",") : [],
	};
}

/** The cron trigger's entry (src/consumers.ts): one compaction run, logged. */
export async function compactOnSchedule(
	controller: ScheduledController,
	env: Pick<ConsumersEnv, "ARCHIVE">,
): Promise<void> {
	const { passes, failed, ...totals } = await compactArchive(env.ARCHIVE, controller.scheduledTime);
	log(failed.length > 0 ? "error" : "info", "archive_compacted", {
		...totals,
		passes: passes.length,
		failed,
		bytes_in: passes.reduce((n, p) => n + p.bytesIn, 0),
		bytes_out: passes.reduce((n, p) => n + p.bytesOut, 0),
	});
}
