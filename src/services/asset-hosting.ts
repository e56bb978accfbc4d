// Copies an asset a reviewer approves into the exchange's R2 bucket: fetched once, server-side,
// within a time and size cap, hashed, and stored under its SHA-256. What screens download from
// then on is that copy (px/auction/hosted-asset.ts), never the DSP's host.
import {
	ASSET_FETCH_TIMEOUT_MS,
	assetSizeCap,
	type HostedAsset,
	hostedObjectKey,
} from "../px/auction/hosted-asset";
import { errorText } from "./log";

export type HostingResult = { ok: true; asset: HostedAsset } | { ok: false; why: string };

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;

/**
 * Fetches `url` and stores its bytes as `assets/<sha256>`; `why` says in a sentence why not.
 * Reads into memory (the caps keep it well under an isolate's 128 MB): R2 cannot rename an
 * object, so the name, which is the hash, must be known before the write.
 */
export async function hostAsset(
	bucket: R2Bucket,
	item: { asset_url: string; mime: string },
	timeoutMs = ASSET_FETCH_TIMEOUT_MS,
): Promise<HostingResult> {
	let url: URL;
	try {
		url = new URL(item.asset_url);
	} catch {
		return { ok: false, why: "The asset URL is not a URL." };
	}
	if (url.protocol !== "https:" && url.protocol !== "http:") {
		return { ok: false, why: `The asset URL's scheme ${url.protocol} cannot be fetched.` };
	}
	const cap = assetSizeCap(item.mime);
	const signal = AbortSignal.timeout(timeoutMs);
	let bytes: Uint8Array;
	let contentType: string | null;
	try {
		const res = await fetch(url, { signal, redirect: "follow" });
		if (res.status !== 200) {
			await res.body?.cancel();
			return { ok: false, why: `The asset host answered ${res.status} for ${url.href}.` };
		}
		contentType = res.headers.get("content-type");
		const declared = Number(res.headers.get("content-length") ?? Number.NaN);
		if (declared > cap) {
			await res.body?.cancel();
			return { ok: false, why: tooLarge(declared, item.mime, cap) };
		}
		const read = await readCapped(res.body, cap);
		if (read === "too-large") return { ok: false, why: tooLarge(undefined, item.mime, cap) };
		bytes = read;
	} catch (err) {
		return {
			ok: false,
			why: signal.aborted
				? `The asset host did not deliver ${url.href} within ${timeoutMs / 1000} s.`
				: `The asset could not be fetched from ${url.href}: ${errorText(err)}.`,
		};
	}
	if (bytes.byteLength === 0) return { ok: false, why: `The asset at ${url.href} is empty.` };
	const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
	await bucket.put(hostedObjectKey(sha256), bytes, {
		// The declared mime is what the bid said and the reviewer saw; the host's type is a fallback.
		httpMetadata: { contentType: item.mime || contentType || "application/octet-stream" },
		customMetadata: { source_url: url.href.slice(0, 1024), fetched_at: String(Date.now()) },
		sha256,
	});
	return { ok: true, asset: { sha256, size: bytes.byteLength } };
}

function tooLarge(size: number | undefined, mime: string, cap: number): string {
	const kind = mime.toLowerCase().startsWith("video/") ? "video" : "image";
	const is = size === undefined ? "is" : `is ${megabytes(size)},`;
	return `The asset ${is} over the ${megabytes(cap)} cap for ${kind} assets.`;
}

/** The whole body, or "too-large" as soon as it passes `cap` (the rest is never read). */
export async function readCapped(
	body: ReadableStream<Uint8Array> | null,
	cap: number,
): Promise<Uint8Array | "too-large"> {
	if (!body) return new Uint8Array();
	const chunks: Uint8Array[] = [];
	let total = 0;
	const reader = body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > cap) {
			await reader.cancel();
			return "too-large";
		}
		chunks.push(value);
	}
	const out = new Uint8Array(total);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.byteLength;
	}
	return out;
}

const hex = (digest: ArrayBuffer) =>
	[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
