import { describe, expect, it } from "vitest";
import { Reason } from "../../src/px/auction/reasons";
import { bidderCircuits, decisionSlots } from "../../src/worker/decide/pacing";
import { adRequest, biddersJson, billboardAdRequest, dspLog, useBidders } from "../support/edge";
import { billboardScreen } from "../support/fixtures";

let n = 0;
const tag = () => `pc${Date.now().toString(36)}${n++}`;

interface Traced {
	filled: boolean;
	debug: { bidders: { bidder: string; status: string; reason?: number }[] };
}

async function ask(bidders: string, extra: Record<string, unknown> = {}): Promise<Traced> {
	const screenId = `bb-${tag()}`;
	const { res, settled } = await adRequest(
		{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId), ...extra },
		bidders,
		"?debug=1",
	);
	expect(res.status).toBe(200);
	const answer = (await res.json()) as Traced;
	await settled;
	return answer;
}

const requestsTo = async (t: string) =>
	(await dspLog(t))
		.filter((l) => l.startsWith("request"))
		.map((l) => JSON.parse(l.split(" ").slice(3).join(" ")));

describe("per-bidder tmax", () => {
	it("each bidder is told its own budget minus its network allowance; one left without time is not called", async () => {
		const t = tag();
		const answer = await ask(
			biddersJson(t, [
				{ name: "near", behaviour: "nobid", timeout_ms: 100, network_allowance_ms: 30 },
				{ name: "far", behaviour: "nobid", timeout_ms: 30, network_allowance_ms: 20 },
			]),
			{ timeout_ms: 500 },
		);
		const sent = await requestsTo(t);
		expect(sent).toHaveLength(1);
		expect(sent[0].tmax).toBe(70);
		expect(answer.debug.bidders.find((b) => b.bidder === "far")).toMatchObject({
			status: "not_called",
			reason: Reason.BidderNoTime,
		});
	});
});

describe("circuit breaker", () => {
	it("a DSP that keeps failing is not called once most of its recent calls failed", async () => {
		const t = tag();
		const bidders = biddersJson(t, [{ name: "broken", behaviour: "garbage" }]);
		for (let i = 0; i < 5; i++) {
			const answer = await ask(bidders);
			expect(answer.debug.bidders[0]).toMatchObject({ status: "error" });
		}
		const skipped = await ask(bidders);
		expect(skipped.debug.bidders[0]).toMatchObject({
			bidder: "broken",
			status: "not_called",
			reason: Reason.BidderCircuitOpen,
		});
		expect(await requestsTo(t)).toHaveLength(5);
	});

	it("a probe goes only to a call that is made: a request with no time for the bidder does not take it", async () => {
		const t = tag();
		const bidders = biddersJson(t, [
			{ name: "flaky", behaviour: "nobid", network_allowance_ms: 100 },
		]);
		const [config] = JSON.parse(bidders) as { name: string; endpoint: string }[];
		// Its circuit opened 20 s ago and has cooled down: the next call made is its probe.
		for (let i = 0; i < 5; i++) {
			bidderCircuits.record(`${config!.name} ${config!.endpoint}`, false, Date.now() - 20_000);
		}
		// This request leaves it no time (tmax under 20 ms): it is not called, and takes no probe.
		const short = await ask(bidders, { timeout_ms: 100 });
		expect(short.debug.bidders[0]).toMatchObject({
			status: "not_called",
			reason: Reason.BidderNoTime,
		});
		// So the next request probes it; its no-bid answer closes the circuit.
		const probe = await ask(bidders);
		expect(probe.debug.bidders[0]).toMatchObject({ status: "no_bid" });
		const after = await ask(bidders);
		expect(after.debug.bidders[0]).toMatchObject({ status: "no_bid" });
		expect(await requestsTo(t)).toHaveLength(2);
	});

	it("timeouts within a budget the publisher cut short do not open the DSP's circuit", async () => {
		const t = tag();
		const bidders = biddersJson(t, [{ name: "steady", behaviour: "nobid", query: { delay: 400 } }]);
		// 240 ms for the whole request (under 250 ms for the DSP once our margin is taken): the DSP,
		// which answers in 400 ms, times out every time.
		for (let i = 0; i < 6; i++) {
			const answer = await ask(bidders, { timeout_ms: 240 });
			expect(answer.debug.bidders[0]).toMatchObject({ status: "timeout" });
		}
		// Another publisher's request with a longer timeout still calls it, and gets its answer.
		const normal = await ask(bidders, { timeout_ms: 900 });
		expect(normal.debug.bidders[0]).toMatchObject({ status: "no_bid" });
		expect(await requestsTo(t)).toHaveLength(7);
	});

	it("no-bids are answers: a DSP that always passes keeps being called", async () => {
		const t = tag();
		const bidders = biddersJson(t, [{ name: "picky", behaviour: "nobid" }]);
		for (let i = 0; i < 7; i++) await ask(bidders);
		expect(await requestsTo(t)).toHaveLength(7);
	});
});

