// A reviewer approves bytes, not a URL: approval fetches the file, keeps its SHA-256 and size and
// copies it to R2, and answers point screens at the edge's copy. The asset host here is the test
// DSP server, whose files can be swapped after review (PUT), grown past the caps or made to fail.
import { describe, expect, it } from "vitest";
import { approvalKey, approvalKvKey } from "../../src/px/auction/approval";
import { reviewDesk } from "../../src/services/stubs";
import { adRequest, biddersJson, callEdge, DSP_ADOMAIN, dspBase } from "../support/edge";
import { authHeaders, BASE, billboardScreen, REVIEWER_KEY } from "../support/fixtures";
import { formPost, signIn } from "../support/pages";
import { putOnDesk } from "../support/records";
import { env } from "../support/test-env";

const reviewer = { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" };
const BILLBOARD = { w: 1400, h: 400 };

const sha256 = async (bytes: ArrayBuffer | Uint8Array) =>
	[...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
		.map((b) => b.toString(16).padStart(2, "0"))
		.join("");

/** What the asset host serves at `url` from now on. */
async function hostServes(url: string, text: string): Promise<void> {
	const res = await fetch(url, { method: "PUT", body: text });
	expect(res.status).toBe(204);
}

const textOf = async (res: Response) => new TextDecoder().decode(await res.arrayBuffer());

const approveByApi = (key: string) =>
	callEdge(`/v1/review/creatives/${key}/approve`, { method: "POST", headers: reviewer });

async function replicaOf(key: string) {
	return env.APPROVALS.get<{ status: string; asset?: { sha256: string; size: number } }>(
		approvalKvKey(key),
		"json",
	);
}

/** A bidder whose static creative `crid` is at `dspAssets.image(crid, BILLBOARD)`, on the desk. */
async function onDesk(tag: string) {
	const crid = `hosted-${tag}`;
	const unit = {
		bidder: `hoster-${tag}`,
		crid,
		asset_url: `${dspBase()}/assets/${crid}-${BILLBOARD.w}x${BILLBOARD.h}.png`,
		adomain: [DSP_ADOMAIN],
	};
	const key = await putOnDesk(unit, BILLBOARD);
	const bidders = biddersJson(tag, [
		{ name: unit.bidder, behaviour: "bid", query: { crid, price: 7, media: "image" } },
	]);
	return { unit, key, bidders };
}

describe("approved assets are the exchange's copy of the approved bytes", () => {
	it("the answer's asset_url downloads exactly the approved bytes after the host swapped them", async () => {
		const t = `swap-${Date.now()}`;
		const { unit, key, bidders } = await onDesk(t);
		const approvedBytes = new TextEncoder().encode(`the file the reviewer saw ${t}`);
		await hostServes(unit.asset_url, new TextDecoder().decode(approvedBytes));
		const expected = await sha256(approvedBytes);

		const approved = await approveByApi(key);
		expect(approved.res.status).toBe(200);
		expect(await approved.res.json()).toMatchObject({
			status: "approved",
			asset_sha256: expected,
			asset_size: approvedBytes.byteLength,
		});
		expect(await replicaOf(key)).toMatchObject({
			status: "approved",
			asset: { sha256: expected, size: approvedBytes.byteLength },
		});

		// The host now serves screens another file under the approved URL.
		await hostServes(unit.asset_url, "a different file, never reviewed");

		const screenId = `bb-${t}`;
		const { res } = await adRequest(
			{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
			bidders,
		);
		const answer = (await res.json()) as {
			filled: boolean;
			creative: { asset_url: string; sha256: string; mime: string };
		};
		expect(answer.filled).toBe(true);
		expect(answer.creative.sha256).toBe(expected);
		expect(answer.creative.asset_url).toBe(`${BASE}/v1/assets/${expected}`);

		const download = await callEdge(new URL(answer.creative.asset_url).pathname);
		expect(download.res.status).toBe(200);
		const bytes = new Uint8Array(await download.res.arrayBuffer());
		expect(await sha256(bytes)).toBe(expected);
		expect(new TextDecoder().decode(bytes)).toBe(new TextDecoder().decode(approvedBytes));
		expect(Object.fromEntries(download.res.headers)).toMatchObject({
			"content-type": "image/png",
			"content-length": String(approvedBytes.byteLength),
			"cache-control": "public, max-age=31536000, immutable",
			etag: `"${expected}"`,
			"accept-ranges": "bytes",
		});

		// Pre-cache lists the same URL the answer gives (the screen's scheduled decision).
		const listed = await callEdge(`/v1/screens/${screenId}/assets`, { headers: authHeaders() });
		const list = (await listed.res.json()) as { assets: { asset_url: string; sha256: string }[] };
		expect(list.assets).toEqual([
			expect.objectContaining({ asset_url: answer.creative.asset_url, sha256: expected }),
		]);
	});

	it("serves byte ranges (206), HEAD, revalidation (304), 416 past the end and 404 for unknown", async () => {
		const t = `range-${Date.now()}`;
		const { unit, key } = await onDesk(t);
		const text = `0123456789abcdef-${t}`;
		await hostServes(unit.asset_url, text);
		expect((await approveByApi(key)).res.status).toBe(200);
		const sha = await sha256(new TextEncoder().encode(text));
		const path = `/v1/assets/${sha}`;

		const part = await callEdge(path, { headers: { range: "bytes=2-5" } });
		expect(part.res.status).toBe(206);
		expect(part.res.headers.get("content-range")).toBe(`bytes 2-5/${text.length}`);
		expect(part.res.headers.get("content-length")).toBe("4");
		expect(await textOf(part.res)).toBe("2345");

		const tail = await callEdge(path, { headers: { range: "bytes=-3" } });
		expect(tail.res.status).toBe(206);
		expect(await textOf(tail.res)).toBe(text.slice(-3));
		const open = await callEdge(path, { headers: { range: "bytes=10-" } });
		expect(await textOf(open.res)).toBe(text.slice(10));

		const beyond = await callEdge(path, { headers: { range: `bytes=${text.length}-` } });
		expect(beyond.res.status).toBe(416);
		expect(beyond.res.headers.get("content-range")).toBe(`bytes */${text.length}`);

		const head = await callEdge(path, { method: "HEAD" });
		expect(head.res.status).toBe(200);
		expect(head.res.headers.get("etag")).toBe(`"${sha}"`);
		expect(head.res.headers.get("content-length")).toBe(String(text.length));
		expect((await head.res.arrayBuffer()).byteLength).toBe(0);

		const again = await callEdge(path, { headers: { "if-none-match": `"${sha}"` } });
		expect(again.res.status).toBe(304);

		expect((await callEdge(`/v1/assets/${"0".repeat(64)}`)).res.status).toBe(404);
		expect((await callEdge("/v1/assets/not-a-hash")).res.status).toBe(404);
	});
});

describe("a file that cannot be copied cannot be approved", () => {
	it.each([
		["over the image cap", `big-${5 * 1024 * 1024 + 1}.png`, /over the 5 MB cap for image/],
		["over the cap, length unannounced", `big-${6 * 1024 * 1024}.png?chunked=1`, /5 MB cap/],
		["answered 404", "status-404.png", /answered 404/],
	])("%s: 422 asset-unavailable, the item stays pending", async (_name, file, why) => {
		const t = `${file.replace(/\W/g, "")}-${Date.now()}`;
		const unit = { bidder: `refused-${t}`, crid: "c", asset_url: `${dspBase()}/assets/${file}` };
		const key = await putOnDesk(unit, BILLBOARD);
		const { res } = await approveByApi(key);
		expect(res.status).toBe(422);
		const problem = (await res.json()) as { type: string; detail: string };
		expect(problem.type).toBe("/problems/asset-unavailable");
		expect(problem.detail).toMatch(why);
		expect((await reviewDesk(env).get(key))?.item.status).toBe("pending");
		expect((await replicaOf(key))?.status).toBe("pending");
	});

	it("on the page, a bulk approval approves what could be copied and says why the rest was not", async () => {
		const t = `page-${Date.now()}`;
		const good = { bidder: `page-${t}`, crid: "ok", asset_url: `${dspBase()}/assets/${t}-ok.png` };
		const gone = {
			bidder: `page-${t}`,
			crid: "gone",
			asset_url: `${dspBase()}/assets/status-410.png`,
		};
		const keys = [await putOnDesk(good, BILLBOARD), await putOnDesk(gone, BILLBOARD)];
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);

		const json = await callEdge(
			"/review/decide",
			formPost({ key: keys, action: "approve", csrf }, { cookie, accept: "application/json" }),
		);
		expect(json.res.status).toBe(200);
		const body = (await json.res.json()) as {
			decided: { creative_key: string }[];
			refused: { creative_key: string; detail: string }[];
		};
		expect(body.decided.map((d) => d.creative_key)).toEqual([keys[0]]);
		expect(body.refused).toEqual([
			{ creative_key: keys[1], detail: expect.stringMatching(/answered 410/) },
		]);
		expect((await replicaOf(keys[1]!))?.status).toBe("pending");

		// Without a script: the page itself, saying which was not approved and why.
		const form = await callEdge(
			"/review/decide",
			formPost({ key: keys[1]!, action: "approve", csrf, status: "pending" }, { cookie }),
		);
		expect(form.res.status).toBe(422);
		const html = await form.res.text();
		expect(html).toContain("Not approved, because the file could not be fetched");
		expect(html).toContain(`${keys[1]}: The asset host answered 410`);
		expect((await reviewDesk(env).get(keys[1]!))?.item.status).toBe("pending");
	});

	it("an approval published before asset hosting (no copy named) is treated as pending", async () => {
		const t = `legacy-${Date.now()}`;
		const { unit, bidders } = await onDesk(t);
		await env.APPROVALS.put(
			approvalKvKey(await approvalKey(unit)),
			JSON.stringify({ status: "approved", version: 0 }),
		);
		const screenId = `bb-${t}`;
		const { res } = await adRequest(
			{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
			bidders,
		);
		expect(((await res.json()) as { filled: boolean }).filled).toBe(false);
	});
});
