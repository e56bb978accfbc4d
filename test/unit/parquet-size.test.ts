// Archive size on realistic traffic, against gzip-compressed NDJSON of the same events (what a
// plain log archive would store). `PX_PARQUET_BENCH=1` also prints bytes/event and ms/1k events.
//
// Most of an event is incompressible: every auction carries three random UUIDs (event, request,
// auction: 48 bytes at best) and a random id per bid (~22 bytes an auction here), ~70 bytes an
// auction in all, 0.41× its gzip NDJSON. The budgets below leave the rest ~10% room.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type AuctionBid, newEvent, type PxEvent } from "../../src/px/events/events";
import { encodeCompacted, mergeRecords } from "../../src/queues/compacted";
import { encodeEvents } from "../../src/queues/parquet";

// Compacted files against gzip NDJSON as the queue consumer would store it and compacted alike
// (level 9): measured 0.60× and 0.76×, ~10% room. The ids alone (16 random bytes each, three or
// four a decision) keep both far from 0.5×; see BENCHMARKS.md.
const RATIO_AS_STORED = 0.66;
const RATIO_ALIKE = 0.84;
/** Encoding 10,000 events twice takes ~2.5 s, more on a busy machine; the size is the test. */
const ENCODE_TIMEOUT_MS = 30_000;

