import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReport, localArchiveFiles, parquetFilesIn } from "../../scripts/report";
import { renderReportHtml } from "../../scripts/report-html";
import {
	quarantineFilesIn,
	readQuarantine,
	summarizeQuarantine,
} from "../../scripts/report-quarantine";
import { runReport } from "../../scripts/report-queries";
import {
	type EventFields,
	newEvent,
	type PxEvent,
	type PxEventType,
} from "../../src/px/events/events";
import { type QuarantineEntry, quarantineKey } from "../../src/px/notices/quarantine";
import { encodeCompacted, mergeRecords } from "../../src/queues/compacted";
import { gzip } from "../../src/queues/gzip";
import { encodeEvents, eventColumns } from "../../src/queues/parquet";

const T = Date.UTC(2026, 10, 20, 8);
const screen = { publisher_id: "pub", screen_id: "scr", venue_type: 20101 };
let seq = 0;
function ev<T extends PxEventType>(type: T, fields: Omit<EventFields<T>, keyof typeof screen>) {
	seq += 1;
	const id = `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`;
	// Version-1 records, as an archive written before version 2 holds them (they still parse).
	return {
		...newEvent(type, { ...screen, ...fields } as EventFields<T>, { now: T + seq * 1000, id }),
		schema_version: 1,
	};
}
const adRequest = (outcome: "filled" | "no_fill" | "cached") =>
	ev("ad_request", {
		dialect: "px",
		slot_id: "main",
		outcome,
		latency_ms: 20,
		bidders_called: 3,
	});
const auction = (id: string, bids: EventFields<"auction">["bids"]) =>
	ev("auction", { auction_id: id, at: 2, floor_cpm: 1, cur: "USD", bids });
const win = (decision: string, bidder: string, clearing: number, multiplier: number) =>
	ev("win", {
		auction_id: `auc-${decision}`,
		decision_id: decision,
		bidder,
		crid: "c",
		adomain: ["b.example"],
		price_cpm: clearing + 1,
		clearing_price_cpm: clearing,
		multiplier,
		not_after: T + 3_600_000,
	});
const expiry = (decision: string, bidder: string, reason: "reported" | "inferred") =>
	ev("expiry", {
		decision_id: decision,
		auction_id: `auc-${decision}`,
		bidder,
		crid: "c",
		reported_at: T,
		reason,
	});
const telemetry = (kind: "requested" | "played" | "error") =>
	ev("telemetry", { kind } as Omit<EventFields<"telemetry">, keyof typeof screen>);

/** Two wins and their plays, the second under the play threshold (recorded, not billed). */
function thresholdPlays(prefix: string): PxEvent[] {
	const play = (decision: string, billable: boolean) =>
		newEvent(
			"play",
			{
				...screen,
				decision_id: decision,
				auction_id: `auc-${decision}`,
				bidder: "a",
				crid: "c",
				price_cpm: 10,
				multiplier: 2,
				played_at: T,
				displayed_ms: billable ? 10_000 : 3_000,
				...(billable
					? {}
					: { billable: false, not_billable_reason: "under_threshold" as const, play_share: 0.3 }),
			},
			{ now: T },
		);
	const [first, second] = [`${prefix}1`, `${prefix}2`];
	return [win(first, "a", 9, 2), win(second, "a", 9, 2), play(first, true), play(second, false)];
}

/**
 * Event schema version 2 as it might look, in an archive layout that has grown a typed column
 * for its new field: an extra field in the record and an extra Parquet column.
 */
function encodeV2(events: PxEvent[]): Uint8Array {
	const records = events.map((e) =>
		e.schema_version === 1 && e.type === "ad_request" && e.outcome === "no_fill"
			? e // a redelivered version-1 record can land in a newer file
			: ({ ...e, schema_version: 2, campaign_id: `camp-${e.type}` } as unknown as PxEvent),
	);
	const campaign = records.map((r) => (r as { campaign_id?: string }).campaign_id ?? null);
	const { schema, columnData } = eventColumns(records);
	return new Uint8Array(
		parquetWriteBuffer({
			schema: [
				{ ...schema[0]!, num_children: schema.length },
				...schema.slice(1),
				{
					name: "campaign_id",
					type: "BYTE_ARRAY",
					converted_type: "UTF8",
					repetition_type: "OPTIONAL",
				},
			],
			columnData: [...columnData, { name: "campaign_id", data: campaign }],
			codec: "GZIP",
			compressors: { GZIP: gzip },
		}),
	);
}

