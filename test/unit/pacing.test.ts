import { describe, expect, it } from "vitest";
import { timeBidders, timeoutIsBidders } from "../../src/px/auction/bidders";
import { Reason } from "../../src/px/auction/reasons";
import { CircuitBreakers } from "../../src/px/pacing/circuit";
import { AdaptiveMargin, ConcurrencyLimit } from "../../src/px/pacing/deadline";

describe("AdaptiveMargin", () => {
	const options = { initialMs: 30, minMs: 10, maxShare: 0.3 };

	it("uses the initial margin until it has timed enough answers", () => {
		const margin = new AdaptiveMargin(options);
		for (let i = 0; i < 15; i++) margin.record(90);
		expect(margin.marginMs(1_000)).toBe(30);
	});

	it("follows the p90 of recent own work, up and down, within its floor and share", () => {
		const margin = new AdaptiveMargin(options);
		for (let i = 0; i < 64; i++) margin.record(i < 58 ? 5 : 80);
		// 6 of 64 slow answers are under 10 %: the p90 is the fast ones, so the floor applies.
		expect(margin.marginMs(1_000)).toBe(10);
		for (let i = 0; i < 64; i++) margin.record(i % 5 === 0 ? 80 : 20);
		expect(margin.marginMs(1_000)).toBe(80);
		// Never more than 30 % of the request's timeout.
		expect(margin.marginMs(200)).toBe(60);
		for (let i = 0; i < 64; i++) margin.record(12);
		expect(margin.marginMs(1_000)).toBe(12);
	});

	it("ignores samples that are not durations", () => {
		const margin = new AdaptiveMargin(options);
		for (let i = 0; i < 64; i++) margin.record(Number.NaN);
		margin.record(-5);
		expect(margin.marginMs(1_000)).toBe(30);
	});
});

describe("ConcurrencyLimit", () => {
	it("sheds past the limit and frees a slot on release", () => {
		const limit = new ConcurrencyLimit({ initial: 2, min: 1, max: 8, backoff: 0.5 });
		expect(limit.tryAcquire()).toBe(true);
		expect(limit.tryAcquire()).toBe(true);
		expect(limit.tryAcquire()).toBe(false);
		limit.release(true);
		expect(limit.tryAcquire()).toBe(true);
		limit.release(undefined);
		expect(limit.current).toEqual({ limit: 2, inFlight: 1 });
	});

	it("halves on late answers down to its floor, and grows back slowly while answers are on time", () => {
		const limit = new ConcurrencyLimit({ initial: 16, min: 2, max: 32, backoff: 0.5 });
		for (let i = 0; i < 3; i++) {
			limit.tryAcquire();
			limit.release(false);
		}
		expect(limit.current.limit).toBe(2);
		for (let i = 0; i < 10; i++) {
			limit.tryAcquire();
			limit.release(false);
		}
		expect(limit.current.limit).toBe(2);
		for (let i = 0; i < 20; i++) {
			limit.tryAcquire();
			limit.release(true);
		}
		expect(limit.current.limit).toBeGreaterThan(4);
		expect(limit.current.limit).toBeLessThan(10);
		expect(limit.current.inFlight).toBe(0);
	});
});

describe("ConcurrencyLimit between publishers", () => {
	it("a publisher holding every slot is shed while another still gets its share", () => {
		const limit = new ConcurrencyLimit({ initial: 8, min: 2, max: 32, backoff: 0.5 });
		let a = 0;
		while (limit.tryAcquire("a")) a++;
		expect(a).toBe(8);
		// "b" holds nothing: it gets up to its share (8 split between two) even at the limit.
		let b = 0;
		while (limit.tryAcquire("b")) b++;
		expect(b).toBe(4);
		expect(limit.tryAcquire("a")).toBe(false);
		// Below the limit anyone may take a slot again; "a" drains first.
		for (let i = 0; i < 6; i++) limit.release(true, "a");
		expect(limit.current.inFlight).toBe(6);
		expect(limit.tryAcquire("a")).toBe(true);
		expect(limit.tryAcquire("a")).toBe(true);
		// Full again: "a" holds 4, its share, so it is shed; a third publisher is not.
		expect(limit.tryAcquire("a")).toBe(false);
		expect(limit.tryAcquire("c")).toBe(true);
	});

	it("one publisher alone may use the whole limit", () => {
		const limit = new ConcurrencyLimit({ initial: 4, min: 1, max: 8, backoff: 0.5 });
		for (let i = 0; i < 4; i++) expect(limit.tryAcquire("a")).toBe(true);
		expect(limit.tryAcquire("a")).toBe(false);
		for (let i = 0; i < 4; i++) limit.release(undefined, "a");
		expect(limit.current.inFlight).toBe(0);
	});
});

describe("timeoutIsBidders", () => {
	it("a timeout within a budget the caller cut short is not the bidder's", () => {
		expect(timeoutIsBidders({}, 120)).toBe(false);
		expect(timeoutIsBidders({}, 250)).toBe(true);
		expect(timeoutIsBidders({ timeout_ms: 100 }, 100)).toBe(true);
		expect(timeoutIsBidders({ timeout_ms: 100 }, 60)).toBe(false);
		expect(timeoutIsBidders({ timeout_ms: 2_000 }, 400)).toBe(true);
	});
});