/** Deterministic traffic: decisions (auction, ad request, win), later plays and expiries, telemetry. */
function traffic(seed: number) {
	let s = seed >>> 0;
	const random = () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length)]!;
	const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
	const hex = (n: number) =>
		Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
	const uuid = () =>
		`${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;

	const publishers = ["demo-pub", "metro-outdoor", "mall-screens-eu"];
	const places = ["lobby", "platform", "food-court", "gate", "elevator"];
	const screens = Array.from({ length: 300 }, (_, i) => ({
		publisher_id: publishers[i % 3]!,
		screen_id: `scr-${places[i % 5]}-${String(i).padStart(4, "0")}`,
		venue_type: [20101, 20102, 10101, 30104, 40102][i % 5]!,
	}));
	const bidders = ["demo-video", "demo-static", "acme-dsp", "vistar-buy"];
	bidders.push("hivestack-dsp", "place-exchange", "broadsign-reach", "outfront-dsp");
	const brands = ["coffee", "cars", "bank", "shoes", "telco", "fastfood", "airline"];
	const creatives = new Map(
		bidders.map((b) => [
			b,
			Array.from({ length: 40 }, (_, i) => ({
				crid: `${b.slice(0, 4)}-cr-${1000 + i * 7}`,
				adomain: [`${pick(brands)}${i % 9}.example`],
			})),
		]),
	);
	// DSPs' own bid ids: UUIDs, 10-digit numbers or 16 hex digits.
	const bidId = (bidder: string) =>
		[uuid, () => String(int(1e9, 9e9)), () => hex(16)][bidders.indexOf(bidder) % 3]!();

	let now = Date.UTC(2026, 10, 23, 9);
	const later: { at: number; event: () => PxEvent }[] = [];

	function decision(): PxEvent[] {
		const screen = pick(screens);
		const base = { ...screen, request_id: uuid() };
		now += int(1, 40);
		const t = now;
		const opts = () => ({ now: t + int(0, 3), id: uuid() });
		const auctionId = uuid();
		const called = [...bidders].sort(() => random() - 0.5).slice(0, int(2, 6));
		const floor = pick([1, 1.5, 2, 2.5, 3]);
		const bids: AuctionBid[] = called.map((bidder) => {
			const x = random();
			const latency_ms = int(15, 180);
			if (x < 0.6) {
				const { crid, adomain } = pick(creatives.get(bidder)!);
				const price = Math.round((floor + random() * 12) * 100) / 100;
				const [outcome, reason] =
					random() < 0.12 ? ["filtered", pick([201, 205, 505])] : ["lost", 102];
				const seat = `seat-${int(1, 4)}`;
				return {
					bidder,
					bid_id: bidId(bidder),
					seat,
					crid,
					adomain,
					price,
					outcome,
					reason,
					latency_ms,
				} as AuctionBid;
			}
			if (x < 0.85) return { bidder, outcome: "no_bid", reason: 0, latency_ms };
			if (x < 0.95) return { bidder, outcome: "timeout", reason: 500, latency_ms: int(250, 300) };
			return { bidder, outcome: "error", reason: 501, latency_ms };
		});
		const ranked = bids.filter((b) => b.outcome === "lost").sort((a, b) => b.price! - a.price!);
		const winner = ranked[0];
		const clearing = ranked[1] ? Math.round((ranked[1].price! + 0.01) * 100) / 100 : floor;
		if (winner) Object.assign(winner, { outcome: "won", reason: 0 });
		const out: PxEvent[] = [];
		if (winner && random() < 0.04) {
			out.push(
				newEvent(
					"creative_seen",
					{
						...base,
						bidder: winner.bidder,
						crid: winner.crid!,
						creative_key: `${winner.bidder}:${winner.crid}`,
						adomain: winner.adomain!,
						asset_url: `https://cdn.${winner.bidder}.example/c/${winner.crid}/${hex(8)}.mp4`,
						mime: "video/mp4",
						w: 1920,
						h: 1080,
						duration_s: pick([10, 15, 30]),
					},
					opts(),
				),
			);
		}
		const auction = {
			...base,
			auction_id: auctionId,
			at: 2 as const,
			floor_cpm: floor,
			cur: "USD",
		};
		out.push(
			newEvent(
				"auction",
				{ ...auction, bids, ...(winner ? { clearing_price: clearing } : {}) },
				opts(),
			),
		);
		const request = {
			...base,
			slot_id: "main",
			latency_ms: int(40, 320),
			bidders_called: called.length,
		};
		if (!winner) {
			const no_fill_reason = pick(["no_bids", "all_bids_filtered", "bidders_timed_out"]);
			out.push(
				newEvent(
					"ad_request",
					{ ...request, dialect: "px", outcome: "no_fill", no_fill_reason },
					opts(),
				),
			);
			return out;
		}
		const decisionId = uuid();
		const multiplier = pick([1, 2.5, 4, 12, 30]);
		const sold = {
			auction_id: auctionId,
			decision_id: decisionId,
			bidder: winner.bidder,
			crid: winner.crid!,
		};
		out.push(
			newEvent(
				"win",
				{
					...base,
					...sold,
					adomain: winner.adomain!,
					price_cpm: winner.price!,
					clearing_price_cpm: clearing,
					multiplier,
					not_after: t + 60_000,
				},
				opts(),
			),
			newEvent(
				"ad_request",
				{ ...request, dialect: pick(["px", "px", "vistar"]), outcome: "filled" },
				opts(),
			),
		);
		const at = t + int(2_000, 40_000);
		const played = random() < 0.9;
		later.push({
			at,
			event: () => {
				const fields = { ...screen, request_id: uuid(), ...sold };
				const options = { now: at, id: uuid() };
				return played
					? newEvent(
							"play",
							{ ...fields, price_cpm: clearing, multiplier, played_at: at - int(0, 900) },
							options,
						)
					: newEvent(
							"expiry",
							{ ...fields, reported_at: at, reason: pick(["reported", "inferred"] as const) },
							options,
						);
			},
		});
		return out;
	}

	return {
		/** The next `count` events in queue order, all types mixed. */
		stream(count: number): PxEvent[] {
			const events: PxEvent[] = [];
			while (events.length < count) {
				later.sort((a, b) => a.at - b.at);
				while (later[0] && later[0].at <= now) events.push(later.shift()!.event());
				if (random() < 0.03) {
					const { publisher_id, screen_id, venue_type } = pick(screens);
					const kind = pick(["requested", "played", "played", "error"] as const);
					const detail =
						random() < 0.3 ? { detail: "decode error: unsupported codec profile" } : {};
					now += int(1, 40);
					const fields = { publisher_id, screen_id, venue_type, kind, ...detail };
					events.push(newEvent("telemetry", fields, { now, id: uuid() }));
				}
				events.push(...decision());
			}
			return events.slice(0, count);
		},
		/** `count` auction events, as one archive file holds them. */
		auctions(count: number): PxEvent[] {
			const events: PxEvent[] = [];
			while (events.length < count) events.push(...decision().filter((e) => e.type === "auction"));
			return events.slice(0, count);
		},
	};
}

