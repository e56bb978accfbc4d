// The archive encoder in workerd itself: node:zlib's gzip under nodejs_compat (src/queues/gzip.ts)
// and hyparquet-writer must work where the queue consumer runs, not only in Node.
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { newEvent, type PxEvent } from "../../src/px/events/events";
import { gunzip, gzip } from "../../src/queues/gzip";
import { archivedRecord, encodeEvents } from "../../src/queues/parquet";

const screen = { publisher_id: "demo-pub", screen_id: "lobby-1", venue_type: 70102 };
const T = Date.UTC(2026, 10, 23, 10);

function auctions(count: number): PxEvent[] {
	return Array.from({ length: count }, (_, i) =>
		newEvent(
			"auction",
			{
				...screen,
				request_id: crypto.randomUUID(),
				auction_id: crypto.randomUUID(),
				at: 2,
				floor_cpm: 2,
				cur: "USD",
				bids: [
					{
						bidder: "demo-video",
						bid_id: crypto.randomUUID(),
						crid: `cr-${i % 7}`,
						adomain: ["coffee.example"],
						price: 3 + (i % 50) / 10,
						outcome: "won",
						reason: 0,
						latency_ms: 40 + (i % 30),
					},
					{ bidder: "demo-static", outcome: "no_bid", reason: 0, latency_ms: 35 },
				],
				clearing_price: 2.01,
			},
			{ now: T + i * 17 },
		),
	);
}

describe("archive Parquet in workerd", () => {
	it("gzips with node:zlib", () => {
		const text = new TextEncoder().encode("px-edge ".repeat(100));
		const packed = gzip(text);
		expect(packed.length).toBeLessThan(text.length / 10);
		expect(gunzip(packed)).toEqual(text);
	});

	it("encodes a batch as GZIP Parquet that reads back as the same records", async () => {
		const input = auctions(100);
		const bytes = encodeEvents(input);
		const file = bytes.slice().buffer as ArrayBuffer;
		const codecs = parquetMetadata(file).row_groups[0]!.columns.map((c) => c.meta_data?.codec);
		expect(codecs).toContain("GZIP");
		const rows = await parquetReadObjects({ file, compressors: { GZIP: gunzip } });
		expect(rows.map(archivedRecord)).toEqual(input);
	});
});