/**
 * Archive layout 1 as src/queues/parquet.ts wrote it before layout 2: event_id as text, the
 * typed columns up to `reason`, and the whole record as JSON in `details`. Frozen here so the
 * report keeps reading files written then.
 */
function encodeLayout1(events: PxEvent[]): Uint8Array {
	const records = events as unknown as Record<string, unknown>[];
	const pick = (name: string, kind: "string" | "number") =>
		records.map((r) => (typeof r[name] === kind ? r[name] : null));
	const onlyFor = (type: string, name: string) =>
		records.map((r) => (r.type === type ? (r[name] as string) : null));
	const reason = records.map((r) =>
		r.type === "ad_request"
			? ((r.no_fill_reason as string) ?? null)
			: r.type === "expiry"
				? r.reason
				: null,
	);
	const columnData: ColumnSource[] = [
		{ name: "event_id", type: "STRING", nullable: false, data: pick("event_id", "string") },
		{
			name: "schema_version",
			type: "INT32",
			nullable: false,
			data: pick("schema_version", "number"),
		},
		{ name: "type", type: "STRING", nullable: false, data: pick("type", "string") },
		{ name: "ts", type: "TIMESTAMP", nullable: false, data: pick("ts", "number") },
		{ name: "publisher_id", type: "STRING", nullable: false, data: pick("publisher_id", "string") },
		{ name: "screen_id", type: "STRING", nullable: false, data: pick("screen_id", "string") },
		{ name: "venue_type", type: "INT32", data: pick("venue_type", "number") },
		{ name: "request_id", type: "STRING", data: pick("request_id", "string") },
		{ name: "auction_id", type: "STRING", data: pick("auction_id", "string") },
		{ name: "decision_id", type: "STRING", data: pick("decision_id", "string") },
		{ name: "bidder", type: "STRING", data: pick("bidder", "string") },
		{ name: "crid", type: "STRING", data: pick("crid", "string") },
		{ name: "price_cpm", type: "DOUBLE", data: pick("price_cpm", "number") },
		{ name: "outcome", type: "STRING", data: onlyFor("ad_request", "outcome") },
		{ name: "reason", type: "STRING", data: reason },
		{
			name: "details",
			type: "STRING",
			nullable: false,
			data: records.map((r) => JSON.stringify(r)),
		},
	];
	return new Uint8Array(
		parquetWriteBuffer({
			columnData,
			codec: "SNAPPY",
			rowGroupSize: Math.max(events.length, 1),
			kvMetadata: [{ key: "px.schema_version", value: "1" }],
		}),
	);
}

let dir: string;
let files: string[];
/** Outside `dir`, whose listing the CLI test checks. */
let other: string;
let v1: PxEvent[];

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "px-report-"));
	other = mkdtempSync(join(tmpdir(), "px-report-other-"));
	const first = adRequest("no_fill");
	const decOneWin = win("dec-1", "a", 5, 10);
	v1 = [
		first,
		adRequest("filled"),
		adRequest("filled"),
		adRequest("cached"),
		auction("auc-1", [
			{ bidder: "a", price: 6, outcome: "won", reason: 0, latency_ms: 50 },
			{ bidder: "b", price: 4, outcome: "lost", reason: 102, latency_ms: 60 },
			{ bidder: "c", price: 9, outcome: "filtered", reason: 201, latency_ms: 70 },
		]),
		auction("auc-2", [
			{ bidder: "a", outcome: "timeout", reason: 500, latency_ms: 300 },
			{ bidder: "b", price: 3, outcome: "won", reason: 0, latency_ms: 40 },
		]),
		auction("auc-3", []),
		decOneWin,
		win("dec-2", "b", 3, 30),
		ev("play", {
			decision_id: "dec-1",
			auction_id: "auc-dec-1",
			bidder: "a",
			crid: "c",
			price_cpm: 5,
			multiplier: 10,
			played_at: T,
		}),
		telemetry("requested"),
		telemetry("played"),
	];
	const laterWin = win("dec-3", "a", 8, 10);
	const v2 = [
		adRequest("filled"),
		first, // redelivered across files
		laterWin,
		laterWin, // redelivered within a file
		expiry("dec-2", "b", "inferred"),
		expiry("dec-3", "a", "reported"),
		telemetry("error"),
	];
	mkdirSync(join(dir, "events", "type=mixed", "hour=08"), { recursive: true });
	files = [
		join(dir, "events", "v1.parquet"),
		join(dir, "events", "type=mixed", "hour=08", "v2.parquet"),
	];
	writeFileSync(files[0]!, encodeEvents(v1));
	writeFileSync(files[1]!, encodeV2(v2));
	writeFileSync(join(dir, "events", "notes.txt"), "not parquet");
});

