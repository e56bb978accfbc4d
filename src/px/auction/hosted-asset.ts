// The exchange's own copy of an approved asset. A reviewer approves bytes, not a URL: on approval
// the file is fetched once, hashed and copied to R2, and screens are answered with the edge's URL
// for that copy, so whoever controls the DSP's asset host cannot swap the file after review.
// Content-addressed: the SHA-256 of the bytes names the copy, so its URL can never change content.
import { z } from "zod";

/** Largest video the desk copies (a 30 s 1080p spot at a high bitrate is ~40 MB). */
export const MAX_VIDEO_ASSET_BYTES = 50 * 1024 * 1024;
/** Largest image (or any other media type) the desk copies. */
export const MAX_IMAGE_ASSET_BYTES = 5 * 1024 * 1024;
/** The asset host gets this long to deliver the whole file. */
export const ASSET_FETCH_TIMEOUT_MS = 20_000;

/** What an approval keeps of the bytes it approved. */
export const HostedAsset = z.object({
	/** SHA-256 of the bytes, lower-case hex: the copy's name. */
	sha256: z.string().regex(/^[0-9a-f]{64}$/),
	size: z.number().int().nonnegative(),
});
export type HostedAsset = z.infer<typeof HostedAsset>;

export const isSha256Hex = (value: string) => /^[0-9a-f]{64}$/.test(value);

/** The size cap for an asset declared with this mime type. */
export const assetSizeCap = (mime: string) =>
	mime.toLowerCase().startsWith("video/") ? MAX_VIDEO_ASSET_BYTES : MAX_IMAGE_ASSET_BYTES;

/** Where the copy lives in the R2 bucket. */
export const hostedObjectKey = (sha256: string) => `assets/${sha256}`;

/** The URL screens download the copy from: the edge's origin, GET /v1/assets/{sha256}. */
export const hostedAssetUrl = (origin: string, sha256: string) => `${origin}/v1/assets/${sha256}`;

/** A single byte range of a `size`-byte object. */
export interface ByteRange {
	offset: number;
	length: number;
}

/**
 * The byte range a `Range` header asks of a `size`-byte object (RFC 9110 §14.1.2): a range, the
 * whole object (no header, another unit, several ranges, or a malformed one: all may be answered
 * with the full body), or "unsatisfiable" (416).
 */
export function byteRange(
	header: string | null | undefined,
	size: number,
): ByteRange | "whole" | "unsatisfiable" {
	const match = header ? /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim()) : null;
	if (!match) return "whole";
	const [, first, last] = match as unknown as [string, string, string];
	if (first === "" && last === "") return "whole";
	if (first === "") {
		// A suffix: the last N bytes.
		const n = Number(last);
		if (n === 0 || size === 0) return "unsatisfiable";
		const length = Math.min(n, size);
		return { offset: size - length, length };
	}
	const start = Number(first);
	if (start >= size) return "unsatisfiable";
	const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
	if (end < start) return "whole";
	return { offset: start, length: end - start + 1 };
}
