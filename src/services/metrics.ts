// Business metrics in Workers Analytics Engine. One dataset; blob1 names the metric, and each
// metric's blob/double layout is declared once here, next to the SQL that reads it back.
// Analytics Engine samples: every query weights by _sample_interval (SUM(_sample_interval) is a
// count, SUM(_sample_interval * doubleN) a total).

import { type BidderStatus, isNotCalledLine, NOT_CALLED } from "../px/auction/outcomes";
import { Reason, reasonLabel } from "../px/auction/reasons";
import type { PxEvent } from "../px/events/events";

export const METRIC_LAYOUT = {
	ad_request: {
		index: "publisher_id",
		blobs: ["publisher_id", "venue_type", "outcome", "no_fill_reason", "dialect"],
		doubles: ["latency_ms", "bidders_called"],
	},
	// One point per bidder line of an auction: a bid (is_bid = 1), the bidder's call (is_call = 1,
	// on its first line), or both. Bids and calls were a point each; a line carries both, which
	// halves the points an auction writes (Analytics Engine bills per point).
	bid: {
		index: "bidder",
		blobs: ["bidder", "outcome", "reason", "publisher_id", "status"],
		doubles: ["price_cpm", "reason_code", "latency_ms", "timed_out", "is_bid", "is_call"],
	},
	win: {
		index: "bidder",
		blobs: ["bidder", "publisher_id", "venue_type"],
		doubles: ["clearing_price_cpm", "multiplier"],
	},
	// Money is amounts (CPM × audience / 1000) of billed plays, 0 on a play that is not billed, in
	// `cur`: summed per publisher, DSP and currency they are what buyers paid, what the exchange
	// kept and what publishers earned. Points written before had none (they read as 0).
	play: {
		index: "bidder",
		blobs: ["bidder", "publisher_id", "venue_type", "cur"],
		doubles: ["price_cpm", "multiplier", "billed", "gross", "take", "net"],
	},
	expiry: { index: "bidder", blobs: ["bidder", "publisher_id", "reason"], doubles: [] },
	queue_batch: { index: "queue", blobs: ["queue"], doubles: ["messages", "max_lag_ms", "retried"] },
} as const;

type MetricName = keyof typeof METRIC_LAYOUT;

/**
 * An Analytics Engine data point as this module builds it (assignable to the runtime's
 * AnalyticsEngineDataPoint); declared here so Node tools (scripts/ae-local.ts) can use the
 * mapping without the Workers types.
 */
interface MetricPoint {
	indexes: string[];
	blobs: string[];
	doubles: number[];
}

/** Where points go: the METRICS binding (AnalyticsEngineDataset) in the Worker. */
interface MetricSink {
	writeDataPoint(point: MetricPoint): void;
}
type Layout<M extends MetricName> = (typeof METRIC_LAYOUT)[M];
type Blobs<M extends MetricName> = Record<Layout<M>["blobs"][number], string>;
type Doubles<M extends MetricName> = Record<Layout<M>["doubles"][number], number>;

export function dataPoint<M extends MetricName>(
	metric: M,
	blobs: Blobs<M>,
	doubles: Doubles<M>,
): MetricPoint {
	const layout = METRIC_LAYOUT[metric];
	const b = blobs as Record<string, string>;
	const d = doubles as Record<string, number>;
	return {
		indexes: [b[layout.index] ?? ""],
		blobs: [metric, ...layout.blobs.map((name) => b[name] ?? "")],
		// double1 is always 1 so SUM(_sample_interval * double1) counts points the same way everywhere.
		doubles: [1, ...layout.doubles.map((name) => d[name] ?? 0)],
	};
}

/** Every event's metrics: the one mapping, whether the event came from the hot path or a DO. */
export function metricsFor(event: PxEvent): MetricPoint[] {
	const venue = String(event.venue_type);
	switch (event.type) {
		case "ad_request":
			return [
				dataPoint(
					"ad_request",
					{
						publisher_id: event.publisher_id,
						venue_type: venue,
						outcome: event.outcome,
						no_fill_reason: event.no_fill_reason ?? "",
						dialect: event.dialect,
					},
					{ latency_ms: event.latency_ms, bidders_called: event.bidders_called },
				),
			];
		case "auction": {
			const points: MetricPoint[] = [];
			const calls = bidderCalls(event.bids);
			for (const bid of event.bids) {
				const isBid = isBidPoint(bid);
				// The call rides on the bidder's first line, and leaves the map so it counts once.
				const call = calls.get(bid.bidder);
				if (call) calls.delete(bid.bidder);
				if (!isBid && !call) continue;
				points.push(
					dataPoint(
						"bid",
						{
							bidder: bid.bidder,
							outcome: isNotCalledLine(bid) ? NOT_CALLED : bid.outcome,
							reason: reasonLabel(bid.reason as Reason),
							publisher_id: event.publisher_id,
							status: call?.status ?? "",
						},
						{
							price_cpm: bid.price ?? 0,
							reason_code: bid.reason,
							latency_ms: call?.latency_ms ?? bid.latency_ms,
							timed_out: call?.status === "timeout" ? 1 : 0,
							is_bid: isBid ? 1 : 0,
							is_call: call ? 1 : 0,
						},
					),
				);
			}
			return points;
		}
		case "win":
			return [
				dataPoint(
					"win",
					{ bidder: event.bidder, publisher_id: event.publisher_id, venue_type: venue },
					{ clearing_price_cpm: event.clearing_price_cpm, multiplier: event.multiplier },
				),
			];
		case "play":
			return [
				dataPoint(
					"play",
					{
						bidder: event.bidder,
						publisher_id: event.publisher_id,
						venue_type: venue,
						cur: event.cur ?? "",
					},
					{ price_cpm: event.price_cpm, multiplier: event.multiplier, ...playMoney(event) },
				),
			];
		case "expiry":
			return [
				dataPoint(
					"expiry",
					{ bidder: event.bidder, publisher_id: event.publisher_id, reason: event.reason },
					{},
				),
			];
		default:
			return [];
	}
}

