// The dead-letter consumer: nothing an exchange bills or reconciles from vanishes. Valid records
// of a dead-lettered events message are archived, what cannot be processed is quarantined in R2
// with its reason, and a message R2 refuses is retried (not acked) until R2 takes it.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { newEvent } from "../../src/px/events/events";
import type { QuarantineEntry } from "../../src/px/notices/quarantine";
import { handleQueue } from "../../src/queues";
import { DEAD_LETTER_MAX_ATTEMPTS } from "../../src/queues/dead-letter";
import { gunzip } from "../../src/queues/gzip";
import { playEvent } from "../support/records";
import { env, type TestEnv } from "../support/test-env";

const firstSeen = new Date(Date.UTC(2026, 10, 24, 9, 30));

async function deliver(
	queue: string,
	messages: { id: string; body: unknown; attempts: number }[],
	over: Partial<TestEnv> = {},
) {
	const batch = createMessageBatch(
		queue,
		messages.map((m) => ({ ...m, timestamp: firstSeen })),
	);
	const ctx = createExecutionContext();
	await handleQueue(batch, { ...env, ...over } as TestEnv);
	return getQueueResult(batch, ctx);
}

const quarantined = async (queue: string, id: string) =>
	(await env.ARCHIVE.get(`quarantine/dt=2026-11-24/${queue}/${id}.json`))?.json<QuarantineEntry>();

/** ARCHIVE whose first `refusals` puts fail, as R2 does in an outage. */
function refusingFirst(refusals: number): { bucket: R2Bucket; refused: () => number } {
	let calls = 0;
	const bucket = new Proxy(env.ARCHIVE, {
		get: (target, prop) =>
			prop === "put"
				? async (...args: unknown[]) => {
						calls++;
						if (calls <= refusals) throw new Error("R2 unavailable");
						return (target.put as (...a: unknown[]) => Promise<unknown>).apply(target, args);
					}
				: Reflect.get(target, prop),
	});
	return { bucket, refused: () => Math.min(calls, refusals) };
}

async function archivedIds(prefix: string): Promise<string[]> {
	const ids: string[] = [];
	for (const object of (await env.ARCHIVE.list({ prefix })).objects) {
		const file = await (await env.ARCHIVE.get(object.key))!.arrayBuffer();
		const rows = await parquetReadObjects({ file, compressors: { GZIP: gunzip } });
		ids.push(...rows.map((r) => String(r.event_id)));
	}
	return ids;
}

