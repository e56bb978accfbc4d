import { describe, expect, it } from "vitest";
import { archiveEvents } from "../../src/queues/archive";
import { playEvent } from "../support/records";

const play = (i: number) => playEvent(i, 1_763_900_000_000);

function bucket(puts: { key: string; records: string }[], fail = false): R2Bucket {
	return {
		put: async (key: string, _body: unknown, opts: { customMetadata: { records: string } }) => {
			if (fail) throw new Error("R2 down");
			puts.push({ key, records: opts.customMetadata.records });
		},
	} as unknown as R2Bucket;
}

describe("archiveEvents isolation", () => {
	it("a record that cannot be encoded fails alone; the rest of its group is written", async () => {
		const items = [play(1), { ...play(2), ts: Number.NaN }, play(3)].map((event, i) => ({
			event,
			i,
		}));
		const puts: { key: string; records: string }[] = [];
		const result = await archiveEvents(bucket(puts), items);
		expect(result.failed.map((f) => f.i)).toEqual([1]);
		expect(result.ok.map((o) => o.i).sort()).toEqual([0, 2]);
		expect(puts).toHaveLength(1);
		expect(puts[0]?.records).toBe("2");
	});

	it("a failed write fails its group, for the group to be retried", async () => {
		const items = [play(1), play(2)].map((event, i) => ({ event, i }));
		const result = await archiveEvents(bucket([], true), items);
		expect(result.failed).toHaveLength(2);
		expect(result.ok).toHaveLength(0);
	});
});
