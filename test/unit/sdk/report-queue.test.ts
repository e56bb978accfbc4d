import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "../../../sdk/backoff";
import { EdgeClient } from "../../../sdk/edge-client";
import { FileQueueStore } from "../../../sdk/node/file-queue-store";
import { type ReportOutcome, ReportQueue } from "../../../sdk/report-queue";
import { uuid } from "../../../sdk/uuid";
import { EDGE, FakeClock, FakeEdge, settle } from "./fakes";

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(opts: { file?: string; telemetryDelayMs?: number; maxAgeMs?: number } = {}) {
	const clock = new FakeClock();
	const edge = new FakeEdge(clock);
	const client = new EdgeClient({ baseUrl: EDGE, apiKey: "k", fetch: edge.fetch, clock });
	const outcomes: ReportOutcome[] = [];
	const queue = new ReportQueue({
		client,
		clock,
		backoff: { random: () => 0 },
		...(opts.file ? { store: new FileQueueStore(opts.file) } : {}),
		...(opts.telemetryDelayMs !== undefined ? { telemetryDelayMs: opts.telemetryDelayMs } : {}),
		...(opts.maxAgeMs !== undefined ? { maxAgeMs: opts.maxAgeMs } : {}),
		onOutcome: (o) => outcomes.push(o),
	});
	return { clock, edge, client, queue, outcomes };
}

/** Has the fake edge issue a decision, as an ad request would. */
async function decision(client: EdgeClient): Promise<string> {
	const answer = await client.requestAd({ screen_id: "s", slot_id: "main" });
	if (!answer.filled) throw new Error("no fill");
	return answer.decision_id;
}

describe("backoff", () => {
	it("doubles per attempt up to the cap, the jitter taking at most its share off", () => {
		const fixed = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 0 };
		expect([1, 2, 3, 4, 7, 8, 30].map((a) => backoffDelay(a, fixed))).toEqual([
			1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000,
		]);
		expect(backoffDelay(3, { ...fixed, random: () => 1 })).toBe(2_000);
	});

	it("reads Retry-After as seconds or as an HTTP date", () => {
		const now = Date.UTC(2026, 0, 1);
		expect(retryAfterMs("10", now)).toBe(10_000);
		expect(retryAfterMs(new Date(now + 5_000).toUTCString(), now)).toBe(5_000);
		expect(retryAfterMs("soon", now)).toBeUndefined();
		expect(retryAfterMs(null, now)).toBeUndefined();
	});
});

describe("uuid", () => {
	it("is a v4 UUID also where crypto.randomUUID is missing (plain-http player pages)", () => {
		const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
		const original = crypto.randomUUID;
		Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
		try {
			const ids = Array.from({ length: 50 }, () => uuid());
			for (const id of ids) expect(id).toMatch(v4);
			expect(new Set(ids).size).toBe(50);
		} finally {
			Object.defineProperty(crypto, "randomUUID", { value: original, configurable: true });
		}
		expect(uuid()).toMatch(v4);
	});
});

