// The standing hostile-input suite: generated ad requests (both dialects) and generated DSP
// answers through the real Worker in workerd. Whatever comes in: no 5xx, every answer in time,
// every bid with exactly one known reason, and nothing fills unless a human approved that asset.
// `npm test` runs a seeded slice; `npm run fuzz` runs 10,000 of each (FUZZ_RUNS).
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { approvalKey, approvalKvKey } from "../../src/px/auction/approval";
import { isReason, Reason } from "../../src/px/auction/reasons";
import type { PxEvent } from "../../src/px/events/events";
import { MAX_BIDS_PER_RESPONSE } from "../../src/px/openrtb/response";
import { approve, callEdge, dspAssets, dspBase, useBidders } from "../support/edge";
import { authHeaders, billboardScreen, lobbyScreen } from "../support/fixtures";
import { FUZZ_ADOMAIN, FUZZ_CRID } from "../support/fuzz-pool";
import { capturingQueue } from "../support/records";

const RUNS = inject("fuzzRuns");
const SEED = 20261124;
/** Generous for a loaded 2-core machine; `npm run bench` measures the overshoot precisely. */
const LATE_MARGIN_MS = 250;
const FUZZ_BIDDERS = ["fuzz-a", "fuzz-b", "fuzz-c"];
/** Rate limits are tested elsewhere; here they would answer most generated cases with 429. */
const allow = { limit: async () => ({ success: true }) } as unknown as RateLimit;
/** Each case is one ad request; give every property room for all of them. */
const PROPERTY_TIMEOUT_MS = 30_000 + RUNS * 100;

interface Traced {
	bidder: string;
	bids: { crid?: string; outcome: string; reason: number }[];
}
interface Answer {
	filled?: boolean;
	creative?: { id: string; asset_url: string };
	advertisement?: { asset_url: string; creative_id?: string }[];
	debug?: { bidders: Traced[] };
}

/** Usually a valid value, sometimes anything of the type. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
	fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });

const newStats = () => ({
	requests: 0,
	filled: 0,
	bids: 0,
	status: new Map<number, number>(),
	maxLateMs: 0,
});
let stats = newStats();

/** The assets a fuzz bidder may serve, each approved for every fuzz bidder. */
const fuzzAssets = () => [
	dspAssets.video(true),
	dspAssets.image(FUZZ_CRID, { w: 1400, h: 400 }),
	dspAssets.image(FUZZ_CRID, { w: 1080, h: 1920 }),
];

/** Whether `served` (an answer's asset URL) is the copy of an asset approved for bidder + crid. */
async function isApproved(bidder: string, crid: string, served: string): Promise<boolean> {
	for (const asset_url of fuzzAssets()) {
		const key = approvalKvKey(
			await approvalKey({ bidder, crid, asset_url, adomain: [FUZZ_ADOMAIN] }),
		);
		const record = (await env.APPROVALS.get(key, "json")) as {
			status?: string;
			asset?: { sha256: string };
		} | null;
		if (record?.status === "approved" && served.endsWith(`/v1/assets/${record.asset?.sha256}`)) {
			return true;
		}
	}
	return false;
}

