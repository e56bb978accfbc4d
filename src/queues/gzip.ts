// Synchronous gzip for the Parquet archive (hyparquet-writer's compressors are synchronous, so
// CompressionStream does not fit). node:zlib is the one Node module the Worker uses: workerd
// provides it under the `nodejs_compat` flag (wrangler.toml), and
// test/integration/parquet-workerd.test.ts proves it there.
import { gunzipSync, gzipSync } from "node:zlib";

/**
 * Parquet's GZIP codec (RFC 1952), at zlib's default level 6 unless told: on a queue batch's
 * small pages level 9 saves < 1% for 30% more time; compaction's large pages of auction JSON
 * save ~11% at level 9 (BENCHMARKS.md), and compaction runs off the request path.
 */
export const gzip = (input: Uint8Array, level = 6): Uint8Array =>
	new Uint8Array(gzipSync(input, { level }));

/** The inverse, for readers (hyparquet's `compressors: { GZIP: gunzip }`). */
export const gunzip = (input: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(input));
