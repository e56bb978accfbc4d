// The buyer's own counters: a VAST <Impression> is called by the edge exactly once, on the billable
// play, and never on a HEAD, an early, a replayed, a not billable, an expired or a revoked one;
// its <Error> is called with [ERRORCODE] when the won ad never ran.
import { describe, expect, it } from "vitest";
import { clearApprovalMemory } from "../../src/services/approvals";
import {
	approve,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	dspLogAfter,
	fullPlay,
	setApproval,
	winOnBillboard,
} from "../support/edge";

let n = 0;
const tag = () => `tr${Date.now().toString(36)}${n++}`;

const unit = (crid: string) => ({
	bidder: "counted",
	crid,
	asset_url: dspAssets.image(crid, { w: 1400, h: 400 }),
	adomain: [DSP_ADOMAIN],
});

/** Wins one auction with a 1 s VAST still whose markup holds an Impression and an Error tracker. */
async function win(crid: string, extra: Record<string, unknown> = {}) {
	await approve(unit(crid));
	return winOnBillboard(tag(), { name: "counted", query: { crid, price: 8, vast: 1 } }, extra);
}

const of = (log: string[], kind: string) => log.filter((l) => l.startsWith(`${kind} `));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the buyer's VAST trackers", () => {
	it("a billable play hits the Impression exactly once (not the HEAD before it, not a replay)", async () => {
		const { t, answer, popPath } = await win("crid-tr-billed");
		expect((await callEdge(popPath, { method: "HEAD" })).res.status).toBe(200);
		const play = await callEdge(popPath, await fullPlay(answer));
		expect(play.res.status).toBe(200);
		await play.settled;
		const replay = await callEdge(popPath, await fullPlay(answer));
		expect(replay.res.status).toBe(409);
		await replay.settled;
		const log = await dspLogAfter(t, "imp", 1);
		expect(of(log, "burl")).toHaveLength(1);
		// The clearing price (as in the burl beside it) and the play's moment filled in.
		const price = /price=([\d.]+)/.exec(of(log, "burl")[0]!)![1];
		expect(of(log, "imp")).toEqual([
			expect.stringMatching(new RegExp(`^imp \\?price=${price}&t=\\d{4}-\\d\\d-\\d\\dT`)),
		]);
		expect(of(log, "error")).toEqual([]);
		const auction = /auction=([^&]+)/.exec(of(log, "nurl")[0]!)![1];
		expect(of(await dspLog(`${t}~hits`), "imp")).toEqual([
			`imp imp:${auction}:${answer.decision_id}:0`,
		]);
	});

	it("an early play (425) hits nothing", async () => {
		const { t, popPath } = await win("crid-tr-early", { play_at: Date.now() + 10 * 60_000 });
		const early = await callEdge(popPath, { method: "POST" });
		expect(early.res.status).toBe(425);
		await early.settled;
		await pause(500);
		const log = await dspLog(t);
		expect(of(log, "imp")).toEqual([]);
		expect(of(log, "error")).toEqual([]);
	});

	it("a play without evidence is not billed: no Impression, its Error with code 900", async () => {
		const { t, popPath } = await win("crid-tr-unbilled");
		const play = await callEdge(popPath, { method: "POST" });
		expect(play.res.status).toBe(200);
		await play.settled;
		const log = await dspLogAfter(t, "error", 1);
		expect(of(log, "error")).toEqual(["error ?code=900"]);
		expect(of(log, "imp")).toEqual([]);
		expect(of(log, "burl")).toEqual([]);
	});

	it("an expired report hits the Error (900) once and never the Impression, even on a later play", async () => {
		const { t, answer, popPath, expiryPath } = await win("crid-tr-expired");
		const expired = await callEdge(expiryPath, { method: "POST" });
		expect(expired.res.status).toBe(200);
		await expired.settled;
		const play = await callEdge(popPath, await fullPlay(answer));
		expect(play.res.status).toBe(410);
		await play.settled;
		const log = await dspLogAfter(t, "error", 1);
		expect(of(log, "error")).toEqual(["error ?code=900"]);
		expect(of(log, "imp")).toEqual([]);
	});

	it("a revoked decision's play hits the Error (200) and never the Impression", async () => {
		const { t, answer, popPath } = await win("crid-tr-revoked");
		await setApproval(unit("crid-tr-revoked"), "rejected", 1);
		clearApprovalMemory();
		try {
			const play = await callEdge(popPath, await fullPlay(answer));
			expect(play.res.status).toBe(410);
			await play.settled;
			const log = await dspLogAfter(t, "error", 1);
			expect(of(log, "error")).toEqual(["error ?code=200"]);
			expect(of(log, "lurl")).toEqual([expect.stringMatching(/^lurl \?loss=202/)]);
			expect(of(log, "imp")).toEqual([]);
		} finally {
			await approve(unit("crid-tr-revoked"));
			clearApprovalMemory();
		}
	});
});
