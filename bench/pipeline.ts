// Section 4: the archive's encoding cost. Realistic event streams built with `newEvent` the way
// src/worker/decide/decide.ts builds them, encoded with `encodeEvents` (src/queues/parquet.ts) in the
// archive consumer's real grouping, as compaction leaves them (src/queues/compact.ts: one file
// per type and hour) and as one big file, beside gzip-compressed NDJSON.
import { gzipSync } from "node:zlib";
import { parquetMetadata } from "hyparquet";
import { Reason } from "../src/px/auction/reasons";
import {
	type AuctionBid,
	newEvent,
	type PxEvent,
	QUEUE_MAX_MESSAGES,
} from "../src/px/events/events";
import { encodeCompacted, mergeRecords } from "../src/queues/compacted";
import { encodeEvents } from "../src/queues/parquet";

/** Deterministic PRNG (mulberry32), so every run encodes the same shape of data. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const BIDDERS = [
	{ name: "dsp-atlas", seat: "atlas-1", advertisers: ["brightcola.example", "urbanbank.example"] },
	{ name: "dsp-borealis", seat: "bo-77", advertisers: ["metrotravel.example", "fizzpop.example"] },
	{ name: "dsp-cirrus", seat: "cirrus", advertisers: ["northwind-air.example"] },
	{
		name: "dsp-delta",
		seat: "d-seat-3",
		advertisers: ["acme-insure.example", "quickeats.example"],
	},
	{ name: "dsp-ember", seat: "ember-main", advertisers: ["solar-cars.example"] },
	{ name: "dsp-fjord", seat: "fj-21", advertisers: ["glow-cosmetics.example", "cinemax.example"] },
];
const VENUES = [70102, 30101, 80702, 10101, 20301, 60301];
const FILTER_REASONS = [
	Reason.BelowAuctionFloor,
	Reason.CreativePendingApproval,
	Reason.CreativeDisapproved,
	Reason.CreativeSize,
	Reason.AdvertiserExclusion,
	Reason.CategoryExclusion,
	Reason.DurationNotAllowed,
	Reason.CompetitiveSeparation,
];

/**
 * `count` events in queue order: per decision what decide.ts publishes in one sendBatch
 * (auction, then win + ad_request when filled, or ad_request when not), plus cache hits (a lone
 * ad_request "cached"). Timestamps advance over about three hours.
 */
