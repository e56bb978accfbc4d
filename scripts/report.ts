// `npm run report -- [--dir <folder>] [--state <wrangler state dir>] [--bucket <name>]
//                    [--json | --html [--out <file>]]`
// The operator report over the Parquet archive and its quarantine (dead letters that could not be
// processed). --dir reads a folder (e.g. a copy of the bucket); without it the report reads the
// archive bucket `wrangler dev` persisted locally (.wrangler/state/v3) through an R2 binding, so it
// can run while wrangler dev writes. --html writes the same figures as charts to a self-contained
// HTML file (report.html unless --out says otherwise).
import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { QUARANTINE_PREFIX } from "../src/px/notices/quarantine";
import { openLocalArchive } from "./local-archive";
import { renderReportHtml } from "./report-html";
import { quarantineFilesIn, readQuarantine } from "./report-quarantine";
import {
	BIDDER_COLUMNS,
	bidderCells,
	MONEY_COLUMNS,
	moneyCells,
	type Report,
	runReport,
} from "./report-queries";

/** Every *.parquet file under `dir`, sorted so runs are reproducible. */
export function parquetFilesIn(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile() && e.name.endsWith(".parquet"))
		.map((e) => join(e.parentPath, e.name))
		.sort();
}

/**
 * The archive's Parquet files and quarantine entries in the bucket a local `wrangler dev`
 * persisted under `stateDir`, read through an R2 binding (scripts/local-archive.ts), so a report
 * taken while wrangler dev writes is safe.
 */
export async function localArchiveFiles(
	stateDir: string,
	bucket: string,
): Promise<{ parquet: string[]; quarantine: string[]; close(): Promise<void> }> {
	const archive = await openLocalArchive(stateDir, bucket);
	try {
		const parquet = await archive.objects("events/", ".parquet");
		const quarantine = await archive.objects(QUARANTINE_PREFIX, ".json");
		return {
			parquet: parquet.map((o) => o.file),
			quarantine: quarantine.map((o) => o.file),
			close: () => archive.close(),
		};
	} catch (err) {
		await archive.close();
		throw err;
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
		"money of billed plays (gross: the buyer pays; take: the exchange keeps; net: the publisher earns)",
		r.money.length > 0
			? table(
					[...MONEY_COLUMNS],
					r.money.map((m) => moneyCells(m, money)),
				)
			: "no billed plays",
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
		"",
		...formatQuarantine(r.quarantine),
	].join("\n");
}

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function formatQuarantine(q: Report["quarantine"]): string[] {
	const head = `quarantine: ${q.messages} dead letters that could not be processed (${q.records} records)`;
	if (q.messages === 0) return [head];
	return [
		head,
		table(
			["queue", "error", "messages", "records"],
			q.by_queue_error.map((g) => [g.queue, clip(g.error), g.messages, g.records]),
		),
		"",
		"newest quarantined:",
		table(
			["last seen", "queue", "message", "attempts", "records", "error"],
			q.newest.map((e) => [
				e.last_seen,
				e.queue,
				e.message_id,
				e.attempts,
				e.records,
				clip(e.error, 60),
			]),
		),
	];
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
	const local = values.dir ? undefined : await localArchiveFiles(values.state, values.bucket);
	try {
		await report(
			local?.parquet ?? parquetFilesIn(resolve(values.dir!)),
			local?.quarantine ?? quarantineFilesIn(resolve(values.dir!)),
			values,
		);
	} finally {
		await local?.close();
	}
}

async function report(
	files: string[],
	quarantine: string[],
	values: {
		dir?: string;
		state: string;
		bucket: string;
		json: boolean;
		html: boolean;
		out: string;
	},
): Promise<void> {
	if (files.length === 0) {
		const where = values.dir ?? `bucket ${values.bucket} in ${values.state}`;
		console.error(`no archive files found in ${where}`);
	}
	const interactive = process.stderr.isTTY;
	const result = await runReport(files, {
		quarantine: readQuarantine(quarantine),
		onProgress: (read, total) => {
			if (total <= 64) return; // one chunk: nothing worth showing
			if (interactive) process.stderr.write(`\rfiles read ${read}/${total}`);
			else if (read === total || read % 640 === 0) console.error(`files read ${read}/${total}`);
			if (interactive && read === total) process.stderr.write("\n");
		},
	});
	if (values.html) {
		writeFileSync(values.out, await renderReportHtml(result));
		console.error(`wrote ${values.out}`);
	} else console.log(values.json ? JSON.stringify(result) : formatReport(result));
}

if (import.meta.url === `file://${process.argv[1]}`) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exitCode = 1;
	});
}
