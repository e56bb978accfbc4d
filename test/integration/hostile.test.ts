// Hostile DSPs: nothing a bidder sends may turn into a 5xx or a lost event.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Reason } from "../../src/px/auction/reasons";
import {
	type AuctionEvent,
	eventBytes,
	QUEUE_MAX_MESSAGE_BYTES,
	safeParseEvent,
} from "../../src/px/events/events";
import { MAX_BIDS_PER_RESPONSE } from "../../src/px/openrtb/response";
import {
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspLogAfter,
	registerScreen,
} from "../support/edge";
import { authHeaders, billboardScreen } from "../support/fixtures";
import { capturingQueue } from "../support/records";

let n = 0;
const tag = () => `h${Date.now().toString(36)}${n++}`;
const BILLBOARD = { w: 1400, h: 400 };

async function auction(bidders: string, screenId: string, events: Queue) {
	const { res, settled } = await callEdge(
		"/v1/ad-requests?debug=1",
		{
			method: "POST",
			headers: authHeaders(),
			body: JSON.stringify({
				screen_id: screenId,
				slot_id: "face-a",
				screen: billboardScreen(screenId),
			}),
		},
		{ BIDDERS: bidders, EVENTS: events },
	);
	await settled;
	return res;
}

describe("hostile bids", () => {
	it("malformed bids beside a valid winner: 200, the winner fills, every event is recorded", async () => {
		const t = tag();
		await approve({
			bidder: "hostile",
			crid: "crid-ok",
			asset_url: dspAssets.image("crid-ok", BILLBOARD),
			adomain: [DSP_ADOMAIN],
		});
		const { sent, queue } = capturingQueue();
		const res = await auction(
			biddersJson(t, [
				{
					name: "hostile",
					behaviour: "hostile",
					query: { crid: "crid-ok", price: 7 },
					max_response_bytes: 1024 * 1024,
				},
			]),
			`bb-${t}`,
			queue,
		);
		expect(res.status).toBe(200);
		const answer = (await res.json()) as {
			filled: boolean;
			creative: { id: string };
			debug: { bidders: { bids: { bid_id?: string; reason: number }[]; dropped_bids?: number }[] };
		};
		expect(answer.filled).toBe(true);
		expect(answer.creative.id).toBe("crid-ok");
		const traced = answer.debug.bidders[0]!;
		expect(traced.bids).toHaveLength(MAX_BIDS_PER_RESPONSE);
		expect(traced.dropped_bids).toBe(307 - MAX_BIDS_PER_RESPONSE + 1);
		const reasons = new Map(traced.bids.map((b) => [b.bid_id?.slice(0, 20), b.reason]));
		expect(reasons.get("neg")).toBe(Reason.MissingPrice);
		expect(reasons.get("empty-domain")).toBe(Reason.InvalidAdvertiserDomain);
		expect(reasons.get("long-crid")).toBe(Reason.MissingCreativeId);
		expect(reasons.get("absurd")).toBe(Reason.PriceAboveCap);

		// The approved file under the absurd advertiser lists is another unit (approval is per
		// advertiser): each goes to the desk, its domains within the event's bounds.
		expect(sent.map((e) => e.type).sort()).toEqual([
			"ad_request",
			"auction",
			"creative_seen",
			"creative_seen",
			"win",
		]);
		const seen = sent.filter((e) => e.type === "creative_seen") as { adomain: string[] }[];
		expect(seen.map((e) => e.adomain.length).sort((a, b) => a - b)).toEqual([1, 64]);
		for (const e of sent) {
			expect(safeParseEvent(e).success).toBe(true);
			expect(eventBytes(e)).toBeLessThan(QUEUE_MAX_MESSAGE_BYTES);
		}
		const record = sent.find((e) => e.type === "auction") as AuctionEvent;
		expect(record.bids).toHaveLength(MAX_BIDS_PER_RESPONSE);
		expect(record.bids[0]?.dropped_bids).toBe(307 - MAX_BIDS_PER_RESPONSE + 1);
	});

	it("a winner with absurd advertiser domains still gets its win event", async () => {
		const t = tag();
		await approve({
			bidder: "domains",
			crid: "crid-dom",
			asset_url: dspAssets.image("crid-dom", BILLBOARD),
			// What the "long-adomain" behaviour declares (test/support/dsp-server.ts).
			adomain: [
				`${"a".repeat(600)}.example`,
				...Array.from({ length: 100 }, (_, i) => `brand${i}.example`),
			],
		});
		const { sent, queue } = capturingQueue();
		const res = await auction(
			biddersJson(t, [
				{ name: "domains", behaviour: "long-adomain", query: { crid: "crid-dom", price: 7 } },
			]),
			`bb-${t}`,
			queue,
		);
		expect(res.status).toBe(200);
		expect(((await res.json()) as { filled: boolean }).filled).toBe(true);
		const win = sent.find((e) => e.type === "win");
		expect(win).toBeDefined();
		expect(safeParseEvent(win).success).toBe(true);
	});

	it("the largest auction record the caps allow fits in one queue message", async () => {
		// Six bidders (the connection cap), each answering with the worst-case capped response.
		const t = tag();
		const { sent, queue } = capturingQueue();
		const bidders = biddersJson(
			t,
			Array.from({ length: 6 }, (_, i) => ({
				name: `worst-${i}`,
				behaviour: "hostile",
				query: { crid: "c".repeat(128), price: 7, adomain: "d".repeat(120) },
				priority: i,
				max_response_bytes: 1024 * 1024,
			})),
		);
		const res = await auction(bidders, `bb-${t}`, queue);
		expect(res.status).toBe(200);
		const record = sent.find((e) => e.type === "auction");
		expect(record).toBeDefined();
		expect(eventBytes(record!)).toBeLessThan(QUEUE_MAX_MESSAGE_BYTES);
	});

	it("with more bidders than connections, ten full-size bids each, the auction record still fits", async () => {
		const t = tag();
		const { sent, queue } = capturingQueue();
		const bidders = biddersJson(
			t,
			Array.from({ length: 9 }, (_, i) => ({
				name: `fat-${i}`,
				behaviour: "fat",
				query: { price: 7 },
				priority: i,
				max_response_bytes: 1024 * 1024,
			})),
		);
		const res = await auction(bidders, `bb-${t}`, queue);
		expect(res.status).toBe(200);
		const record = sent.find((e): e is AuctionEvent => e.type === "auction");
		expect(record).toBeDefined();
		expect(eventBytes(record!)).toBeLessThan(QUEUE_MAX_MESSAGE_BYTES);
		// Every bidder was heard; the bids past the auction's share are counted, not kept.
		expect(new Set(record!.bids.map((b) => b.bidder)).size).toBe(9);
		const dropped = record!.bids.reduce((n, b) => n + (b.dropped_bids ?? 0), 0);
		expect(record!.bids.length + dropped).toBe(90);
	});
});

