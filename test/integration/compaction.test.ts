// Archive compaction (src/queues/compact.ts) against workerd's R2: the queue consumer archives
// many batches across types and hours, then compaction runs as the cron trigger would. Each test
// works in its own month, further apart than the lookback, so runs never see each other's files.
import { createMessageBatch, createScheduledController } from "cloudflare:test";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import consumers from "../../src/consumers";
import { newEvent, type PxEvent } from "../../src/px/events/events";
import { handleQueue } from "../../src/queues";
import { CLOSE_GRACE_MS, type CompactionResult, compactArchive } from "../../src/queues/compact";
import { COMPACTED_PREFIX } from "../../src/queues/compacted";
import { gunzip } from "../../src/queues/gzip";
import { archivedRecord } from "../../src/queues/parquet";
import { env } from "../support/test-env";

const HOUR = 3_600_000;
const TYPES = ["ad_request", "auction", "win", "play", "expiry", "telemetry"] as const;

/** A decision's events in `hour` (its start, epoch ms), as the edge and the screens emit them. */
function decision(hour: number, i: number): PxEvent[] {
	const t = hour + ((i * 37_000) % (HOUR - 120_000));
	const screen = { publisher_id: "demo-pub", screen_id: `scr-${i % 7}`, venue_type: 70102 };
	// Players may send their own request ids: some are not UUIDs.
	const base = { ...screen, request_id: i % 5 === 0 ? `player-req-${i}` : crypto.randomUUID() };
	const auctionId = crypto.randomUUID();
	const decisionId = crypto.randomUUID();
	const sold = { auction_id: auctionId, decision_id: decisionId, bidder: "dsp-a", crid: "c1" };
	const events: PxEvent[] = [
		newEvent(
			"auction",
			{
				...base,
				auction_id: auctionId,
				at: 2,
				floor_cpm: 1.5,
				cur: "USD",
				bids: [
					{
						bidder: "dsp-a",
						bid_id: `a-${i}`,
						crid: "c1",
						adomain: ["a.example"],
						price: 4 + (i % 9) / 4,
						outcome: "won",
						reason: 0,
						latency_ms: 40 + (i % 30),
					},
					{ bidder: "dsp-b", outcome: "no_bid", reason: 0, latency_ms: 55 },
				],
				clearing_price: 2.5,
			},
			{ now: t },
		),
		newEvent(
			"win",
			{
				...base,
				...sold,
				adomain: ["a.example"],
				price_cpm: 4,
				clearing_price_cpm: 2.5,
				multiplier: 3,
				not_after: t + HOUR,
			},
			{ now: t },
		),
		newEvent(
			"ad_request",
			{
				...base,
				dialect: "px",
				slot_id: "main",
				outcome: "filled",
				latency_ms: 80,
				bidders_called: 2,
			},
			{ now: t + 1 },
		),
	];
	if (i % 4 === 3) {
		events.push(
			newEvent(
				"expiry",
				{ ...screen, ...sold, reported_at: t + 60_000, reason: "reported" },
				{ now: t + 60_000 },
			),
		);
	} else {
		events.push(
			newEvent(
				"play",
				{ ...screen, ...sold, price_cpm: 2.5, multiplier: 3, played_at: t + 30_000 },
				{ now: t + 30_000 },
			),
		);
	}
	if (i % 3 === 0) {
		events.push(newEvent("telemetry", { ...screen, kind: "played" }, { now: t + 31_000 }));
	}
	return events;
}

