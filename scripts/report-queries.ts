// The operator report's queries over archive Parquet files (src/queues/parquet.ts), with DuckDB.
// Kept apart from the CLI (scripts/report.ts) so tests can run them on fixture files.
//
// Reads every archive layout side by side: layout 2 and 3 files have typed columns plus `extra`
// (the record's other fields as JSON) and leave out all-null columns, layout 3 keeps UUID ids in
// `<field>_uuid` columns beside the text ones; layout 1 files have the whole record as JSON in
// `details` and fewer typed columns. Queue batches and compacted partitions
// (src/queues/compact.ts) are files of the same layouts. `load` turns all of them into one `ev`
// table.
import { DuckDBInstance } from "@duckdb/node-api";
import { NOT_CALLED, NOT_CALLED_REASONS } from "../src/px/auction/outcomes";
import { isReason, Reason, reasonLabel } from "../src/px/auction/reasons";
import type { QuarantineEntry } from "../src/px/notices/quarantine";
import { type QuarantineSummary, summarizeQuarantine } from "./report-quarantine";

export interface Report {
	files: number;
	/** Unique events after deduplication on event_id. */
	events: number;
	/** Rows dropped as redeliveries of an event_id already counted (at-least-once queues). */
	duplicates: number;
	/** First and last event time, ISO 8601 UTC; null without events. */
	from: string | null;
	to: string | null;
	events_by_type: Record<string, number>;
	schema_versions: Record<string, number>;
	ad_requests: {
		total: number;
		by_outcome: Record<string, number>;
		/** filled / total; cached answers are counted in by_outcome, not here. */
		fill_rate: number | null;
	};
	auctions: { total: number; with_winner: number; bids: number };
	bids: {
		by_outcome: Record<string, number>;
		by_reason: { code: number; label: string; count: number }[];
	};
	bidders: BidderRow[];
	/** What billed plays were worth, per publisher, DSP, UTC day and currency. */
	money: MoneyRow[];
	delivery: {
		wins: number;
		/** Billed plays: reported with at least the threshold share of the spot on screen. */
		plays: number;
		/** Plays reported under the threshold share (schema 3): recorded, never billed. */
		unbilled_plays: number;
		expiries: number;
		/** plays / wins: the share of won ads that actually ran (and were billed). */
		plays_per_win: number | null;
	};
	expiries: { total: number; by_reason: Record<string, number> };
	telemetry: Record<string, number>;
	/** Dead letters that could not be processed (quarantine/ in the archive bucket). */
	quarantine: QuarantineSummary;
}

export interface BidderRow {
	bidder: string;
	/** Bids this bidder made (won, lost or filtered); no-bids, timeouts and errors are not bids. */
	bids: number;
	/** Calls answered without a bid (HTTP 204, nbr or an empty seatbid). */
	no_bids: number;
	/** Auctions it was selected for but not called in (no time left, circuit open, QPS cap). */
	not_called: number;
	timeouts: number;
	errors: number;
	wins: number;
	/** Clearing price per thousand impressions over wins, weighted by audience per play. */
	win_ecpm: number | null;
	plays: number;
	expiries: number;
	plays_per_win: number | null;
	/** Billed on play (DOOH bills on proof of play): Σ price_cpm / 1000 × multiplier. */
	revenue: number;
}

/**
 * Amounts (CPM × audience / 1000) summed over billed plays: gross is what the buyer pays, take
 * what the exchange keeps, net what the publisher earns. A play recorded before event schema 7
 * has no split: its clearing price counts as gross, with no take and no currency (null).
 */
export interface MoneyRow {
	publisher_id: string;
	bidder: string;
	/** UTC day the play was recorded, YYYY-MM-DD. */
	day: string;
	cur: string | null;
	plays: number;
	gross: number;
	take: number;
	net: number;
}

