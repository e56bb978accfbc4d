// The review desk in the browser (/review) as workerd serves it: sessions, CSRF, escaping of what
// DSPs send, decisions that reach the auctions' replica, bulk approval and the audit trail.
// test/e2e/pages.e2e.test.ts drives the same pages in a real browser.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { approvalKvKey } from "../../src/px/auction/approval";
import { sessionBook } from "../../src/services/stubs";
import { markChanged } from "../../src/worker/control/snapshot";
import {
	decodeSession,
	encodeSession,
	SESSION_MAX_MS,
	SESSION_TTL_MS,
} from "../../src/worker/session";
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
			sid: crypto.randomUUID(),
		});
		const operator = await encodeSession(SECRET, {
			role: "operator",
			key_sha256: hash,
			iat: now,
			exp: now + 60_000,
			sid: crypto.randomUUID(),
		});
		const otherSecret = await encodeSession("another-secret-that-is-long-enough-000000", {
			role: "reviewer",
			key_sha256: hash,
			iat: now,
			exp: now + 60_000,
			sid: crypto.randomUUID(),
		});
		// Signed with the right secret, but never opened by a sign-in: not a session.
		const neverOpened = await encodeSession(SECRET, {
			role: "reviewer",
			key_sha256: hash,
			iat: now,
			exp: now + 60_000,
			sid: crypto.randomUUID(),
		});
		for (const bad of [tampered, expired, operator, otherSecret, neverOpened, "garbage", ""]) {
			const { res } = await callEdge("/review", {
				headers: { cookie: `__Host-px-review=${bad}` },
				redirect: "manual",
			});
			expect(res.status, bad).toBe(303);
		}
		// The key was removed from the control plane: its sessions end at once.
		const removed = await env.CONTROL.prepare(
			"DELETE FROM role_keys WHERE role = 'reviewer' RETURNING key_sha256, role, label, created_at",
		).first<{ key_sha256: string; role: string; label: string; created_at: number }>();
		markChanged(env);
		try {
			const { res } = await callEdge("/review", { headers: { cookie }, redirect: "manual" });
			expect(res.status).toBe(303);
		} finally {
			await env.CONTROL.prepare(
				"INSERT INTO role_keys (key_sha256, role, label, created_at) VALUES (?, ?, ?, ?)",
			)
				.bind(removed!.key_sha256, removed!.role, removed!.label, removed!.created_at)
				.run();
			markChanged(env);
		}
	});

	it("a session past half its life is renewed, never past its absolute end", async () => {
		const now = Date.now();
		const hash = "32dc90f8d497d0e9c2feb824612a5bd35883a01ba25a4555e173b3a31909a2f2";
		const opened = async (iat: number, exp: number) => {
			const sid = crypto.randomUUID();
			await sessionBook(env).open({
				sid,
				role: "reviewer",
				keySha256: hash,
				endsAt: iat + SESSION_MAX_MS.reviewer,
			});
			return encodeSession(SECRET, { role: "reviewer", key_sha256: hash, iat, exp, sid });
		};
		const old = await opened(now - 3 * 3_600_000, now + 3 * 3_600_000);
		const { res } = await callEdge("/review", { headers: { cookie: `__Host-px-review=${old}` } });
		expect(res.status).toBe(200);
		const renewed = cookieFrom(res, "__Host-px-review")!;
		const session = await decodeSession(SECRET, renewed.split("=")[1]!);
		expect(session!.exp).toBeGreaterThan(now + 7 * 3_600_000);

		// Signed in 11 h ago: renewed only up to 12 h after the sign-in.
		const late = await opened(now - 11 * 3_600_000, now + 1_800_000);
		const lateRes = await callEdge("/review", {
			headers: { cookie: `__Host-px-review=${late}` },
		});
		expect(lateRes.res.status).toBe(200);
		const capped = await decodeSession(
			SECRET,
			cookieFrom(lateRes.res, "__Host-px-review")!.split("=")[1]!,
		);
		expect(capped!.exp).toBe(now - 11 * 3_600_000 + SESSION_MAX_MS.reviewer);

		// A cookie claiming more life than the absolute bound is not a session.
		const stretched = await opened(now - 13 * 3_600_000, now + 3_600_000);
		const refused = await callEdge("/review", {
			headers: { cookie: `__Host-px-review=${stretched}` },
			redirect: "manual",
		});
		expect(refused.res.status).toBe(303);
	});

	it("sign-out needs the session's CSRF token and ends the session for every copy of the cookie", async () => {
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		const forged = await callEdge("/review/sign-out", formPost({}, { cookie }));
		expect(forged.res.status).toBe(403);
		expect((await callEdge("/review", { headers: { cookie } })).res.status).toBe(200);

		const out = await callEdge("/review/sign-out", formPost({ csrf }, { cookie }));
		expect(out.res.status).toBe(303);
		expect(out.res.headers.getSetCookie()[0]).toMatch(/^__Host-px-review=; Max-Age=0/);
		// The same cookie, kept by someone who copied it, no longer opens anything.
		const copied = await callEdge("/review", { headers: { cookie }, redirect: "manual" });
		expect(copied.res.status).toBe(303);
		const call = await callEdge(
			"/review/decide",
			formPost({ csrf, key: "x" }, { cookie, ...json }),
		);
		expect(call.res.status).toBe(401);
	});

	it("sign-in attempts are limited per address: the 21st within a minute gets 429 with Retry-After", async () => {
		const from = (ip: string, key: string) =>
			callEdge("/review/sign-in", formPost({ key }, { "cf-connecting-ip": ip }));
		for (let i = 0; i < 20; i++) {
			expect((await from("203.0.113.7", `guess-${i}`)).res.status).toBe(401);
		}
		// Even the right key: the refusal must not tell a guess from the key.
		const limited = await from("203.0.113.7", REVIEWER_KEY);
		expect(limited.res.status).toBe(429);
		expect(limited.res.headers.get("retry-after")).toBe("60");
		expect(limited.res.headers.getSetCookie()).toEqual([]);
		expect(await limited.res.text()).toContain("Too many sign-in attempts");
		// Another address is not affected.
		expect((await from("203.0.113.8", REVIEWER_KEY)).res.status).toBe(303);
	});

	it("without SESSION_SIGNING_KEY nobody can sign in (fails closed, as the whole edge does)", async () => {
		const { res } = await callEdge("/review/sign-in", formPost({ key: REVIEWER_KEY }), {
			SESSION_SIGNING_KEY: "",
		});
		expect(res.status).toBe(500);
		expect(res.headers.getSetCookie()).toEqual([]);
	});
});