type PlayRecord = Extract<PxEvent, { type: "play" }>;

/** A play's billed amounts; a play recorded without the split (before schema 7) took nothing. */
function playMoney(play: PlayRecord): { billed: number; gross: number; take: number; net: number } {
	if (play.billable === false) return { billed: 0, gross: 0, take: 0, net: 0 };
	const amount = (cpm: number) => (cpm * play.multiplier) / 1000;
	const gross = play.gross_cpm ?? play.price_cpm;
	const take = play.take_cpm ?? 0;
	return {
		billed: 1,
		gross: amount(gross),
		take: amount(take),
		net: amount(play.net_cpm ?? gross - take),
	};
}

type AuctionBid = Extract<PxEvent, { type: "auction" }>["bids"][number];

/** How a called bidder answered: with bids (whatever became of them), none, too late or broken. */
type CallStatus = BidderStatus;

/**
 * Whether a line counts as a bid (is_bid): every bid, and every call that failed or was not made.
 * A plain no-bid is recorded in the auction with reason 0, which means "won"; as a bid it would
 * count under won, so its point only carries the call.
 */
function isBidPoint(bid: AuctionBid): boolean {
	return bid.reason !== Reason.Won || bid.outcome === "won";
}

/**
 * One call per bidder that was called, with the status of the call itself: an auction records a
 * row per bid (each with its own outcome) or one row for an answer without bids, so the status is
 * "bids" if any row is a bid, else that row's outcome. Bidders not called (no time left, circuit
 * open, QPS cap; archived as no_bid before schema 6) would be 0 ms calls that never happened: they
 * are `bid` points with outcome not_called and their reason instead.
 */
function bidderCalls(
	bids: readonly AuctionBid[],
): Map<string, { bidder: string; status: CallStatus; latency_ms: number }> {
	const calls = new Map<string, { bidder: string; status: CallStatus; latency_ms: number }>();
	for (const bid of bids) {
		// The first test narrows the outcome for TypeScript; the second also catches schema < 6.
		if (bid.outcome === NOT_CALLED || isNotCalledLine(bid)) continue;
		const status: CallStatus =
			bid.outcome === "won" || bid.outcome === "lost" || bid.outcome === "filtered"
				? "bids"
				: bid.outcome;
		const known = calls.get(bid.bidder);
		if (!known) calls.set(bid.bidder, { bidder: bid.bidder, status, latency_ms: bid.latency_ms });
		else if (status === "bids") known.status = "bids";
	}
	return calls;
}

/** Analytics Engine accepts at most 250 data points per invocation. */
const MAX_POINTS_PER_INVOCATION = 250;

export function writeMetrics(dataset: MetricSink, points: MetricPoint[]): void {
	for (const point of points.slice(0, MAX_POINTS_PER_INVOCATION)) dataset.writeDataPoint(point);
}

/**
 * The SQL (Analytics Engine SQL API) for each metric operators watch; documented in README.
 * Dataset name differs per environment: px_metrics, px_metrics_staging, px_metrics_production.
 */