afterAll(() => {
	rmSync(dir, { recursive: true, force: true });
	rmSync(other, { recursive: true, force: true });
});

function writeOther(name: string, bytes: Uint8Array): string {
	const file = join(other, name);
	writeFileSync(file, bytes);
	return file;
}

describe("runReport", () => {
	it("counts exactly, across schema versions, with duplicates counted once", async () => {
		const report = await runReport(files);
		expect(report).toMatchObject({
			files: 2,
			events: 17,
			duplicates: 2,
			from: new Date(T + 1000).toISOString(),
			events_by_type: { ad_request: 5, auction: 3, win: 3, play: 1, expiry: 2, telemetry: 3 },
			schema_versions: { "1": 12, "2": 5 },
			ad_requests: { total: 5, by_outcome: { filled: 3, no_fill: 1, cached: 1 }, fill_rate: 0.6 },
			auctions: { total: 3, with_winner: 2, bids: 5 },
			bids: {
				by_outcome: { won: 2, lost: 1, filtered: 1, timeout: 1 },
				by_reason: [
					{ code: 0, label: "won", count: 2 },
					{ code: 102, label: "lost_to_higher_bid", count: 1 },
					{ code: 201, label: "creative_pending_approval", count: 1 },
					{ code: 500, label: "bidder_timeout", count: 1 },
				],
			},
			delivery: { wins: 3, plays: 1, unbilled_plays: 0, expiries: 2 },
			expiries: { total: 2, by_reason: { inferred: 1, reported: 1 } },
			telemetry: { requested: 1, played: 1, error: 1 },
		});
		expect(report.delivery.plays_per_win).toBeCloseTo(1 / 3, 10);
		expect(report.to).toBe(new Date(T + seq * 1000).toISOString());
		const [a, b, c] = report.bidders;
		expect(report.bidders.map((r) => r.bidder)).toEqual(["a", "b", "c"]);
		// a timed out in auc-2: a timeout is not a bid.
		expect(a).toMatchObject({
			bids: 1,
			timeouts: 1,
			wins: 2,
			plays: 1,
			expiries: 1,
			plays_per_win: 0.5,
		});
		expect(a?.win_ecpm).toBeCloseTo((5 * 10 + 8 * 10) / 20, 10);
		expect(a?.revenue).toBeCloseTo((5 / 1000) * 10, 10);
		expect(b).toMatchObject({
			bids: 2,
			wins: 1,
			win_ecpm: 3,
			plays: 0,
			expiries: 1,
			plays_per_win: 0,
		});
		expect(c).toMatchObject({ bids: 1, wins: 0, win_ecpm: null, plays_per_win: null, revenue: 0 });
	});

	it("never counts a no-bid as a bid, nor under reason 0 (won)", async () => {
		// A bidder that answered 204 is recorded with outcome no_bid and reason 0; one not called
		// with not_called (schema 6), or before with no_bid and 504/508/509. None made a bid.
		const file = writeOther(
			"no-bids.parquet",
			encodeEvents([
				auction("auc-nb-1", [
					{ bidder: "a", price: 6, outcome: "won", reason: 0, latency_ms: 50 },
					{ bidder: "d", outcome: "no_bid", reason: 0, latency_ms: 20 },
					{ bidder: "e", outcome: "no_bid", reason: 504, latency_ms: 0 },
					{ bidder: "f", outcome: "no_bid", reason: 508, latency_ms: 0 },
					{ bidder: "g", outcome: "no_bid", reason: 509, latency_ms: 0 },
					{ bidder: "h", outcome: "not_called", reason: 510, latency_ms: 0 },
				]),
				auction("auc-nb-2", [
					{ bidder: "d", outcome: "no_bid", reason: 0, latency_ms: 25 },
					{ bidder: "a", outcome: "error", reason: 501, latency_ms: 5 },
				]),
			]),
		);
		const report = await runReport([file]);
		expect(report.bids.by_reason).toEqual([
			{ code: 0, label: "won", count: 1 },
			{ code: 501, label: "bidder_error", count: 1 },
			{ code: 504, label: "bidder_not_called", count: 1 },
			{ code: 508, label: "bidder_no_time", count: 1 },
			{ code: 509, label: "bidder_circuit_open", count: 1 },
			{ code: 510, label: "bidder_qps_capped", count: 1 },
		]);
		expect(report.bids.by_outcome).toEqual({ not_called: 4, no_bid: 2, error: 1, won: 1 });
		const byName = Object.fromEntries(report.bidders.map((b) => [b.bidder, b]));
		expect(byName.a).toMatchObject({ bids: 1, no_bids: 0, timeouts: 0, errors: 1 });
		expect(byName.d).toMatchObject({ bids: 0, no_bids: 2, timeouts: 0, errors: 0 });
		// Never called: not a bid and not a no-bid either, whichever schema wrote it.
		for (const name of ["e", "f", "g", "h"]) {
			expect(byName[name]).toMatchObject({ bids: 0, no_bids: 0, not_called: 1 });
		}
	});

	it("reads newer files first as well as older ones first", async () => {
		const forward = await runReport(files);
		const backward = await runReport([...files].reverse());
		expect(backward).toEqual(forward);
	});

	it("reads archive layout 1 files beside layout 2 files, with the same results", async () => {
		const layout1 = writeOther("v1-layout1.parquet", encodeLayout1(v1));
		const expected = await runReport(files);
		expect(await runReport([layout1, files[1]!])).toEqual(expected);
		expect(await runReport([files[1]!, layout1])).toEqual(expected);
		// The same events archived in both layouts (a redelivery across the change) count once:
		// layout 1's text event_id and layout 2's UUID event_id compare as equal.
		const both = await runReport([layout1, ...files]);
		expect(both).toEqual({ ...expected, files: 3, duplicates: expected.duplicates + v1.length });
		// Layout 1 alone: the columns it lacks (multiplier, kind, extra, …) come from details.
		expect(await runReport([layout1])).toEqual({ ...(await runReport([files[0]!])) });
	});

	it("reads files that lack columns the queries use", async () => {
		// Layout 2 leaves out all-null columns: ad requests alone have no multiplier, kind, extra
		// bids, auction_id or price_cpm columns, and no file has details.
		const adOnly = writeOther(
			"ad-requests.parquet",
			encodeEvents([adRequest("filled"), adRequest("cached"), adRequest("filled")]),
		);
		const report = await runReport([adOnly]);
		expect(report).toMatchObject({
			events: 3,
			ad_requests: { total: 3, by_outcome: { filled: 2, cached: 1 }, fill_rate: 2 / 3 },
			auctions: { total: 0, with_winner: 0, bids: 0 },
			bids: { by_outcome: {}, by_reason: [] },
			bidders: [],
			telemetry: {},
		});
	});

	it("counts plays under the play threshold apart: not billed, no revenue", async () => {
		const file = writeOther("plays-v3.parquet", encodeEvents(thresholdPlays("p")));
		const report = await runReport([file]);
		expect(report.delivery).toMatchObject({ wins: 2, plays: 1, unbilled_plays: 1 });
		expect(report.bidders[0]).toMatchObject({ bidder: "a", plays: 1, plays_per_win: 0.5 });
		expect(report.bidders[0]?.revenue).toBeCloseTo((10 / 1000) * 2, 10);
	});

	it("reads billable from its column and, in files written before it, from extra", async () => {
		const fresh = writeOther("billable-column.parquet", encodeEvents(thresholdPlays("new")));
		const legacy = writeOther(
			"billable-extra.parquet",
			encodeBeforeBillingColumns(thresholdPlays("old")),
		);
		const report = await runReport([fresh, legacy]);
		expect(report.delivery).toMatchObject({ wins: 4, plays: 2, unbilled_plays: 2 });
		expect(report.bidders[0]?.revenue).toBeCloseTo((10 / 1000) * 2 * 2, 10);
		expect(report.money).toMatchObject([{ plays: 2 }]);
		// Either way, one file alone gives the same figures.
		expect((await runReport([legacy])).delivery).toEqual((await runReport([fresh])).delivery);
	});

	it("sums billed plays' gross, take and net per publisher, DSP, UTC day and currency", async () => {
		const day2 = T + 86_400_000;
		const play = (
			fields: { publisher?: string; bidder?: string; at?: number; billable?: boolean },
			split?: { cur: string; gross_cpm: number; take_cpm: number; net_cpm: number },
		) =>
			newEvent(
				"play",
				{
					...screen,
					publisher_id: fields.publisher ?? "pub",
					decision_id: crypto.randomUUID(),
					auction_id: crypto.randomUUID(),
					bidder: fields.bidder ?? "a",
					crid: "c",
					price_cpm: split?.gross_cpm ?? 4,
					multiplier: 10,
					played_at: fields.at ?? T,
					...(fields.billable === false
						? { billable: false, not_billable_reason: "under_threshold" as const }
						: {}),
					...split,
				},
				{ now: fields.at ?? T },
			);
		const share = { cur: "EUR", gross_cpm: 5, take_cpm: 1, net_cpm: 4 };
		const fee = { cur: "USD", gross_cpm: 2, take_cpm: 0.5, net_cpm: 1.5 };
		const file = writeOther(
			"money.parquet",
			encodeEvents([
				play({}, share),
				play({}, share),
				// Recorded, not billed: it carries the split but is worth nothing.
				play({ billable: false }, share),
				play({ bidder: "b" }, fee),
				play({ publisher: "pub-2" }, fee),
				play({ at: day2 }, share),
			]),
		);
		// Archived before event schema 7 (layout 1 as well): the clearing price is the gross.
		const old = writeOther("money-v6.parquet", encodeLayout1([play({ at: day2 })]));
		const report = await runReport([file, old]);
		const amounts = (gross: number, take: number, net: number) => ({
			gross: expect.closeTo(gross, 10),
			take: expect.closeTo(take, 10),
			net: expect.closeTo(net, 10),
		});
		expect(report.money).toEqual([
			{
				publisher_id: "pub",
				bidder: "a",
				day: "2026-11-20",
				cur: "EUR",
				plays: 2,
				...amounts(0.1, 0.02, 0.08),
			},
			{
				publisher_id: "pub",
				bidder: "b",
				day: "2026-11-20",
				cur: "USD",
				plays: 1,
				...amounts(0.02, 0.005, 0.015),
			},
			{
				publisher_id: "pub-2",
				bidder: "a",
				day: "2026-11-20",
				cur: "USD",
				plays: 1,
				...amounts(0.02, 0.005, 0.015),
			},
			{
				publisher_id: "pub",
				bidder: "a",
				day: "2026-11-21",
				cur: null,
				plays: 1,
				...amounts(0.04, 0, 0.04),
			},
			{
				publisher_id: "pub",
				bidder: "a",
				day: "2026-11-21",
				cur: "EUR",
				plays: 1,
				...amounts(0.05, 0.01, 0.04),
			},
		]);
		const text = formatReport(report);
		expect(text).toMatch(/day\s+publisher\s+bidder\s+cur\s+plays billed\s+gross\s+take\s+net/);
		expect(text).toMatch(/2026-11-20\s+pub\s+a\s+EUR\s+2\s+0\.10\s+0\.02\s+0\.08/);
		expect(text).toMatch(/2026-11-21\s+pub\s+a\s+n\/a\s+1\s+0\.04\s+0\.00\s+0\.04/);
		const html = await renderReportHtml(report);
		expect(html).toContain("<th>plays billed</th>");
		expect(html).toMatch(/<td class="">EUR<\/td><td class="num">2<\/td><td class="">0\.10<\/td>/);
	});

	it("reports progress per chunk of files", async () => {
		const calls: [number, number][] = [];
		await runReport(files, {
			chunkSize: 1,
			onProgress: (read, total) => calls.push([read, total]),
		});
		expect(calls).toEqual([
			[1, 2],
			[2, 2],
		]);
	});

	it("returns an empty report without files", async () => {
		const report = await runReport([]);
		expect(report).toMatchObject({ files: 0, events: 0, duplicates: 0, from: null, to: null });
		expect(report.ad_requests).toEqual({ total: 0, by_outcome: {}, fill_rate: null });
		expect(report.bidders).toEqual([]);
	});
});