describe("the screen's Durable Object failing", () => {
	/** SCREENS whose stubs behave like the real ones except for `method`. */
	function screensWith(method: string, replacement: () => Promise<unknown>): Env["SCREENS"] {
		const real = env.SCREENS;
		return {
			idFromName: (name: string) => real.idFromName(name),
			get: (id: DurableObjectId) => {
				const stub = real.get(id);
				return new Proxy(stub, {
					get: (target, prop) =>
						prop === method ? replacement : Reflect.get(target, prop as string),
				});
			},
		} as unknown as Env["SCREENS"];
	}

	it("admit hanging: 503 with Retry-After, well inside the screen's timeout", async () => {
		const t = tag();
		const started = Date.now();
		const { res } = await callEdge(
			"/v1/ad-requests",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({
					screen_id: `bb-${t}`,
					slot_id: "face-a",
					screen: billboardScreen(`bb-${t}`),
					timeout_ms: 400,
				}),
			},
			{ SCREENS: screensWith("admit", () => new Promise(() => {})) },
		);
		const elapsed = Date.now() - started;
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("5");
		expect(await res.json()).toMatchObject({ type: "/problems/screen-state-unavailable" });
		expect(elapsed).toBeLessThan(400);
	});

	it("the ledger write failing: no token is issued, the winner is told it lost (1), never won", async () => {
		const t = tag();
		await approve({
			bidder: "ledger",
			crid: "crid-ledger",
			asset_url: dspAssets.image("crid-ledger", BILLBOARD),
			adomain: [DSP_ADOMAIN],
		});
		const { sent, queue } = capturingQueue();
		const { res, settled } = await callEdge(
			"/v1/ad-requests",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({
					screen_id: `bb-${t}`,
					slot_id: "face-a",
					screen: billboardScreen(`bb-${t}`),
				}),
			},
			{
				BIDDERS: biddersJson(t, [
					{ name: "ledger", behaviour: "bid", query: { crid: "crid-ledger", price: 7 } },
				]),
				EVENTS: queue,
				SCREENS: screensWith("recordDecisions", () => Promise.reject(new Error("storage down"))),
			},
		);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ filled: false, no_fill_reason: "internal_error" });
		await settled;
		const log = await dspLogAfter(t, "lurl", 1);
		expect(log.filter((l) => l.startsWith("nurl"))).toHaveLength(0);
		expect(log.filter((l) => l.startsWith("lurl ?loss=1&"))).toHaveLength(1);
		expect(sent.filter((e) => e.type === "win")).toHaveLength(0);
		expect(sent.find((e) => e.type === "ad_request")).toMatchObject({
			outcome: "no_fill",
			no_fill_reason: "internal_error",
		});
	});
});