describe("per-bidder QPS cap", () => {
	it("a bidder at its qps_cap is not called (510), the others are; the cap counts calls made", async () => {
		const t = tag();
		const bidders = JSON.stringify(
			(
				JSON.parse(
					biddersJson(t, [
						{ name: "capped", behaviour: "nobid" },
						{ name: "free", behaviour: "nobid" },
					]),
				) as Record<string, unknown>[]
			).map((b) => (b.name === "capped" ? { ...b, qps_cap: 1 } : b)),
		);
		const statuses: string[] = [];
		for (let i = 0; i < 24; i++) {
			const answer = await ask(bidders);
			const capped = answer.debug.bidders.find((b) => b.bidder === "capped")!;
			statuses.push(capped.status);
			if (capped.status === "not_called") expect(capped.reason).toBe(Reason.BidderQpsCapped);
			expect(answer.debug.bidders.find((b) => b.bidder === "free")).toMatchObject({
				status: "no_bid",
			});
		}
		// qps_cap 1 is 10 calls per 10 s window: 24 requests in well under 10 s span two windows at most.
		const called = statuses.filter((s) => s === "no_bid").length;
		expect(called).toBeGreaterThanOrEqual(10);
		expect(called).toBeLessThanOrEqual(20);
		expect(statuses.filter((s) => s === "not_called").length).toBe(24 - called);
		const sent = await requestsTo(t);
		expect(sent.length).toBe(24 + called);
	});
});

describe("load shedding", () => {
	it("at the isolate's concurrency limit a request is shed at once: 503 edge-overloaded, Retry-After", async () => {
		let held = 0;
		while (decisionSlots.tryAcquire("demo-pub")) held++;
		try {
			const screenId = `bb-${tag()}`;
			await useBidders("[]");
			const started = Date.now();
			const { res } = await adRequest(
				{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
				"[]",
			);
			expect(res.status).toBe(503);
			expect(res.headers.get("retry-after")).toBe("1");
			expect(res.headers.get("content-type")).toContain("application/problem+json");
			expect(await res.json()).toMatchObject({ type: "/problems/edge-overloaded" });
			expect(Date.now() - started).toBeLessThan(100);
		} finally {
			for (let i = 0; i < held; i++) decisionSlots.release(true, "demo-pub");
		}
		const screenId = `bb-${tag()}`;
		const { res } = await adRequest(
			{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
			"[]",
		);
		expect(res.status).toBe(200);
	});
});

describe("fair shares of the isolate's concurrency", () => {
	it("one publisher holding every slot is shed; another publisher is still served", async () => {
		let held = 0;
		while (decisionSlots.tryAcquire("demo-pub")) held++;
		try {
			expect(held).toBeGreaterThan(0);
			const ask = (key: string) => billboardAdRequest({ key, overrides: { BIDDERS: "[]" } });
			const flooder = await ask("demo-publisher-key");
			expect(flooder.res.status).toBe(503);
			const other = await ask("second-publisher-key");
			expect(other.res.status).toBe(200);
			await other.settled;
		} finally {
			for (let i = 0; i < held; i++) decisionSlots.release(true, "demo-pub");
		}
	});
});
