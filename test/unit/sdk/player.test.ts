import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryAssetStore } from "../../../sdk/asset-store";
import { EdgeClient } from "../../../sdk/edge-client";
import { DirectoryAssetStore } from "../../../sdk/node/directory-store";
import { Player, type PlayerEvent } from "../../../sdk/player";
import { Precache } from "../../../sdk/precache";
import { type Playback, type Renderer, type Spot, TimerRenderer } from "../../../sdk/renderer";
import { CDN, EDGE, FakeClock, FakeEdge } from "./fakes";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(
	renderer?: (clock: FakeClock) => Renderer,
	extra: Partial<ConstructorParameters<typeof Player>[0]> = {},
) {
	const clock = new FakeClock();
	const edge = new FakeEdge(clock);
	const events: PlayerEvent[] = [];
	const assets = new MemoryAssetStore();
	const player = new Player({
		client: new EdgeClient({ baseUrl: EDGE, apiKey: "k", fetch: edge.fetch, clock }),
		screenId: "s",
		slotId: "main",
		renderer: renderer?.(clock) ?? new TimerRenderer(clock),
		assets,
		clock,
		fetch: edge.fetch,
		requestBackoff: { random: () => 0 },
		queue: { backoff: { random: () => 0 }, telemetryDelayMs: 30_000 },
		onEvent: (e) => events.push(e),
		...extra,
	});
	const of = <T extends PlayerEvent["type"]>(type: T) =>
		events.filter((e): e is Extract<PlayerEvent, { type: T }> => e.type === type);
	return { clock, edge, player, events, of, assets };
}

/** A renderer whose spots stop after `share` of their duration (a crash, a power cut). */
const stopsAt =
	(share: number) =>
	(clock: FakeClock): Renderer => ({
		play(spot: Spot): Playback {
			const startedAt = clock.now();
			const shown = () => Math.min(spot.durationMs * share, clock.now() - startedAt);
			const interrupt = new AbortController();
			return {
				started: Promise.resolve(startedAt),
				shownMs: shown,
				finished: clock
					.sleep(spot.durationMs * share, interrupt.signal)
					.then(() => ({ shownMs: shown(), error: "crashed" })),
				stop: () => interrupt.abort(),
			};
		},
	});

describe("player loop", () => {
	it("plays ad after ad, reporting each once after 75 % with its own display time and duration", async () => {
		const { clock, edge, player, of } = setup();
		void player.start();
		await clock.advance(35_000);
		await player.stop();
		const reported = of("play_reported");
		expect(reported.length).toBeGreaterThanOrEqual(3);
		for (const r of reported) {
			expect(r.displayedMs).toBe(7_500);
			expect(edge.billed.get(r.decisionId)).toBe(1);
		}
		const started = of("play_started");
		// Each spot starts where the previous ended: the next decision was fetched during its last quarter.
		expect(started[1]!.displayedAt - started[0]!.displayedAt).toBe(10_000);
		expect(edge.decisions[0]!.report).toEqual({
			displayed_at: started[0]!.displayedAt,
			displayed_ms: 7_500,
		});
		// Every ad request after the first asked for the spot after the one playing.
		const playAts = edge.callsTo("/v1/ad-requests").map((c) => c.body!.play_at as number);
		expect(playAts[1]! - playAts[0]!).toBe(10_000);
		// Only the spot that stop() interrupted is reported expired.
		expect(of("expired").map((e) => e.decisionId)).toEqual([started.at(-1)!.decisionId]);
	});

	it("reports the audience a measurement at the screen counted, when the player has one", async () => {
		const { clock, edge, player } = setup(undefined, { measureAudience: () => 4.5 });
		void player.start();
		await clock.advance(12_000);
		await player.stop();
		expect(edge.decisions[0]!.report).toMatchObject({
			displayed_ms: 7_500,
			measured_audience: 4.5,
		});
	});

	it("a spot that stops under the threshold is reported expired, never as a play", async () => {
		const { clock, edge, player, of } = setup(stopsAt(0.5));
		void player.start();
		await clock.advance(6_000);
		await player.stop();
		expect(of("play_reported")).toHaveLength(0);
		expect(of("expired")[0]).toMatchObject({
			decisionId: "d1",
			reason: expect.stringContaining("50 %"),
		});
		expect(edge.decisions[0]!.state).toBe("expired");
		expect(edge.billed.size).toBe(0);
	});

	it("an asset that cannot be downloaded is reported expired", async () => {
		const { clock, edge, player, of } = setup();
		edge.assets.delete(`${CDN}/a.mp4`);
		void player.start();
		await clock.advance(1_000);
		await player.stop();
		expect(of("expired")[0]).toMatchObject({
			decisionId: "d1",
			reason: "the asset could not be downloaded",
		});
	});

	it("waits out 429 Retry-After before asking again", async () => {
		const { clock, edge, player, of } = setup();
		edge.rateLimit = { times: 1, retryAfterS: 20 };
		void player.start();
		await clock.advance(19_000);
		expect(edge.callsTo("/v1/ad-requests")).toHaveLength(1);
		expect(of("request_failed")[0]).toMatchObject({ status: 429, retryInMs: 20_000 });
		await clock.advance(2_000);
		await player.stop();
		expect(edge.callsTo("/v1/ad-requests").length).toBe(2);
		expect(of("play_started")).toHaveLength(1);
	});

	it("offline: the report waits in the queue and is delivered once the network is back", async () => {
		const { clock, edge, player, of } = setup();
		void player.start();
		await clock.advance(1_000);
		edge.online = false;
		await clock.advance(30_000);
		expect(of("play_reported")).toHaveLength(1);
		expect(edge.billed.size).toBe(0);
		expect(player.queue.size).toBeGreaterThan(0);
		edge.online = true;
		player.online();
		await clock.advance(15_000);
		await player.stop();
		expect(edge.billed.get("d1")).toBe(1);
		// Ad requests resumed, and no decision was billed twice.
		expect(of("play_reported").length).toBeGreaterThanOrEqual(2);
		for (const count of edge.billed.values()) expect(count).toBe(1);
	});

	it("batches telemetry: requested and played counts arrive in few POSTs", async () => {
		const { clock, edge, player } = setup();
		void player.start();
		await clock.advance(95_000);
		await player.stop();
		const kinds = edge.telemetry.map((e) => e.kind);
		expect(kinds.filter((k) => k === "played").length).toBeGreaterThanOrEqual(5);
		expect(kinds.filter((k) => k === "requested").length).toBeGreaterThanOrEqual(5);
		// One POST per 30 s telemetry window, not one per event.
		expect(edge.callsTo("/v1/telemetry").length).toBeLessThanOrEqual(3);
		expect(new Set(edge.telemetry.map((e) => e.id)).size).toBe(edge.telemetry.length);
	});

	it("a spot whose pre-play check answers 410 is skipped, reported expired, and said so", async () => {
		const { clock, edge, player, of } = setup();
		edge.revoked.add("d1");
		void player.start();
		await clock.advance(1_000);
		await player.stop();
		const checks = edge.calls.filter((c) => c.method === "HEAD" && c.path.endsWith("tok-d1"));
		expect(checks).toHaveLength(1);
		expect(of("spot_revoked")).toEqual([{ type: "spot_revoked", decisionId: "d1" }]);
		expect(of("play_started").filter((e) => e.decisionId === "d1")).toHaveLength(0);
		expect(of("expired")[0]).toMatchObject({ decisionId: "d1" });
		expect(edge.decisions[0]!.state).toBe("expired");
		expect(edge.billed.size).toBe(0);
	});

	it("a pre-play check with no answer plays the spot after a bounded wait (fail safe)", async () => {
		const { clock, edge, player, of } = setup();
		edge.hangChecks = true;
		void player.start();
		await clock.advance(12_000);
		await player.stop();
		expect(of("spot_revoked")).toHaveLength(0);
		const started = of("play_started")[0]!;
		expect(started.displayedAt - edge.decisions[0]!.notBefore).toBe(1_500);
		expect(edge.billed.get("d1")).toBe(1);
	});

	it("a still without a duration is held for stillImageMs", async () => {
		const { clock, edge, player, of } = setup();
		edge.durationS = 0;
		void player.start();
		await clock.advance(8_000);
		await player.stop();
		expect(of("play_reported")[0]).toMatchObject({ displayedMs: 7_500, share: 0.75 });
	});
});