/** The files src/queues/archive.ts writes: per queue batch of ≤ 100, one per type and hour. */
function consumerFiles(events: PxEvent[]): PxEvent[][] {
	const files: PxEvent[][] = [];
	for (let i = 0; i < events.length; i += 100) {
		const groups = new Map<string, PxEvent[]>();
		for (const e of events.slice(i, i + 100)) {
			const key = `${e.type}/${Math.floor(e.ts / 3_600_000)}`;
			const group = groups.get(key);
			if (group) group.push(e);
			else groups.set(key, [e]);
		}
		files.push(...groups.values());
	}
	return files;
}

const gzipNdjson = (events: PxEvent[]) =>
	gzipSync(`${events.map((e) => JSON.stringify(e)).join("\n")}\n`).length;

function measure(name: string, files: PxEvent[][]) {
	const events = files.reduce((n, f) => n + f.length, 0);
	const parquet = files.reduce((n, f) => n + encodeEvents(f).length, 0);
	const gzip = files.reduce((n, f) => n + gzipNdjson(f), 0);
	if (process.env.PX_PARQUET_BENCH) {
		const reps = Math.max(3, Math.round(20_000 / events));
		for (const f of files) encodeEvents(f);
		const start = performance.now();
		for (let r = 0; r < reps; r++) for (const f of files) encodeEvents(f);
		const ms = ((performance.now() - start) / reps / events) * 1000;
		console.log(
			`${name}: ${files.length} files, ${(parquet / events).toFixed(1)} B/event, gzip NDJSON ${(gzip / events).toFixed(1)} B/event, ratio ${(parquet / gzip).toFixed(2)}, ${ms.toFixed(1)} ms/1k events`,
		);
	}
	return parquet / gzip;
}

describe("archive size on realistic traffic", () => {
	it("a 100-auction file is no bigger than its gzip NDJSON", () => {
		expect(measure("100 auctions", [traffic(7).auctions(100)])).toBeLessThan(1);
	});

	it("10,000 mixed events stay within budget, in the consumer's files and in hourly files", {
		timeout: ENCODE_TIMEOUT_MS,
	}, () => {
		const events = traffic(11).stream(10_000);
		// ~17 events a file: each file's footer and page headers are a large share.
		expect(measure("10k mix, consumer files", consumerFiles(events))).toBeLessThan(1.6);
		const types = [...new Set(events.map((e) => e.type))];
		const byType = types.map((type) => events.filter((e) => e.type === type));
		expect(measure("10k mix, one file per type", byType)).toBeLessThan(0.9);
	});

	it("compaction's files are well below gzip NDJSON, as stored and compacted alike", {
		timeout: ENCODE_TIMEOUT_MS,
	}, () => {
		const events = traffic(13).stream(10_000);
		const partitions = new Map<string, PxEvent[]>();
		for (const e of events) {
			const key = `${e.type}/${Math.floor(e.ts / 3_600_000)}`;
			partitions.set(key, [...(partitions.get(key) ?? []), e]);
		}
		const compacted = [...partitions.values()].map(
			(p) => mergeRecords([p as unknown as Record<string, unknown>[]]).records,
		);
		const parquet = compacted.reduce((n, f) => n + encodeCompacted(f).length, 0);
		const stored = consumerFiles(events).reduce((n, f) => n + gzipNdjson(f), 0);
		const alike = compacted.reduce(
			(n, f) =>
				n + gzipSync(`${f.map((e) => JSON.stringify(e)).join("\n")}\n`, { level: 9 }).length,
			0,
		);
		if (process.env.PX_PARQUET_BENCH) {
			console.log(
				`10k mix, compacted: ${compacted.length} files, ${(parquet / events.length).toFixed(1)} B/event, ${(parquet / stored).toFixed(2)}× gzip NDJSON as stored, ${(parquet / alike).toFixed(2)}× compacted alike`,
			);
		}
		expect(parquet / stored).toBeLessThan(RATIO_AS_STORED);
		expect(parquet / alike).toBeLessThan(RATIO_ALIKE);
	});
});