describe("report queue", () => {
	it("sends a play at once with the player's display time and duration", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		await queue.addPlay({
			token: `tok-${id}`,
			displayedAt: clock.now() - 8_000,
			displayedMs: 8_000,
		});
		await queue.flush();
		expect(edge.decisions[0]!.report).toEqual({
			displayed_at: clock.now() - 8_000,
			displayed_ms: 8_000,
		});
		expect(outcomes.map((o) => [o.kind, "status" in o ? o.status : undefined])).toEqual([
			["delivered", 200],
		]);
		expect(queue.size).toBe(0);
	});

	it("sends the audience the player measured for a play", async () => {
		const { clock, edge, client, queue } = setup();
		const id = await decision(client);
		await queue.addPlay({
			token: `tok-${id}`,
			displayedAt: clock.now() - 8_000,
			displayedMs: 8_000,
			measuredAudience: 3.5,
		});
		await queue.flush();
		expect(edge.decisions[0]!.report).toMatchObject({
			displayed_ms: 8_000,
			measured_audience: 3.5,
		});
	});

	it("offline for two days: retries with growing delays, then delivers once", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		edge.online = false;
		queue.start();
		await queue.addPlay({ token: `tok-${id}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await clock.advance(2 * DAY);
		const retries = outcomes.filter((o) => o.kind === "retry");
		// 1, 2, 4 … s doubling to the 5 min cap: a few hundred attempts in two days, not thousands.
		expect(retries.length).toBeGreaterThan(500);
		expect(retries.length).toBeLessThan((2 * DAY) / 300_000 + 20);
		edge.online = true;
		await clock.advance(5 * 60_000);
		expect(outcomes.filter((o) => o.kind === "delivered")).toHaveLength(1);
		expect(edge.billed.get(id)).toBe(1);
		expect(queue.size).toBe(0);
		queue.stop();
	});

	it("retryNow (the network is back) sends at once instead of waiting out the backoff", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		edge.online = false;
		queue.start();
		await queue.addPlay({ token: `tok-${id}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await clock.advance(10 * 60_000);
		edge.online = true;
		queue.retryNow();
		await clock.advance(100);
		expect(outcomes.at(-1)?.kind).toBe("delivered");
		queue.stop();
	});

	it("an answer lost on the way back: the retry gets 409 and counts as delivered, billed once", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		edge.loseAnswers = 1;
		await queue.addPlay({ token: `tok-${id}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await queue.flush();
		expect(outcomes.map((o) => o.kind)).toEqual(["retry"]);
		await clock.advance(1_000);
		await queue.flush();
		expect(outcomes.map((o) => [o.kind, "status" in o ? o.status : undefined])).toEqual([
			["retry", undefined],
			["delivered", 409],
		]);
		expect(edge.billed.get(id)).toBe(1);
		expect(queue.size).toBe(0);
	});

	it("drops what the edge refuses for good (403, 410) and keeps what it asks to retry (503)", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const a = await decision(client);
		edge.decisions[0]!.state = "expired";
		await queue.addPlay({ token: `tok-${a}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await queue.addPlay({ token: "forged", displayedAt: clock.now(), displayedMs: 9_000 });
		await queue.flush();
		expect(outcomes.map((o) => [o.kind, "status" in o ? o.status : undefined])).toEqual([
			["dropped", 410],
			["dropped", 403],
		]);
		const b = await decision(client);
		edge.forceReportStatus = { status: 503, retryAfterS: 30, times: 1 };
		await queue.addPlay({ token: `tok-${b}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await queue.flush();
		expect(queue.snapshot()[0]!.nextAt).toBe(clock.now() + 30_000);
		await clock.advance(29_000);
		await queue.flush();
		expect(edge.billed.get(b)).toBeUndefined();
		await clock.advance(1_000);
		await queue.flush();
		expect(edge.billed.get(b)).toBe(1);
	});

	it("honours 429 Retry-After on the whole request", async () => {
		const { clock, client, queue } = setup();
		const fetch429: typeof fetch = async () =>
			new Response("{}", { status: 429, headers: { "retry-after": "42" } });
		const limited = new ReportQueue({
			client: new EdgeClient({ baseUrl: EDGE, apiKey: "k", fetch: fetch429, clock }),
			clock,
		});
		const id = await decision(client);
		await limited.addPlay({ token: `tok-${id}`, displayedAt: clock.now(), displayedMs: 1 });
		await limited.flush();
		expect(limited.snapshot()[0]!.nextAt).toBe(clock.now() + 42_000);
		expect(queue.size).toBe(0);
	});

	it("a clock the edge does not believe: the play is sent again without its display time", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		await queue.addPlay({ token: `tok-${id}`, displayedAt: clock.now() + DAY, displayedMs: 9_000 });
		await queue.flush();
		expect(outcomes.map((o) => o.kind)).toEqual(["delivered"]);
		expect(edge.decisions[0]!.report).toEqual({ displayed_ms: 9_000 });
	});

	it("gives up after maxAgeMs", async () => {
		const { clock, edge, client, queue, outcomes } = setup({ maxAgeMs: DAY });
		const id = await decision(client);
		edge.online = false;
		queue.start();
		await queue.addPlay({ token: `tok-${id}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await clock.advance(DAY + 10 * 60_000);
		expect(outcomes.at(-1)).toMatchObject({
			kind: "dropped",
			reason: "not delivered within maxAgeMs",
		});
		expect(queue.size).toBe(0);
		queue.stop();
	});

	it("retries a play until the edge's report deadline (+5 min of clock skew), then drops it", async () => {
		const { clock, edge, client, queue, outcomes } = setup();
		const id = await decision(client);
		edge.online = false;
		queue.start();
		const reportUntil = clock.now() + 20 * 60_000;
		await queue.addPlay({
			token: `tok-${id}`,
			reportUntil,
			displayedAt: clock.now(),
			displayedMs: 9_000,
		});
		await queue.addTelemetry({ screen_id: "s", kind: "played", ts: clock.now(), id: uuid() });
		await clock.advance(24 * 60_000);
		expect(queue.snapshot().map((i) => i.kind)).toEqual(["played", "telemetry"]);
		await clock.advance(7 * 60_000); // the next try after the deadline (backoff at most 5 min)
		expect(outcomes.find((o) => o.kind === "dropped")).toMatchObject({
			reason: "past the edge's report deadline (play.report_until)",
		});
		// Telemetry is not bound by the play's deadline: the edge takes it for 30 days.
		expect(queue.snapshot().map((i) => i.kind)).toEqual(["telemetry"]);
		queue.stop();
	});

	it("two players sharing a queue file keep their own reports: a crash of one loses none of the other's", async () => {
		const dir = mkdtempSync(join(tmpdir(), "px-queues-"));
		dirs.push(dir);
		const file = join(dir, "reports.json");
		const { clock, edge, client } = setup();
		const [idA, idB] = [await decision(client), await decision(client)];
		edge.online = false;
		const queueOf = (player: string) =>
			new ReportQueue({ client, clock, player, store: new FileQueueStore(file) });
		const a = queueOf("lobby-1/main");
		const b = queueOf("lobby-2/main");
		await a.addPlay({ token: `tok-${idA}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await a.flush();
		// The other player saves its queue last.
		await b.addPlay({ token: `tok-${idB}`, displayedAt: clock.now(), displayedMs: 9_000 });
		await b.flush();
		// Player A's process dies and starts again: its report is still there, and only its own.
		const again = queueOf("lobby-1/main");
		await again.load();
		expect(again.snapshot().map((i) => (i.kind === "played" ? i.token : ""))).toEqual([
			`tok-${idA}`,
		]);
	});

	it("takes over the queue an earlier version kept for every player, and removes it once saved", async () => {
		const dir = mkdtempSync(join(tmpdir(), "px-queues-"));
		dirs.push(dir);
		const file = join(dir, "reports.json");
		const legacy = new FileQueueStore(file);
		const { clock, edge, client } = setup();
		const id = await decision(client);
		edge.online = false;
		const old = [
			{
				kind: "played" as const,
				token: `tok-${id}`,
				displayedAt: clock.now(),
				displayedMs: 9_000,
				id: uuid(),
				queuedAt: clock.now(),
				attempts: 0,
				nextAt: clock.now(),
			},
		];
		writeFileSync(file, JSON.stringify(old));
		const queue = new ReportQueue({ client, clock, player: "lobby-1/main", store: legacy });
		await queue.load();
		expect(queue.size).toBe(1);
		await queue.flush();
		expect(existsSync(file)).toBe(false);
		expect(JSON.parse(readFileSync(legacy.fileOf("lobby-1/main"), "utf8"))).toHaveLength(1);
	});

	it("survives a restart: a new queue on the same file delivers what the old one could not", async () => {
		const dir = mkdtempSync(join(tmpdir(), "px-sdk-"));
		dirs.push(dir);
		const file = join(dir, "queue.json");
		const first = setup({ file });
		const id = await decision(first.client);
		first.edge.online = false;
		await first.queue.addPlay({
			token: `tok-${id}`,
			displayedAt: first.clock.now(),
			displayedMs: 9_000,
		});
		await first.queue.flush();
		expect(first.queue.size).toBe(1);

		// A new process: the same edge, reachable now, and the queue file the old one left.
		const client = new EdgeClient({
			baseUrl: EDGE,
			apiKey: "k",
			fetch: first.edge.fetch,
			clock: first.clock,
		});
		first.edge.online = true;
		const queue = new ReportQueue({ client, clock: first.clock, store: new FileQueueStore(file) });
		await queue.load();
		expect(queue.size).toBe(1);
		await first.clock.advance(60_000);
		await queue.flush();
		expect(queue.size).toBe(0);
		expect(first.edge.billed.get(id)).toBe(1);
	});

	it("telemetry waits to travel together: 150 events are two POSTs after the delay", async () => {
		const { clock, edge, queue } = setup({ telemetryDelayMs: 30_000 });
		queue.start();
		for (let i = 0; i < 150; i++) {
			await queue.addTelemetry({
				screen_id: "s",
				kind: "requested",
				ts: clock.now(),
				id: crypto.randomUUID(),
			});
		}
		await clock.advance(29_000);
		expect(edge.callsTo("/v1/telemetry")).toHaveLength(0);
		await clock.advance(2_000);
		expect(edge.callsTo("/v1/telemetry").map((c) => (c.body!.events as unknown[]).length)).toEqual([
			100, 50,
		]);
		expect(edge.telemetry).toHaveLength(150);
		queue.stop();
	});

	it("a telemetry batch refused for one event drops that event and sends the rest", async () => {
		const { clock, edge, queue, outcomes } = setup({ telemetryDelayMs: 0 });
		const ids = [0, 1, 2].map(() => crypto.randomUUID());
		await queue.addTelemetry({ screen_id: "s", kind: "played", ts: clock.now(), id: ids[0]! });
		await queue.addTelemetry({
			screen_id: "s",
			kind: "played",
			ts: clock.now() - 40 * DAY,
			id: ids[1]!,
		});
		await queue.addTelemetry({ screen_id: "s", kind: "error", ts: clock.now(), id: ids[2]! });
		await queue.flush();
		await settle();
		expect(edge.telemetry.map((e) => e.id)).toEqual([ids[0], ids[2]]);
		expect(outcomes.filter((o) => o.kind === "dropped")).toHaveLength(1);
	});
});