describe("CircuitBreakers", () => {
	const options = {
		minCalls: 3,
		failureShare: 0.8,
		windowMs: 10_000,
		coolDownMs: 1_000,
		maxCoolDownMs: 4_000,
		probeExpiryMs: 5_000,
	};

	it("opens when most calls in the window failed, probes once after the cool-down, closes on success", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 2; i++) b.record("dsp", false, 0);
		expect(b.verdict("dsp", 0)).toBe("call");
		b.record("dsp", false, 0);
		expect(b.verdict("dsp", 500)).toBe("skip");
		expect(b.open(500)).toMatchObject([
			{ bidder: "dsp", until: 1_000, probing: false, why: "3 of 3 calls failed within 10 s" },
		]);
		expect(b.verdict("dsp", 1_000)).toBe("probe");
		// Only one probe at a time.
		expect(b.verdict("dsp", 1_001)).toBe("skip");
		b.record("dsp", true, 1_050);
		expect(b.verdict("dsp", 1_060)).toBe("call");
		expect(b.open(1_060)).toEqual([]);
	});

	it("a probe whose outcome never comes back expires: the circuit is probed again, not open for good", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 3; i++) b.record("dsp", false, 0);
		expect(b.verdict("dsp", 1_000)).toBe("probe");
		// The request that took the probe never reports (it skipped the call, or died).
		expect(b.verdict("dsp", 5_999)).toBe("skip");
		expect(b.open(5_999)).toMatchObject([{ bidder: "dsp", probing: true }]);
		expect(b.verdict("dsp", 6_000)).toBe("probe");
		b.record("dsp", true, 6_010);
		expect(b.verdict("dsp", 6_020)).toBe("call");
	});

	it("shows operators the bidder's name and why it opened", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 3; i++) b.record("dsp http://a", false, 0, "dsp");
		expect(b.open(10)).toEqual([
			{
				bidder: "dsp",
				opened_at: 0,
				until: 1_000,
				cool_down_ms: 1_000,
				probing: false,
				why: "3 of 3 calls failed within 10 s",
			},
		]);
		expect(b.verdict("dsp http://a", 1_000)).toBe("probe");
		b.record("dsp http://a", false, 1_100);
		expect(b.open(1_200)).toMatchObject([{ until: 3_100, why: "the probe failed" }]);
	});

	it("a failed probe opens it again for twice as long, up to the cap", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 3; i++) b.record("dsp", false, 0);
		let now = 1_000;
		for (const coolDown of [2_000, 4_000, 4_000]) {
			expect(b.verdict("dsp", now)).toBe("probe");
			b.record("dsp", false, now);
			expect(b.verdict("dsp", now + coolDown - 1)).toBe("skip");
			now += coolDown;
		}
	});

	it("an inconclusive outcome counts neither way but frees the probe", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 3; i++) b.record("dsp", false, 0);
		expect(b.verdict("dsp", 1_000)).toBe("probe");
		b.inconclusive("dsp");
		expect(b.verdict("dsp", 1_001)).toBe("probe");
		b.inconclusive("fresh");
		expect(b.verdict("fresh", 0)).toBe("call");
	});

	it("a DSP that fails half its calls stays closed, whatever order the failures come in", () => {
		const b = new CircuitBreakers(options);
		// Timeouts complete last: the successes first, then a run of failures.
		for (let i = 0; i < 10; i++) b.record("dsp", true, 0);
		for (let i = 0; i < 10; i++) b.record("dsp", false, 0);
		expect(b.verdict("dsp", 0)).toBe("call");
	});

	it("counts per window: old successes do not hide a DSP that has since gone dark", () => {
		const b = new CircuitBreakers(options);
		for (let i = 0; i < 10; i++) b.record("dsp", true, 0);
		for (let i = 0; i < 3; i++) b.record("dsp", false, 20_000);
		expect(b.verdict("dsp", 20_000)).toBe("skip");
	});
});

describe("timeBidders", () => {
	it("gives each bidder its own budget and a tmax minus its network allowance", () => {
		const { calls, skipped } = timeBidders(
			[
				{ name: "near", network_allowance_ms: 10 },
				{ name: "capped", timeout_ms: 80, network_allowance_ms: 20 },
				{ name: "far", network_allowance_ms: 160 },
			],
			170,
		);
		expect(calls.map((c) => [c.bidder.name, c.budgetMs, c.tmax])).toEqual([
			["near", 170, 160],
			["capped", 80, 60],
		]);
		expect(skipped).toEqual([{ bidder: "far", reason: Reason.BidderNoTime }]);
	});

	it("calls nobody when the deadline has passed", () => {
		expect(timeBidders([{ name: "a", network_allowance_ms: 20 }], -5).calls).toEqual([]);
	});
});