describe("review desk page", () => {
	it("shows a pending creative with its preview at its size, its facts and its audit trail, escaped", async () => {
		const hostile = {
			bidder: "page-hostile",
			crid: `<script>alert("crid")</script>`,
			asset_url: `https://cdn.example/a.png?"><img src=x onerror=alert(1)>`,
			adomain: [`"><svg onload=alert(2)>`, "brand.example"],
		};
		await putOnDesk(hostile);
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

	it("a stale page cannot overturn a fresh decision: the post carries the version seen, 409 says so, nothing changes", async () => {
		const keys = await Promise.all(
			[1, 2].map((i) =>
				putOnDesk({
					bidder: "page-stale",
					crid: `s${i}`,
					asset_url: `${dspBase()}/assets/stale-page-${i}.png`,
				}),
			),
		);
		const { cookie, csrf } = await signIn("review", REVIEWER_KEY);
		// Reviewer B loads the queue: each item's forms carry the version B saw.
		const html = await (
			await callEdge("/review?status=pending", { headers: { cookie } })
		).res.text();
		const seen = keys.map((key) => {
			const match = new RegExp(`name="expected_version" value="(\\d+):${key}"`).exec(html);
			expect(match, key).not.toBeNull();
			return `${match![1]}:${key}`;
		});
		// Both the item's own form and the bulk selection carry it.
		expect(html.split(`value="${seen[0]}"`)).toHaveLength(3);
		expect(html).toContain(`form="bulk" name="expected_version" value="${seen[0]}"`);

		// Reviewer A rejects the first one meanwhile (through the API, fresh).
		const a = await callEdge(`/v1/review/creatives/${keys[0]}/reject`, {
			method: "POST",
			headers: { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" },
			body: JSON.stringify({ reason: "misleading claim" }),
		});
		expect(a.res.status).toBe(200);

		// B selects all and approves from the stale page: refused as a whole, nothing decided.
		const bulk = await callEdge(
			"/review/decide",
			formPost(
				{ key: keys, expected_version: seen, action: "approve", status: "pending", csrf },
				{ cookie, ...json },
			),
		);
		expect(bulk.res.status).toBe(409);
		const problem = (await bulk.res.json()) as { type: string; detail: string; stale: unknown[] };
		expect(problem.type).toBe("/problems/stale-decision");
		expect(problem.detail).toContain("changed by another reviewer since you loaded the page");
		expect(problem.stale).toEqual([
			expect.objectContaining({ creative_key: keys[0], status: "rejected" }),
		]);
		expect(await Promise.all(keys.map(replica))).toEqual(["rejected", "pending"]);

		// Without a script the form comes back with the same message.
		const form = await callEdge(
			"/review/decide",
			formPost(
				{ key: keys[0]!, expected_version: seen[0]!, action: "approve", status: "pending" },
				{ cookie, "x-csrf-token": csrf },
			),
		);
		expect(form.res.status).toBe(303);
		expect(form.res.headers.get("location")).toBe("/review?status=pending&error=stale&n=1");
		const back = await callEdge(form.res.headers.get("location")!, { headers: { cookie } });
		expect(await back.res.text()).toContain(
			"changed by another reviewer since you loaded the page",
		);
		expect(await replica(keys[0]!)).toBe("rejected");
		const { audit } = (await (
			await callEdge(`/v1/review/creatives/${keys[0]}`, {
				headers: { authorization: `Bearer ${REVIEWER_KEY}` },
			})
		).res.json()) as { audit: { action: string }[] };
		expect(audit.map((e) => e.action)).toEqual(["intake", "reject"]);

		// The untouched one, with the version B saw, goes through.
		const ok = await callEdge(
			"/review/decide",
			formPost(
				{ key: keys[1]!, expected_version: seen, action: "approve", csrf },
				{ cookie, ...json },
			),
		);
		expect(ok.res.status).toBe(200);
		expect(await replica(keys[1]!)).toBe("approved");
		const malformed = await callEdge(
			"/review/decide",
			formPost(
				{ key: keys[1]!, expected_version: "x", action: "approve", csrf },
				{ cookie, ...json },
			),
		);
		expect(malformed.res.status).toBe(400);
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
