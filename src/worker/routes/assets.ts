// GET/HEAD /v1/assets/{sha256}: the exchange's copies of approved creatives, from R2. Answers
// point screens here (never at the DSP's host), so what plays is byte for byte what a reviewer
// approved. Content-addressed, so no key is needed (like a CDN) and every copy is immutable.
import { Hono } from "hono";
import { byteRange, hostedObjectKey, isSha256Hex } from "../../px/auction/hosted-asset";
import type { AppEnv } from "../context";
import { HttpProblem, problems } from "../problem";

export const assets = new Hono<AppEnv>();

/** A year: the name is the content's hash, so it can never change. */
const CACHE_CONTROL = "public, max-age=31536000, immutable";

// Hono answers HEAD with the GET route (and drops the body); a HEAD reads only the metadata.
assets.get("/:sha256", async (c) => {
	const sha256 = c.req.param("sha256");
	if (!isSha256Hex(sha256)) throw new HttpProblem(problems.notFound("No such asset"));
	const bucket = c.env.HOSTED_ASSETS;
	const key = hostedObjectKey(sha256);
	const etag = `"${sha256}"`;
	const head = await bucket.head(key);
	if (!head) throw new HttpProblem(problems.notFound("No such asset"));
	const headers = new Headers({
		"content-type": head.httpMetadata?.contentType ?? "application/octet-stream",
		etag,
		"cache-control": CACHE_CONTROL,
		"accept-ranges": "bytes",
		"access-control-allow-origin": "*",
		"cross-origin-resource-policy": "cross-origin",
		"x-content-type-options": "nosniff",
		// The bytes are a DSP's: opened directly, they must not run as a page of this origin
		// (the review desk's sessions live here).
		"content-security-policy": "default-src 'none'; sandbox",
	});
	const matches = (value: string | undefined) =>
		value?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag) === true;
	if (matches(c.req.header("if-none-match"))) return c.body(null, 304, toRecord(headers));

	const ifRange = c.req.header("if-range");
	const asked = ifRange === undefined || ifRange === etag ? c.req.header("range") : undefined;
	const range = byteRange(asked, head.size);
	if (range === "unsatisfiable") {
		headers.set("content-range", `bytes */${head.size}`);
		headers.delete("content-type");
		return c.body(null, 416, toRecord(headers));
	}
	const whole = range === "whole";
	const length = whole ? head.size : range.length;
	headers.set("content-length", String(length));
	if (!whole) {
		headers.set(
			"content-range",
			`bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`,
		);
	}
	const status = whole ? 200 : 206;
	if (c.req.method === "HEAD") return c.body(null, status, toRecord(headers));
	const object = await bucket.get(key, whole ? {} : { range });
	if (!object) throw new HttpProblem(problems.notFound("No such asset"));
	return c.body(object.body, status, toRecord(headers));
});

const toRecord = (headers: Headers) => Object.fromEntries(headers.entries());