describe("report CLI", () => {
	it("finds Parquet files in nested folders only", () => {
		expect(parquetFilesIn(dir)).toEqual([...files].sort());
	});

	it("prints the report as one JSON object with --json", () => {
		const out = execFileSync("npx", ["tsx", "scripts/report.ts", "--dir", dir, "--json"], {
			encoding: "utf8",
			stdio: ["ignore", "pipe", "pipe"],
		});
		const report = JSON.parse(out);
		expect(report).toMatchObject({ files: 2, events: 17, duplicates: 2 });
	}, 120_000);

	it("writes the same figures as charts with --html", () => {
		const out = join(other, "report.html");
		execFileSync("npx", ["tsx", "scripts/report.ts", "--dir", dir, "--html", "--out", out], {
			stdio: ["ignore", "pipe", "pipe"],
		});
		const html = readFileSync(out, "utf8");
		expect(html.startsWith("<!doctype html>")).toBe(true);
		// Self-contained: no script and nothing fetched.
		expect(html).not.toMatch(/<script|<link|src=/);
		expect(html).toContain("<svg");
		// The tiles and bars carry the report's own numbers.
		expect(html).toContain(">60.0%<"); // fill rate 3 / 5
		expect(html).toMatch(/aria-label="Bidder answers by reason"/);
		expect(html).toContain(">102 lost_to_higher_bid<");
		expect(html).toContain(">33.3%<"); // plays per win 1 / 3
	}, 120_000);

	it("reads the archive objects and the quarantine of wrangler's local R2 state through R2", async () => {
		const state = join(dir, "wrangler-state");
		const put = (object: string, file: string) =>
			execFileSync(
				"npx",
				[
					"wrangler",
					"r2",
					"object",
					"put",
					object,
					"--file",
					file,
					"--local",
					"--persist-to",
					state,
				],
				{ stdio: "ignore" },
			);
		put("px-archive/events/type=win/dt=2026-11-20/hour=08/batch-1.parquet", files[0]!);
		put("px-archive/exports/elsewhere.parquet", files[1]!); // not under events/
		put("other-bucket/events/type=win/dt=2026-11-20/hour=08/batch-2.parquet", files[1]!);
		const entry = quarantined("px-events-dlq", "m-local", "invalid record: ts: Too big", 2);
		const entryFile = join(other, "entry.json");
		writeFileSync(entryFile, JSON.stringify(entry));
		put(`px-archive/${quarantineKey(entry)}`, entryFile);
		const found = await localArchiveFiles(join(state, "v3"), "px-archive");
		try {
			expect(found.parquet.length).toBe(1);
			const report = await runReport(found.parquet, {
				quarantine: readQuarantine(found.quarantine),
			});
			expect(report).toMatchObject({ files: 1, events: 12, schema_versions: { "1": 12 } });
			expect(report.quarantine.by_queue_error).toEqual([
				{ queue: "px-events-dlq", error: "invalid record: ts: Too big", messages: 1, records: 2 },
			]);
		} finally {
			await found.close();
		}
		const missing = await localArchiveFiles(join(state, "v3"), "missing-bucket");
		expect(missing.parquet).toEqual([]);
		expect(missing.quarantine).toEqual([]);
		await missing.close();
	}, 120_000);
});

