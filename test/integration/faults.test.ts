// Fault injection across the pipeline: queue sends, KV reads and Durable Object calls that fail
// or stall on the hot path, R2 puts that fail or stall in the consumer, and a queue that
// redelivers. Afterwards the archive holds every ad request exactly once after dedupe on
// event_id, which is what the report counts.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import consumers from "../../src/consumers";
import type { PxEvent } from "../../src/px/events/events";
import { gunzip } from "../../src/queues/gzip";
import { archivedRecord } from "../../src/queues/parquet";
import { approve, biddersJson, callEdge, DSP_ADOMAIN, dspAssets } from "../support/edge";
import { authHeaders, billboardScreen } from "../support/fixtures";
import { env, type TestEnv } from "../support/test-env";

const N = 40;
const allow = { limit: async () => ({ success: true }) } as unknown as RateLimit;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls numbered from 1; `fails(n)` and `stalls(n)` pick which misbehave, deterministically. */
function schedule(fails: (n: number) => boolean, stalls: (n: number) => boolean, stallMs: number) {
	let n = 0;
	return async () => {
		n++;
		if (stalls(n)) await sleep(stallMs);
		if (fails(n)) throw new Error(`injected failure #${n}`);
	};
}

/**
 * EVENTS that refuses every other sendBatch and stalls every third; keeps the messages it
 * accepted (each the records of one request) and, flattened, their records.
 */
function flakyQueue(accepted: PxEvent[], messages: PxEvent[][]): Queue {
	const fault = schedule(
		(n) => n % 2 === 1,
		(n) => n % 3 === 0,
		150,
	);
	return {
		send: async () => {
			throw new Error("not used");
		},
		sendBatch: async (batch: { body: PxEvent[] }[]) => {
			await fault();
			messages.push(...batch.map((m) => m.body));
			accepted.push(...batch.flatMap((m) => m.body));
		},
	} as unknown as Queue;
}

function flakyKv(): KVNamespace {
	const fault = schedule(
		(n) => n % 4 === 0,
		(n) => n % 5 === 0,
		300,
	);
	return new Proxy(env.APPROVALS, {
		get: (target, prop) =>
			prop === "get"
				? async (...args: unknown[]) => {
						await fault();
						return (target.get as (...a: unknown[]) => unknown)(...args);
					}
				: Reflect.get(target, prop),
	});
}

function flakyScreens(): Env["SCREENS"] {
	const admitFault = schedule(
		() => false,
		(n) => n % 3 === 0,
		60,
	);
	const ledgerFault = schedule(
		(n) => n % 5 === 0,
		(n) => n % 7 === 0,
		60,
	);
	const real = env.SCREENS;
	return {
		idFromName: (name: string) => real.idFromName(name),
		get: (id: DurableObjectId) =>
			new Proxy(real.get(id), {
				get: (target, prop) => {
					const method = Reflect.get(target, prop as string) as (...a: unknown[]) => unknown;
					if (prop === "admit" || prop === "recordDecisions") {
						const fault = prop === "admit" ? admitFault : ledgerFault;
						return async (...args: unknown[]) => {
							await fault();
							return method(...args);
						};
					}
					return method;
				},
			}),
	} as unknown as Env["SCREENS"];
}

/** ARCHIVE that fails every third put and stalls some; remembers the keys it did write. */
function flakyBucket(written: string[]): R2Bucket {
	// Every fifth put fails: a message holds one request's records (up to three types, so up to
	// three puts per batch), and a failure every third put would hit the same type every round.
	const fault = schedule(
		(n) => n % 5 === 0,
		(n) => n % 4 === 0,
		100,
	);
	return new Proxy(env.ARCHIVE, {
		get: (target, prop) =>
			prop === "put"
				? async (key: string, ...rest: unknown[]) => {
						await fault();
						const put = target.put as (...a: unknown[]) => Promise<unknown>;
						const result = await put.call(target, key, ...rest);
						written.push(key);
						return result;
					}
				: Reflect.get(target, prop),
	});
}

