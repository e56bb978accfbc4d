// The operator console's figures: the Analytics Engine queries of metrics.ts (CONSOLE_QUERIES)
// plus the review desk's backlog, gathered into one snapshot. Each section stands alone: a query
// that fails leaves its panel empty with the reason, never the whole console.

import type { DeskStats } from "../../px/api/review-api";
import { isNotCalledLine, NOT_CALLED } from "../../px/auction/outcomes";
import { isReason, reasonLabel } from "../../px/auction/reasons";
import type { OpenCircuit } from "../../px/pacing/circuit";
import { errorText } from "../../services/log";
import { type ConsoleQuery, consoleSql } from "../../services/metrics";
import { reviewDesk } from "../../services/stubs";
import { config } from "../config";
import { bidderCircuits } from "../decide/pacing";
import { type AeRow, aeTime, num, numOrNull, queryAnalytics, sqlApiUrl } from "./analytics-sql";

interface BidderFigures {
	bidder: string;
	calls: number;
	avg_latency_ms: number | null;
	p99_latency_ms: number | null;
	timeouts: number;
	errors: number;
	no_bids: number;
	/** Auctions it was selected for but not called in (px/auction/outcomes.ts NOT_CALLED), by reason. */
	not_called: number;
	not_called_by_reason: Record<string, number>;
	/** Bids made (won, lost or filtered). */
	bids: number;
	wins: number;
	/** wins / bids. */
	win_rate: number | null;
	/** Clearing price per thousand impressions, weighted by audience per play. */
	ecpm: number | null;
	plays: number;
	expiries: number;
	plays_per_win: number | null;
}

/** Billed plays' amounts for one publisher, DSP and currency (metrics.ts `money`). */
export interface MoneyFigures {
	publisher_id: string;
	bidder: string;
	/** Empty for plays recorded without a currency (before event schema 7). */
	cur: string;
	plays: number;
	/** What the buyer paid, the exchange's take and what the publisher earned, in `cur`. */
	gross: number;
	take: number;
	net: number;
}