function quarantined(
	queue: string,
	id: string,
	error: string,
	records: number,
	at = T,
): QuarantineEntry {
	return {
		queue,
		message_id: id,
		first_seen: new Date(at).toISOString(),
		last_seen: new Date(at + 60_000).toISOString(),
		attempts: 1,
		error,
		body: Array.from({ length: records }, (_, i) => ({ record: i })),
		errors: Array.from({ length: records }, () => error),
		records_processed: 0,
	};
}

describe("quarantine in the report", () => {
	const entries = [
		quarantined("px-events-dlq", "e1", "invalid record: ts: Too big", 1, T),
		quarantined("px-events-dlq", "e2", "invalid record: ts: Too big", 3, T + 5_000),
		quarantined("px-events-dlq", "e3", "review desk intake failed: adomain too long", 1, T + 9_000),
		{
			...quarantined("px-notices-dlq", "n1", "not delivered by px-notices", 1, T + 1_000),
			body: { whole: true },
		},
	];

	it("counts quarantined messages by queue and error, newest first", () => {
		const summary = summarizeQuarantine(entries, 2);
		expect(summary.messages).toBe(4);
		expect(summary.records).toBe(6);
		expect(summary.by_queue_error).toEqual([
			{ queue: "px-events-dlq", error: "invalid record: ts: Too big", messages: 2, records: 4 },
			{
				queue: "px-events-dlq",
				error: "review desk intake failed: adomain too long",
				messages: 1,
				records: 1,
			},
			{ queue: "px-notices-dlq", error: "not delivered by px-notices", messages: 1, records: 1 },
		]);
		expect(summary.newest.map((e) => e.message_id)).toEqual(["e3", "e2"]);
	});

	it("npm run report -- --dir lists the quarantine of a bucket copy (text, --json, --html)", () => {
		const bucket = mkdtempSync(join(tmpdir(), "px-report-bucket-"));
		try {
			mkdirSync(join(bucket, "events"), { recursive: true });
			writeFileSync(join(bucket, "events", "v1.parquet"), readFileSync(files[0]!));
			for (const e of entries) {
				const file = join(bucket, quarantineKey(e));
				mkdirSync(join(file, ".."), { recursive: true });
				writeFileSync(file, JSON.stringify(e));
			}
			writeFileSync(join(bucket, "notes.json"), "{}"); // not under quarantine/
			expect(quarantineFilesIn(bucket)).toHaveLength(4);
			const cli = (...args: string[]) =>
				execFileSync("npx", ["tsx", "scripts/report.ts", "--dir", bucket, ...args], {
					encoding: "utf8",
					stdio: ["ignore", "pipe", "pipe"],
				});
			const text = cli();
			expect(text).toContain("quarantine: 4 dead letters that could not be processed (6 records)");
			expect(text).toMatch(/px-events-dlq\s+invalid record: ts: Too big\s+2\s+4/);
			expect(text).toMatch(/newest quarantined:\n.*\n\S+\s+px-events-dlq\s+e3\s/);
			const json = JSON.parse(cli("--json"));
			expect(json.files).toBe(1);
			expect(json.quarantine.messages).toBe(4);
			cli("--html", "--out", join(bucket, "report.html"));
			const html = readFileSync(join(bucket, "report.html"), "utf8");
			expect(html).toContain("Quarantine: dead letters that could not be processed");
			expect(html).toContain(">review desk intake failed: adomain too long<");
		} finally {
			rmSync(bucket, { recursive: true, force: true });
		}
	}, 60_000);

	it("an empty quarantine says so", async () => {
		const report = await runReport([]);
		expect(report.quarantine).toEqual({ messages: 0, records: 0, by_queue_error: [], newest: [] });
		expect(formatReport(report)).toContain("quarantine: 0 dead letters");
	});
});