export function buildEvents(count: number, seed = 42): PxEvent[] {
	const random = rng(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	const uuid = () => {
		const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
	};
	const events: PxEvent[] = [];
	const start = Date.UTC(2026, 10, 20, 8, 40);
	let now = start;
	const screens = Array.from({ length: 400 }, (_, i) => ({
		id: `scr-${String(i).padStart(5, "0")}`,
		venue: pick(VENUES),
	}));
	while (events.length < count) {
		now += Math.floor(random() * 2200);
		const screen = pick(screens);
		const base = {
			publisher_id: "demo-pub",
			screen_id: screen.id,
			venue_type: screen.venue,
			request_id: uuid(),
		};
		const opts = () => ({ now, id: uuid() });
		const adRequest = (outcome: "filled" | "no_fill" | "cached", called: number, noFill?: string) =>
			newEvent(
				"ad_request",
				{
					...base,
					dialect: random() < 0.8 ? "px" : "vistar",
					slot_id: "main",
					outcome,
					...(noFill ? { no_fill_reason: noFill } : {}),
					latency_ms:
						outcome === "cached" ? 3 + Math.floor(random() * 5) : 40 + Math.floor(random() * 160),
					bidders_called: called,
				},
				opts(),
			);
		if (random() < 0.1) {
			events.push(adRequest("cached", 0));
			continue;
		}
		const floor = pick([1, 1.5, 2, 2.5, 4]);
		const called = [...BIDDERS].sort(() => random() - 0.5).slice(0, 3 + Math.floor(random() * 4));
		const filled = random() < 0.8;
		const auctionId = uuid();
		const bids: AuctionBid[] = [];
		let winner:
			| { bidder: (typeof BIDDERS)[number]; crid: string; adomain: string; price: number }
			| undefined;
		called.forEach((bidder, i) => {
			const latency = 20 + Math.floor(random() * 140);
			const roll = random();
			if (!filled ? roll < 0.35 : roll < 0.15) {
				bids.push({ bidder: bidder.name, outcome: "no_bid", reason: 0, latency_ms: latency });
				return;
			}
			if (roll < (filled ? 0.2 : 0.45)) {
				bids.push({
					bidder: bidder.name,
					outcome: "timeout",
					reason: Reason.BidderTimeout,
					latency_ms: 170,
				});
				return;
			}
			if (roll < (filled ? 0.23 : 0.5)) {
				bids.push({
					bidder: bidder.name,
					outcome: "error",
					reason: pick([Reason.BidderError, Reason.InvalidBidResponse]),
					latency_ms: latency,
				});
				return;
			}
			const adomain = pick(bidder.advertisers);
			const crid = `${bidder.seat}-${adomain.split(".")[0]}-${Math.floor(random() * 40)}`;
			const price = Math.round((floor + random() * 12) * 100) / 100;
			const bid = {
				bidder: bidder.name,
				bid_id: `${bidder.seat}-${uuid().slice(0, 8)}`,
				seat: bidder.seat,
				crid,
				adomain: [adomain],
				price,
				latency_ms: latency,
			};
			if (filled && !winner && i >= 0 && random() < 0.6) {
				winner = { bidder, crid, adomain, price };
				bids.push({ ...bid, outcome: "won", reason: Reason.Won });
			} else if (filled && random() < 0.6) {
				bids.push({ ...bid, outcome: "lost", reason: Reason.LostToHigherBid });
			} else {
				bids.push({ ...bid, outcome: "filtered", reason: pick(FILTER_REASONS) });
			}
		});
		const clearing = winner
			? Math.round((floor + random() * (winner.price - floor)) * 100) / 100
			: undefined;
		events.push(
			newEvent(
				"auction",
				{
					...base,
					auction_id: auctionId,
					at: 2,
					floor_cpm: floor,
					cur: "USD",
					bids,
					...(clearing !== undefined ? { clearing_price: clearing } : {}),
				},
				opts(),
			),
		);
		if (winner && clearing !== undefined) {
			events.push(
				newEvent(
					"win",
					{
						...base,
						auction_id: auctionId,
						decision_id: uuid(),
						bidder: winner.bidder.name,
						crid: winner.crid,
						adomain: [winner.adomain],
						price_cpm: winner.price,
						clearing_price_cpm: clearing,
						multiplier: pick([1, 4, 12.5, 310]),
						not_after: now + 3_600_000,
					},
					opts(),
				),
				adRequest("filled", called.length),
			);
		} else {
			const reason = bids.some((b) => b.outcome === "filtered")
				? "all_bids_filtered"
				: bids.every((b) => b.outcome === "timeout")
					? "bidders_timed_out"
					: "no_bids";
			events.push(adRequest("no_fill", called.length, reason));
		}
	}
	return events.slice(0, count);
}

/**
 * The archive consumer's files for this stream: queue batches of up to 100 messages in order,
 * each split per event type and UTC hour (the grouping of src/queues/archive.ts archiveEvents).
 */
export function archiveGroups(events: PxEvent[]): PxEvent[][] {
	const files: PxEvent[][] = [];
	for (let i = 0; i < events.length; i += QUEUE_MAX_MESSAGES) {
		const groups = new Map<string, PxEvent[]>();
		for (const event of events.slice(i, i + QUEUE_MAX_MESSAGES)) {
			const key = `${event.type}/${Math.floor(event.ts / 3_600_000)}`;
			groups.set(key, [...(groups.get(key) ?? []), event]);
		}
		files.push(...groups.values());
	}
	return files;
}

/**
 * The files compaction leaves for this stream: one per event type and UTC hour, each holding
 * its records once, sorted as src/queues/compacted.ts sorts them.
 */
export function compactedPartitions(events: PxEvent[]): PxEvent[][] {
	const partitions = new Map<string, PxEvent[]>();
	for (const event of events) {
		const key = `${event.type}/${Math.floor(event.ts / 3_600_000)}`;
		partitions.set(key, [...(partitions.get(key) ?? []), event]);
	}
	return [...partitions.values()].map(
		(p) => mergeRecords([p as unknown as Record<string, unknown>[]]).records,
	);
}

const ndjson = (events: PxEvent[]) => `${events.map((e) => JSON.stringify(e)).join("\n")}\n`;

export interface EncodingResult {
	files: number;
	bytes: number;
	bytesPerEvent: number;
	msPer1000: number;
}

export interface PipelineResult {
	events: number;
	byType: Record<string, number>;
	repetitions: number;
	grouped: Side;
	/**
	 * After compaction: Parquet from encodeCompacted; NDJSON compacted alike, at gzip level 9 as
	 * compaction's Parquet is. `ratioToStored`: against the gzip NDJSON of the archive grouping,
	 * what an NDJSON archive written by the queue consumer would store.
	 */
	compacted: Side & { ratioToStored: number };
	oneFile: Side;
	/** `px.archive_layout` of the files encodeEvents wrote (1 when the footer has no such key). */
	layout: string;
	/** Where the Parquet bytes go, per event: each column chunk, and footer + magic. */
	anatomy: {
		grouped: Record<string, number>;
		compacted: Record<string, number>;
		oneFile: Record<string, number>;
	};
}

interface Side {
	parquet: EncodingResult;
	gzipNdjson: EncodingResult;
	/** Parquet bytes / gzip NDJSON bytes of the same files. */
	ratio: number;
}

function measure(
	files: PxEvent[][],
	encode: (events: PxEvent[]) => Uint8Array,
	repetitions: number,
): EncodingResult {
	const total = files.reduce((n, f) => n + f.length, 0);
	const times: number[] = [];
	let bytes = 0;
	for (let r = 0; r < repetitions; r++) {
		bytes = 0;
		const started = performance.now();
		for (const file of files) bytes += encode(file).byteLength;
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	const median = times[Math.floor(times.length / 2)]!;
	return {
		files: files.length,
		bytes,
		bytesPerEvent: bytes / total,
		msPer1000: (median / total) * 1000,
	};
}

const gzipNdjson = (events: PxEvent[]) => gzipSync(ndjson(events));
const gzipNdjsonBest = (events: PxEvent[]) => gzipSync(ndjson(events), { level: 9 });

/** The archive layout encodeEvents writes (footer key px.archive_layout; absent = 1). */
function archiveLayout(file: Uint8Array): string {
	const metadata = parquetMetadata(
		file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer,
	);
	const kv = metadata.key_value_metadata ?? [];
	return kv.find((e) => e.key === "px.archive_layout")?.value ?? "1";
}

/** Bytes per event by column chunk (compressed, headers included) and "(footer)", summed. */
function anatomy(
	files: PxEvent[][],
	encode: (events: PxEvent[]) => Uint8Array = encodeEvents,
): Record<string, number> {
	const bytes: Record<string, number> = {};
	let events = 0;
	for (const group of files) {
		const file = encode(group);
		events += group.length;
		const metadata = parquetMetadata(
			file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer,
		);
		bytes["(footer)"] = (bytes["(footer)"] ?? 0) + metadata.metadata_length + 12;
		for (const rowGroup of metadata.row_groups) {
			for (const column of rowGroup.columns) {
				const name = column.meta_data?.path_in_schema.join(".") ?? "?";
				bytes[name] = (bytes[name] ?? 0) + Number(column.meta_data?.total_compressed_size ?? 0);
			}
		}
	}
	return Object.fromEntries(
		Object.entries(bytes)
			.sort((a, b) => b[1] - a[1])
			.map(([name, b]) => [name, Math.round((b / events) * 10) / 10]),
	);
}

export function runPipeline(count = 10_000, repetitions = 5): PipelineResult {
	const events = buildEvents(count);
	const byType: Record<string, number> = {};
	for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
	const grouped = archiveGroups(events);
	const compacted = compactedPartitions(events);
	const one = [events];
	// Warm the JIT on a slice so the first measured encoding is not the cold one.
	encodeEvents(events.slice(0, 500));
	encodeCompacted(events.slice(0, 500));
	gzipNdjson(events.slice(0, 500));

	const side = (
		files: PxEvent[][],
		encode: (events: PxEvent[]) => Uint8Array = encodeEvents,
		text: (events: PxEvent[]) => Uint8Array = gzipNdjson,
	): Side => {
		const parquet = measure(files, encode, repetitions);
		const gz = measure(files, text, repetitions);
		return { parquet, gzipNdjson: gz, ratio: parquet.bytes / gz.bytes };
	};
	const groupedSide = side(grouped);
	const compactedSide = side(compacted, encodeCompacted, gzipNdjsonBest);
	return {
		events: events.length,
		byType,
		layout: archiveLayout(encodeEvents(events.slice(0, 10))),
		repetitions,
		grouped: groupedSide,
		compacted: {
			...compactedSide,
			ratioToStored: compactedSide.parquet.bytes / groupedSide.gzipNdjson.bytes,
		},
		oneFile: side(one),
		anatomy: {
			grouped: anatomy(grouped),
			compacted: anatomy(compacted, encodeCompacted),
			oneFile: anatomy(one),
		},
	};
}
