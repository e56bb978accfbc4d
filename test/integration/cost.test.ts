// What one decision costs in billed platform operations, counted through the real code path:
// the ad request (3 DSPs bid, one wins), its proof of play and the screen's settlement. The
// figures feed the cost table in BENCHMARKS.md; the bounds keep a change from quietly adding a
// Durable Object call, a queue message or a stored row per decision.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { screenStub } from "../../src/services/stubs";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	registerScreen,
} from "../support/edge";
import { billboardScreen, transitScreen } from "../support/fixtures";

interface Counts {
	doCalls: string[];
	queueMessages: Record<string, number>;
	queueBytes: Record<string, number>;
	kvReads: number;
	dataPoints: number;
}

const newCounts = (): Counts => ({
	doCalls: [],
	queueMessages: {},
	queueBytes: {},
	kvReads: 0,
	dataPoints: 0,
});

function counting(counts: Counts): Partial<Env> {
	const queue = (name: "EVENTS" | "NOTICES") =>
		({
			send: async (body: unknown, options?: QueueSendOptions) => {
				counts.queueMessages[name] = (counts.queueMessages[name] ?? 0) + 1;
				counts.queueBytes[name] = (counts.queueBytes[name] ?? 0) + JSON.stringify(body).length;
				return env[name].send(body, options);
			},
			sendBatch: async (batch: MessageSendRequest[]) => {
				counts.queueMessages[name] = (counts.queueMessages[name] ?? 0) + batch.length;
				for (const m of batch)
					counts.queueBytes[name] = (counts.queueBytes[name] ?? 0) + JSON.stringify(m.body).length;
				return env[name].sendBatch(batch);
			},
		}) as unknown as Queue;
	const screens = new Proxy(env.SCREENS, {
		get: (target, prop) => {
			if (prop !== "get")
				return Reflect.get(target, prop).bind?.(target) ?? Reflect.get(target, prop);
			return (id: DurableObjectId) => {
				const stub = target.get(id);
				return new Proxy(stub, {
					get: (s, method) => {
						const value = Reflect.get(s, method);
						if (typeof value !== "function" || typeof method !== "string") return value;
						return (...args: unknown[]) => {
							counts.doCalls.push(method);
							return Reflect.apply(value, s, args);
						};
					},
				});
			};
		},
	});
	const kv = new Proxy(env.APPROVALS, {
		get: (target, prop) => {
			const value = Reflect.get(target, prop);
			if (prop !== "get" || typeof value !== "function") return value;
			return (...args: unknown[]) => {
				counts.kvReads++;
				return value.apply(target, args);
			};
		},
	});
	const metrics = {
		writeDataPoint: (point: AnalyticsEngineDataPoint) => {
			counts.dataPoints++;
			env.METRICS.writeDataPoint(point);
		},
	} as AnalyticsEngineDataset;
	return {
		EVENTS: queue("EVENTS"),
		NOTICES: queue("NOTICES"),
		SCREENS: screens as Env["SCREENS"],
		APPROVALS: kv,
		METRICS: metrics,
	};
}