describe("dead-letter consumer", () => {
	it("archives a poisoned events message's valid records and quarantines the bad one with its error", async () => {
		const good = playEvent(1, Date.UTC(2026, 10, 24, 7, 10));
		const poisoned = { ...playEvent(2), ts: 9e15 };
		const result = await deliver("px-events-dlq", [
			{ id: "poisoned-1", body: [good, poisoned], attempts: 1 },
		]);
		expect(result.explicitAcks).toEqual(["poisoned-1"]);
		expect(await archivedIds("events/type=play/dt=2026-11-24/hour=07/")).toContain(good.event_id);
		const entry = await quarantined("px-events-dlq", "poisoned-1");
		expect(entry).toMatchObject({
			queue: "px-events-dlq",
			message_id: "poisoned-1",
			first_seen: firstSeen.toISOString(),
			attempts: 1,
			body: [poisoned],
			records_processed: 1,
		});
		expect(entry!.error).toMatch(/^invalid record: ts: /);
		expect(entry!.errors).toEqual([entry!.error]);
		expect(Date.parse(entry!.last_seen)).toBeGreaterThanOrEqual(firstSeen.getTime());
	});

	it("a message whose records all archive leaves nothing in quarantine", async () => {
		const good = playEvent(3, Date.UTC(2026, 10, 24, 7, 20));
		const result = await deliver("px-events-dlq", [{ id: "clean-1", body: [good], attempts: 1 }]);
		expect(result.explicitAcks).toEqual(["clean-1"]);
		expect(await quarantined("px-events-dlq", "clean-1")).toBeUndefined();
		expect(await archivedIds("events/type=play/dt=2026-11-24/hour=07/")).toContain(good.event_id);
	});

	it("a notice message is kept whole in quarantine, not sent again", async () => {
		const body = { auction_id: "a1", notices: [{ url: "https://dsp.example/win" }] };
		const result = await deliver("px-notices-dlq", [{ id: "notice-1", body, attempts: 1 }]);
		expect(result.explicitAcks).toEqual(["notice-1"]);
		expect(await quarantined("px-notices-dlq", "notice-1")).toMatchObject({
			body,
			error: "not delivered by px-notices",
			records_processed: 0,
		});
	});

	it("creatives the review desk refuses are quarantined with the desk's error", async () => {
		const seen = newEvent("creative_seen", {
			publisher_id: "demo-pub",
			screen_id: "lobby-1",
			venue_type: 70102,
			bidder: "new-dsp",
			crid: "refused-1",
			creative_key: "new-dsp:refused-1",
			adomain: ["refused.example"],
			asset_url: "https://cdn.example/refused.mp4",
			mime: "video/mp4",
			w: 1920,
			h: 1080,
			duration_s: 15,
		});
		const desk = {
			get: () => ({ intake: () => Promise.reject(new Error("desk unavailable")) }),
			idFromName: () => ({}),
		} as unknown as TestEnv["REVIEW_DESK"];
		const result = await deliver("px-events-dlq", [{ id: "seen-1", body: [seen], attempts: 1 }], {
			REVIEW_DESK: desk,
		});
		expect(result.explicitAcks).toEqual(["seen-1"]);
		expect(await quarantined("px-events-dlq", "seen-1")).toMatchObject({
			body: [seen],
			error: "review desk intake failed: desk unavailable",
		});
	});

	it("a dead letter R2 refuses 10 times is retried with backoff, never acked, until R2 takes it", async () => {
		const { bucket, refused } = refusingFirst(10);
		const poisoned = { type: "play", nonsense: true };
		let attempts = 1;
		// getQueueResult does not keep a retry's delay; the consumer logs it.
		const delays: number[] = [];
		const original = console.warn;
		console.warn = (line: string) => {
			const logged = JSON.parse(String(line)) as { msg: string; retry_in_s?: number };
			if (logged.msg === "quarantine_write_failed") delays.push(logged.retry_in_s!);
		};
		try {
			for (; attempts <= 20; attempts++) {
				const result = await deliver(
					"px-events-dlq",
					[{ id: "outage-1", body: [poisoned], attempts }],
					{ ARCHIVE: bucket },
				);
				if (result.explicitAcks.includes("outage-1")) break;
				expect(result.retryMessages.map((m) => m.msgId)).toEqual(["outage-1"]);
			}
		} finally {
			console.warn = original;
		}
		expect(refused()).toBe(10);
		expect(attempts).toBe(11);
		expect(delays.slice(0, 3)).toEqual([30, 60, 120]);
		expect(Math.max(...delays)).toBe(3600);
		expect(await quarantined("px-events-dlq", "outage-1")).toMatchObject({
			attempts: 11,
			body: [poisoned],
		});
	});

	it("only its last delivery (max_retries + 1) lets a refused message go, logged whole", async () => {
		const { bucket } = refusingFirst(1_000);
		const lines: string[] = [];
		const original = console.error;
		console.error = (line: string) => void lines.push(String(line));
		let before: Awaited<ReturnType<typeof deliver>>;
		let last: Awaited<ReturnType<typeof deliver>>;
		try {
			const message = { id: "gone-1", body: { kept: "in the log" } };
			before = await deliver(
				"px-notices-dlq",
				[{ ...message, attempts: DEAD_LETTER_MAX_ATTEMPTS - 1 }],
				{ ARCHIVE: bucket },
			);
			last = await deliver("px-notices-dlq", [{ ...message, attempts: DEAD_LETTER_MAX_ATTEMPTS }], {
				ARCHIVE: bucket,
			});
		} finally {
			console.error = original;
		}
		expect(DEAD_LETTER_MAX_ATTEMPTS).toBe(101);
		expect(before.explicitAcks).toEqual([]);
		expect(before.retryMessages.map((m) => m.msgId)).toEqual(["gone-1"]);
		expect(last.explicitAcks).toEqual(["gone-1"]);
		const logged = lines.map((l) => JSON.parse(l) as { msg: string; message?: QuarantineEntry });
		expect(logged.find((l) => l.msg === "dead_letter_unarchived")?.message).toMatchObject({
			queue: "px-notices-dlq",
			body: { kept: "in the log" },
		});
	});
});