export interface OpsSnapshot {
	generated_at: number;
	/** Where the figures come from (the SQL API's host), for the page footer. */
	source: string;
	window: "1 hour";
	requests: {
		total: number;
		filled: number;
		fill_rate: number | null;
		avg_latency_ms: number | null;
		per_minute: { t: number; total: number; part: number }[];
	};
	/** Bidder answers with a reason (every bid, failed and skipped calls), by reason. */
	bids_by_reason: { code: number; label: string; count: number }[];
	bids_by_outcome: Record<string, number>;
	bidders: BidderFigures[];
	/** The bidders' figures summed, with the expiries split by reason. */
	totals: Pick<
		BidderFigures,
		"bids" | "wins" | "win_rate" | "ecpm" | "plays" | "expiries" | "plays_per_win"
	> & { expiries_by_reason: Record<string, number> };
	/** Per publisher, DSP and currency, most gross first. */
	money: MoneyFigures[];
	approvals: DeskStats | null;
	queues: {
		queue: string;
		batches: number;
		avg_batch_size: number | null;
		max_lag_ms: number | null;
		retried: number;
	}[];
	/**
	 * Bidder circuits open now in the isolate that answered (each isolate learns on its own, so
	 * another may differ): live, not part of the shared 10 s snapshot.
	 */
	circuits: OpenCircuit[];
	/** Sections that could not be read, and why. */
	errors: { section: string; message: string }[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** Snapshots are shared for this long per isolate: several wall screens cost one set of queries. */
const SNAPSHOT_TTL_MS = 10_000;
const cache = new Map<string, { at: number; snapshot: Promise<OpsSnapshot> }>();

export async function opsSnapshot(env: Env, now = Date.now()): Promise<OpsSnapshot> {
	const key = `${sqlApiUrl(env) ?? ""}|${config(env).METRICS_DATASET}`;
	const hit = cache.get(key);
	let snapshot = hit && now - hit.at < SNAPSHOT_TTL_MS ? hit.snapshot : undefined;
	if (!snapshot) {
		snapshot = buildSnapshot(env, now);
		cache.set(key, { at: now, snapshot });
		// A failure is not kept: the next refresh asks again.
		snapshot.catch(() => cache.delete(key));
	}
	return { ...(await snapshot), circuits: bidderCircuits.open(Date.now()) };
}

/** For tests: forget cached snapshots. */
export function clearSnapshotCache(): void {
	cache.clear();
}

async function buildSnapshot(env: Env, now: number): Promise<OpsSnapshot> {
	const errors: OpsSnapshot["errors"] = [];
	const run = async (query: ConsoleQuery): Promise<AeRow[]> => {
		try {
			return await queryAnalytics(env, consoleSql(query, config(env).METRICS_DATASET));
		} catch (err) {
			errors.push({ section: query, message: errorText(err) });
			return [];
		}
	};
	const [perMinute, bids, wins, delivery, calls, queues, money, approvals] = await Promise.all([
		run("requests_per_minute"),
		run("bids_by_reason"),
		run("wins_and_ecpm"),
		run("delivery"),
		run("bidder_calls"),
		run("queue_health"),
		run("money"),
		reviewDesk(env)
			.stats(now)
			.catch((err: unknown) => {
				errors.push({
					section: "approvals",
					message: errorText(err),
				});
				return null;
			}),
	]);

	const minutes = perMinute.map((r) => ({
		t: aeTime(r.minute),
		total: num(r.requests),
		part: num(r.filled),
		latencySum: num(r.avg_latency_ms) * num(r.requests),
	}));
	const total = minutes.reduce((a, m) => a + m.total, 0);
	const filled = minutes.reduce((a, m) => a + m.part, 0);

	const byReason = new Map<string, { code: number; count: number }>();
	const byOutcome: Record<string, number> = {};
	const bidder = new Map<string, BidderFigures>();
	const figures = (name: string): BidderFigures => {
		let f = bidder.get(name);
		if (!f) {
			f = {
				bidder: name,
				calls: 0,
				avg_latency_ms: null,
				p99_latency_ms: null,
				timeouts: 0,
				errors: 0,
				no_bids: 0,
				not_called: 0,
				not_called_by_reason: {},
				bids: 0,
				wins: 0,
				win_rate: null,
				ecpm: null,
				plays: 0,
				expiries: 0,
				plays_per_win: null,
			};
			bidder.set(name, f);
		}
		return f;
	};
	for (const r of bids) {
		const n = num(r.bids);
		// Points written before event schema 6 said no_bid for a bidder that was not called.
		const code = num(r.code);
		const written = String(r.outcome ?? "");
		const outcome = isNotCalledLine({ outcome: written, reason: code }) ? NOT_CALLED : written;
		const label = String(r.reason ?? "");
		const known = byReason.get(label) ?? { code, count: 0 };
		known.count += n;
		byReason.set(label, known);
		byOutcome[outcome] = (byOutcome[outcome] ?? 0) + n;
		if (outcome === "won" || outcome === "lost" || outcome === "filtered") {
			figures(String(r.bidder)).bids += n;
		} else if (outcome === NOT_CALLED) {
			const f = figures(String(r.bidder));
			f.not_called += n;
			f.not_called_by_reason[label] = (f.not_called_by_reason[label] ?? 0) + n;
		}
	}
	for (const r of calls) {
		const f = figures(String(r.bidder));
		f.calls = num(r.calls);
		f.avg_latency_ms = numOrNull(r.avg_latency_ms);
		f.p99_latency_ms = numOrNull(r.p99_latency_ms);
		f.timeouts = num(r.timeouts);
		f.errors = num(r.errors);
		f.no_bids = num(r.no_bids);
	}
	let audience = 0;
	let weighted = 0;
	for (const r of wins) {
		const f = figures(String(r.bidder));
		f.wins = num(r.wins);
		f.ecpm = numOrNull(r.ecpm);
		if (f.ecpm !== null) {
			audience += num(r.audience);
			weighted += f.ecpm * num(r.audience);
		}
	}
	const expiriesByReason: Record<string, number> = {};
	for (const r of delivery) {
		const f = figures(String(r.bidder));
		const n = num(r.events);
		if (r.metric === "play") f.plays += n;
		if (r.metric === "expiry") {
			f.expiries += n;
			const reason = String(r.reason || "unknown");
			expiriesByReason[reason] = (expiriesByReason[reason] ?? 0) + n;
		}
	}
	for (const f of bidder.values()) {
		f.win_rate = ratio(f.wins, f.bids);
		f.plays_per_win = ratio(f.plays, f.wins);
	}
	const list = [...bidder.values()].sort(
		(a, b) => b.wins - a.wins || b.calls - a.calls || a.bidder.localeCompare(b.bidder),
	);
	const sum = (pick: (f: BidderFigures) => number) => list.reduce((a, f) => a + pick(f), 0);
	const allWins = sum((f) => f.wins);
	const allPlays = sum((f) => f.plays);
	const allBids = sum((f) => f.bids);

	return {
		generated_at: now,
		source: sourceName(env),
		window: "1 hour",
		requests: {
			total,
			filled,
			fill_rate: ratio(filled, total),
			avg_latency_ms: total > 0 ? minutes.reduce((a, m) => a + m.latencySum, 0) / total : null,
			per_minute: minutes
				.filter((m) => Number.isFinite(m.t))
				.map(({ t, total, part }) => ({ t, total, part })),
		},
		bids_by_reason: [...byReason.entries()]
			.map(([label, { code, count }]) => ({
				code,
				// The enum's own label when the code is known: one vocabulary everywhere.
				label: isReason(code) ? reasonLabel(code) : label,
				count,
			}))
			.sort((a, b) => b.count - a.count || a.code - b.code),
		bids_by_outcome: byOutcome,
		bidders: list,
		totals: {
			bids: allBids,
			wins: allWins,
			win_rate: ratio(allWins, allBids),
			ecpm: audience > 0 ? weighted / audience : null,
			plays: allPlays,
			expiries: sum((f) => f.expiries),
			plays_per_win: ratio(allPlays, allWins),
			expiries_by_reason: expiriesByReason,
		},
		money: money.map((r) => ({
			publisher_id: String(r.publisher_id ?? ""),
			bidder: String(r.bidder ?? ""),
			cur: String(r.cur ?? ""),
			plays: num(r.plays),
			gross: num(r.gross),
			take: num(r.take),
			net: num(r.net),
		})),
		approvals,
		circuits: [],
		queues: queues.map((r) => ({
			queue: String(r.queue),
			batches: num(r.batches),
			avg_batch_size: numOrNull(r.avg_batch_size),
			max_lag_ms: numOrNull(r.max_lag_ms),
			retried: num(r.retried),
		})),
		errors,
	};
}

function sourceName(env: Env): string {
	const url = sqlApiUrl(env);
	if (!url) return "Analytics Engine (not configured)";
	try {
		return `Analytics Engine SQL API at ${new URL(url).host}`;
	} catch {
		return "Analytics Engine SQL API";
	}
}
