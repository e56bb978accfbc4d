import { describe, expect, it } from "vitest";
import { Reason } from "../../src/px/reasons";
import { decisionSlots } from "../../src/worker/pacing";
import { adRequest, biddersJson, dspLog, useBidders } from "../support/edge";
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

	it("no-bids are answers: a DSP that always passes keeps being called", async () => {
		const t = tag();
		const bidders = biddersJson(t, [{ name: "picky", behaviour: "nobid" }]);
		for (let i = 0; i < 7; i++) await ask(bidders);
		expect(await requestsTo(t)).toHaveLength(7);
	});
});

describe("load shedding", () => {
	it("at the isolate's concurrency limit a request is shed at once: 503 edge-overloaded, Retry-After", async () => {
		let held = 0;
		while (decisionSlots.tryAcquire()) held++;
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
			for (let i = 0; i < held; i++) decisionSlots.release(true);
		}
		const screenId = `bb-${tag()}`;
		const { res } = await adRequest(
			{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
			"[]",
		);
		expect(res.status).toBe(200);
	});
});
