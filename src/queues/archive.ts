// Archive consumer: events → Parquet files in R2, one file per (event type, UTC hour) group of a
// batch. A group whose write fails is retried as a group; readers deduplicate on event_id, so a
// retried group that was in fact written costs space, never a double count.
import type { PxEvent } from "../px/events";
import { archiveKey, encodeEvents } from "./parquet";

export interface Archived<T> {
	ok: T[];
	failed: T[];
}

export async function archiveEvents<T extends { event: PxEvent }>(
	bucket: R2Bucket,
	items: T[],
): Promise<Archived<T>> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const hour = Math.floor(item.event.ts / 3_600_000);
		const key = `${item.event.type}/${hour}`;
		groups.set(key, [...(groups.get(key) ?? []), item]);
	}
	const result: Archived<T> = { ok: [], failed: [] };
	await Promise.all(
		[...groups.values()].map(async (group) => {
			const first = group[0]!.event;
			const key = archiveKey({ type: first.type, ts: first.ts, batchId: crypto.randomUUID() });
			try {
				await bucket.put(key, encodeEvents(group.map((g) => g.event)), {
					httpMetadata: { contentType: "application/vnd.apache.parquet" },
					customMetadata: {
						records: String(group.length),
						schema_version: String(first.schema_version),
					},
				});
				result.ok.push(...group);
			} catch {
				result.failed.push(...group);
			}
		}),
	);
	return result;
}
