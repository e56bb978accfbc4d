// The review desk in the browser (/review) as workerd serves it: sessions, CSRF, escaping of what
// DSPs send, decisions that reach the auctions' replica, bulk approval and the audit trail.
// test/e2e/pages.e2e.test.ts drives the same pages in a real browser.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { approvalKvKey } from "../../src/px/approval";
import { decodeSession, encodeSession, SESSION_TTL_MS } from "../../src/worker/session";
import { callEdge, dspBase } from "../support/edge";
import { BASE, REVIEWER_KEY } from "../support/fixtures";
import { cookieFrom, formPost, OPERATOR_KEY, signIn } from "../support/pages";
import { putOnDesk } from "../support/records";

const SECRET = "test-session-key-not-a-secret-0123456789";
const json = { accept: "application/json" };

async function replica(key: string): Promise<string | undefined> {
	const record = await env.APPROVALS.get<{ status: string }>(approvalKvKey(key), "json");
	return record?.status;
}

describe("review desk sign-in", () => {
	it("a page without a session redirects to the sign-in form; a script call gets a 401 problem", async () => {
		const page = await callEdge("/review", { redirect: "manual" });
		expect(page.res.status).toBe(303);
		expect(page.res.headers.get("location")).toBe("/review/sign-in");
		const form = await callEdge("/review/sign-in");
		expect(form.res.status).toBe(200);
		const html = await form.res.text();
		expect(html).toContain('type="password"');
		expect(html).toContain('action="/review/sign-in"');
		const call = await callEdge("/review/decide", formPost({ key: "x", action: "approve" }, json));
		expect(call.res.status).toBe(401);
		expect(call.res.headers.get("content-type")).toContain("application/problem+json");
	});

	it("a wrong key is refused with the form again and no cookie; an operator key is not a reviewer key", async () => {
		for (const key of ["wrong-key", OPERATOR_KEY, ""]) {
			const { res } = await callEdge("/review/sign-in", formPost({ key }));
			expect(res.status).toBe(401);
			expect(res.headers.getSetCookie()).toEqual([]);
			expect(await res.text()).toContain("That is not a reviewer key.");
		}
	});

	it("the right key sets an HttpOnly, Secure, SameSite=Strict __Host- cookie that expires, and no key in it", async () => {
		const { res } = await callEdge("/review/sign-in", formPost({ key: REVIEWER_KEY }));
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/review");
		const header = res.headers.getSetCookie().find((h) => h.startsWith("__Host-px-review="))!;
		expect(header).toMatch(/; HttpOnly/);
		expect(header).toMatch(/; Secure/);
		expect(header).toMatch(/; SameSite=Strict/);
		expect(header).toMatch(/; Path=\//);
		expect(header).toMatch(/; Max-Age=28800/);
		expect(header).not.toContain("Domain");
		expect(header).not.toContain(REVIEWER_KEY);
		const value = header.split(";")[0]!.split("=")[1]!;
		const session = await decodeSession(SECRET, value);
		expect(session).toMatchObject({ role: "reviewer" });
		expect(session!.exp - session!.iat).toBe(SESSION_TTL_MS.reviewer);
	});

	it("a sign-in posted from another site is refused (login CSRF)", async () => {
		const { res } = await callEdge(
			"/review/sign-in",
			formPost({ key: REVIEWER_KEY }, { origin: "https://evil.example" }),
		);
		expect(res.status).toBe(403);
		expect(res.headers.getSetCookie()).toEqual([]);
	});

	it("forged, expired, other-role and revoked-key sessions are refused", async () => {
		const { cookie } = await signIn("review", REVIEWER_KEY);
		const value = cookie.split("=")[1]!;
		const tampered = `${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
		const now = Date.now();
		const hash = "32dc90f8d497d0e9c2feb824612a5bd35883a01ba25a4555e173b3a31909a2f2";
		const expired = await encodeSession(SECRET, {
			role: "reviewer",
			key_sha256: hash,
			iat: now - 10 * 3_600_000,
			exp: now - 1000,
		});
		const operator = await encodeSession(SECRET, {
			role: "operator",
			key_sha256: hash,
			iat: now,
			exp: now + 60_000,
		});
		const otherSecret = await encodeSession("another-secret-that-is-long-enough-000000", {
			role: "reviewer",
			key_sha256: hash,
			iat: now,
			exp: now + 60_000,
		});
		for (const bad of [tampered, expired, operator, otherSecret, "garbage", ""]) {
			const { res } = await callEdge("/review", {
				headers: { cookie: `__Host-px-review=${bad}` },
				redirect: "manual",
			});
			expect(res.status, bad).toBe(303);
		}
		// The key was removed from the configuration: its sessions end at once.
		const { res } = await callEdge(
			"/review",
			{ headers: { cookie }, redirect: "manual" },
			{ REVIEWER_KEYS_SHA256: "0".repeat(64) },
		);
		expect(res.status).toBe(303);
	});

	it("a session past half its life is renewed; sign-out clears the cookie", async () => {
		const now = Date.now();
		const old = await encodeSession(SECRET, {
			role: "reviewer",
			key_sha256: "32dc90f8d497d0e9c2feb824612a5bd35883a01ba25a4555e173b3a31909a2f2",
			iat: now - 5 * 3_600_000,
			exp: now + 3 * 3_600_000,
		});
		const { res } = await callEdge("/review", { headers: { cookie: `__Host-px-review=${old}` } });
		expect(res.status).toBe(200);
		const renewed = cookieFrom(res, "__Host-px-review")!;
		const session = await decodeSession(SECRET, renewed.split("=")[1]!);
		expect(session!.exp).toBeGreaterThan(now + 7 * 3_600_000);

		const out = await callEdge("/review/sign-out", formPost({}, { cookie: renewed }));
		expect(out.res.status).toBe(303);
		expect(out.res.headers.getSetCookie()[0]).toMatch(/^__Host-px-review=; Max-Age=0/);
	});

	it("without SESSION_SIGNING_KEY nobody can sign in (fails closed)", async () => {
		const { res } = await callEdge("/review/sign-in", formPost({ key: REVIEWER_KEY }), {
			SESSION_SIGNING_KEY: "",
		});
		expect(res.status).toBe(503);
		expect(res.headers.getSetCookie()).toEqual([]);
	});
});

describe("review desk page", () => {
	it("shows a pending creative with its preview at its size, its facts and its audit trail, escaped", async () => {
		const hostile = {
			bidder: "page-hostile",
			crid: `<script>alert("crid")</script>`,
			asset_url: `https://cdn.example/a.png?"><img src=x onerror=alert(1)>`,
		};
		await putOnDesk(hostile, { adomain: [`"><svg onload=alert(2)>`, "brand.example"] });
		const js = { bidder: "page-hostile", crid: "js-url", asset_url: "javascript:alert(3)" };
		await putOnDesk(js);
		const { cookie } = await signIn("review", REVIEWER_KEY);
		const { res } = await callEdge("/review", { headers: { cookie } });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
		expect(res.headers.get("cache-control")).toBe("no-store");
		const html = await res.text();
		expect(html).not.toContain("<script>alert");
		expect(html).not.toContain("<svg onload");
		expect(html).not.toContain("<img src=x");
		expect(html).toContain("&lt;script&gt;alert(&quot;crid&quot;)&lt;/script&gt;");
		expect(html).toContain("&quot;&gt;&lt;svg onload=alert(2)&gt;, brand.example");
		// The preview is the asset itself, at its size (the page scales it, keeping the aspect).
		expect(html).toMatch(
			/<img src="https:\/\/cdn\.example\/a\.png\?%22%3E%3Cimg%20src=x%20onerror=alert\(1\)%3E" width="1400" height="400"/,
		);
		// A javascript: URL is shown as text, never used as a src or a link.
		expect(html).not.toMatch(/(src|href)="javascript:/);
		expect(html).toContain("Not previewed");
		expect(html).toContain("Held back from");
		expect(html).toContain('intake</strong> by <span class="mono">bidder:page-hostile');
		// Scripts come from this origin only.
		expect(html).toMatch(/<script src="\/ui\/review\.js\?v=\d+" defer=""><\/script>/);
		expect(html).not.toMatch(/<script>(?!alert)/);
	});

	it("a video creative plays in place: muted, looping, with controls, at its size", async () => {
		await putOnDesk(
			{ bidder: "page-video", crid: "spot", asset_url: "https://cdn.example/spot.mp4" },
			{ mime: "video/mp4", w: 1080, h: 1920, duration_s: 15 },
		);
		const { cookie } = await signIn("review", REVIEWER_KEY);
		const html = await (await callEdge("/review", { headers: { cookie } })).res.text();
		expect(html).toMatch(
			/<video src="https:\/\/cdn\.example\/spot\.mp4" width="1080" height="1920" controls="" muted="" loop="" playsinline="" preload="metadata"/,
		);
		expect(html).toContain("1080×1920 · 15 s");
	});

	it("approving needs the session's CSRF token and this origin; the decision reaches the replica", async () => {
		const key = await putOnDesk({
			bidder: "page-approve",
			crid: "c1",
			// Approving fetches and copies the file: the test DSP server hosts it.
			asset_url: `${dspBase()}/assets/page-approve-c1.png`,
		});
		expect(await replica(key)).toBe("pending");
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
			callEdge("/review/decide", formPost(body, { cookie, ...json, ...headers }));

		const noToken = await post({ key, action: "approve" });
		expect(noToken.res.status).toBe(403);
		expect(noToken.res.headers.get("content-type")).toContain("application/problem+json");
		const wrongToken = await post({ key, action: "approve", csrf: "x".repeat(32) });
		expect(wrongToken.res.status).toBe(403);
		const crossSite = await post(
			{ key, action: "approve", csrf },
			{ origin: "https://evil.example" },
		);
		expect(crossSite.res.status).toBe(403);
		expect(await replica(key)).toBe("pending");

		const ok = await post({ key, action: "approve", csrf, reason: "fine for the street" });
		expect(ok.res.status).toBe(200);
		expect(await ok.res.json()).toMatchObject({
			action: "approve",
			decided: [{ creative_key: key, status: "approved", replica: "published" }],
		});
		expect(await replica(key)).toBe("approved");

		// Same audit trail as the JSON API's: the reviewer's key fingerprint and the reason.
		const api = await callEdge(`/v1/review/creatives/${key}`, {
			headers: { authorization: `Bearer ${REVIEWER_KEY}` },
		});
		const { audit } = (await api.res.json()) as {
			audit: { action: string; actor: string; reason: string }[];
		};
		expect(audit.map((a) => a.action)).toEqual(["intake", "approve"]);
		expect(audit[1]).toMatchObject({
			actor: "reviewer:32dc90f8d497",
			reason: "fine for the street",
		});
	});

	it("the token can also come as X-CSRF-Token; without a script the form redirects back with a message", async () => {
		const key = await putOnDesk({
			bidder: "page-form",
			crid: "c",
			asset_url: "https://cdn.example/f.png",
		});
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		const { res } = await callEdge(
			"/review/decide",
			formPost(
				{ key, action: "reject", reason: "shows a weapon", status: "pending" },
				{ cookie, "x-csrf-token": csrf },
			),
		);
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/review?status=pending&done=reject&n=1");
		expect(await replica(key)).toBe("rejected");
		const page = await callEdge("/review?status=rejected&done=reject&n=1", { headers: { cookie } });
		const html = await page.res.text();
		expect(html).toContain("Rejected 1 creative.");
		expect(html).toContain("“shows a weapon”");
	});

	it("a rejection needs a reason", async () => {
		const key = await putOnDesk({
			bidder: "page-reason",
			crid: "c",
			asset_url: "https://cdn.example/r.png",
		});
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		const { res } = await callEdge(
			"/review/decide",
			formPost({ key, action: "reject", reason: " x ", csrf }, { cookie, ...json }),
		);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ errors: [{ pointer: "reason" }] });
		expect(await replica(key)).toBe("pending");
	});

	it("bulk approve decides every selected creative, each audited and published", async () => {
		const keys = await Promise.all(
			[1, 2, 3].map((i) =>
				putOnDesk({
					bidder: "page-bulk",
					crid: `b${i}`,
					asset_url: `${dspBase()}/assets/page-bulk-b${i}.png`,
				}),
			),
		);
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		const { res } = await callEdge(
			"/review/decide",
			formPost({ key: keys.slice(0, 2), action: "approve", csrf }, { cookie, ...json }),
		);
		expect(res.status).toBe(200);
		const body = (await res.json()) as {
			decided: { status: string }[];
			counts: Record<string, number>;
		};
		expect(body.decided.map((d) => d.status)).toEqual(["approved", "approved"]);
		expect(await Promise.all(keys.map(replica))).toEqual(["approved", "approved", "pending"]);
		// At most a page (50) at once.
		const tooMany = await callEdge(
			"/review/decide",
			formPost(
				{ key: Array.from({ length: 51 }, (_, i) => `k${i}`), action: "approve", csrf },
				{ cookie, ...json },
			),
		);
		expect(tooMany.res.status).toBe(400);
		expect(await tooMany.res.json()).toMatchObject({ errors: [{ pointer: "key" }] });
	});

	it("filters by status and pages through the queue oldest first", async () => {
		const { cookie } = await signIn("review", REVIEWER_KEY);
		const pending = await (
			await callEdge("/review?status=pending", { headers: { cookie } })
		).res.text();
		const approved = await (
			await callEdge("/review?status=approved", { headers: { cookie } })
		).res.text();
		expect(pending).toContain('class="current"');
		expect(pending).toMatch(/<span class="status pending">pending<\/span>/);
		expect(pending).not.toMatch(/<span class="status approved">/);
		expect(approved).not.toMatch(/<span class="status pending">/);
		// An unknown status falls back to the queue rather than failing.
		const odd = await callEdge("/review?status=%3Cscript%3E", { headers: { cookie } });
		expect(odd.res.status).toBe(200);
		expect(await odd.res.text()).not.toContain("<script>");
		expect(BASE).toMatch(/^https:/);
	});

	it("serves its stylesheet and script from this origin", async () => {
		for (const [file, type] of [
			["px.css", "text/css"],
			["review.js", "text/javascript"],
			["ops.js", "text/javascript"],
		]) {
			const { res } = await callEdge(`/ui/${file}`);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toContain(type!);
		}
		expect((await callEdge("/ui/nope.js")).res.status).toBe(404);
	});
});
