// The review desk and the operator console in a real browser (Chromium through
// playwright-core) against a real `wrangler dev`: a reviewer signs in, sees the pending demo
// creative's preview, approves it, and the next ad request fills with it; a wrong key is refused;
// the console shows a non-zero fill rate after demo traffic.
//
// Screenshots are test artifacts in test-results/screenshots/ (look at them when a test fails).
// `npm run screenshots` runs this file with PX_DOCS_SCREENSHOTS=1, which also writes README's
// screenshots to docs/.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEWCOMER_CRID } from "../../demo/dsps";
import { DEMO_PUBLISHER_KEY } from "../../demo/screens";
import { playDemoTraffic } from "../../demo/traffic";
import { type LaunchedBrowser, launchChromium } from "../support/browser";
import { type LocalEdge, startLocalEdge } from "./local-edge";

const REVIEWER_KEY = "demo-reviewer-key";
const OPERATOR_KEY = "demo-operator-key";
const ARTIFACTS = join("test-results", "screenshots");
const DOCS = process.env.PX_DOCS_SCREENSHOTS === "1";

let edge: LocalEdge;
let chromium: LaunchedBrowser;

// Seeding copies the demo files into local R2 besides KV (two more wrangler starts), and on a
// loaded machine wrangler dev and Chromium each take a minute to start.
beforeAll(async () => {
	mkdirSync(ARTIFACTS, { recursive: true });
	[edge, chromium] = await Promise.all([startLocalEdge(), launchChromium()]);
}, 300_000);
afterAll(async () => {
	await chromium?.close();
	await edge?.stop();
});

async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
	const file = join(ARTIFACTS, `${name}.png`);
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: file, fullPage: true });
	if (DOCS && forDocs) {
		mkdirSync("docs", { recursive: true });
		copyFileSync(file, join("docs", `${name}.png`));
	}
}

/** An ad request for the billboard at its own play time (a cached decision would answer otherwise). */
async function billboardAd(
	hoursAhead: number,
): Promise<{ filled: boolean; creative?: { id: string } }> {
	const res = await fetch(`${edge.url}/v1/ad-requests`, {
		method: "POST",
		headers: { authorization: `Bearer ${DEMO_PUBLISHER_KEY}`, "content-type": "application/json" },
		body: JSON.stringify({
			screen_id: "demo-billboard-1",
			slot_id: "face-a",
			play_at: Date.now() + hoursAhead * 3_600_000,
			play_window_s: 1800,
		}),
	});
	expect(res.status).toBe(200);
	return (await res.json()) as { filled: boolean; creative?: { id: string } };
}

async function pendingOnDesk(): Promise<{ crid: string; mime: string }[]> {
	const res = await fetch(`${edge.url}/v1/review/creatives?status=pending`, {
		headers: { authorization: `Bearer ${REVIEWER_KEY}` },
	});
	return ((await res.json()) as { items: { crid: string; mime: string }[] }).items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

async function signIn(page: Page, area: "review" | "ops", key: string): Promise<number> {
	await page.goto(`${edge.url}/${area}`);
	expect(new URL(page.url()).pathname).toBe(`/${area}/sign-in`);
	await page.fill("#key", key);
	const [answer] = await Promise.all([
		page.waitForResponse(
			(r) => r.url().endsWith(`/${area}/sign-in`) && r.request().method() === "POST",
		),
		page.click("button[type=submit]"),
	]);
	await page.waitForLoadState("networkidle");
	return answer.status();
}

describe("review desk in a browser", () => {
	it("a wrong key is refused", async () => {
		const page = await chromium.context.newPage();
		expect(await signIn(page, "review", "not-a-reviewer-key")).toBe(401);
		expect(new URL(page.url()).pathname).toBe("/review/sign-in");
		await expect(page.locator(".flash.error").textContent()).resolves.toBe(
			"That is not a reviewer key.",
		);
		expect(await chromium.context.cookies(edge.url)).toEqual([]);
		// An operator key is not a reviewer key either.
		expect(await signIn(page, "review", OPERATOR_KEY)).toBe(401);
		await screenshot(page, "review-sign-in-refused");
		await page.close();
	});

	it("a reviewer sees the pending demo creative's preview, approves it, and the next ad request fills with it", async () => {
		// Before: the newcomer's creatives are unknown; the billboard fills with demo-static and the
		// newcomer's bid is held back (201). Its lobby video goes to the desk too.
		const lobby = await fetch(`${edge.url}/v1/ad-requests`, {
			method: "POST",
			headers: { authorization: `Bearer ${DEMO_PUBLISHER_KEY}` },
			body: JSON.stringify({ screen_id: "demo-lobby-1", slot_id: "main" }),
		});
		await lobby.body?.cancel();
		const before = await billboardAd(1);
		expect(before.creative?.id).toBe("demo-static-urbanbank");
		await until(
			"the newcomer's creatives on the desk",
			async () => ((await pendingOnDesk()).length >= 2 ? true : undefined),
			30_000,
		);

		const page = await chromium.context.newPage();
		page.on("pageerror", (err) => {
			throw err;
		});
		expect(await signIn(page, "review", REVIEWER_KEY)).toBe(303);
		expect(new URL(page.url()).pathname).toBe("/review");
		const session = (await chromium.context.cookies(edge.url)).find(
			(c) => c.name === "__Host-px-review",
		);
		expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
		expect(page.url()).not.toContain(REVIEWER_KEY);

		// The image preview: the DSP's own file, loaded, at its aspect (1400×400).
		const card = page.locator("article.item", { has: page.locator("img") });
		await expect(card.locator(".mono").first().textContent()).resolves.toBe(NEWCOMER_CRID);
		const img = card.locator("img");
		await img.evaluate((el: HTMLImageElement) =>
			el.complete ? undefined : new Promise((r) => el.addEventListener("load", r, { once: true })),
		);
		expect(
			await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]),
		).toEqual([1400, 400]);
		const box = (await img.boundingBox())!;
		expect(box.width / box.height).toBeCloseTo(1400 / 400, 1);
		// The video preview plays (the first item is focused, and its video plays muted).
		const video = page.locator("article.item video");
		await until(
			"the video to play",
			async () =>
				(await video.evaluate((v: HTMLVideoElement) => v.currentTime)) > 0.2 ? true : undefined,
			15_000,
		);
		await expect(card.locator(".held-back").textContent()).resolves.toMatch(/^\d+ auctions?$/);
		await expect(card.locator("dd").nth(1).textContent()).resolves.toBe("freshjuice.example");
		await screenshot(page, "review-desk", true);

		// Approve with the keyboard: j/k to it, a to approve.
		const key = await card.getAttribute("data-key");
		const index = Number((await card.getAttribute("id"))!.replace("item-", ""));
		for (let i = 0; i < index; i++) await page.keyboard.press("j");
		await expect(card.getAttribute("class")).resolves.toContain("focused");
		const approvedAt = Date.now();
		await page.keyboard.press("a");
		await page.waitForSelector(`article.item.done[data-key="${key}"]`);
		await expect(page.locator("#flash").textContent()).resolves.toMatch(/^Approved 1 creative/);
		await expect(card.locator(".status").textContent()).resolves.toBe("approved");
		await expect(page.locator(".count-approved").first().textContent()).resolves.toBe("1");
		await screenshot(page, "review-desk-approved");

		// The audit trail names the reviewer.
		await page.goto(`${edge.url}/review?status=approved`);
		const trail = page.locator("details.audit").first();
		await trail.locator("summary").click();
		await expect(trail.locator("li").last().textContent()).resolves.toMatch(
			/^approve by reviewer:[0-9a-f]{12}/,
		);

		// The next ad request fills with it, within README's bound (about 70 s).
		let hours = 2;
		const after = await until(
			"an ad request that fills with the approved creative",
			async () => {
				const answer = await billboardAd(hours++);
				return answer.creative?.id === NEWCOMER_CRID ? answer : undefined;
			},
			75_000,
		);
		expect(after.filled).toBe(true);
		console.log(`approval reached the auction in ${Date.now() - approvedAt} ms`);
		await page.close();
	}, 180_000);
});