describe("rate limits and unknown screens", () => {
	const refuse = { limit: async () => ({ success: false }) } as unknown as RateLimit;

	it("an unknown screen id gets 404 and leaves no storage behind", async () => {
		const id = `ghost-${tag()}`;
		const { res } = await callEdge("/v1/ad-requests", {
			method: "POST",
			headers: authHeaders(),
			body: JSON.stringify({ screen_id: id, slot_id: "main" }),
		});
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ errors: [{ pointer: "#/screen_id" }] });
		expect((await callEdge(`/v1/screens/${id}`, { headers: authHeaders() })).res.status).toBe(404);
		const stub = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:${id}`));
		const tables = await runInDurableObject(stub, (_i, state: DurableObjectState) =>
			state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
		);
		expect(tables).toEqual([]);
	});

	it("a publisher over its limit gets 429 with Retry-After, on ad requests and telemetry", async () => {
		const ad = await callEdge(
			"/v1/ad-requests",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({ screen_id: "any", slot_id: "main" }),
			},
			{ PUBLISHER_LIMITER: refuse },
		);
		expect(ad.res.status).toBe(429);
		expect(ad.res.headers.get("retry-after")).toBe("10");
		expect(await ad.res.json()).toMatchObject({ type: "/problems/publisher-rate-limited" });
		const telemetry = await callEdge(
			"/v1/telemetry",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({ events: [{ screen_id: "any", kind: "played", ts: Date.now() }] }),
			},
			{ PUBLISHER_LIMITER: refuse },
		);
		expect(telemetry.res.status).toBe(429);
	});

	it("new unregistered screens are limited per publisher; screens already seen are not", async () => {
		const t = tag();
		const inline = (id: string) => ({
			method: "POST",
			headers: authHeaders(),
			body: JSON.stringify({ screen_id: id, slot_id: "face-a", screen: billboardScreen(id) }),
		});
		const seen = await callEdge("/v1/ad-requests", inline(`known-${t}`), { BIDDERS: "[]" });
		expect(seen.res.status).toBe(200);
		const again = await callEdge("/v1/ad-requests", inline(`known-${t}`), {
			BIDDERS: "[]",
			NEW_SCREEN_LIMITER: refuse,
		});
		expect(again.res.status).toBe(200);
		const fresh = await callEdge("/v1/ad-requests", inline(`fresh-${t}`), {
			BIDDERS: "[]",
			NEW_SCREEN_LIMITER: refuse,
		});
		expect(fresh.res.status).toBe(429);
		expect(await fresh.res.json()).toMatchObject({ type: "/problems/new-screens-rate-limited" });
		const stub = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:fresh-${t}`));
		expect(
			await runInDurableObject(stub, (_i, state: DurableObjectState) =>
				state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
			),
		).toEqual([]);
	});
});