describe("fault injection: nothing logged is lost or double-counted", () => {
	it(`${N} ad requests under failing and stalling queue, KV, DO and R2 are archived exactly once`, async () => {
		await approve({
			bidder: "steady",
			crid: "crid-steady",
			asset_url: dspAssets.image("crid-steady", { w: 1400, h: 400 }),
			adomain: [DSP_ADOMAIN],
		});
		const accepted: PxEvent[] = [];
		const messages: PxEvent[][] = [];
		const overrides = {
			BIDDERS: biddersJson("faults", [
				{ name: "steady", behaviour: "bid", query: { crid: "crid-steady", price: 6 } },
			]),
			EVENTS: flakyQueue(accepted, messages),
			APPROVALS: flakyKv(),
			SCREENS: flakyScreens(),
			NEW_SCREEN_LIMITER: allow,
		};
		const requestIds = new Set<string>();
		const statuses = new Map<number, number>();
		for (let i = 0; i < N; i++) {
			const id = `fault-${Date.now().toString(36)}-${i}`;
			// A screen retries a 503 (its state out of reach within the admission budget, which a
			// saturated test machine can miss): refused before any auction, it logs nothing.
			for (let attempt = 0; ; attempt++) {
				const requestId = `${id}-req${attempt}`;
				const { res, settled } = await callEdge(
					"/v1/ad-requests",
					{
						method: "POST",
						headers: { ...authHeaders(), "x-request-id": requestId },
						body: JSON.stringify({
							screen_id: id,
							slot_id: "face-a",
							screen: billboardScreen(id),
						}),
					},
					overrides,
				);
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
				await settled;
				if (res.status === 503 && attempt < 3) continue;
				expect(res.status).toBe(200);
				requestIds.add(requestId);
				break;
			}
		}
		const adRequests = accepted.filter((e) => e.type === "ad_request");
		expect(new Set(adRequests.map((e) => e.request_id))).toEqual(requestIds);

		// The consumer, with a bucket that fails and stalls, and a queue that redelivers what was
		// retried plus a share of what was acked (at least once).
		const written: string[] = [];
		const consumerEnv = { ...env, ARCHIVE: flakyBucket(written) } as TestEnv;
		let pending = messages.map((body, i) => ({ id: `m${i}`, body, attempts: 1 }));
		let rounds = 0;
		let redelivered = 0;
		while (pending.length > 0 && rounds < 20) {
			rounds++;
			const next: typeof pending = [];
			for (let at = 0; at < pending.length; at += 25) {
				const slice = pending.slice(at, at + 25);
				const batch = createMessageBatch(
					"px-events",
					slice.map((m) => ({ ...m, timestamp: new Date() })),
				);
				const ctx = createExecutionContext();
				await consumers.queue(batch, consumerEnv);
				const result = await getQueueResult(batch, ctx);
				const retried = new Set(result.retryMessages.map((m) => m.msgId));
				for (const [k, m] of slice.entries()) {
					if (retried.has(m.id)) next.push({ ...m, attempts: m.attempts + 1 });
					else if (rounds === 1 && k % 7 === 0) {
						redelivered++;
						next.push({ ...m, attempts: m.attempts + 1 });
					}
				}
			}
			pending = next;
		}
		expect(pending).toEqual([]);
		expect(redelivered).toBeGreaterThan(0);

		const archived: PxEvent[] = [];
		for (const key of new Set(written)) {
			const object = await env.ARCHIVE.get(key);
			const rows = await parquetReadObjects({
				file: await object!.arrayBuffer(),
				compressors: { GZIP: gunzip },
				utf8: true,
			});
			archived.push(...rows.map((r) => archivedRecord(r) as PxEvent));
		}
		const unique = new Map(archived.map((e) => [e.event_id, e]));
		expect(archived.length).toBeGreaterThan(unique.size); // duplicates were written...
		const archivedRequests = [...unique.values()].filter(
			(e) => e.type === "ad_request" && requestIds.has(e.request_id ?? ""),
		);
		expect(archivedRequests).toHaveLength(N); // ...and count once after dedupe
		expect(new Set(archivedRequests.map((e) => e.request_id))).toEqual(requestIds);
		console.log(
			`faults: ${JSON.stringify({
				statuses: Object.fromEntries(statuses),
				queued: accepted.length,
				messages: messages.length,
				archive_files: new Set(written).size,
				rows: archived.length,
				unique: unique.size,
				consumer_rounds: rounds,
				redelivered,
			})}`,
		);
	}, 120_000);
});
