// The archive bucket of a local `wrangler dev`, read through the platform: an R2 binding from
// wrangler's getPlatformProxy on the same persisted state, never the simulator's own SQLite
// files (reading those while workerd wrote them failed with `database is locked`). Objects are
// copied once (by key and etag) into a cache folder, as files DuckDB and hyparquet can open.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { R2Bucket } from "@cloudflare/workers-types";
import { getPlatformProxy } from "wrangler";

/** An archive object copied out of local R2. */
export interface LocalR2Object {
	key: string;
	/** A copy of the object's body on disk. */
	file: string;
	/** When it was written, epoch ms. */
	uploaded: number;
}

export interface LocalArchive {
	/** The objects under `prefix` whose key ends in `suffix`, in key order, copied to disk. */
	objects(prefix: string, suffix?: string): Promise<LocalR2Object[]>;
	close(): Promise<void>;
}

/**
 * Opens `bucket` in the wrangler state folder `stateDir` (the one holding `r2/`, e.g.
 * .wrangler/state/v3). Safe beside a running `wrangler dev` on the same folder: reads go through
 * workerd's R2 implementation, which takes SQLite's locks like the writer does.
 */
export async function openLocalArchive(stateDir: string, bucket: string): Promise<LocalArchive> {
	const scratch = mkdtempSync(join(tmpdir(), "px-local-archive-"));
	const cache = join(scratch, "objects");
	mkdirSync(cache);
	// A configuration of its own: just this bucket, so no other binding (queues, the review
	// desk's Durable Object of px-edge) is simulated or looked for.
	const configPath = join(scratch, "wrangler.json");
	writeFileSync(
		configPath,
		JSON.stringify({
			name: "px-local-archive",
			compatibility_date: "2026-11-01",
			r2_buckets: [{ binding: "ARCHIVE", bucket_name: bucket }],
		}),
	);
	let proxy: Awaited<ReturnType<typeof getPlatformProxy<{ ARCHIVE: R2Bucket }>>>;
	try {
		proxy = await getPlatformProxy<{ ARCHIVE: R2Bucket }>({
			configPath,
			persist: { path: resolve(stateDir) },
		});
	} catch (err) {
		rmSync(scratch, { recursive: true, force: true });
		throw err;
	}
	const archive = proxy.env.ARCHIVE;
	return {
		async objects(prefix, suffix = "") {
			const found: LocalR2Object[] = [];
			let cursor: string | undefined;
			do {
				const page = await archive.list({ prefix, cursor });
				for (const object of page.objects) {
					if (!object.key.endsWith(suffix)) continue;
					const name = createHash("sha256").update(`${object.key}\n${object.etag}`).digest("hex");
					const file = join(cache, `${name}${suffix}`);
					if (!existsSync(file)) {
						const body = await archive.get(object.key);
						if (!body) continue; // deleted since the listing (compaction)
						writeFileSync(file, new Uint8Array(await body.arrayBuffer()), { flag: "w" });
					}
					found.push({ key: object.key, file, uploaded: object.uploaded.getTime() });
				}
				cursor = page.truncated ? page.cursor : undefined;
			} while (cursor);
			return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
		},
		async close() {
			await proxy.dispose();
			rmSync(scratch, { recursive: true, force: true });
		},
	};
}