describe("screens stored by an earlier version", () => {
	it("get the tables added since (the outbox) when their object starts again", async () => {
		const t = tag();
		const id = `old-${t}`;
		await approve({
			bidder: "upgrade",
			crid: "crid-up",
			asset_url: dspAssets.image("crid-up", BILLBOARD),
			adomain: [DSP_ADOMAIN],
		});
		await registerScreen(billboardScreen(id));
		const stub = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:${id}`));
		// As a screen written before the outbox existed: its tables, without that one, and no
		// schema version (versions came later still).
		await runInDurableObject(stub, (_i, state: DurableObjectState) => {
			state.storage.sql.exec("DROP TABLE outbox");
			state.storage.kv.delete("schema_version");
		});
		await runInDurableObject(stub, (_i, state: DurableObjectState) => state.abort("restart")).catch(
			() => undefined,
		);
		const fresh = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:${id}`));
		const { res } = await callEdge(
			"/v1/ad-requests",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({ screen_id: id, slot_id: "face-a" }),
			},
			{
				BIDDERS: biddersJson(t, [
					{ name: "upgrade", behaviour: "bid", query: { crid: "crid-up", price: 7 } },
				]),
			},
		);
		expect(await res.json()).toMatchObject({ filled: true });
		expect(await fresh.stats()).toMatchObject({ decisions: { issued: 1 }, outbox: 0 });
	});

	it("at schema 3 keep their decisions and outbox rows when the tables are rebuilt for fewer billed rows", async () => {
		const t = tag();
		const id = `v3-${t}`;
		await approve({
			bidder: "upgrade3",
			crid: "crid-up3",
			asset_url: dspAssets.image("crid-up3", BILLBOARD),
			adomain: [DSP_ADOMAIN],
		});
		await registerScreen(billboardScreen(id));
		const { res } = await callEdge(
			"/v1/ad-requests",
			{
				method: "POST",
				headers: authHeaders(),
				body: JSON.stringify({ screen_id: id, slot_id: "face-a" }),
			},
			{
				BIDDERS: biddersJson(t, [
					{ name: "upgrade3", behaviour: "bid", query: { crid: "crid-up3", price: 7 } },
				]),
			},
		);
		expect(await res.json()).toMatchObject({ filled: true });
		const stub = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:${id}`));
		// As schema 3 stored it: decisions with a rowid (and so a key index), an AUTOINCREMENT
		// outbox holding one row not yet due.
		await runInDurableObject(stub, (_i, state: DurableObjectState) => {
			state.storage.sql.exec(`
				CREATE TABLE d3 (decision_id TEXT PRIMARY KEY, slot_id TEXT NOT NULL, play_at INTEGER NOT NULL,
					not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, report_until INTEGER NOT NULL,
					purge_at INTEGER NOT NULL, state TEXT NOT NULL, answer TEXT NOT NULL, adomain TEXT NOT NULL,
					notices TEXT NOT NULL, meta TEXT NOT NULL);
				INSERT INTO d3 SELECT * FROM decisions;
				DROP TABLE decisions;
				ALTER TABLE d3 RENAME TO decisions;
				DROP TABLE outbox;
				CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, body TEXT NOT NULL,
					attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL);`);
			state.storage.sql.exec(
				`INSERT INTO outbox (kind, body, next_at) VALUES ('event', '{"event_id":"e-v3"}', ?)`,
				Date.now() + 86_400_000,
			);
			state.storage.kv.put("schema_version", 3);
		});
		await runInDurableObject(stub, (_i, state: DurableObjectState) => state.abort("restart")).catch(
			() => undefined,
		);
		const fresh = env.SCREENS.get(env.SCREENS.idFromName(`demo-pub:${id}`));
		expect(await fresh.stats()).toEqual({ decisions: { issued: 1 }, outbox: 1 });
		const ddl = await runInDurableObject(fresh, (_i, state: DurableObjectState) =>
			state.storage.sql
				.exec<{ name: string; sql: string }>(
					"SELECT name, sql FROM sqlite_master WHERE name IN ('decisions', 'outbox')",
				)
				.toArray(),
		);
		expect(ddl.find((r) => r.name === "decisions")?.sql).toMatch(/WITHOUT ROWID/);
		expect(ddl.find((r) => r.name === "outbox")?.sql).not.toMatch(/AUTOINCREMENT/);
	});
});