/** Decisions as the edge records them: UUID ids (layout 3 `_uuid` columns), some player ids as text. */
function traffic(decisions: number): PxEvent[] {
	const at = Date.UTC(2026, 10, 21, 7, 40);
	const base = (i: number) => ({
		publisher_id: "pub",
		screen_id: `scr-${i % 5}`,
		venue_type: 20101,
		request_id: i % 4 === 0 ? `player-${i}` : crypto.randomUUID(),
	});
	return Array.from({ length: decisions }, (_, i): PxEvent[] => {
		const now = at + i * 97_000; // over ~2 hours, so over several hour partitions
		const auction_id = crypto.randomUUID();
		const decision_id = crypto.randomUUID();
		const bidder = ["a", "b", "c"][i % 3]!;
		const won = i % 5 !== 0;
		const bids: EventFields<"auction">["bids"] = [
			{ bidder, price: 5, outcome: won ? "won" : "filtered", reason: won ? 0 : 201, latency_ms: 9 },
			{ bidder: "d", outcome: "timeout", reason: 500, latency_ms: 300 },
		];
		const events: PxEvent[] = [
			newEvent(
				"auction",
				{ ...base(i), auction_id, at: 2, floor_cpm: 1, cur: "USD", bids },
				{ now },
			),
			newEvent(
				"ad_request",
				{
					...base(i),
					dialect: "px",
					slot_id: "main",
					outcome: won ? "filled" : "no_fill",
					...(won ? {} : { no_fill_reason: "all_bids_filtered" }),
					latency_ms: 20,
					bidders_called: 2,
				},
				{ now },
			),
		];
		if (!won) return events;
		const sold = { auction_id, decision_id, bidder, crid: "c" };
		events.push(
			newEvent(
				"win",
				{
					...base(i),
					...sold,
					adomain: ["b.example"],
					price_cpm: 5,
					clearing_price_cpm: 3,
					multiplier: 2,
					not_after: now + 3_600_000,
				},
				{ now },
			),
			i % 3 === 0
				? newEvent(
						"expiry",
						{ ...base(i), ...sold, reported_at: now + 5_000, reason: "inferred" },
						{ now: now + 5_000 },
					)
				: newEvent(
						"play",
						{ ...base(i), ...sold, price_cpm: 3, multiplier: 2, played_at: now + 5_000 },
						{ now: now + 5_000 },
					),
		);
		return events;
	}).flat();
}

