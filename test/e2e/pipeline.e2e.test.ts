// End to end on a real `wrangler dev`: ad requests → queue → Parquet in local R2 → `npm run report`
// logic, with counts that must equal what the debug traces showed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PUBLISHER_KEY } from "../../demo/screens";
import { runReport } from "../../scripts/report-queries";
import { type LocalEdge, startLocalEdge } from "./local-edge";

interface Trace {
	filled: boolean;
	proof_of_play_url?: string;
	creative?: { duration_s: number };
	play?: { not_before: number };
	debug: { bidders: { status: string; bids: { outcome: string; reason: number }[] }[] };
}

let edge: LocalEdge;
beforeAll(async () => {
	edge = await startLocalEdge();
}, 90_000);
afterAll(async () => edge?.stop());

describe("local edge end to end", () => {
	it("N ad requests are counted exactly in the Parquet report, with the bids the traces showed", async () => {
		const N = 12;
		const traces: Trace[] = [];
		for (let i = 0; i < N; i++) {
			// Distinct play times in the past, more than the demo's separation (30 s) apart, with a
			// day-long window: every request is a fresh auction (none cached, none separated), and
			// every ad may be reported played right away (a play before not_before is refused).
			const [screen_id, slot_id] =
				i % 2 ? ["demo-lobby-1", "main"] : ["demo-billboard-1", "face-a"];
			const res = await fetch(`${edge.url}/v1/ad-requests?debug=1`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
					"content-type": "application/json",
				},
				body: JSON.stringify({
					screen_id,
					slot_id,
					play_at: Date.now() - (i + 1) * 601_000,
					play_window_s: 86_400,
				}),
			});
			expect(res.status).toBe(200);
			traces.push((await res.json()) as Trace);
		}
		const filled = traces.filter((t) => t.filled);
		expect(filled.length).toBeGreaterThan(N / 2);
		// Play half the filled ads: plays per win must come out as exactly that.
		const played = filled.filter((_, i) => i % 2 === 0);
		// Billing needs evidence: the whole spot on screen, reported once it could have run (a
		// window opens at the auction at the earliest, however far back play_at was).
		const spotMs = (t: Trace) => (t.creative?.duration_s || 15) * 1000;
		const ranBy = Math.max(...played.map((t) => (t.play?.not_before ?? 0) + spotMs(t)));
		await new Promise((r) => setTimeout(r, Math.max(0, ranBy - Date.now()) + 100));
		for (const t of played) {
			const displayed_ms = spotMs(t);
			const res = await fetch(t.proof_of_play_url!.replace(/^https?:\/\/[^/]+/, edge.url), {
				method: "POST",
				body: JSON.stringify({ displayed_ms }),
			});
			expect(res.status).toBe(200);
		}

		const expectedOutcomes: Record<string, number> = {};
		for (const t of traces) {
			for (const b of t.debug.bidders) {
				const outcomes = b.bids.length
					? b.bids.map((x) => x.outcome)
					: [b.status === "bids" ? "no_bid" : b.status];
				for (const o of outcomes) expectedOutcomes[o] = (expectedOutcomes[o] ?? 0) + 1;
			}
		}

		// The queue consumer batches for up to 5 s; wait until every ad request is archived.
		let report = await runReport(await edge.archiveFiles());
		const until = Date.now() + 45_000;
		while (
			(report.ad_requests.total < N || report.delivery.plays < played.length) &&
			Date.now() < until
		) {
			await new Promise((r) => setTimeout(r, 1000));
			report = await runReport(await edge.archiveFiles());
		}
		expect(report.ad_requests.total).toBe(N);
		expect(report.auctions.total).toBe(N);
		expect(report.ad_requests.by_outcome.filled ?? 0).toBe(filled.length);
		expect(report.auctions.with_winner).toBe(filled.length);
		expect(report.bids.by_outcome).toEqual(expectedOutcomes);
		expect(report.delivery.wins).toBe(filled.length);
		expect(report.delivery.plays).toBe(played.length);
	}, 120_000);
});
