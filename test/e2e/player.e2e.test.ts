// The demo web player in a real browser (Chromium) against a real `wrangler dev` edge:
// it plays the demo ads full screen through the player SDK, every proof of play is accepted once,
// billed once and archived once, and reports made while the network is cut are delivered later.
import { DuckDBInstance } from "@duckdb/node-api";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "../support/browser";
import { type LocalEdge, startLocalEdge } from "./local-edge";

type PlayerEvent = Record<string, unknown> & { type: string; at: number; decisionId?: string };

let edge: LocalEdge;
beforeAll(async () => {
	edge = await startLocalEdge();
}, 90_000);
afterAll(async () => edge?.stop());

const events = (page: Page) =>
	page.evaluate(
		() => (globalThis as unknown as { pxPlayer: { events: PlayerEvent[] } }).pxPlayer.events,
	);

async function waitForEvents(
	page: Page,
	done: (events: PlayerEvent[]) => boolean,
	timeoutMs: number,
): Promise<PlayerEvent[]> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const seen = await events(page);
		if (done(seen)) return seen;
		if (Date.now() > until) {
			throw new Error(
				`timed out; player events so far:\n${seen.map((e) => JSON.stringify(e)).join("\n")}`,
			);
		}
		await page.waitForTimeout(250);
	}
}

/** Proof-of-play reports the edge has, by decision: status of each delivery, attempts it took. */
const deliveredPlays = (seen: PlayerEvent[]) =>
	seen.filter((e) => e.type === "report" && e.kind === "played" && e.outcome === "delivered");

interface ArchivedPlay {
	decision_id: string;
	auction_id: string;
	events: number;
	extra: string;
}

/** Play events in the local R2 archive, one row per decision with its distinct event ids. */
async function archivedPlays(): Promise<ArchivedPlay[]> {
	const files = await edge.archiveFiles();
	if (files.length === 0) return [];
	const instance = await DuckDBInstance.create(":memory:", {
		autoinstall_known_extensions: "false",
	});
	const db = await instance.connect();
	try {
		const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
		// Archive layout 3 keeps a UUID id in `<field>_uuid` (16 bytes) and any other id as text, so
		// a file may have either column: read every column and take whichever is set.
		const rows = (
			await db.runAndReadAll(`
			SELECT * FROM read_parquet([${list}], union_by_name = true) WHERE type = 'play'`)
		).getRowObjectsJS() as Record<string, unknown>[];
		const id = (r: Record<string, unknown>, field: string) =>
			String(r[field] ?? r[`${field}_uuid`] ?? "");
		const plays = new Map<string, ArchivedPlay & { ids: Set<string> }>();
		for (const r of rows) {
			const decision = id(r, "decision_id");
			const play = plays.get(decision) ?? {
				decision_id: decision,
				auction_id: id(r, "auction_id"),
				events: 0,
				extra: String(r.extra ?? ""),
				ids: new Set<string>(),
			};
			play.ids.add(String(r.event_id));
			play.events = play.ids.size;
			plays.set(decision, play);
		}
		return [...plays.values()].map(({ ids: _ids, ...play }) => play);
	} finally {
		db.closeSync();
		instance.closeSync();
	}
}

/** Waits until every decision is archived as played; the queue consumer batches for up to 5 s. */
async function waitForArchive(decisionIds: string[]): Promise<Map<string, ArchivedPlay>> {
	const until = Date.now() + 45_000;
	for (;;) {
		const rows = new Map((await archivedPlays()).map((r) => [r.decision_id, r]));
		if (decisionIds.every((d) => rows.has(d)) || Date.now() > until) return rows;
		await new Promise((r) => setTimeout(r, 1000));
	}
}

/** Billing notices the demo DSPs received, by auction id (burl carries ${AUCTION_ID}). */
function bills(): Map<string, number> {
	const count = new Map<string, number>();
	for (const n of edge.demo.notices.filter((n) => n.includes("/bill?"))) {
		const auction = new URLSearchParams(n.split("?")[1]).get("auction") ?? "";
		count.set(auction, (count.get(auction) ?? 0) + 1);
	}
	return count;
}