describe("operator console in a browser", () => {
	it("a wrong key is refused; the console shows a non-zero fill rate after demo traffic", async () => {
		const page = await chromium.context.newPage();
		page.on("pageerror", (err) => {
			throw err;
		});
		await page.setViewportSize({ width: 1600, height: 1000 });
		expect(await signIn(page, "ops", "not-an-operator-key")).toBe(401);
		expect(await signIn(page, "ops", REVIEWER_KEY)).toBe(401);

		// For README's screenshot, traffic spread over a few minutes so the per-minute chart has a
		// shape; for the test, one quick burst.
		const traffic = await playDemoTraffic(
			edge.url,
			DOCS ? { requests: 200, everyMs: 1000 } : { requests: 45 },
		);
		expect(traffic.filled).toBeGreaterThan(0);
		expect(await signIn(page, "ops", OPERATOR_KEY)).toBe(303);
		expect(new URL(page.url()).pathname).toBe("/ops");
		// The archive is written in queue batches (up to 5 s): reload until the traffic shows.
		const fill = page.locator(".tile", { hasText: "fill rate" }).locator(".tile-value");
		const rate = await until(
			"a non-zero fill rate",
			async () => {
				const text = (await fill.textContent()) ?? "";
				const requests = Number(
					await page
						.locator(".tile", { hasText: "ad requests" })
						.locator(".tile-value")
						.textContent(),
				);
				if (/^[1-9]\d*(\.\d)?%$|^0\.[1-9]/.test(text) && requests >= traffic.requests) return text;
				await page.reload();
				return undefined;
			},
			45_000,
		);
		expect(Number.parseFloat(rate)).toBeGreaterThan(0);
		await expect(
			page.locator('svg[aria-label="Ad requests and fill rate per minute"] rect.col.part').count(),
		).resolves.toBeGreaterThan(0);
		await expect(page.locator('svg[aria-label="Bidder answers by reason"]').count()).resolves.toBe(
			1,
		);
		await expect(page.locator("[role=alert]").count()).resolves.toBe(0);
		await expect(page.locator(".freshness").last().textContent()).resolves.toContain(
			"Analytics Engine SQL API at 127.0.0.1",
		);
		// The page keeps itself current: its script reloads the panels every 15 s (the server
		// shares a snapshot for 10 s), without reloading the page.
		const generated = await page.locator("#panels").getAttribute("data-generated");
		await page.evaluate(() => document.body.setAttribute("data-loaded-once", "yes"));
		await until(
			"a refresh of the panels",
			async () =>
				(await page.locator("#panels").getAttribute("data-generated")) !== generated
					? true
					: undefined,
			40_000,
		);
		await expect(page.locator("body").getAttribute("data-loaded-once")).resolves.toBe("yes");
		await screenshot(page, "ops-console", true);
		await page.close();
	}, 480_000);
});
