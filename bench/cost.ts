// Cost per million decisions on Workers Paid: the platform operations one decision causes, as
// test/integration/cost.test.ts counts them through the real code path (run here, in workerd),
// plus the CPU the bench measured, priced at Cloudflare's published list prices beyond the
// monthly inclusions (the $5 plan fee and the included amounts are left out: at scale they vanish).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { NODE, ROOT } from "./procs";

/** Read 2026-11-30 from developers.cloudflare.com pricing pages (Workers, Durable Objects, Queues, R2, KV, Analytics Engine, Workers Logs). */
export const PRICES = {
	date: "2026-11-30",
	workersRequest: 0.3 / 1e6,
	workersCpuMs: 0.02 / 1e6,
	doRequest: 0.15 / 1e6,
	doGbSecond: 12.5 / 1e6,
	/** SQLite-backed Durable Object storage, billed like D1. */
	sqliteRowWritten: 1.0 / 1e6,
	sqliteRowRead: 0.001 / 1e6,
	/** Per 64 KB written, read or deleted: a delivered message is three. */
	queueOperation: 0.4 / 1e6,
	r2ClassA: 4.5 / 1e6,
	r2ClassB: 0.36 / 1e6,
	kvRead: 0.5 / 1e6,
	analyticsDataPoint: 0.25 / 1e6,
	logLine: 0.6 / 1e6,
};

/** What cost.test.ts prints: one ad request (3 DSPs, filled) and its proof of play. */
export interface CountedOps {
	ad_request: {
		do_calls: string[];
		queue_messages: Record<string, number>;
		kv_reads: number;
		analytics_points: number;
		dsp_subrequests: number;
		sqlite_rows: { read: number; written: number };
	};
	play: { do_calls: string[]; sqlite_rows: { read: number; written: number } };
}

export function countOperations(): CountedOps {
	const out = execFileSync(
		NODE,
		[
			join(ROOT, "node_modules/vitest/vitest.mjs"),
			"run",
			"--project",
			"workers",
			"test/integration/cost.test.ts",
		],
		{ cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
	);
	const line = /cost: (\{.*\})/.exec(out);
	if (!line) throw new Error(`cost.test.ts printed no figures:\n${out.slice(-2000)}`);
	return JSON.parse(line[1]!) as CountedOps;
}

export interface CostLine {
	item: string;
	perDecision: number;
	unitPrice: number;
	perMillion: number;
	basis: string;
}

/**
 * Lines of the table. Besides what the test counts: each ad request and each play is a Worker
 * request with one access-log line; the screen's alarm runs about once per decision (purge); the
 * consumers' invocations are batched (100 records, 50 notices) and each archive batch writes one
 * Parquet file per event type (≈ 4 per 100 messages) that compaction reads once and rewrites.
 */
export function costTable(ops: CountedOps, cpuMsPerDecision: number): CostLine[] {
	const messages =
		Object.values(ops.ad_request.queue_messages).reduce((a, b) => a + b, 0) +
		/* the play's event and its burl, from the screen's outbox */ 2;
	const doRequests = ops.ad_request.do_calls.length + ops.play.do_calls.length + /* alarm */ 1;
	const line = (item: string, perDecision: number, unitPrice: number, basis: string): CostLine => ({
		item,
		perDecision,
		unitPrice,
		perMillion: perDecision * unitPrice * 1e6,
		basis,
	});
	return [
		line(
			"Workers requests",
			2 + 0.06,
			PRICES.workersRequest,
			"ad request + play; consumer batches",
		),
		line(
			"Workers CPU ms",
			cpuMsPerDecision,
			PRICES.workersCpuMs,
			"bench: answer path + background CPU per decision (upper bound: includes local simulators)",
		),
		line(
			"Durable Object requests",
			doRequests,
			PRICES.doRequest,
			`${[...ops.ad_request.do_calls, ...ops.play.do_calls, "alarm"].join(", ")}`,
		),
		line(
			"Durable Object duration (GB-s)",
			doRequests * 0.005 * 0.125,
			PRICES.doGbSecond,
			"≈ 5 ms active per request at 128 MB; idle objects hibernate",
		),
		line(
			"SQLite rows written",
			ops.ad_request.sqlite_rows.written + ops.play.sqlite_rows.written + 1,
			PRICES.sqliteRowWritten,
			"counted: decision, play (+1 purge); decisions WITHOUT ROWID, outbox without AUTOINCREMENT",
		),
		line(
			"SQLite rows read",
			ops.ad_request.sqlite_rows.read + ops.play.sqlite_rows.read + 20,
			PRICES.sqliteRowRead,
			"counted (+ ≈ 20 for the alarm's scans)",
		),
		line(
			"Queue operations",
			messages * 3,
			PRICES.queueOperation,
			`${messages} messages × (write, read, delete)`,
		),
		line(
			"R2 Class A (writes)",
			0.04 + 0.01,
			PRICES.r2ClassA,
			"archive files per batch + compaction",
		),
		line("R2 Class B (reads)", 0.05, PRICES.r2ClassB, "compaction reads each file once"),
		line(
			"KV reads",
			ops.ad_request.kv_reads,
			PRICES.kvRead,
			"counted on a warm isolate (approvals in isolate memory, 10 s); a cold one reads 1 per creative",
		),
		line(
			"Analytics Engine data points",
			ops.ad_request.analytics_points + 1,
			PRICES.analyticsDataPoint,
			"counted: request, a point per bidder line (bid and call), win (+1 for the play)",
		),
		line("Workers Logs lines", 2, PRICES.logLine, "one access-log line per request"),
		line("DSP subrequests", ops.ad_request.dsp_subrequests, 0, "not billed"),
	];
}