export interface ReportOptions {
	/** Called after each chunk of files is loaded. */
	onProgress?: (filesRead: number, total: number) => void;
	/** Files loaded per query; progress is reported per chunk. */
	chunkSize?: number;
	/** The quarantine entries to summarize beside the events. */
	quarantine?: QuarantineEntry[];
}

/** A play the edge recorded but did not bill (ev.billable: see `load`). */
const UNBILLED = "NOT billable";

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const fileList = (files: string[]) => `[${files.map(sqlString).join(", ")}]`;
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function runReport(files: string[], options: ReportOptions = {}): Promise<Report> {
	const instance = await DuckDBInstance.create(":memory:", {
		// Everything needed (parquet, json) is built in; never reach for the network.
		autoinstall_known_extensions: "false",
	});
	const db = await instance.connect();
	const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
	const counts = async (sql: string) =>
		Object.fromEntries((await rows(sql)).map((r) => [String(r.k), num(r.n)]));
	try {
		await load(files, options, (sql) => db.run(sql), rows);
		const [totals] = await rows(`SELECT
			(SELECT count(*) FROM raw) AS raw_rows, count(*) AS events,
			epoch_ms(min(ts)) AS first, epoch_ms(max(ts)) AS last FROM ev`);
		const iso = (v: unknown) =>
			v === null || v === undefined ? null : new Date(num(v)).toISOString();
		const adRequests = await counts(
			"SELECT outcome AS k, count(*) AS n FROM ev WHERE type = 'ad_request' GROUP BY 1 ORDER BY 2 DESC, 1",
		);
		const adTotal = Object.values(adRequests).reduce((a, b) => a + b, 0);
		const [auctions] = await rows(`SELECT
			count(DISTINCT auction_id) FILTER (WHERE outcome = 'won') AS with_winner,
			count(*) AS bids FROM bids`);
		// Reason 0 is "won": a bidder answer without a bid is recorded with reason 0 too (there is
		// no loss code for "did not bid"), so only a won bid counts under it.
		const byReason = await rows(
			`SELECT reason, count(*) AS n FROM bids
			WHERE reason IS NOT NULL AND (reason <> 0 OR outcome = 'won')
			GROUP BY 1 ORDER BY 2 DESC, 1`,
		);
		const bidders = (await rows(BIDDERS_SQL)).map((r): BidderRow => {
			const wins = num(r.wins);
			const plays = num(r.plays);
			return {
				bidder: String(r.bidder),
				bids: num(r.bids),
				no_bids: num(r.no_bids),
				not_called: num(r.not_called),
				timeouts: num(r.timeouts),
				errors: num(r.errors),
				wins,
				win_ecpm: r.win_ecpm === null ? null : num(r.win_ecpm),
				plays,
				expiries: num(r.expiries),
				plays_per_win: ratio(plays, wins),
				revenue: num(r.revenue),
			};
		});
		const money = (await rows(MONEY_SQL)).map(
			(r): MoneyRow => ({
				publisher_id: String(r.publisher_id),
				bidder: String(r.bidder),
				day: String(r.day),
				cur: r.cur === null || r.cur === undefined ? null : String(r.cur),
				plays: num(r.plays),
				gross: num(r.gross),
				take: num(r.take),
				net: num(r.net),
			}),
		);
		const eventsByType = await counts(
			"SELECT type AS k, count(*) AS n FROM ev GROUP BY 1 ORDER BY 1",
		);
		const expiries = await counts(
			"SELECT reason AS k, count(*) AS n FROM ev WHERE type = 'expiry' GROUP BY 1 ORDER BY 1",
		);
		const wins = eventsByType.win ?? 0;
		const [unbilled] = await rows(
			`SELECT count(*) AS n FROM ev WHERE type = 'play' AND ${UNBILLED}`,
		);
		const unbilledPlays = num(unbilled?.n);
		const plays = (eventsByType.play ?? 0) - unbilledPlays;
		return {
			files: files.length,
			events: num(totals?.events),
			duplicates: num(totals?.raw_rows) - num(totals?.events),
			from: iso(totals?.first),
			to: iso(totals?.last),
			events_by_type: eventsByType,
			schema_versions: await counts(
				"SELECT schema_version AS k, count(*) AS n FROM ev GROUP BY 1 ORDER BY 1",
			),
			ad_requests: {
				total: adTotal,
				by_outcome: adRequests,
				fill_rate: ratio(adRequests.filled ?? 0, adTotal),
			},
			auctions: {
				total: eventsByType.auction ?? 0,
				with_winner: num(auctions?.with_winner),
				bids: num(auctions?.bids),
			},
			bids: {
				by_outcome: await counts(
					"SELECT outcome AS k, count(*) AS n FROM bids WHERE outcome IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
				),
				by_reason: byReason.map((r) => {
					const code = num(r.reason);
					return {
						code,
						label: isReason(code) ? reasonLabel(code) : String(code),
						count: num(r.n),
					};
				}),
			},
			bidders,
			money,
			delivery: {
				wins,
				plays,
				unbilled_plays: unbilledPlays,
				expiries: eventsByType.expiry ?? 0,
				plays_per_win: ratio(plays, wins),
			},
			expiries: { total: eventsByType.expiry ?? 0, by_reason: expiries },
			telemetry: await counts(
				"SELECT kind AS k, count(*) AS n FROM ev WHERE type = 'telemetry' GROUP BY 1 ORDER BY 1",
			),
			quarantine: summarizeQuarantine(options.quarantine ?? []),
		};
	} finally {
		db.closeSync();
		instance.closeSync();
	}
}