/** Every reported decision was delivered exactly once, archived once and billed once. */
async function expectBilledOnce(decisionIds: string[]) {
	const archived = await waitForArchive(decisionIds);
	for (const id of decisionIds) {
		const row = archived.get(id);
		expect(row, `play of ${id} archived`).toBeDefined();
		expect(row!.events).toBe(1);
		const extra = JSON.parse(row!.extra) as {
			displayed_ms?: number;
			play_share?: number;
			billable?: boolean;
		};
		expect(extra.play_share).toBeGreaterThanOrEqual(0.75);
		expect(extra.billable).toBeUndefined();
		expect(bills().get(row!.auction_id)).toBe(1);
	}
}

let browser: LaunchedBrowser | undefined;
afterAll(async () => browser?.close());

describe("demo player in chromium", () => {
	it("plays at least three ads; each play is accepted once, billed once and archived", async () => {
		browser = await launchChromium({ width: 540, height: 960 });
		const page = await browser.context.newPage();
		await page.goto(`${edge.url}/player?screen=demo-lobby-1`);
		const seen = await waitForEvents(page, (e) => deliveredPlays(e).length >= 3, 110_000);
		await page.close();
		const delivered = deliveredPlays(seen);
		const ids = delivered.map((e) => e.decisionId!);
		expect(new Set(ids).size).toBe(ids.length);
		// Accepted at the first attempt: nothing was lost, so nothing was a replay.
		expect(delivered.map((e) => e.status)).toEqual(ids.map(() => 200));
		// Spots really played: video and still creatives, started in turn, none expired.
		const started = seen.filter((e) => e.type === "play_started");
		expect(started.length).toBeGreaterThanOrEqual(3);
		expect(seen.filter((e) => e.type === "expired")).toEqual([]);
		const mimes = new Set(seen.filter((e) => e.type === "decision").map((e) => e.mime));
		expect(mimes).toContain("video/mp4");
		await expectBilledOnce(ids);
	}, 180_000);

	it("with the network cut, reports wait in the queue and are delivered afterwards, none twice", async () => {
		await browser?.close();
		browser = await launchChromium({ width: 540, height: 960 });
		const { context } = browser;
		const page = await context.newPage();
		await page.goto(`${edge.url}/player?screen=demo-lobby-1`);
		const first = await waitForEvents(
			page,
			(e) => e.some((x) => x.type === "play_started"),
			60_000,
		);
		const playing = first.find((e) => e.type === "play_started")!.decisionId!;

		await context.setOffline(true);
		const cutAt = Date.now();
		// The spot plays on from the cache; its proof of play is queued and fails to send.
		const offline = await waitForEvents(
			page,
			(e) =>
				e.some((x) => x.type === "play_reported" && x.decisionId === playing) &&
				e.some((x) => x.type === "report" && x.outcome === "retry" && x.decisionId === playing),
			60_000,
		);
		expect(deliveredPlays(offline).filter((e) => e.decisionId === playing)).toEqual([]);
		const cutFor = 12_000 - (Date.now() - cutAt);
		if (cutFor > 0) await page.waitForTimeout(cutFor);
		await context.setOffline(false);
		const restoredAt = Date.now();

		const after = await waitForEvents(
			page,
			(e) =>
				deliveredPlays(e).some((x) => x.decisionId === playing) &&
				deliveredPlays(e).some((x) => x.decisionId !== playing),
			90_000,
		);
		const delivered = deliveredPlays(after);
		const queued = delivered.find((e) => e.decisionId === playing)!;
		expect(queued.status).toBe(200);
		expect(queued.attempts as number).toBeGreaterThan(0);
		expect(queued.at).toBeGreaterThanOrEqual(restoredAt);
		const ids = delivered.map((e) => e.decisionId!);
		expect(new Set(ids).size).toBe(ids.length);
		await expectBilledOnce(ids);
		console.log(
			`offline test: cut ${((restoredAt - cutAt) / 1000).toFixed(1)} s, queued report delivered ${((queued.at - restoredAt) / 1000).toFixed(1)} s after the network came back, after ${queued.attempts} failed attempts`,
		);
	}, 180_000);
});
