// Archive consumer: events → Parquet files in R2, one file per (event type, UTC hour) group of a
// batch. A group whose write fails is retried as a group; readers deduplicate on event_id, so a
// retried group that was in fact written costs space, never a double count. A record that cannot
// be encoded fails alone: the rest of its group is still written, and only it is retried (and so
// reaches the dead-letter queue alone).
import type { PxEvent } from "../px/events/events";
import { errorText } from "../services/log";
import { archiveKey, encodeEvents } from "./parquet";

interface Archived<T> {
	ok: T[];
	failed: T[];
	/** Why each failed item failed: the dead-letter consumer quarantines them with it. */
	errors: Map<T, string>;
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
	const result: Archived<T> = { ok: [], failed: [], errors: new Map() };
	await Promise.all(
		[...groups.values()].map(async (group) => {
			const encoded = encodeGroup(group);
			result.failed.push(...encoded.poisoned);
			for (const item of encoded.poisoned) result.errors.set(item, "cannot be encoded as Parquet");
			if (!encoded.file) return;
			try {
				await bucket.put(encoded.file.key, encoded.file.bytes, {
					httpMetadata: { contentType: "application/vnd.apache.parquet" },
					customMetadata: {
						records: String(encoded.items.length),
						schema_version: String(encoded.items[0]!.event.schema_version),
					},
				});
				result.ok.push(...encoded.items);
			} catch (err) {
				result.failed.push(...encoded.items);
				const error = `write failed: ${errorText(err)}`;
				for (const item of encoded.items) result.errors.set(item, error);
			}
		}),
	);
	return result;
}

interface EncodedGroup<T> {
	file?: { key: string; bytes: Uint8Array };
	items: T[];
	poisoned: T[];
}

/** The group as one file; if that fails, without the records that cannot be encoded alone. */
function encodeGroup<T extends { event: PxEvent }>(group: T[]): EncodedGroup<T> {
	const attempt = (items: T[]) => {
		const first = items[0]!.event;
		return {
			key: archiveKey({ type: first.type, ts: first.ts, batchId: crypto.randomUUID() }),
			bytes: encodeEvents(items.map((i) => i.event)),
		};
	};
	try {
		return { file: attempt(group), items: group, poisoned: [] };
	} catch {
		const poisoned = group.filter((item) => {
			try {
				attempt([item]);
				return false;
			} catch {
				return true;
			}
		});
		const items = group.filter((item) => !poisoned.includes(item));
		if (items.length === 0) return { items, poisoned };
		try {
			return { file: attempt(items), items, poisoned };
		} catch {
			return { items: [], poisoned: group };
		}
	}
}