/**
 * The columns the queries read and their types. A file can lack any of them but the envelope:
 * layout 1 files predate clearing_price_cpm, multiplier, kind and extra, layout 1 and 2 files
 * predate auction_id_uuid, older layout 3 files predate cur, the split and billable, layout 2
 * and 3 files have no details, and every layout leaves out columns that are null in every row.
 * Missing ones read as NULL.
 */
const RAW_COLUMNS = {
	event_id: "UUID",
	schema_version: "INTEGER",
	type: "VARCHAR",
	ts: "TIMESTAMP",
	publisher_id: "VARCHAR",
	auction_id: "VARCHAR",
	auction_id_uuid: "UUID",
	bidder: "VARCHAR",
	outcome: "VARCHAR",
	reason: "VARCHAR",
	price_cpm: "DOUBLE",
	clearing_price_cpm: "DOUBLE",
	multiplier: "DOUBLE",
	kind: "VARCHAR",
	cur: "VARCHAR",
	gross_cpm: "DOUBLE",
	take_cpm: "DOUBLE",
	net_cpm: "DOUBLE",
	billable: "BOOLEAN",
	extra: "VARCHAR",
	details: "VARCHAR",
} as const;

/** A field the report reads from its typed column, or from a layout 1 row's `details`. */
const fromEither = (column: keyof typeof RAW_COLUMNS, type: "DOUBLE" | "VARCHAR") =>
	`coalesce(${column}, TRY_CAST(details->>'$.${column}' AS ${type})) AS ${column}`;

/**
 * A play's billable: its column, else `extra` or `details` (files written before the column), else
 * true, since the event schema omits it on billed plays and before schema 3 every play was billed.
 */
const BILLABLE = `coalesce(billable,
	TRY_CAST(coalesce(extra, details)->>'$.billable' AS BOOLEAN), true) AS billable`;

/**
 * Loads the files into `raw` chunk by chunk (for progress), then builds `ev` (one row per
 * event_id, the same columns whichever layout a row came from) and `bids` (one row per bidder
 * answer, unnested from the auction's bids JSON).
 */