/** Deterministic shuffle, so each batch spans several types and hours: many small files. */
function shuffled<T>(items: T[], seed: number): T[] {
	const out = [...items];
	let s = seed;
	for (let i = out.length - 1; i > 0; i--) {
		s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
		const j = s % (i + 1);
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

let batchNo = 0;
/** Archives `events` through the real queue consumer, in batches of up to `size` messages. */
async function archive(events: PxEvent[], size = 40): Promise<void> {
	for (let i = 0; i < events.length; i += size) {
		const n = batchNo++;
		const batch = createMessageBatch(
			"px-events",
			events.slice(i, i + size).map((body, j) => ({
				id: `b${n}-m${j}`,
				timestamp: new Date(),
				attempts: 1,
				body,
			})),
		);
		await handleQueue(batch, env);
	}
}

interface Stored {
	key: string;
	etag: string;
}

async function listAll(prefix: string, bucket: R2Bucket = env.ARCHIVE): Promise<Stored[]> {
	const out: Stored[] = [];
	let cursor: string | undefined;
	do {
		const page = await bucket.list({ prefix, cursor });
		out.push(...page.objects.map((o) => ({ key: o.key, etag: o.etag })));
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Every record stored under `prefix`, decoded with hyparquet and the archive's row reader. */
async function records(prefix: string): Promise<Record<string, unknown>[]> {
	const out: Record<string, unknown>[] = [];
	for (const { key } of await listAll(prefix)) {
		const file = await (await env.ARCHIVE.get(key))!.arrayBuffer();
		const rows = await parquetReadObjects({ file, compressors: { GZIP: gunzip } });
		out.push(...rows.map(archivedRecord));
	}
	return out;
}

const partitionOf = (type: string, hour: number) => {
	const iso = new Date(hour).toISOString();
	return `events/type=${type}/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
};
const idsOf = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.event_id)).sort();
const idsIn = (events: PxEvent[], type: string, hour: number) =>
	events
		.filter((e) => e.type === type && e.ts >= hour && e.ts < hour + HOUR)
		.map((e) => e.event_id)
		.sort();
const nameOf = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/** R2 as the compactor sees it, except that every delete fails: a run that dies after writing. */
function deletesFail(bucket: R2Bucket): R2Bucket {
	return new Proxy(bucket, {
		get(target, prop, receiver) {
			if (prop === "delete") return () => Promise.reject(new Error("injected crash before delete"));
			const value = Reflect.get(target, prop, receiver);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

describe("archive compaction", () => {
	// Hours 5 and 6 are closed at `now`, hour 7 is open.
	const day = Date.UTC(2031, 0, 10);
	const [h5, h6, h7] = [5, 6, 7].map((h) => day + h * HOUR) as [number, number, number];
	const now = h7 + 20 * 60_000;
	const events = [h5, h6, h7].flatMap((hour, k) =>
		Array.from({ length: 45 }, (_, i) => decision(hour, k * 100 + i)).flat(),
	);
	// At-least-once delivery: a tenth of the events arrive twice, in other batches.
	const redelivered = events.filter((_, i) => i % 10 === 4);
	const closed = TYPES.flatMap((type) => [h5, h6].map((hour) => ({ type, hour })));

	it("merges every closed partition into one file, each event once, the open hour untouched", async () => {
		await archive(shuffled([...events, ...redelivered], 7));
		const before = await listAll("events/");
		const open = before.filter((o) => o.key.includes(`/hour=07/`));
		expect(open.length).toBeGreaterThan(TYPES.length);
		const closedBefore = before.filter((o) => !o.key.includes(`/hour=07/`));
		expect(closedBefore.length).toBeGreaterThan(closed.length * 2);

		const result = await compactArchive(env.ARCHIVE, now);

		const closedEvents = events.filter((e) => e.ts < h7);
		expect(result).toMatchObject({
			partitions: closed.length,
			filesIn: closedBefore.length,
			filesOut: closed.length,
			records: closedEvents.length,
			duplicates: redelivered.filter((e) => e.ts < h7).length,
			leftovers: 0,
			failed: [],
			pending: 0,
		});
		for (const { type, hour } of closed) {
			const files = await listAll(partitionOf(type, hour));
			expect(files, partitionOf(type, hour)).toHaveLength(1);
			expect(nameOf(files[0]!.key).startsWith(COMPACTED_PREFIX)).toBe(true);
			// Exactly the same multiset of event_ids: none lost, none duplicated.
			expect(idsOf(await records(partitionOf(type, hour)))).toEqual(idsIn(events, type, hour));
		}
		// Every record comes back field for field, whichever id columns it used.
		const byId = new Map(closedEvents.map((e) => [e.event_id, e]));
		for (const record of await records(partitionOf("auction", h5))) {
			expect(record).toEqual(byId.get(String(record.event_id)));
		}
		expect(
			await listAll(`events/`).then((l) => l.filter((o) => o.key.includes("/hour=07/"))),
		).toEqual(open);

		// A second run finds nothing to do and changes nothing.
		const after = await listAll("events/");
		const again = await compactArchive(env.ARCHIVE, now + 60_000);
		expect(again).toMatchObject({ partitions: 0, passes: [], filesIn: 0, leftovers: 0 });
		expect(await listAll("events/")).toEqual(after);
	});

	it("merges a late file into its compacted hour on the next run", async () => {
		const late = decision(h5, 900);
		// A late redelivery of an event already compacted, too.
		const auction = events.find((e) => e.type === "auction" && e.ts < h6)!;
		await archive([...late, auction]);
		expect((await listAll(partitionOf("auction", h5))).length).toBe(2);

		const later = now + 30 * 60_000; // hour 7 is still open
		const result = await compactArchive(env.ARCHIVE, later);

		const lateTypes = new Set(late.map((e) => e.type));
		expect(result.partitions).toBe(lateTypes.size);
		expect(result.duplicates).toBe(1);
		for (const type of lateTypes) {
			const files = await listAll(partitionOf(type, h5));
			expect(files, type).toHaveLength(1);
			expect(idsOf(await records(partitionOf(type, h5)))).toEqual(
				idsIn([...events, ...late], type, h5),
			);
		}
		expect((await compactArchive(env.ARCHIVE, later)).passes).toEqual([]);
	});

	it("loses and doubles nothing when a run dies between its write and its deletes", async () => {
		const late = [decision(h6, 950), decision(h6, 951)].flat();
		await archive(late.slice(0, 4));
		await archive(late.slice(4));
		const partition = partitionOf("auction", h6);
		const inputs = await listAll(partition);
		expect(inputs.length).toBe(3); // the compacted file and two late ones

		const crashed = await compactArchive(deletesFail(env.ARCHIVE), now + 2 * HOUR);
		expect(crashed.failed.map((f) => f.partition)).toContain(partition);
		// The new file is stored beside its inputs: every event still there, none lost.
		const expected = idsIn([...events, ...late], "auction", h6);
		const stored = await listAll(partition);
		expect(stored.length).toBe(4);
		expect([...new Set(idsOf(await records(partition)))]).toEqual(expected);

		const next: CompactionResult = await compactArchive(env.ARCHIVE, now + 2 * HOUR);
		expect(next.failed).toEqual([]);
		expect(next.passes.filter((p) => p.partition === partition)).toEqual([]);
		expect(next.leftovers).toBeGreaterThanOrEqual(3);
		const files = await listAll(partition);
		expect(files).toHaveLength(1);
		expect(inputs.map((i) => i.key)).not.toContain(files[0]!.key);
		expect(idsOf(await records(partition))).toEqual(expected);
		expect((await compactArchive(env.ARCHIVE, now + 2 * HOUR)).passes).toEqual([]);
	});
});

/**
 * An hour of 4 decisions compacted with a 4-record budget: each type's partition is one compacted
 * file holding 4 records, over half the budget, so full (it takes no more inputs).
 */
async function fullPartition(hour: number) {
	const limits = { maxRecordsPerFile: 4 };
	const first = Array.from({ length: 4 }, (_, i) => decision(hour, i)).flat();
	await archive(first);
	const now = hour + 2 * HOUR;
	await compactArchive(env.ARCHIVE, now, limits);
	return { hour, limits, first, now, prefix: partitionOf("auction", hour) };
}

describe("compaction limits", () => {
	it("waits for the grace after an hour ends", async () => {
		const hour = Date.UTC(2031, 3, 10, 12);
		await archive(decision(hour, 1));
		const early = await compactArchive(env.ARCHIVE, hour + HOUR + CLOSE_GRACE_MS - 1);
		expect(early.passes).toEqual([]);
		const onTime = await compactArchive(env.ARCHIVE, hour + HOUR + CLOSE_GRACE_MS);
		expect(onTime.partitions).toBeGreaterThan(0);
		expect(onTime.pending).toBe(0);
	});

	it("bounds a run's work, and later runs finish it", async () => {
		const hour = Date.UTC(2031, 6, 10, 12);
		const events = Array.from({ length: 30 }, (_, i) => decision(hour, i)).flat();
		await archive(shuffled(events, 3), 10);
		const now = hour + 2 * HOUR;
		const partitions = new Set(events.map((e) => e.type)).size;

		const first = await compactArchive(env.ARCHIVE, now, { maxPartitions: 2 });
		expect(first.partitions).toBe(2);
		expect(first.pending).toBe(partitions - 2);
		// Few inputs per pass: a partition takes several passes, each merging the previous file.
		const second = await compactArchive(env.ARCHIVE, now, { maxInputFiles: 3 });
		expect(second.pending).toBe(0);
		expect(second.passes.length).toBeGreaterThan(partitions - 2);
		for (const type of new Set(events.map((e) => e.type))) {
			const prefix = partitionOf(type, hour);
			expect(await listAll(prefix), type).toHaveLength(1);
			expect(idsOf(await records(prefix))).toEqual(idsIn(events, type, hour));
		}
	});

	it("a late copy of an event that a full compacted file holds is not written again", async () => {
		const { hour, limits, first, now, prefix } = await fullPartition(Date.UTC(2031, 8, 10, 12));
		expect(await listAll(prefix)).toHaveLength(1); // 4 records: over half of 4, full

		// The queue redelivers one compacted auction after the hour was compacted, beside a new one.
		const redelivered = first.find((e) => e.type === "auction")!;
		const fresh = decision(hour, 77);
		await archive([redelivered, ...fresh]);
		const result = await compactArchive(env.ARCHIVE, now, limits);
		expect(result.duplicates).toBeGreaterThanOrEqual(1);
		// Each event_id once across the partition's files, none lost.
		expect(idsOf(await records(prefix))).toEqual(idsIn([...first, ...fresh], "auction", hour));
		expect((await compactArchive(env.ARCHIVE, now, limits)).passes).toEqual([]);
	});

	it("a pass whose every record a full file already holds writes no file", async () => {
		const { limits, first, now, prefix } = await fullPartition(Date.UTC(2031, 10, 10, 12));
		const compacted = await listAll(prefix);
		await archive([first.find((e) => e.type === "auction")!]);
		expect(await listAll(prefix)).toHaveLength(2);
		await compactArchive(env.ARCHIVE, now, limits);
		expect(await listAll(prefix)).toEqual(compacted);
	});

	it("runs from the cron trigger's scheduled handler", async () => {
		const hour = Date.UTC(2031, 9, 10, 3);
		await archive(decision(hour, 2));
		const controller = createScheduledController({
			scheduledTime: hour + HOUR + 15 * 60_000,
			cron: "15 * * * *",
		});
		await consumers.scheduled(controller, env);
		const files = await listAll(partitionOf("auction", hour));
		expect(files).toHaveLength(1);
		expect(nameOf(files[0]!.key).startsWith(COMPACTED_PREFIX)).toBe(true);
	});
});
