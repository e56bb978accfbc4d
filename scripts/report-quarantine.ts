// The report's quarantine section: the dead letters the consumer could not process
// (src/queues/dead-letter.ts writes them as JSON under quarantine/ in the archive bucket), counted
// by queue and reason, newest first. Plain JSON, so no DuckDB here.
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import type { QuarantineEntry } from "../src/px/notices/quarantine";

export interface QuarantineSummary {
	/** Quarantined messages. */
	messages: number;
	/** Records (or whole message bodies) they hold. */
	records: number;
	by_queue_error: { queue: string; error: string; messages: number; records: number }[];
	/** The most recently seen entries, newest first. */
	newest: {
		queue: string;
		message_id: string;
		error: string;
		first_seen: string;
		last_seen: string;
		attempts: number;
		records: number;
	}[];
}

const recordsOf = (e: QuarantineEntry) => (Array.isArray(e.body) ? e.body.length : 1);

export function summarizeQuarantine(entries: QuarantineEntry[], newest = 10): QuarantineSummary {
	const groups = new Map<string, QuarantineSummary["by_queue_error"][number]>();
	for (const e of entries) {
		const key = `${e.queue}\n${e.error}`;
		const group = groups.get(key) ?? { queue: e.queue, error: e.error, messages: 0, records: 0 };
		group.messages++;
		group.records += recordsOf(e);
		groups.set(key, group);
	}
	return {
		messages: entries.length,
		records: entries.reduce((n, e) => n + recordsOf(e), 0),
		by_queue_error: [...groups.values()].sort(
			(a, b) =>
				b.messages - a.messages || a.queue.localeCompare(b.queue) || a.error.localeCompare(b.error),
		),
		newest: [...entries]
			.sort(
				(a, b) =>
					b.last_seen.localeCompare(a.last_seen) || a.message_id.localeCompare(b.message_id),
			)
			.slice(0, newest)
			.map((e) => ({
				queue: e.queue,
				message_id: e.message_id,
				error: e.error,
				first_seen: e.first_seen,
				last_seen: e.last_seen,
				attempts: e.attempts,
				records: recordsOf(e),
			})),
	};
}

/** Every quarantine entry (*.json under a `quarantine` folder) in `dir`, e.g. a bucket copy. */
export function quarantineFilesIn(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile() && e.name.endsWith(".json"))
		.map((e) => join(e.parentPath, e.name))
		.filter((file) => file.split(sep).includes("quarantine"))
		.sort();
}

/** The entries in `files`; one that does not parse is named on stderr and left out. */
export function readQuarantine(files: string[]): QuarantineEntry[] {
	const entries: QuarantineEntry[] = [];
	for (const file of files) {
		try {
			const entry = JSON.parse(readFileSync(file, "utf8")) as QuarantineEntry;
			if (typeof entry.queue === "string" && typeof entry.error === "string") entries.push(entry);
			else console.error(`skipping ${file}: not a quarantine entry`);
		} catch (err) {
			console.error(`skipping ${file}: ${err instanceof Error ? err.message : err}`);
		}
	}
	return entries;
}