async function load(
	files: string[],
	{ onProgress, chunkSize = 64 }: ReportOptions,
	run: (sql: string) => Promise<unknown>,
	rows: (sql: string) => Promise<Record<string, unknown>[]>,
): Promise<void> {
	if (files.length === 0) {
		const columns = Object.entries(RAW_COLUMNS).map(([name, type]) => `${name} ${type}`);
		await run(`CREATE TABLE raw (${columns.join(", ")})`);
	} else {
		// union_by_name: files lack the columns of newer versions and layouts and their all-null
		// columns; those read as NULL. No hive_partitioning: the type=/dt=/hour= folders repeat
		// columns the files hold. The first statement only reads footers, to create the table
		// with every column of every file; chunks then insert by name.
		const read = (list: string[]) =>
			`read_parquet(${fileList(list)}, union_by_name = true, hive_partitioning = false)`;
		await run(`CREATE TABLE raw AS SELECT * FROM ${read(files)} LIMIT 0`);
		const present = new Set(
			(await rows("SELECT column_name FROM (DESCRIBE raw)")).map((r) => String(r.column_name)),
		);
		for (const [name, type] of Object.entries(RAW_COLUMNS)) {
			if (!present.has(name)) await run(`ALTER TABLE raw ADD COLUMN ${name} ${type}`);
		}
		for (let i = 0; i < files.length; i += chunkSize) {
			await run(`INSERT INTO raw BY NAME SELECT * FROM ${read(files.slice(i, i + chunkSize))}`);
			onProgress?.(Math.min(i + chunkSize, files.length), files.length);
		}
	}
	// `extra` holds the fields without a typed column: layout 2's extra, or layout 1's whole
	// record. Either way it has the auction's bids.
	await run(`CREATE TABLE ev AS
		SELECT event_id, schema_version, type, ts, publisher_id,
			coalesce(auction_id, CAST(auction_id_uuid AS VARCHAR)) AS auction_id,
			bidder, outcome, reason, price_cpm,
			${fromEither("clearing_price_cpm", "DOUBLE")}, ${fromEither("multiplier", "DOUBLE")},
			${fromEither("kind", "VARCHAR")}, cur, gross_cpm, take_cpm, net_cpm, ${BILLABLE},
			coalesce(extra, details) AS extra
		FROM raw
		QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY schema_version DESC) = 1`);
	// A bidder not called was a no_bid line before event schema 6: one outcome for both.
	await run(`CREATE TABLE bids AS
		SELECT auction_id, bidder,
			CASE WHEN ${NOT_CALLED_LINE} THEN '${NOT_CALLED}' ELSE outcome END AS outcome, reason
		FROM (SELECT auction_id, b.bidder AS bidder, b.outcome AS outcome, b.reason AS reason
			FROM (SELECT auction_id, unnest(from_json(extra->'$.bids',
					'[{"bidder":"VARCHAR","outcome":"VARCHAR","reason":"INTEGER"}]')) AS b
				FROM ev WHERE type = 'auction'))`);
}

/**
 * Lines of a bidder that was selected but never asked: outcome not_called since schema 6, no_bid
 * with a not-called reason before (px/auction/outcomes.ts isNotCalledLine says the same in TypeScript).
 */
const NOT_CALLED_LINE = `(outcome = '${NOT_CALLED}' OR (outcome = 'no_bid' AND coalesce(reason, 0) IN (${[Reason.BidderNotCalled, ...NOT_CALLED_REASONS].join(", ")})))`;

/**
 * Per bidder. Its bidder answers are split by what they were: bids (won, lost or filtered),
 * no-bids, timeouts and errors; a bidder not called was never asked and counts as none of them,
 * but in not_called.
 */