/** What the queue consumer writes: per batch of `size`, one file per type and UTC hour. */
function batchFiles(events: PxEvent[], size: number): PxEvent[][] {
	const files: PxEvent[][] = [];
	for (let i = 0; i < events.length; i += size) {
		const groups = new Map<string, PxEvent[]>();
		for (const e of events.slice(i, i + size)) {
			const key = `${e.type}/${Math.floor(e.ts / 3_600_000)}`;
			groups.set(key, [...(groups.get(key) ?? []), e]);
		}
		files.push(...groups.values());
	}
	return files;
}

type FrozenColumn = {
	column: ColumnSource;
	element: ReturnType<typeof eventColumns>["schema"][number];
};

/** Today's columns of `events`, each with its schema element, for a frozen layout to rework. */
const columnsToRework = (events: PxEvent[]): FrozenColumn[] => {
	const { schema, columnData } = eventColumns(events);
	return columnData.map((column, i) => ({ column, element: schema[i + 1]! }));
};

/** A file of reworked columns, marked with the layout it freezes. */
const encodeFrozen = (columns: FrozenColumn[], layout: number) =>
	new Uint8Array(
		parquetWriteBuffer({
			schema: [{ name: "root", num_children: columns.length }, ...columns.map((k) => k.element)],
			columnData: columns.map((k) => k.column),
			codec: "GZIP",
			compressors: { GZIP: gzip },
			kvMetadata: [{ key: "px.archive_layout", value: String(layout) }],
		}),
	);

