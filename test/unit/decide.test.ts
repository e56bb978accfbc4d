// The hot path's conductor in plain Node: decide() with every platform port faked (the screen's
// object, the approvals replica, the queues) and real OpenRTB DSPs on loopback. What it checks is
// the conductor's own contract: the answer, the fenced ledger write, and what goes out after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BidderConfig } from "../../src/px/auction/bidders";
import type { PxEvent } from "../../src/px/events/events";
import { AdRequest, Publisher } from "../../src/px/model/model";
import type { NoticeMessage } from "../../src/px/notices/notice-message";
import type { LedgerWrite } from "../../src/px/screen/ledger";
import { decide } from "../../src/worker/decide/decide";
import type { DecideServices } from "../../src/worker/decide/ports";
import { type DspServer, startDspServer } from "../support/dsp-server";
import { billboardScreen } from "../support/fixtures";

let dsp: DspServer;
beforeAll(async () => {
	dsp = await startDspServer();
});
afterAll(() => dsp.close());

const publisher = Publisher.parse({
	id: "node-pub",
	name: "Node Outdoor",
	floor_cpm: 2,
	key_sha256: "a".repeat(64),
	rate_limit: { burst: 100, per_minute: 1000 },
});

interface Fakes {
	services: DecideServices;
	recorded: unknown[][];
	published: PxEvent[];
	notices: NoticeMessage[];
	dspCalls: () => Promise<string[]>;
}

let n = 0;
function fakes(
	behaviour: string,
	opts: { ledger?: LedgerWrite; query?: Record<string, string> } = {},
): Fakes {
	const tag = `node${n++}`;
	const recorded: unknown[][] = [];
	const published: PxEvent[] = [];
	const notices: NoticeMessage[] = [];
	const q = new URLSearchParams({ tag, crid: "node-crid", price: "6", dur: "1", ...opts.query });
	const services: DecideServices = {
		screen: {
			admit: async () => ({ kind: "admitted", profile: null, cached: [], recent: [] }),
			recordDecisions: async (records: unknown[]) => {
				recorded.push(records);
				return opts.ledger ?? { kind: "recorded" };
			},
			revoke: async () => undefined,
			voidDecisions: async () => 0,
			keepUndelivered: async () => undefined,
		} as unknown as DecideServices["screen"],
		// Everything is approved, with a hosted copy named after its key.
		approvals: async () =>
			Object.assign(() => "approved" as const, {
				hosted: (key: string) => ({ sha256: key.slice(-64), size: 1 }),
			}),
		enqueueNotices: async (message) => {
			if (message) notices.push(message);
			return true;
		},
		publish: async (events) => {
			published.push(...events);
			return { failed: [] };
		},
		bidders: [
			BidderConfig.parse({
				name: "node-dsp",
				endpoint: `${dsp.base}/dsp/${behaviour}?${q}`,
				headers: { authorization: { secret: "DSP_NODE_TOKEN" } },
			}),
		],
		secret: (name) => (name === "DSP_NODE_TOKEN" ? "Bearer node" : undefined),
		signPopToken: async (claims) => `token-${claims.d}`,
		exchange: { asi: "px-edge.example", secure: false },
		mayStartNewScreen: async () => true,
		withinQpsCap: async () => true,
		chargePublisher: async () => true,
		registeredAd: () => undefined,
		rates: { table: new Map(), maxAgeMs: 0 },
	};
	const dspCalls = async () =>
		((await (await fetch(`${dsp.base}/log?tag=${tag}`)).json()) as string[]).filter((l) =>
			l.startsWith("request"),
		);
	return { services, recorded, published, notices, dspCalls };
}

function ask(services: DecideServices, timeout_ms = 400) {
	const screenId = `node-bb-${n++}`;
	return decide({
		services,
		publisher,
		request: AdRequest.parse({
			screen_id: screenId,
			slot_id: "face-a",
			screen: billboardScreen(screenId),
			timeout_ms,
		}),
		dialect: "px",
		requestId: `req-${n}`,
		origin: "https://edge.example",
		startedAt: Date.now(),
	});
}

describe("decide, with the platform faked", () => {
	it("answers with the winning bid, records it before answering, and sends events and notices after", async () => {
		const f = fakes("bid");
		const result = await ask(f.services);
		if (result.kind !== "answered") throw new Error(result.kind);
		const [placement] = result.placements;
		expect(placement?.answer?.proof_of_play_url).toMatch(
			/^https:\/\/edge\.example\/v1\/plays\/token-/,
		);
		// Screens are served the approved copy, never the DSP's own URL.
		expect(placement?.answer?.creative.asset_url).toMatch(
			/^https:\/\/edge\.example\/v1\/assets\/[0-9a-f]{64}$/,
		);
		// The ledger write happened before the answer; nothing went out yet.
		expect(f.recorded).toHaveLength(1);
		expect(f.published).toHaveLength(0);
		await result.after();
		expect(f.published.map((e) => e.type).sort()).toEqual(["ad_request", "auction", "win"]);
		const win = f.published.find((e) => e.type === "win");
		// Second price alone: the floor of 2 plus a cent, in the publisher's currency.
		expect(win).toMatchObject({ clearing_price_cpm: 2.01, cur: "USD", bidder: "node-dsp" });
		expect(f.notices[0]?.notices.map((x) => x.kind)).toEqual(["nurl"]);
		expect(await f.dspCalls()).toHaveLength(1);
	});

	it("tells the winner it lost when the ledger refuses the write, and answers no fill", async () => {
		const f = fakes("bid", { ledger: { kind: "refused", lateMs: 5 } });
		const result = await ask(f.services);
		if (result.kind !== "answered") throw new Error(result.kind);
		expect(result.placements[0]).toMatchObject({ noFillReason: "internal_error" });
		await result.after();
		const lurl = f.notices[0]?.notices.find((x) => x.kind === "lurl");
		expect(lurl?.url).toContain("loss=1");
		expect(f.published.filter((e) => e.type === "win")).toHaveLength(0);
	});

	it("answers by the deadline when the only DSP hangs", async () => {
		const f = fakes("hang");
		const started = Date.now();
		const result = await ask(f.services, 300);
		expect(Date.now() - started).toBeLessThan(1_000);
		if (result.kind !== "answered") throw new Error(result.kind);
		expect(result.placements[0]).toMatchObject({ noFillReason: "bidders_timed_out" });
	});

	it("refuses a request over the publisher's budget for a loop's extra placements", async () => {
		const f = fakes("bid");
		f.services.chargePublisher = async () => false;
		const screenId = `node-loop-${n++}`;
		const now = Date.now();
		await expect(
			decide({
				services: f.services,
				publisher,
				request: AdRequest.parse({
					screen_id: screenId,
					slot_id: "face-a",
					screen: billboardScreen(screenId),
					play_at: now,
					until: now + 30_000,
					spot_s: 15,
				}),
				dialect: "px",
				requestId: "loop",
				origin: "https://edge.example",
				startedAt: now,
			}),
		).rejects.toMatchObject({ problem: { status: 429, type: "publisher-rate-limited" } });
		expect(await f.dspCalls()).toHaveLength(0);
	});
});