describe("platform operations per decision", () => {
	it("an ad request with 3 DSPs, its play and settlement stay within the budgeted operations", async () => {
		const t = `cost${Date.now().toString(36)}`;
		const bidders = ["a", "b", "c"].map((x, i) => ({
			name: `cost-${x}`,
			behaviour: "bid",
			query: { crid: `crid-cost-${x}`, price: 6 + i },
		}));
		for (const b of bidders) {
			await approve({
				bidder: b.name,
				crid: b.query.crid,
				asset_url: dspAssets.image(b.query.crid, { w: 1400, h: 400 }),
				adomain: [DSP_ADOMAIN],
			});
		}
		const counts = newCounts();
		const overrides = counting(counts);
		const screenId = `bb-${t}`;
		// A warm isolate: an auction on another screen with the same creatives has read their
		// approvals already (held in isolate memory for APPROVAL_MEMORY_TTL_MS).
		const otherScreen = `bb-${t}-warm`;
		const warmIsolate = await adRequest(
			{ screen_id: otherScreen, slot_id: "face-a", screen: billboardScreen(otherScreen) },
			biddersJson(`${t}w`, bidders),
		);
		await warmIsolate.settled;
		// A screen seen before (its object exists): the steady state, not the first request.
		const warm = await adRequest(
			{
				screen_id: screenId,
				slot_id: "face-a",
				screen: billboardScreen(screenId),
				play_at: Date.now() - 3_600_000,
				play_window_s: 60,
			},
			"[]",
		);
		await warm.settled;
		const stub = screenStub(env, "demo-pub", screenId);
		const before = await stub.usage();

		const { res, settled } = await adRequest(
			{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
			biddersJson(t, bidders),
			"",
			overrides,
		);
		const answer = (await res.json()) as { filled: boolean; proof_of_play_url: string };
		if (!answer.filled) console.log(JSON.stringify(answer));
		expect(answer.filled).toBe(true);
		await settled;
		const decided = await stub.usage();
		const hotPath = {
			...counts,
			doCalls: [...counts.doCalls],
			queueMessages: { ...counts.queueMessages },
		};

		const play = await callEdge(
			new URL(answer.proof_of_play_url).pathname,
			{ method: "POST" },
			overrides,
		);
		expect(play.res.status).toBe(200);
		await play.settled;
		await vi.waitFor(
			async () => expect(await stub.stats()).toEqual({ decisions: { played: 1 }, outbox: 0 }),
			{ timeout: 5_000, interval: 50 },
		);
		const played = await stub.usage();

		const subrequests = (await dspLog(t)).filter((l) => l.startsWith("request")).length;
		const figures = {
			ad_request: {
				do_calls: hotPath.doCalls,
				queue_messages: hotPath.queueMessages,
				queue_bytes: counts.queueBytes,
				kv_reads: hotPath.kvReads,
				analytics_points: hotPath.dataPoints,
				dsp_subrequests: subrequests,
				sqlite_rows: {
					read: decided.rowsRead - before.rowsRead,
					written: decided.rowsWritten - before.rowsWritten,
				},
			},
			play: {
				do_calls: counts.doCalls.slice(hotPath.doCalls.length),
				sqlite_rows: {
					read: played.rowsRead - decided.rowsRead,
					written: played.rowsWritten - decided.rowsWritten,
				},
			},
		};
		console.log(`cost: ${JSON.stringify(figures)}`);

		// The hot path: admit + the ledger write, one message of records, one of notices.
		expect(hotPath.doCalls).toEqual(["admit", "recordDecisions"]);
		// No KV read on a warm isolate (its approvals are in memory); Analytics Engine: the request,
		// one point per bidder line (bid and call together), the win.
		expect(hotPath.kvReads).toBe(0);
		expect(hotPath.dataPoints).toBeLessThanOrEqual(1 + 3 + 1);
		expect(hotPath.queueMessages).toEqual({ EVENTS: 1, NOTICES: 1 });
		expect(subrequests).toBe(3);
		expect(figures.ad_request.sqlite_rows.written).toBeLessThanOrEqual(1);
		expect(figures.play.do_calls).toEqual(["redeemPlay"]);
		// The state change and the outbox row (event + notice) in and out: no sqlite_sequence row
		// (the outbox has no AUTOINCREMENT) and no primary-key index entry (WITHOUT ROWID).
		expect(figures.play.sqlite_rows.written).toBeLessThanOrEqual(3);
	});

	it("a loop of 4 spots costs one bid request per DSP, two object calls and one message of each kind", async () => {
		const t = `costloop${Date.now().toString(36)}`;
		const bidders = ["a", "b", "c"].map((x, i) => ({
			name: `loop-${x}`,
			behaviour: "bid",
			media: ["banner" as const],
			query: { crid: `crid-loop-${x}`, price: 6 + i, adomain: `${x}.example`, media: "image" },
		}));
		for (const b of bidders) {
			await approve({
				bidder: b.name,
				crid: b.query.crid,
				asset_url: dspAssets.image(b.query.crid, { w: 480, h: 1080 }),
				adomain: [b.query.adomain],
			});
		}
		const screenId = `transit-${t}`;
		await registerScreen(transitScreen(screenId));
		const counts = newCounts();
		const stub = screenStub(env, "demo-pub", screenId);
		const before = await stub.usage();
		const playAt = Date.now() + 30_000;
		const { res, settled } = await adRequest(
			{ screen_id: screenId, slot_id: "side", play_at: playAt, until: playAt + 40_000 },
			biddersJson(t, bidders),
			"",
			counting(counts),
		);
		const answer = (await res.json()) as { decisions: { filled: boolean }[] };
		await settled;
		const after = await stub.usage();
		const subrequests = (await dspLog(t)).filter((l) => l.startsWith("request")).length;
		console.log(
			`cost (4-spot loop): ${JSON.stringify({ ...counts, dsp_subrequests: subrequests, rows_written: after.rowsWritten - before.rowsWritten })}`,
		);
		// Three advertisers for four spots 10 minutes' separation apart: the fourth stays empty.
		expect(answer.decisions.map((d) => d.filled)).toEqual([true, true, true, false]);
		expect(counts.doCalls).toEqual(["admit", "recordDecisions"]);
		expect(counts.queueMessages).toEqual({ EVENTS: 1, NOTICES: 1 });
		expect(subrequests).toBe(3);
		// A decision's ledger row costs what the single request's does (1 row written: the table
		// is WITHOUT ROWID, so the row is its own primary-key entry), and nothing per spot beyond it.
		expect(after.rowsWritten - before.rowsWritten).toBeLessThanOrEqual(3);
	});
});