describe("pre-caching", () => {
	it("downloads what GET /v1/screens/{id}/assets lists, once per URL, into a directory", async () => {
		const dir = mkdtempSync(join(tmpdir(), "px-assets-"));
		dirs.push(dir);
		const clock = new FakeClock();
		const edge = new FakeEdge(clock);
		const store = new DirectoryAssetStore(dir);
		const precache = new Precache({ store, fetch: edge.fetch, clock });
		const client = new EdgeClient({ baseUrl: EDGE, apiKey: "k", fetch: edge.fetch, clock });
		expect(await precache.sync(client, "s", 6)).toEqual({ listed: 2, cached: 2 });
		expect(edge.callsTo("/v1/screens/s/assets")).toHaveLength(1);
		const path = await store.source(`${CDN}/a.mp4`);
		expect(path).toMatch(/\.mp4$/);
		expect([...readFileSync(path!)]).toEqual([1, 2, 3]);
		expect((await store.urls()).sort()).toEqual([`${CDN}/a.mp4`, `${CDN}/b.png`]);
		// Concurrent asks for one URL share a download; a stored URL is not fetched again.
		await Promise.all([precache.ensure(`${CDN}/a.mp4`), precache.ensure(`${CDN}/a.mp4`)]);
		expect(edge.calls.filter((c) => c.path === "/a.mp4")).toHaveLength(1);
		await store.delete(`${CDN}/a.mp4`);
		expect(await store.has(`${CDN}/a.mp4`)).toBe(false);
		expect(await store.urls()).toEqual([`${CDN}/b.png`]);
	});

	it("evicts the least recently wanted past maxAssets", async () => {
		const clock = new FakeClock();
		const edge = new FakeEdge(clock);
		edge.assets.set(`${CDN}/c.png`, new Uint8Array([9]));
		const store = new MemoryAssetStore();
		const precache = new Precache({ store, fetch: edge.fetch, clock, maxAssets: 2 });
		await precache.ensure(`${CDN}/a.mp4`);
		await clock.advance(1);
		await precache.ensure(`${CDN}/b.png`);
		await clock.advance(1);
		await precache.ensure(`${CDN}/c.png`);
		await precache.evict();
		expect((await store.urls()).sort()).toEqual([`${CDN}/b.png`, `${CDN}/c.png`]);
	});
});
