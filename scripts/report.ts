// `npm run report -- [--dir <folder>] [--state <wrangler state dir>] [--bucket <name>]
//                    [--json | --html [--out <file>]]`
// The operator report over the Parquet archive. Without --dir it reads the archive bucket that
// `wrangler dev` persisted locally (.wrangler/state/v3/r2). --html writes the same figures as
// charts to a self-contained HTML file (report.html unless --out says otherwise).
import {
	closeSync,
	existsSync,
	openSync,
	readdirSync,
	readSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderReportHtml } from "./report-html";
import { BIDDER_COLUMNS, bidderCells, type Report, runReport } from "./report-queries";

/** Every *.parquet file under `dir`, sorted so runs are reproducible. */
export function parquetFilesIn(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile() && e.name.endsWith(".parquet"))
		.map((e) => join(e.parentPath, e.name))
		.sort();
}

/** An archive object in miniflare's local R2 state. */
export interface LocalR2Object {
	key: string;
	/** The object's body on disk. */
	file: string;
	/** When it was written, epoch ms. */
	uploaded: number;
}

/**
 * The archive files in miniflare's local R2 state. Miniflare keeps one SQLite database per
 * bucket in `r2/miniflare-R2BucketObject/<hash>.sqlite` (table `_mf_objects`: key → blob_id) and
 * the object bodies as content files in `r2/<bucket>/blobs/<blob_id>`. Keys are resolved through
 * SQLite (node:sqlite) so only live `events/….parquet` objects of this bucket are read; where
 * node:sqlite is unavailable, the bucket's blobs are sniffed for the Parquet magic instead.
 */
export async function localR2Files(stateDir: string, bucket: string): Promise<string[]> {
	const objects = await localR2Objects(stateDir, bucket);
	if (objects) return objects.map((o) => o.file);
	const blobs = join(stateDir, "r2", bucket, "blobs");
	if (!existsSync(blobs)) return [];
	return readdirSync(blobs)
		.map((id) => join(blobs, id))
		.filter(isParquet)
		.sort();
}

/**
 * The live `events/….parquet` objects of `bucket` with their keys and upload times, in key order;
 * null where node:sqlite is unavailable.
 */
export async function localR2Objects(
	stateDir: string,
	bucket: string,
): Promise<LocalR2Object[] | null> {
	const blobs = join(stateDir, "r2", bucket, "blobs");
	if (!existsSync(blobs)) return [];
	const sqlite = await loadSqlite();
	if (!sqlite) return null;
	const metaDir = join(stateDir, "r2", "miniflare-R2BucketObject");
	const objects: LocalR2Object[] = [];
	for (const name of existsSync(metaDir) ? readdirSync(metaDir) : []) {
		if (!name.endsWith(".sqlite")) continue;
		const db = new sqlite.DatabaseSync(join(metaDir, name), { readOnly: true });
		try {
			const hasObjects = db
				.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_mf_objects'")
				.get();
			if (!hasObjects) continue;
			const rows = db
				.prepare(
					`SELECT key, blob_id, uploaded FROM _mf_objects
					WHERE key LIKE 'events/%' AND key LIKE '%.parquet' ORDER BY key`,
				)
				.all() as { key: string; blob_id: string | null; uploaded: number }[];
			for (const { key, blob_id, uploaded } of rows) {
				// Another bucket's objects have their blobs elsewhere, so existence scopes to `bucket`.
				if (blob_id === null) console.error(`skipping multipart object ${key}`);
				else if (existsSync(join(blobs, blob_id))) {
					objects.push({ key, file: join(blobs, blob_id), uploaded: Number(uploaded) });
				}
			}
		} finally {
			db.close();
		}
	}
	return objects;
}

async function loadSqlite(): Promise<typeof import("node:sqlite") | null> {
	// node:sqlite prints an ExperimentalWarning on Node 22; it is noise for an operator.
	const defaults = process.listeners("warning");
	process.removeAllListeners("warning");
	process.on("warning", (w) => {
		if (w.name === "ExperimentalWarning" && /SQLite/i.test(w.message)) return;
		for (const listener of defaults) listener(w);
	});
	try {
		return await import("node:sqlite");
	} catch {
		return null;
	}
}