export const METRIC_QUERIES = {
	fill_rate: `SELECT blob2 AS publisher_id,
  SUM(_sample_interval) AS ad_requests,
  SUM(IF(blob4 IN ('filled', 'cached'), _sample_interval, 0)) / SUM(_sample_interval) AS fill_rate,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_latency_ms
FROM px_metrics WHERE blob1 = 'ad_request' AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY publisher_id`,
	bids_by_reason: `SELECT blob2 AS bidder, blob3 AS outcome, blob4 AS reason, SUM(_sample_interval) AS bids
FROM px_metrics WHERE blob1 = 'bid' AND double6 = 1 AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY bidder, outcome, reason ORDER BY bids DESC`,
	wins_and_ecpm: `SELECT blob2 AS bidder, SUM(_sample_interval) AS wins,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_clearing_cpm
FROM px_metrics WHERE blob1 = 'win' AND timestamp > NOW() - INTERVAL '1' DAY GROUP BY bidder`,
	delivery_ratio: `SELECT SUM(IF(blob1 = 'play', _sample_interval, 0)) / SUM(IF(blob1 = 'win', _sample_interval, 0)) AS plays_per_win,
  SUM(IF(blob1 = 'expiry', _sample_interval, 0)) AS expiries
FROM px_metrics WHERE blob1 IN ('win', 'play', 'expiry') AND timestamp > NOW() - INTERVAL '1' DAY`,
	bidder_latency: `SELECT blob2 AS bidder, SUM(_sample_interval) AS calls,
  SUM(_sample_interval * double4) / SUM(_sample_interval) AS avg_latency_ms,
  quantileExactWeighted(0.99)(double4, _sample_interval) AS p99_latency_ms,
  SUM(_sample_interval * double5) AS timeouts,
  SUM(IF(blob6 = 'error', _sample_interval, 0)) AS errors,
  SUM(IF(blob6 = 'no_bid', _sample_interval, 0)) AS no_bids
FROM px_metrics WHERE blob1 = 'bid' AND double7 = 1 AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY bidder`,
	/** Bidders selected but not called, per reason: an open circuit (509) shows here as it opens. */
	not_called: `SELECT blob2 AS bidder, blob4 AS reason, SUM(_sample_interval) AS auctions
FROM px_metrics WHERE blob1 = 'bid' AND blob3 = 'not_called' AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY bidder, reason ORDER BY auctions DESC`,
	/** Billed plays' amounts per publisher, DSP and currency: what buyers paid, the exchange kept, publishers earned. */
	money: `SELECT blob3 AS publisher_id, blob2 AS bidder, blob5 AS cur,
  SUM(_sample_interval * double4) AS plays, SUM(_sample_interval * double5) AS gross,
  SUM(_sample_interval * double6) AS take, SUM(_sample_interval * double7) AS net
FROM px_metrics WHERE blob1 = 'play' AND double4 = 1 AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY publisher_id, bidder, cur ORDER BY gross DESC`,
	queue_health: `SELECT blob2 AS queue, SUM(_sample_interval) AS batches,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_batch_size,
  MAX(double3) AS max_lag_ms, SUM(_sample_interval * double4) AS retried
FROM px_metrics WHERE blob1 = 'queue_batch' AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY queue`,
} as const;

/**
 * What the operator console (/ops) asks, all over the last hour: a wall screen watches what is
 * happening now. `px_metrics` is replaced by the environment's dataset (METRICS_DATASET).
 */
export const CONSOLE_QUERIES = {
	requests_per_minute: `SELECT toStartOfInterval(timestamp, INTERVAL '1' MINUTE) AS minute,
  SUM(_sample_interval) AS requests,
  SUM(IF(blob4 IN ('filled', 'cached'), _sample_interval, 0)) AS filled,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_latency_ms
FROM px_metrics WHERE blob1 = 'ad_request' AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY minute ORDER BY minute`,
	bids_by_reason: `SELECT blob2 AS bidder, blob3 AS outcome, blob4 AS reason, MAX(double3) AS code,
  SUM(_sample_interval) AS bids
FROM px_metrics WHERE blob1 = 'bid' AND double6 = 1 AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY bidder, outcome, reason`,
	wins_and_ecpm: `SELECT blob2 AS bidder, SUM(_sample_interval) AS wins,
  SUM(_sample_interval * double3) AS audience,
  SUM(_sample_interval * double2 * double3) / SUM(_sample_interval * double3) AS ecpm
FROM px_metrics WHERE blob1 = 'win' AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY bidder`,
	delivery: `SELECT blob1 AS metric, blob2 AS bidder, IF(blob1 = 'expiry', blob4, '') AS reason,
  SUM(_sample_interval) AS events
FROM px_metrics WHERE blob1 IN ('win', 'play', 'expiry') AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY metric, bidder, reason`,
	money: METRIC_QUERIES.money.replace("INTERVAL '1' DAY", "INTERVAL '1' HOUR"),
	bidder_calls: METRIC_QUERIES.bidder_latency,
	queue_health: METRIC_QUERIES.queue_health,
} as const;

export type ConsoleQuery = keyof typeof CONSOLE_QUERIES;

/** Dataset names are identifiers in the SQL: letters, digits and underscores only. */
const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The SQL of `query` for one environment's dataset. */
export function consoleSql(query: ConsoleQuery, dataset: string): string {
	if (!DATASET.test(dataset)) throw new Error(`METRICS_DATASET is not a dataset name: ${dataset}`);
	return CONSOLE_QUERIES[query].replaceAll("FROM px_metrics ", `FROM ${dataset} `);
}
