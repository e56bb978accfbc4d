// A local stand-in for the Workers Analytics Engine SQL API, for `npm run dev` and the e2e tests.
//
// Why: wrangler dev (workerd) drops Analytics Engine writes, so the operator console would show
// nothing locally. Rather than give the console a second, dev-only code path, this serves the
// SQL API's protocol (POST SQL, Bearer token, ClickHouse JSON answer) and the console's
// production code runs unchanged against it, with the same SQL (src/services/metrics.ts). The data
// is what this local run really did: the events the queue consumer archived to the local R2
// bucket, turned into data points by `metricsFor`, the very mapping the Worker uses to write AE.
// DuckDB (already the report's engine) runs the queries.
//
// What differs from AE, and is stated on the console (its source line):
// - figures lag by the queue's batching (max_batch_timeout, 5 s locally);
// - queue_batch points are not events: they are rebuilt from the archive's uploads (a consumer
//   batch writes its files together: uploads closer than BATCH_GAP_MS are one batch; its lag is
//   from the oldest event in it to the upload; retries are not visible, so 0);
// - ClickHouse's quantileExactWeighted(q)(x, w) becomes DuckDB's quantile_disc(x, q) (every local
//   point has _sample_interval 1, so the weights change nothing) and toStartOfInterval(t, i) a
//   macro over time_bucket.
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquetReadObjects } from "hyparquet";
import { errorText } from "../src/px/api/error-text";
import { safeParseEvent } from "../src/px/events/events";
import { gunzip } from "../src/queues/gzip";
import { archivedRecord } from "../src/queues/parquet";
import { dataPoint, metricsFor } from "../src/services/metrics";
import { type LocalArchive, type LocalR2Object, openLocalArchive } from "./local-archive";

export const SQL_API_PATH = "/client/v4/accounts/local/analytics_engine/sql";
/** A consumer batch's files are written together (one Promise.all); batches are seconds apart. */
const BATCH_GAP_MS = 250;
const QUEUE = "px-events";

export interface LocalAnalytics {
	/** The SQL API URL to give the Worker (AE_SQL_API_URL). */
	url: string;
	port: number;
	close(): Promise<void>;
}

export interface LocalAnalyticsOptions {
	/** wrangler's state folder (`.wrangler/state/v3`, or <persist-to>/v3). */
	stateDir: string;
	bucket?: string;
	/** The token the Worker sends (its AE_API_TOKEN); other tokens get 401 like the real API. */
	token: string;
	port?: number;
	host?: string;
	/** The dataset name the SQL uses (METRICS_DATASET). */
	dataset?: string;
	/** Where the archive files are; defaults to the bucket in `stateDir` (tests pass their own). */
	objects?: () => Promise<LocalR2Object[]>;
}

interface Point {
	timestamp: number;
	index1: string;
	blobs: string[];
	doubles: number[];
}

interface FileFacts {
	uploaded: number;
	records: number;
	oldestTs: number;
}

/** The archive as Analytics Engine would hold it, kept up to date file by file. */
class ArchiveMirror {
	private readonly seenFiles = new Set<string>();
	private readonly seenEvents = new Set<string>();
	private readonly files: FileFacts[] = [];
	private pending: Point[] = [];

	constructor(private readonly list: () => Promise<LocalR2Object[]>) {}

	/** Reads the archive files written since the last call; returns the new data points. */
	async sync(): Promise<Point[]> {
		const objects = await this.list();
		for (const object of objects) {
			if (this.seenFiles.has(object.key)) continue;
			this.seenFiles.add(object.key);
			const bytes = readFileSync(object.file);
			let rows: Record<string, unknown>[];
			try {
				rows = (await parquetReadObjects({
					file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
					compressors: { GZIP: gunzip },
					utf8: true,
				})) as Record<string, unknown>[];
			} catch (err) {
				console.error(`ae-local: skipping unreadable ${object.key}: ${err}`);
				continue;
			}
			let oldest = Number.POSITIVE_INFINITY;
			for (const row of rows) {
				const parsed = safeParseEvent(archivedRecord(row));
				if (!parsed.success) continue;
				const event = parsed.data;
				oldest = Math.min(oldest, event.ts);
				// At-least-once delivery: a redelivered event is archived twice, AE got it once.
				if (this.seenEvents.has(event.event_id)) continue;
				this.seenEvents.add(event.event_id);
				for (const p of metricsFor(event)) {
					this.pending.push({
						timestamp: event.ts,
						index1: p.indexes[0] ?? "",
						blobs: p.blobs,
						doubles: p.doubles,
					});
				}
			}
			if (rows.length > 0) {
				this.files.push({ uploaded: object.uploaded, records: rows.length, oldestTs: oldest });
			}
		}
		const fresh = this.pending;
		this.pending = [];
		return fresh;
	}

	/** queue_batch points rebuilt from the uploads (see the header). */
	queueBatches(): Point[] {
		const files = [...this.files].sort((a, b) => a.uploaded - b.uploaded);
		const batches: FileFacts[][] = [];
		for (const f of files) {
			const last = batches.at(-1);
			const lastUpload = last?.at(-1)?.uploaded ?? Number.NEGATIVE_INFINITY;
			if (last && f.uploaded - lastUpload <= BATCH_GAP_MS) last.push(f);
			else batches.push([f]);
		}
		return batches.map((batch) => {
			const at = batch[0]!.uploaded;
			const messages = batch.reduce((n, f) => n + f.records, 0);
			const lag = Math.max(0, at - Math.min(...batch.map((f) => f.oldestTs)));
			const p = dataPoint(
				"queue_batch",
				{ queue: QUEUE },
				{ messages, max_lag_ms: lag, retried: 0 },
			);
			return { timestamp: at, index1: QUEUE, blobs: p.blobs, doubles: p.doubles };
		});
	}
}

