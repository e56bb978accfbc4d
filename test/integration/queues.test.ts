import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { newEvent, type PxEvent } from "../../src/px/events/events";
import { handleQueue } from "../../src/queues";
import { gunzip } from "../../src/queues/gzip";
import { reviewDesk } from "../../src/services/stubs";
import { env, type TestEnv } from "../support/test-env";

const base = { publisher_id: "demo-pub", screen_id: "lobby-1", venue_type: 70102 };

function adRequestEvent(i: number): PxEvent {
	return newEvent(
		"ad_request",
		{
			...base,
			dialect: "px",
			slot_id: "main",
			outcome: "filled",
			latency_ms: 12,
			bidders_called: 3,
		},
		{ now: Date.UTC(2026, 10, 23, 10, 5, i) },
	);
}

function batchOf(queue: string, bodies: unknown[], attempts = 1) {
	return createMessageBatch(
		queue,
		bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
	);
}

async function run(batch: MessageBatch, overrides: Partial<TestEnv> = {}) {
	const ctx = createExecutionContext();
	await handleQueue(batch, { ...env, ...overrides } as TestEnv);
	return getQueueResult(batch, ctx);
}

/** Every archived record under a prefix, read back from R2 as Parquet. */
async function archived(prefix: string): Promise<Record<string, unknown>[]> {
	const listing = await env.ARCHIVE.list({ prefix });
	const rows: Record<string, unknown>[] = [];
	for (const object of listing.objects) {
		const body = await (await env.ARCHIVE.get(object.key))!.arrayBuffer();
		rows.push(
			...((await parquetReadObjects({ file: body, compressors: { GZIP: gunzip } })) as Record<
				string,
				unknown
			>[]),
		);
	}
	return rows;
}

describe("events queue consumer", () => {
	it("archives a batch as Parquet under type/dt/hour and acks every message", async () => {
		const events = [0, 1, 2].map(adRequestEvent);
		const result = await run(batchOf("px-events", events));
		expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
		expect(result.retryMessages).toEqual([]);
		const rows = await archived("events/type=ad_request/dt=2026-11-23/hour=10/");
		expect(rows.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.event_id).sort());
	});

	it("a message carrying one request's records (an array) is archived record by record", async () => {
		const records = [30, 31, 32].map(adRequestEvent);
		const result = await run(
			batchOf("px-events", [records.slice(0, 2), [records[2], { type: "ad_request", bad: 1 }]]),
		);
		expect(result.explicitAcks).toEqual(["m0"]);
		// The message with a bad record is retried (toward the dead-letter queue)...
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
		// ...and its valid record is archived all the same.
		const rows = await archived("events/type=ad_request/dt=2026-11-23/hour=10/");
		const ids = new Set(rows.map((r) => r.event_id));
		for (const r of records) expect(ids.has(r.event_id)).toBe(true);
	});

	it("a poisoned message is retried alone; the rest are acked", async () => {
		const good = [adRequestEvent(10), adRequestEvent(11)];
		const result = await run(
			batchOf("px-events", [good[0], { type: "ad_request", nonsense: true }, good[1]]),
		);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
		expect(result.explicitAcks.sort()).toEqual(["m0", "m2"]);
	});

	it("an R2 failure retries the batch, and after the retry every record is there exactly once by event_id", async () => {
		const events = [20, 21, 22].map((i) =>
			newEvent(
				"play",
				{
					...base,
					decision_id: `d${i}`,
					auction_id: `a${i}`,
					bidder: "demo-video",
					crid: "c",
					price_cpm: 5,
					multiplier: 2,
					played_at: Date.UTC(2026, 10, 23, 11, 0, i),
				},
				{ now: Date.UTC(2026, 10, 23, 11, 0, i) },
			),
		);
		let calls = 0;
		const flaky = new Proxy(env.ARCHIVE, {
			get(target, prop, receiver) {
				if (prop === "put") {
					return (...args: Parameters<R2Bucket["put"]>) => {
						calls++;
						if (calls === 1) throw new Error("injected R2 failure");
						return target.put(...args);
					};
				}
				const value = Reflect.get(target, prop, receiver);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		const first = await run(batchOf("px-events", events), { ARCHIVE: flaky });
		expect(first.retryMessages.map((m) => m.msgId).sort()).toEqual(["m0", "m1", "m2"]);
		expect(first.explicitAcks).toEqual([]);

		// Redelivery (at least once), plus a duplicate delivery of one record: readers dedupe on event_id.
		const second = await run(batchOf("px-events", [...events, events[0]], 2), { ARCHIVE: flaky });
		expect(second.retryMessages).toEqual([]);
		const rows = await archived("events/type=play/dt=2026-11-23/hour=11/");
		const ids = new Set(rows.map((r) => r.event_id));
		expect([...ids].sort()).toEqual(events.map((e) => e.event_id).sort());
		expect(rows.length).toBe(4); // duplicates are stored, and counted once by the report
	});

	it("new creatives become pending review items, once", async () => {
		const seen = newEvent("creative_seen", {
			...base,
			bidder: "new-dsp",
			crid: "fresh-1",
			creative_key: "new-dsp:fresh-1",
			adomain: ["fresh.example"],
			asset_url: "https://cdn.example/fresh.mp4",
			mime: "video/mp4",
			w: 1920,
			h: 1080,
			duration_s: 15,
		});
		await run(batchOf("px-events", [seen, seen]));
		await run(batchOf("px-events", [seen]));
		const pending = await reviewDesk(env).list("pending");
		expect(pending.filter((p) => p.creative_key === "new-dsp:fresh-1")).toHaveLength(1);
		expect(await env.APPROVALS.get("creative:new-dsp:fresh-1", "json")).toMatchObject({
			status: "pending",
		});
	});
});

describe("dead-letter queue consumer", () => {
	it("archives the valid records and quarantines the rest, whatever their body", async () => {
		const bodies = [{ type: "garbage" }, "a string", adRequestEvent(40)];
		const result = await run(batchOf("px-events-dlq", bodies, 4));
		expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
		const listing = await env.ARCHIVE.list({ prefix: "quarantine/" });
		const kept = await Promise.all(
			listing.objects.map(async (o) =>
				(await env.ARCHIVE.get(o.key))!.json<{ body: unknown[]; attempts: number }>(),
			),
		);
		expect(kept.map((k) => k.body[0])).toEqual(expect.arrayContaining(bodies.slice(0, 2)));
		expect(kept.map((k) => k.body[0])).not.toContainEqual(bodies[2]);
		expect(kept.every((k) => k.attempts === 4)).toBe(true);
		const rows = await archived("events/type=ad_request/dt=2026-11-23/hour=10/");
		expect(rows.map((r) => r.event_id)).toContain((bodies[2] as PxEvent).event_id);
	});

	it("retries what it could not store", async () => {
		const broken = { put: () => Promise.reject(new Error("R2 down")) } as unknown as R2Bucket;
		const result = await run(batchOf("px-events-dlq", [{ a: 1 }]), { ARCHIVE: broken });
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
	});
});
