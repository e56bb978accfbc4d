// The local stand-in of the Analytics Engine SQL API (scripts/ae-local.ts) that the operator
// console reads under `npm run dev`: it must answer every query the console and README use, from
// the archived events, with the figures AE would give for the same data points.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAnalytics, startLocalAnalytics, toDuckDbSql } from "../../scripts/ae-local";
import { type EventFields, newEvent, type PxEventType } from "../../src/px/events/events";
import { encodeEvents } from "../../src/queues/parquet";
import { CONSOLE_QUERIES, consoleSql, METRIC_QUERIES } from "../../src/services/metrics";

const NOW = Date.now();
const envelope = { publisher_id: "pub", screen_id: "scr", venue_type: 30101 };
let seq = 0;
function ev<T extends PxEventType>(type: T, fields: object, ago = 60_000) {
	seq += 1;
	return newEvent(type, { ...envelope, ...fields } as EventFields<T>, { now: NOW - ago - seq });
}

let dir: string;
let local: LocalAnalytics;

async function sql(query: string, token = "local-token") {
	const res = await fetch(local.url, {
		method: "POST",
		headers: { authorization: `Bearer ${token}` },
		body: query,
	});
	return {
		status: res.status,
		body:
			res.status === 200
				? ((await res.json()) as { data: Record<string, unknown>[] })
				: await res.text(),
	};
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "px-ae-local-"));
	const adRequest = (outcome: "filled" | "no_fill") =>
		ev("ad_request", {
			dialect: "px",
			slot_id: "main",
			outcome,
			latency_ms: 40,
			bidders_called: 2,
		});
	const batch1 = [
		adRequest("filled"),
		adRequest("filled"),
		adRequest("no_fill"),
		ev("auction", {
			auction_id: "a1",
			at: 2,
			floor_cpm: 1,
			cur: "USD",
			bids: [
				{ bidder: "x", price: 5, outcome: "won", reason: 0, latency_ms: 30 },
				{ bidder: "y", outcome: "no_bid", reason: 0, latency_ms: 20 },
			],
		}),
		ev("win", {
			auction_id: "a1",
			decision_id: "d1",
			bidder: "x",
			crid: "c",
			adomain: ["b.example"],
			price_cpm: 5,
			clearing_price_cpm: 4,
			multiplier: 10,
			not_after: NOW + 3_600_000,
		}),
	];
	const batch2 = [
		ev("play", {
			decision_id: "d1",
			auction_id: "a1",
			bidder: "x",
			crid: "c",
			price_cpm: 4,
			multiplier: 10,
			played_at: NOW,
			cur: "EUR",
			gross_cpm: 4,
			take_cpm: 1,
			net_cpm: 3,
		}),
		// Recorded, not billed: no money.
		ev("play", {
			decision_id: "d2",
			auction_id: "a2",
			bidder: "x",
			crid: "c",
			price_cpm: 4,
			multiplier: 10,
			played_at: NOW,
			billable: false,
			not_billable_reason: "under_threshold",
			cur: "EUR",
			gross_cpm: 4,
			take_cpm: 1,
			net_cpm: 3,
		}),
		// Two days old: outside every console window.
		ev(
			"ad_request",
			{ dialect: "px", slot_id: "main", outcome: "filled", latency_ms: 1, bidders_called: 1 },
			2 * 86_400_000,
		),
	];
	const f1 = join(dir, "b1.parquet");
	const f2 = join(dir, "b2.parquet");
	const f3 = join(dir, "b2-redelivered.parquet");
	writeFileSync(f1, encodeEvents(batch1));
	writeFileSync(f2, encodeEvents(batch2));
	writeFileSync(f3, encodeEvents([batch1[0]!])); // at-least-once: a redelivered ad request
	const uploaded = NOW - 30_000;
	local = await startLocalAnalytics({
		stateDir: dir,
		token: "local-token",
		port: 0,
		objects: async () => [
			{ key: "events/b1.parquet", file: f1, uploaded },
			{ key: "events/b2.parquet", file: f2, uploaded: uploaded + 10_000 },
			{ key: "events/b2r.parquet", file: f3, uploaded: uploaded + 10_050 },
		],
	});
}, 30_000);

afterAll(async () => {
	await local?.close();
	rmSync(dir, { recursive: true, force: true });
});

describe("local Analytics Engine SQL API", () => {
	it("refuses a wrong token like the real API", async () => {
		expect((await sql("SELECT 1", "nope")).status).toBe(401);
	});

	it("answers every query of the console and of README, in AE's JSON format", async () => {
		for (const [name, query] of [
			...Object.keys(CONSOLE_QUERIES).map((q) => [
				q,
				consoleSql(q as keyof typeof CONSOLE_QUERIES, "px_metrics"),
			]),
			...Object.entries(METRIC_QUERIES),
		] as [string, string][]) {
			const answer = await sql(query);
			expect(answer.status, `${name}: ${typeof answer.body === "string" ? answer.body : ""}`).toBe(
				200,
			);
		}
	});

	it("gives the figures the events make: each event once, no-bids not as bids, the console's window only", async () => {
		const per = await sql(consoleSql("requests_per_minute", "px_metrics"));
		const rows = (per.body as { data: Record<string, unknown>[] }).data;
		const total = rows.reduce((a, r) => a + Number(r.requests), 0);
		const filled = rows.reduce((a, r) => a + Number(r.filled), 0);
		expect([total, filled]).toEqual([3, 2]);
		expect(String(rows[0]!.minute)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00$/);
		const bids = (await sql(consoleSql("bids_by_reason", "px_metrics"))).body as {
			data: Record<string, unknown>[];
		};
		expect(bids.data).toEqual([{ bidder: "x", outcome: "won", reason: "won", code: 0, bids: "1" }]);
		const calls = (await sql(consoleSql("bidder_calls", "px_metrics"))).body as {
			data: Record<string, unknown>[];
		};
		const y = calls.data.find((r) => r.bidder === "y");
		expect(y).toMatchObject({ calls: "1", no_bids: "1" });
		const wins = (await sql(consoleSql("wins_and_ecpm", "px_metrics"))).body as {
			data: Record<string, unknown>[];
		};
		expect(wins.data).toEqual([{ bidder: "x", wins: "1", audience: 10, ecpm: 4 }]);
		const money = (await sql(consoleSql("money", "px_metrics"))).body as {
			data: Record<string, unknown>[];
		};
		expect(money.data).toEqual([
			{
				publisher_id: "pub",
				bidder: "x",
				cur: "EUR",
				plays: 1,
				gross: expect.closeTo(0.04, 10),
				take: expect.closeTo(0.01, 10),
				net: expect.closeTo(0.03, 10),
			},
		]);
	});

	it("rebuilds queue batches from the uploads: files written together are one batch", async () => {
		const q = (await sql(consoleSql("queue_health", "px_metrics"))).body as {
			data: Record<string, unknown>[];
		};
		expect(q.data).toHaveLength(1);
		expect(q.data[0]).toMatchObject({ queue: "px-events", batches: "2" });
		// 5 records in the first batch, 3 + 1 in the second.
		expect(Number(q.data[0]!.avg_batch_size)).toBe(4.5);
	});

	it("turns ClickHouse's weighted quantile into DuckDB's", () => {
		expect(toDuckDbSql("quantileExactWeighted(0.99)(double2, _sample_interval) AS p99")).toBe(
			"quantile_disc(double2, 0.99) AS p99",
		);
	});
});
