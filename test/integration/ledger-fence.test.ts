// The ledger fence: a decision whose ledger write answered after the edge stopped waiting is
// never served from the screen's cache, played or billed, since its buyer was told it lost
// (lurl 1) and the screen got internal_error. Two ways a write can be late: it reaches the
// object after the edge gave up (the object refuses it), or it lands in time but its answer
// comes back too late (the edge voids it after answering).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "../../src/px/screen/ledger";
import { screenStub } from "../../src/services/stubs";
import {
	approve,
	biddersJson,
	billboardAdRequest,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLog,
	dspLogAfter,
} from "../support/edge";

const adomain = [DSP_ADOMAIN];

const BILLBOARD = { w: 1400, h: 400 };
const TIMEOUT_MS = 1_000;
/** Well past the ledger's budget, which ends at the request's timeout_ms. */
const LATE_MS = TIMEOUT_MS + 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const tag = () => `lf${Date.now().toString(36)}${n++}`;

type Call = (...args: unknown[]) => Promise<unknown>;

/**
 * SCREENS whose recordDecisions goes through `late`, given the real call; remembers the records
 * it was asked to write and the real call's eventual outcome.
 */
function lateLedger(late: (real: () => Promise<unknown>) => Promise<unknown>) {
	const seen: { records: DecisionRecord[]; landed?: Promise<unknown> } = { records: [] };
	const real = env.SCREENS;
	const screens = {
		idFromName: (name: string) => real.idFromName(name),
		get: (id: DurableObjectId) =>
			new Proxy(real.get(id), {
				get: (target, prop) => {
					const method = Reflect.get(target, prop as string) as Call;
					if (prop !== "recordDecisions") return method;
					return (...args: unknown[]) => {
						seen.records = args[0] as DecisionRecord[];
						let landed!: Promise<unknown>;
						const answered = late(() => {
							landed = method(...args);
							return landed;
						});
						seen.landed = answered.then(() => landed);
						return answered;
					};
				},
			}),
	} as unknown as Env["SCREENS"];
	return { screens, seen };
}

async function adRequest(screenId: string, bidders: string, overrides: Partial<Env> = {}) {
	const { res, settled } = await billboardAdRequest({
		screenId,
		body: { timeout_ms: TIMEOUT_MS },
		overrides: { ...overrides, BIDDERS: bidders },
	});
	expect(res.status).toBe(200);
	const body = (await res.json()) as Record<string, unknown>;
	await settled;
	return body;
}

async function scenario(late: (real: () => Promise<unknown>) => Promise<unknown>) {
	const t = tag();
	const crid = `crid-${t}`;
	await approve({ bidder: "fenced", crid, asset_url: dspAssets.image(crid, BILLBOARD), adomain });
	const bidders = biddersJson(t, [{ name: "fenced", behaviour: "bid", query: { crid, price: 6 } }]);
	const screenId = `bb-${t}`;
	const { screens, seen } = lateLedger(late);

	const gaveUp = await adRequest(screenId, bidders, { SCREENS: screens });
	expect(gaveUp).toEqual({ filled: false, no_fill_reason: "internal_error" });
	const lost = await dspLogAfter(t, "lurl", 1);
	expect(lost.filter((l) => l.startsWith("lurl ?loss=1&"))).toHaveLength(1);
	expect(lost.filter((l) => l.startsWith("nurl"))).toHaveLength(0);
	expect(seen.records).toHaveLength(1);
	const orphan = seen.records[0]!.answer;
	await seen.landed!.catch(() => undefined);

	// The next request runs a fresh auction instead of serving it from the cache...
	const next = await adRequest(screenId, bidders);
	expect(next).toMatchObject({ filled: true });
	expect(next.cached).not.toBe(true);
	expect(next.decision_id).not.toBe(orphan.decision_id);
	// ...its token plays nothing and bills nothing...
	const play = await callEdge(new URL(orphan.proof_of_play_url).pathname, { method: "POST" });
	expect(play.res.status).toBe(404);
	await play.settled;
	await sleep(300);
	expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(0);
	// ...and the ledger holds the fresh decision only.
	expect(await screenStub(env, "demo-pub", screenId).stats()).toEqual({
		decisions: { issued: 1 },
		outbox: 0,
	});
}

describe("ledger fence: no decision is served or billed after its buyer was told it lost", () => {
	it("a write reaching the screen's object after the edge gave up is refused", async () => {
		await scenario(async (real) => {
			await sleep(LATE_MS);
			return real();
		});
	});

	it("a write that landed but answered too late is voided after the answer", async () => {
		await scenario(async (real) => {
			const answer = await real();
			await sleep(LATE_MS);
			return answer;
		});
	});

	it("voiding is idempotent and leaves played decisions alone", async () => {
		const t = tag();
		const crid = `crid-${t}`;
		await approve({ bidder: "voided", crid, asset_url: dspAssets.image(crid, BILLBOARD), adomain });
		const screenId = `bb-${t}`;
		const bidders = biddersJson(t, [
			{ name: "voided", behaviour: "bid", query: { crid, price: 6 } },
		]);
		const answer = await adRequest(screenId, bidders);
		const played = await callEdge(new URL(answer.proof_of_play_url as string).pathname, {
			method: "POST",
		});
		expect(played.res.status).toBe(200);
		await played.settled;
		const stub = screenStub(env, "demo-pub", screenId);
		expect(await stub.voidDecisions([answer.decision_id as string, "no-such-id"])).toBe(0);
		expect((await stub.stats()).decisions).toEqual({ played: 1 });
	});
});