/**
 * Archive layout 3 as written before the play's billing columns, frozen: billable,
 * not_billable_reason and planned_multiplier in `extra`.
 */
function encodeBeforeBillingColumns(events: PxEvent[]): Uint8Array {
	const moved = ["billable", "not_billable_reason", "planned_multiplier"];
	const keep = columnsToRework(events).filter(({ column }) => !moved.includes(column.name));
	const extra = keep.find((k) => k.column.name === "extra")!;
	extra.column = {
		...extra.column,
		data: events.map((event, i) => {
			const record = event as unknown as Record<string, unknown>;
			const back = moved.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]);
			return JSON.stringify({
				...JSON.parse((extra.column.data[i] as string | null) ?? "{}"),
				...Object.fromEntries(back),
			});
		}),
	};
	return encodeFrozen(keep, 3);
}

/** Archive layout 2, frozen: layout 3's columns, but every id as text (no `_uuid` columns). */
function encodeLayout2(events: PxEvent[]): Uint8Array {
	const columns = columnsToRework(events);
	const text = new Map<string, unknown[]>();
	for (const { column } of columns) {
		const field = column.name.replace(/_uuid$/, "");
		if (!["request_id", "auction_id", "decision_id"].includes(field)) continue;
		const merged = text.get(field) ?? events.map(() => null);
		column.data.forEach((v, i) => {
			if (v !== null) merged[i] = v;
		});
		text.set(field, merged);
	}
	const keep = columns
		.filter(({ column }) => !column.name.endsWith("_uuid"))
		.map(({ column, element }) =>
			text.has(column.name)
				? {
						column: { ...column, data: text.get(column.name)!, codec: "GZIP" as const },
						element: { ...element, type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const },
					}
				: { column, element },
		);
	for (const [name, data] of text) {
		if (keep.some((k) => k.column.name === name)) continue;
		keep.splice(keep.length - 1, 0, {
			column: { name, data, codec: "GZIP" },
			element: { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
		});
	}
	return encodeFrozen(keep, 2);
}

describe("runReport over compacted partitions", () => {
	it("counts the same figures from compacted and fresh files mixed, across layouts", async () => {
		const events = traffic(120);
		const batches = batchFiles(events, 25);
		const write = (name: string, bytes: Uint8Array) => writeOther(name, bytes);
		const fresh = batches.map((b, i) => write(`fresh-${i}.parquet`, encodeEvents(b)));
		const expected = await runReport(fresh);
		expect(expected).toMatchObject({ events: events.length, duplicates: 0 });
		expect(expected.auctions.with_winner).toBe(96);

		// Compact the partitions of every other type and hour; keep the others as queue files,
		// some of them in layout 2 (ids as text). One compacted partition's inputs are still
		// there, as after a run that stopped before its deletes.
		const partitions = new Map<string, PxEvent[][]>();
		for (const batch of batches) {
			const key = `${batch[0]!.type}/${Math.floor(batch[0]!.ts / 3_600_000)}`;
			partitions.set(key, [...(partitions.get(key) ?? []), batch]);
		}
		const mixed: string[] = [];
		let leftoverRows = 0;
		[...partitions.values()].forEach((files, p) => {
			if (p % 2 === 0) {
				const merged = mergeRecords(files as unknown as Record<string, unknown>[][]);
				mixed.push(write(`compacted-${p}.parquet`, encodeCompacted(merged.records)));
				if (p === 0) {
					mixed.push(write(`leftover-${p}.parquet`, encodeEvents(files[0]!)));
					leftoverRows += files[0]!.length;
				}
			} else {
				files.forEach((f, i) => {
					const bytes = i % 2 === 0 ? encodeLayout2(f) : encodeEvents(f);
					mixed.push(write(`queue-${p}-${i}.parquet`, bytes));
				});
			}
		});
		expect(mixed.length).toBeLessThan(fresh.length);
		for (const order of [mixed, [...mixed].reverse()]) {
			expect(await runReport(order)).toEqual({
				...expected,
				files: mixed.length,
				duplicates: leftoverRows,
			});
		}
	});
});