/** The checks every answer must pass, whatever produced it. */
async function checkAnswer(res: Response, elapsedMs: number, timeoutMs: number) {
	stats.requests++;
	stats.status.set(res.status, (stats.status.get(res.status) ?? 0) + 1);
	expect(res.status).toBeLessThan(500);
	stats.maxLateMs = Math.max(stats.maxLateMs, elapsedMs - timeoutMs);
	expect(elapsedMs).toBeLessThanOrEqual(timeoutMs + LATE_MARGIN_MS);
	const body = (await res.json()) as Answer & { type?: string; errors?: { pointer: string }[] };
	if (res.status !== 200) {
		expect(res.headers.get("content-type")).toContain("application/problem+json");
		expect(body.type).toMatch(/^\/problems\//);
		for (const e of body.errors ?? []) expect(e.pointer).toMatch(/^#/);
		return;
	}
	const traced = body.debug?.bidders ?? [];
	let won: { bidder: string; crid?: string } | undefined;
	for (const t of traced) {
		expect(t.bids.length).toBeLessThanOrEqual(MAX_BIDS_PER_RESPONSE);
		for (const b of t.bids) {
			stats.bids++;
			expect(Number.isInteger(b.reason) && isReason(b.reason)).toBe(true);
			expect(b.outcome === "won").toBe(b.reason === Reason.Won);
			if (b.reason === Reason.Won) {
				expect(won).toBeUndefined();
				won = { bidder: t.bidder, ...(b.crid ? { crid: b.crid } : {}) };
			}
		}
	}
	const asset = body.creative?.asset_url ?? body.advertisement?.[0]?.asset_url;
	if (!asset) return;
	stats.filled++;
	if (won) {
		expect(await isApproved(won.bidder, won.crid ?? "", asset)).toBe(true);
		return;
	}
	// A cached decision has no trace: it must still be one of the approved fuzz assets.
	expect((body as { cached?: boolean }).cached).toBe(true);
	const crid = body.creative?.id ?? body.advertisement?.[0]?.creative_id ?? FUZZ_CRID;
	const approved = await Promise.all(FUZZ_BIDDERS.map((b) => isApproved(b, crid, asset)));
	expect(approved).toContain(true);
}

beforeAll(async () => {
	// The fuzz pool: one approved creative per fuzz bidder, at each asset it may serve.
	const assets = fuzzAssets();
	await approve(
		...FUZZ_BIDDERS.flatMap((bidder) =>
			assets.map((asset_url) => ({ bidder, crid: FUZZ_CRID, asset_url, adomain: [FUZZ_ADOMAIN] })),
		),
	);
	for (const screen of [lobbyScreen("fz-lobby"), billboardScreen("fz-billboard")]) {
		const { res } = await callEdge(`/v1/screens/${screen.id}`, {
			method: "PUT",
			headers: authHeaders(),
			body: JSON.stringify(screen),
		});
		expect(res.status).toBeLessThan(300);
	}
});

describe(`fuzz (${RUNS} cases per property)`, () => {
	it(
		"generated DSP answers never break an answer, its deadline or its approval",
		async () => {
			stats = newStats();
			for (let i = 0; i < RUNS; i++) {
				// A new inline screen per case: every auction is fresh (no cached decision, no separation).
				const id = `fz-dsp-${i}`;
				const screen = i % 2 ? lobbyScreen(id) : billboardScreen(id);
				const slot = screen.slots[0]!.id;
				const bidders = FUZZ_BIDDERS.map((name, k) => ({
					name,
					endpoint: `${dspBase()}/dsp/fuzz?seed=${SEED + i * 3 + k}`,
					priority: k,
				}));
				const timeout = 400;
				const events: PxEvent[] = [];
				await useBidders(JSON.stringify(bidders)); // configured first: time the request alone
				const started = Date.now();
				const { res, settled } = await callEdge(
					"/v1/ad-requests?debug=1",
					{
						method: "POST",
						headers: authHeaders(),
						body: JSON.stringify({ screen_id: id, slot_id: slot, screen, timeout_ms: timeout }),
					},
					{
						BIDDERS: JSON.stringify(bidders),
						NEW_SCREEN_LIMITER: allow,
						PUBLISHER_LIMITER: allow,
						EVENTS: capturingQueue(events).queue,
					},
				);
				const elapsed = Date.now() - started;
				expect(res.status).toBe(200);
				const filled = ((await res.clone().json()) as Answer).filled === true;
				await checkAnswer(res, elapsed, timeout);
				// Nothing a bidder sends may lose the request's records: one ad_request, one auction,
				// and a win exactly when the screen got an ad.
				await settled;
				const count = (type: string) => events.filter((e) => e.type === type).length;
				expect([count("ad_request"), count("auction"), count("win")]).toEqual([
					1,
					1,
					filled ? 1 : 0,
				]);
			}
			console.log(
				`fuzz dsp: ${JSON.stringify({ ...stats, status: Object.fromEntries(stats.status) })}`,
			);
		},
		PROPERTY_TIMEOUT_MS,
	);

	it(
		"generated ad requests, both dialects, get an answer or a 4xx naming the field",
		async () => {
			stats = newStats();
			const wildPx = fc.record(
				{
					screen_id: fc.oneof(fc.constantFrom("fz-lobby", "fz-billboard", "nope"), fc.jsonValue()),
					slot_id: fc.oneof(fc.constantFrom("main", "face-a", "x"), fc.jsonValue()),
					play_at: fc.oneof(fc.constant(undefined), fc.jsonValue()),
					timeout_ms: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 9000 })),
					screen: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
				},
				{ requiredKeys: [] },
			);
			// Mostly well-formed requests with one or two fields pushed to their edges.
			const nearPx = fc
				.tuple(
					fc.constantFrom(
						{ screen_id: "fz-lobby", slot_id: "main" },
						{ screen_id: "fz-billboard", slot_id: "face-a" },
					),
					fc.record(
						{
							play_at: fc.integer({ min: -3, max: 30 }).map((h) => Date.now() + h * 3_600_000),
							play_window_s: mostly(fc.integer({ min: 1, max: 86_400 }), fc.integer()),
							timeout_ms: mostly(fc.constantFrom(50, 60, 200, 400, 5000), fc.integer()),
							test: mostly(fc.boolean(), fc.jsonValue()),
							ip: mostly(fc.oneof(fc.ipV4(), fc.ipV6()), fc.string()),
							ua: fc.string({ maxLength: 600 }),
						},
						{ requiredKeys: [] },
					),
				)
				.map(([ids, extra]) => ({ ...ids, ...extra }));
			const px = fc.oneof({ weight: 3, arbitrary: nearPx }, { weight: 1, arbitrary: wildPx });
			const vistar = fc.record(
				{
					device_id: fc.oneof(fc.constantFrom("fz-lobby", "fz-billboard"), fc.jsonValue()),
					display_time: fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), fc.jsonValue()),
					display_area: fc.oneof(
						fc.constant([
							{
								id: "main",
								width: 1080,
								height: 1920,
								allow_audio: false,
								supported_media: ["video/mp4", "image/png"],
								min_duration: 5,
								max_duration: 15,
							},
						]),
						fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
					),
					latitude: fc.oneof(fc.constant(undefined), fc.double()),
					longitude: fc.oneof(fc.constant(undefined), fc.double()),
				},
				{ requiredKeys: [] },
			);
			const cases = fc.sample(
				fc.oneof(
					fc.tuple(fc.constant("px"), px),
					fc.tuple(fc.constant("vistar"), vistar),
					fc.tuple(fc.constantFrom("px", "vistar", "unknown"), fc.jsonValue({ maxDepth: 3 })),
				),
				{ seed: SEED, numRuns: RUNS },
			);
			const bidders = JSON.stringify([
				{ name: "fuzz-a", endpoint: `${dspBase()}/dsp/bid?tag=fz&crid=${FUZZ_CRID}&price=9` },
			]);
			for (const [dialect, body] of cases) {
				const asked = (body as { timeout_ms?: unknown } | null)?.timeout_ms;
				const timeout =
					typeof asked === "number" && Number.isInteger(asked) && asked >= 50 && asked <= 5000
						? asked
						: 500;
				const started = Date.now();
				const { res } = await callEdge(
					`/v1/ad-requests?dialect=${dialect}&debug=1`,
					{ method: "POST", headers: authHeaders(), body: JSON.stringify(body) },
					{ BIDDERS: bidders, NEW_SCREEN_LIMITER: allow, PUBLISHER_LIMITER: allow },
				);
				await checkAnswer(res, Date.now() - started, timeout);
			}
			console.log(
				`fuzz requests: ${JSON.stringify({ ...stats, status: Object.fromEntries(stats.status) })}`,
			);
		},
		PROPERTY_TIMEOUT_MS,
	);
});
