// The archive is read while wrangler dev writes it: ad requests keep the queue consumer writing
// Parquet files while the test reads the bucket again and again, as `npm run report` would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PUBLISHER_KEY } from "../../demo/screens";
import { runReport } from "../../scripts/report-queries";
import { type LocalEdge, startLocalEdge } from "./local-edge";

let edge: LocalEdge;
beforeAll(async () => {
	edge = await startLocalEdge();
}, 90_000);
afterAll(async () => edge?.stop());

/** One ad request; a screen's rate limit (429) is waited out, as a player would. */
async function adRequest(i: number): Promise<number | string> {
	for (;;) {
		const res = await fetch(`${edge.url}/v1/ad-requests`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
				"content-type": "application/json",
			},
			body: JSON.stringify({
				screen_id: i % 2 ? "demo-lobby-1" : "demo-billboard-1",
				slot_id: i % 2 ? "main" : "face-a",
				// Past play times more than the separation apart, in a day-long window: each request
				// is a fresh auction (as in pipeline.e2e.test.ts).
				play_at: Date.now() - (i + 1) * 601_000,
				play_window_s: 86_400,
			}),
		});
		if (res.status === 200) return 200;
		if (res.status !== 429) return `${res.status} ${await res.text()}`;
		await res.body?.cancel();
		await new Promise((r) => setTimeout(r, 1100));
	}
}

describe("reading the archive while wrangler dev writes it", () => {
	it("every read succeeds and the last one counts every ad request", async () => {
		const N = 60;
		let sent = 0;
		const writing = (async () => {
			for (; sent < N; sent += 4) {
				const statuses = await Promise.all([0, 1, 2, 3].map((k) => adRequest(sent + k)));
				expect(statuses).toEqual([200, 200, 200, 200]);
			}
		})();
		let reads = 0;
		const files = () => edge.archiveFiles();
		let report = await runReport(await files());
		const until = Date.now() + 90_000;
		while ((sent < N || report.ad_requests.total < N) && Date.now() < until) {
			report = await runReport(await files());
			reads++;
		}
		await writing;
		console.log(`${reads} reads while writing`);
		expect(reads).toBeGreaterThan(3);
		expect(report.ad_requests.total).toBe(N);
	}, 150_000);
});