function isParquet(file: string): boolean {
	const size = statSync(file).size;
	if (size < 12) return false;
	const fd = openSync(file, "r");
	try {
		const head = Buffer.alloc(4);
		const tail = Buffer.alloc(4);
		readSync(fd, head, 0, 4, 0);
		readSync(fd, tail, 0, 4, size - 4);
		return head.toString("latin1") === "PAR1" && tail.toString("latin1") === "PAR1";
	} finally {
		closeSync(fd);
	}
}

const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);
const money = (v: number | null) => (v === null ? "n/a" : v.toFixed(2));

function table(headers: string[], rows: (string | number)[][]): string {
	const cells = [headers, ...rows.map((r) => r.map(String))];
	const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
	return cells
		.map((r) =>
			r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
		)
		.join("\n");
}

export function formatReport(r: Report): string {
	const entries = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => [k, n]);
	return [
		`px-edge report: ${r.events} events from ${r.files} files (${r.duplicates} duplicates dropped)`,
		`period: ${r.from ?? "n/a"} .. ${r.to ?? "n/a"}`,
		`schema versions: ${
			entries(r.schema_versions)
				.map(([v, n]) => `v${v}: ${n}`)
				.join(", ") || "n/a"
		}`,
		"",
		`ad requests: ${r.ad_requests.total}, fill rate ${pct(r.ad_requests.fill_rate)} (filled / ad requests)`,
		table(["outcome", "requests"], entries(r.ad_requests.by_outcome)),
		"",
		`auctions: ${r.auctions.total}, with a winner ${r.auctions.with_winner}, bidder answers ${r.auctions.bids}`,
		table(["bid outcome", "bids"], entries(r.bids.by_outcome)),
		"",
		table(
			["reason", "code", "answers"],
			r.bids.by_reason.map((b) => [b.label, b.code, b.count]),
		),
		"",
		`delivery: ${r.delivery.wins} wins, ${r.delivery.plays} billed plays (${r.delivery.unbilled_plays} under the play threshold), ${r.delivery.expiries} expiries, plays per win ${pct(r.delivery.plays_per_win)}`,
		table(
			[...BIDDER_COLUMNS],
			r.bidders.map((b) => bidderCells(b, { money, share: pct })),
		),
		"",
		`expiries: ${r.expiries.total} (${
			entries(r.expiries.by_reason)
				.map(([k, n]) => `${k} ${n}`)
				.join(", ") || "none"
		})`,
		`client telemetry: ${
			entries(r.telemetry)
				.map(([k, n]) => `${k} ${n}`)
				.join(", ") || "none"
		}`,
	].join("\n");
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			dir: { type: "string" },
			state: { type: "string", default: ".wrangler/state/v3" },
			bucket: { type: "string", default: "px-archive" },
			json: { type: "boolean", default: false },
			html: { type: "boolean", default: false },
			out: { type: "string", default: "report.html" },
			help: { type: "boolean", short: "h", default: false },
		},
	});
	if (values.help) {
		console.log(
			"usage: npm run report -- [--dir <folder of .parquet files>] [--state <wrangler state dir>] [--bucket <name>] [--json | --html [--out <file>]]",
		);
		return;
	}
	const files = values.dir
		? parquetFilesIn(resolve(values.dir))
		: await localR2Files(resolve(values.state), values.bucket);
	if (files.length === 0) {
		const where = values.dir ?? `${values.state}/r2/${values.bucket}`;
		console.error(`no archive files found in ${where}`);
	}
	const interactive = process.stderr.isTTY;
	const report = await runReport(files, {
		onProgress: (read, total) => {
			if (total <= 64) return; // one chunk: nothing worth showing
			if (interactive) process.stderr.write(`\rfiles read ${read}/${total}`);
			else if (read === total || read % 640 === 0) console.error(`files read ${read}/${total}`);
			if (interactive && read === total) process.stderr.write("\n");
		},
	});
	if (values.html) {
		writeFileSync(values.out, await renderReportHtml(report));
		console.error(`wrote ${values.out}`);
	} else console.log(values.json ? JSON.stringify(report) : formatReport(report));
}

if (import.meta.url === `file://${process.argv[1]}`) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exitCode = 1;
	});
}