const columns = [
	"timestamp TIMESTAMP",
	"index1 VARCHAR",
	...Array.from({ length: 20 }, (_, i) => `blob${i + 1} VARCHAR`),
	...Array.from({ length: 20 }, (_, i) => `double${i + 1} DOUBLE`),
	"_sample_interval INTEGER",
];

const sqlTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

/** One NDJSON line per point, in the table's column order. */
function ndjson(points: Point[]): string {
	return points
		.map((p) => {
			const row: Record<string, unknown> = { timestamp: sqlTime(p.timestamp), index1: p.index1 };
			for (let i = 0; i < 20; i++) row[`blob${i + 1}`] = p.blobs[i] ?? "";
			for (let i = 0; i < 20; i++) row[`double${i + 1}`] = p.doubles[i] ?? 0;
			row._sample_interval = 1;
			return JSON.stringify(row);
		})
		.join("\n");
}

/** ClickHouse spellings DuckDB does not know (see the header). */
export function toDuckDbSql(sql: string): string {
	return sql.replace(
		/quantileExactWeighted\(\s*([0-9.]+)\s*\)\(\s*([^,()]+?)\s*,\s*_sample_interval\s*\)/g,
		"quantile_disc($2, $1)",
	);
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

export async function startLocalAnalytics(options: LocalAnalyticsOptions): Promise<LocalAnalytics> {
	const dataset = options.dataset ?? "px_metrics";
	const host = options.host ?? "127.0.0.1";
	// The bucket is opened through an R2 binding on the first query, not at start: wrangler dev
	// creates the state folder, and may not have yet.
	let local: Promise<LocalArchive> | undefined;
	const archive = () =>
		(local ??= openLocalArchive(options.stateDir, options.bucket ?? "px-archive").catch((err) => {
			local = undefined;
			throw err;
		}));
	const mirror = new ArchiveMirror(
		options.objects ?? (async () => (await archive()).objects("events/", ".parquet")),
	);
	const instance = await DuckDBInstance.create(":memory:", {
		autoinstall_known_extensions: "false",
	});
	const db = await instance.connect();
	await db.run("SET TimeZone = 'UTC'");
	await db.run(`CREATE TABLE ${dataset} (${columns.join(", ")})`);
	await db.run("CREATE MACRO toStartOfInterval(t, i) AS time_bucket(i, t)");
	const scratch = join(tmpdir(), `px-ae-local-${randomUUID()}.ndjson`);

	// One query at a time: syncing and querying share the connection.
	let queue = Promise.resolve();
	const serialized = <T>(work: () => Promise<T>): Promise<T> => {
		const run = queue.then(work);
		queue = run.then(
			() => undefined,
			() => undefined,
		);
		return run;
	};

	const load = async (points: Point[], replaceQueue: boolean) => {
		if (replaceQueue) await db.run(`DELETE FROM ${dataset} WHERE blob1 = 'queue_batch'`);
		if (points.length === 0) return;
		writeFileSync(scratch, ndjson(points));
		const spec = columns
			.map((c) => c.split(" "))
			.map(([name, type]) => `'${name}': '${type}'`)
			.join(", ");
		await db.run(
			`INSERT INTO ${dataset} SELECT * FROM read_json('${scratch}', format = 'newline_delimited', columns = {${spec}})`,
		);
	};

	const answer = (sql: string) =>
		serialized(async () => {
			const fresh = await mirror.sync();
			await load([...fresh, ...mirror.queueBatches()], true);
			const result = await db.runAndReadAll(toDuckDbSql(sql));
			const data = result.getRowObjectsJson();
			return {
				meta: result.columnNames().map((name, i) => ({
					name,
					type: String(result.columnTypes()[i]),
				})),
				data,
				rows: data.length,
				rows_before_limit_at_least: data.length,
			};
		});

	const server: Server = createServer(async (req, res) => {
		const send = (status: number, body: unknown) => {
			res.writeHead(status, { "content-type": "application/json" });
			res.end(JSON.stringify(body));
		};
		if (req.method !== "POST" || !req.url?.endsWith("/analytics_engine/sql")) {
			send(404, { errors: [{ message: "POST /client/v4/accounts/<id>/analytics_engine/sql" }] });
			return;
		}
		if (req.headers.authorization !== `Bearer ${options.token}`) {
			send(401, { errors: [{ message: "Authentication error" }] });
			return;
		}
		try {
			send(200, await answer(await readBody(req)));
		} catch (err) {
			// Like the real API: the query's error as text, so the console can show it.
			res.writeHead(422, { "content-type": "text/plain" });
			res.end(errorText(err));
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port ?? 8791, host, () => resolve());
	});
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : (options.port ?? 8791);
	return {
		url: `http://${host}:${port}${SQL_API_PATH}`,
		port,
		close: async () => {
			await new Promise<void>((r) => server.close(() => r()));
			db.closeSync();
			instance.closeSync();
			rmSync(scratch, { force: true });
			await (await local?.catch(() => undefined))?.close();
		},
	};
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			state: { type: "string", default: ".wrangler/state/v3" },
			port: { type: "string", default: "8791" },
			token: { type: "string" },
		},
	});
	const token = values.token ?? process.env.AE_API_TOKEN;
	if (!token) throw new Error("pass --token or set AE_API_TOKEN (the Worker's AE_API_TOKEN)");
	const local = await startLocalAnalytics({
		stateDir: values.state,
		token,
		port: Number(values.port),
	});
	console.log(`local Analytics Engine SQL API on ${local.url}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exitCode = 1;
	});
}
