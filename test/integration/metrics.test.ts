import { describe, expect, it } from "vitest";
import { Reason } from "../../src/px/auction/reasons";
import { newEvent } from "../../src/px/events/events";
import { dataPoint, METRIC_LAYOUT, METRIC_QUERIES, metricsFor } from "../../src/services/metrics";

const base = { publisher_id: "demo-pub", screen_id: "s1", venue_type: 70102 };

describe("Analytics Engine layout", () => {
	it("every metric fits Analytics Engine's limits and counts with double1 = 1", () => {
		for (const [name, layout] of Object.entries(METRIC_LAYOUT)) {
			expect(layout.blobs.length + 1, name).toBeLessThanOrEqual(20);
			expect(layout.doubles.length + 1, name).toBeLessThanOrEqual(20);
			expect(layout.blobs as readonly string[], name).toContain(layout.index);
		}
		const point = dataPoint(
			"win",
			{ bidder: "b", publisher_id: "p", venue_type: "1" },
			{ clearing_price_cpm: 4.5, multiplier: 3 },
		);
		expect(point).toEqual({ indexes: ["b"], blobs: ["win", "b", "p", "1"], doubles: [1, 4.5, 3] });
	});

	it("an auction yields one point per bidder line: its bids with their reason labels, the call on the first", () => {
		const auction = newEvent("auction", {
			...base,
			auction_id: "a1",
			at: 2,
			floor_cpm: 2,
			cur: "USD",
			bids: [
				{ bidder: "x", outcome: "won", reason: Reason.Won, price: 9, latency_ms: 12 },
				{ bidder: "x", outcome: "lost", reason: Reason.LostToHigherBid, price: 7, latency_ms: 12 },
				{ bidder: "y", outcome: "timeout", reason: Reason.BidderTimeout, latency_ms: 170 },
			],
		});
		const points = metricsFor(auction);
		// Three lines, three points: bids and calls no longer take a point each (was 3 + 2).
		expect(points).toHaveLength(3);
		const bids = points.filter((p) => p.blobs?.[0] === "bid" && p.doubles?.[5] === 1);
		expect(bids.map((p) => p.blobs?.slice(1, 4))).toEqual([
			["x", "won", "won"],
			["x", "lost", "lost_to_higher_bid"],
			["y", "timeout", "bidder_timeout"],
		]);
		const calls = points.filter((p) => p.blobs?.[0] === "bid" && p.doubles?.[6] === 1);
		expect(calls.map((p) => [p.blobs?.[1], p.doubles?.[4]])).toEqual([
			["x", 0],
			["y", 1],
		]);
	});

	it("a bidder call's status is how the bidder answered; bidders never called make no call", () => {
		const auction = newEvent("auction", {
			...base,
			auction_id: "a2",
			at: 2,
			floor_cpm: 2,
			cur: "USD",
			bids: [
				// x answered with two bids; the first one lost.
				{ bidder: "x", outcome: "lost", reason: Reason.LostToHigherBid, price: 3, latency_ms: 40 },
				{ bidder: "x", outcome: "filtered", reason: Reason.BelowAuctionFloor, latency_ms: 40 },
				{ bidder: "y", outcome: "won", reason: Reason.Won, price: 9, latency_ms: 55 },
				{ bidder: "z", outcome: "no_bid", reason: 0, latency_ms: 30 },
				{ bidder: "e", outcome: "error", reason: Reason.BidderError, latency_ms: 12 },
				{ bidder: "n", outcome: "no_bid", reason: Reason.BidderNotCalled, latency_ms: 0 },
				{ bidder: "late", outcome: "no_bid", reason: Reason.BidderNoTime, latency_ms: 0 },
				{ bidder: "open", outcome: "no_bid", reason: Reason.BidderCircuitOpen, latency_ms: 0 },
				// Since schema 6 a bidder not called says so.
				{ bidder: "capped", outcome: "not_called", reason: Reason.BidderQpsCapped, latency_ms: 0 },
			],
		});
		const points = metricsFor(auction);
		const calls = points.filter((p) => p.blobs?.[0] === "bid" && p.doubles?.[6] === 1);
		expect(calls.map((p) => [p.blobs?.[1], p.blobs?.[5], p.doubles?.[3]])).toEqual([
			["x", "bids", 40],
			["y", "bids", 55],
			["z", "no_bid", 30],
			["e", "error", 12],
		]);
		// A no-bid is not a bid: no bid point, so nothing is counted under reason 0 (won).
		const bids = points.filter((p) => p.blobs?.[0] === "bid" && p.doubles?.[5] === 1);
		expect(bids.map((p) => [p.blobs?.[1], p.blobs?.[2], p.blobs?.[3]])).toEqual([
			["x", "lost", "lost_to_higher_bid"],
			["x", "filtered", "below_auction_floor"],
			["y", "won", "won"],
			["e", "error", "bidder_error"],
			// Archived as no_bid before schema 6: counted as not called all the same.
			["n", "not_called", "bidder_not_called"],
			["late", "not_called", "bidder_no_time"],
			["open", "not_called", "bidder_circuit_open"],
			["capped", "not_called", "bidder_qps_capped"],
		]);
	});

	it("the documented SQL reads the blobs where the layout writes them", () => {
		// blob2 is the first layout blob of each metric; the queries must agree with the layout.
		expect(METRIC_LAYOUT.bid.blobs.indexOf("reason") + 2).toBe(4);
		expect(METRIC_QUERIES.bids_by_reason).toContain("blob4 AS reason");
		// Bids and calls share the `bid` points; each query keeps to its flag.
		expect(METRIC_LAYOUT.bid.doubles.indexOf("is_bid") + 2).toBe(6);
		expect(METRIC_QUERIES.bids_by_reason).toContain("double6 = 1");
		expect(METRIC_LAYOUT.bid.doubles.indexOf("is_call") + 2).toBe(7);
		expect(METRIC_LAYOUT.bid.doubles.indexOf("latency_ms") + 2).toBe(4);
		expect(METRIC_LAYOUT.bid.blobs.indexOf("status") + 2).toBe(6);
		expect(METRIC_QUERIES.bidder_latency).toContain("double7 = 1");
		expect(METRIC_LAYOUT.ad_request.blobs.indexOf("outcome") + 2).toBe(4);
		expect(METRIC_QUERIES.fill_rate).toContain("blob4 IN ('filled', 'cached')");
		const money = METRIC_QUERIES.money;
		expect(METRIC_LAYOUT.play.blobs.indexOf("publisher_id") + 2).toBe(3);
		expect(money).toContain("blob3 AS publisher_id");
		expect(METRIC_LAYOUT.play.blobs.indexOf("cur") + 2).toBe(5);
		expect(money).toContain("blob5 AS cur");
		for (const [name, n] of [
			["billed", 4],
			["gross", 5],
			["take", 6],
			["net", 7],
		] as const) {
			expect(METRIC_LAYOUT.play.doubles.indexOf(name) + 2).toBe(n);
		}
		expect(money).toContain("double4 = 1");
		expect(money).toContain("SUM(_sample_interval * double6) AS take");
		for (const sql of Object.values(METRIC_QUERIES)) expect(sql).toContain("_sample_interval");
	});

	it("a play point carries its billed amounts: gross, the exchange's take and net, in its currency", () => {
		const play = (fields: object) =>
			newEvent("play", {
				...base,
				decision_id: "d",
				auction_id: "a",
				bidder: "x",
				crid: "c",
				price_cpm: 5,
				multiplier: 20,
				played_at: 1,
				...fields,
			});
		const split = { cur: "EUR", gross_cpm: 5, take_cpm: 1.5, net_cpm: 3.5 };
		const [billed] = metricsFor(play(split));
		expect(billed).toEqual({
			indexes: ["x"],
			blobs: ["play", "x", "demo-pub", "70102", "EUR"],
			doubles: [1, 5, 20, 1, 0.1, 0.03, 0.07],
		});
		// Recorded but not billed: counted as a play, worth nothing.
		const [unbilled] = metricsFor(play({ ...split, billable: false }));
		expect(unbilled?.doubles).toEqual([1, 5, 20, 0, 0, 0, 0]);
		// Before event schema 7: the clearing price is the gross, nothing taken, no currency.
		const [old] = metricsFor(play({}));
		expect(old?.blobs?.[4]).toBe("");
		expect(old?.doubles).toEqual([1, 5, 20, 1, 0.1, 0, 0.1]);
	});
});