const BIDDERS_SQL = `
WITH
b AS (SELECT bidder,
		count(*) FILTER (WHERE outcome IN ('won', 'lost', 'filtered')) AS bids,
		count(*) FILTER (WHERE outcome = 'no_bid') AS no_bids,
		count(*) FILTER (WHERE outcome = '${NOT_CALLED}') AS not_called,
		count(*) FILTER (WHERE outcome = 'timeout') AS timeouts,
		count(*) FILTER (WHERE outcome = 'error') AS errors
	FROM bids WHERE bidder IS NOT NULL GROUP BY 1),
w AS (SELECT bidder, count(*) AS wins,
		sum(clearing_price_cpm * multiplier) / sum(multiplier) AS win_ecpm
	FROM ev WHERE type = 'win' GROUP BY 1),
p AS (SELECT bidder, count(*) AS plays,
		sum(price_cpm / 1000 * multiplier) AS revenue
	FROM ev WHERE type = 'play' AND NOT (${UNBILLED}) GROUP BY 1),
x AS (SELECT bidder, count(*) AS expiries FROM ev WHERE type = 'expiry' GROUP BY 1),
names AS (SELECT bidder FROM b UNION SELECT bidder FROM w UNION SELECT bidder FROM p
	UNION SELECT bidder FROM x)
SELECT names.bidder, coalesce(bids, 0) AS bids, coalesce(no_bids, 0) AS no_bids,
	coalesce(not_called, 0) AS not_called,
	coalesce(timeouts, 0) AS timeouts, coalesce(errors, 0) AS errors,
	coalesce(wins, 0) AS wins, win_ecpm,
	coalesce(plays, 0) AS plays, coalesce(expiries, 0) AS expiries, coalesce(revenue, 0) AS revenue
FROM names LEFT JOIN b USING (bidder) LEFT JOIN w USING (bidder) LEFT JOIN p USING (bidder)
	LEFT JOIN x USING (bidder)
ORDER BY wins DESC, bids DESC, names.bidder`;

/**
 * Billed plays' money per publisher, DSP, UTC day and currency (see MoneyRow). A play's
 * price_cpm is its clearing price: the gross of a play without the split.
 */
const MONEY_SQL = `
SELECT publisher_id, bidder, strftime(CAST(ts AS DATE), '%Y-%m-%d') AS day, cur,
	count(*) AS plays,
	sum(coalesce(gross_cpm, price_cpm) * multiplier / 1000) AS gross,
	sum(coalesce(take_cpm, 0) * multiplier / 1000) AS take,
	sum(coalesce(net_cpm, coalesce(gross_cpm, price_cpm) - coalesce(take_cpm, 0)) * multiplier / 1000)
		AS net
FROM ev WHERE type = 'play' AND NOT (${UNBILLED})
GROUP BY ALL ORDER BY day, publisher_id, bidder, cur NULLS FIRST`;

/** The money table's columns, as the text and the HTML report both show them. */
export const MONEY_COLUMNS = [
	"day",
	"publisher",
	"bidder",
	"cur",
	"plays billed",
	"gross",
	"take",
	"net",
] as const;

/** One money row under MONEY_COLUMNS, with the caller's money format. */
export function moneyCells(m: MoneyRow, money: (v: number | null) => string): (string | number)[] {
	return [
		m.day,
		m.publisher_id,
		m.bidder,
		m.cur ?? "n/a",
		m.plays,
		money(m.gross),
		money(m.take),
		money(m.net),
	];
}

/** The per-bidder table's columns, as the text and the HTML report both show them. */
export const BIDDER_COLUMNS = [
	"bidder",
	"bids",
	"no-bids",
	"not called",
	"timeouts",
	"errors",
	"wins",
	"win eCPM",
	"plays",
	"expiries",
	"plays/win",
	"revenue",
] as const;

/** One bidder's row under BIDDER_COLUMNS, with the caller's money and share formats. */
export function bidderCells(
	b: BidderRow,
	format: { money: (v: number | null) => string; share: (v: number | null) => string },
): (string | number)[] {
	return [
		b.bidder,
		b.bids,
		b.no_bids,
		b.not_called,
		b.timeouts,
		b.errors,
		b.wins,
		format.money(b.win_ecpm),
		b.plays,
		b.expiries,
		format.share(b.plays_per_win),
		format.money(b.revenue),
	];
}
