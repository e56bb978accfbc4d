// A fake clock and an in-memory edge for the player SDK's unit tests: the edge keeps the rules
// the SDK depends on (a screen's open decision is served again until reported; a proof-of-play
// token counts once; 409 for a replay) without workerd, and the network can be cut.
import type { Clock } from "../../../sdk/clock";

export class FakeClock implements Clock {
	private sleepers: { at: number; resolve: () => void }[] = [];

	constructor(public t = Date.UTC(2026, 10, 20, 12)) {}

	now(): number {
		return this.t;
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve) => {
			if (signal?.aborted) return resolve();
			const sleeper = { at: this.t + Math.max(0, ms), resolve };
			this.sleepers.push(sleeper);
			signal?.addEventListener(
				"abort",
				() => {
					this.sleepers = this.sleepers.filter((s) => s !== sleeper);
					resolve();
				},
				{ once: true },
			);
		});
	}

	/** Moves time forward by `ms`, waking sleepers in time order and letting each react. */
	async advance(ms: number): Promise<void> {
		const target = this.t + ms;
		await settle();
		for (;;) {
			const next = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
			if (!next) break;
			this.t = Math.max(this.t, next.at);
			this.sleepers = this.sleepers.filter((s) => s !== next);
			next.resolve();
			await settle();
		}
		this.t = target;
		await settle();
	}
}

/** Lets pending promise chains (fake fetches, stores) run to completion. */
export async function settle(rounds = 20): Promise<void> {
	for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export const EDGE = "https://edge.test";
export const CDN = "https://cdn.test";

interface Decision {
	id: string;
	state: "issued" | "played" | "expired";
	asset: string;
	durationS: number;
	notBefore: number;
	notAfter: number;
	report?: { displayed_at?: number; displayed_ms?: number; measured_audience?: number };
}

type Json = Record<string, unknown>;

/**
 * The edge as the SDK sees it. `online = false` makes every call fail like a cut network;
 * `loseAnswers` processes requests but loses their answers (the worst case for idempotency).
 */
export class FakeEdge {
	online = true;
	loseAnswers = 0;
	/** The next N ad requests get 429 with this Retry-After (seconds). */
	rateLimit: { times: number; retryAfterS: number } = { times: 0, retryAfterS: 0 };
	/** Per-report status to force for the next batch items (e.g. 503 with retry_after_s). */
	forceReportStatus: { status: number; retryAfterS?: number; times: number } | undefined;
	fill = true;
	durationS = 10;
	/** Decisions whose creative a reviewer rejected: the pre-play check (HEAD) answers 410. */
	readonly revoked = new Set<string>();
	/** The pre-play check never answers (a stalled connection). */
	hangChecks = false;
	assets = new Map<string, Uint8Array>([
		[`${CDN}/a.mp4`, new Uint8Array([1, 2, 3])],
		[`${CDN}/b.png`, new Uint8Array([4, 5])],
	]);
	readonly decisions: Decision[] = [];
	readonly calls: { method: string; path: string; at: number; body?: Json }[] = [];
	readonly telemetry: Json[] = [];
	/** Accepted plays per decision id: billing happens once per accepted play. */
	readonly billed = new Map<string, number>();

	constructor(private readonly clock: FakeClock) {}

	fetch: typeof fetch = async (input, init) => {
		const url = new URL(typeof input === "string" ? input : (input as Request).url);
		const method = init?.method ?? "GET";
		const body = init?.body ? (JSON.parse(String(init.body)) as Json) : undefined;
		if (!this.online) throw new TypeError("Failed to fetch");
		this.calls.push({
			method,
			path: url.pathname,
			at: this.clock.now(),
			...(body ? { body } : {}),
		});
		if (method === "HEAD" && this.hangChecks) return new Promise<Response>(() => {});
		const res = this.route(method, url, body);
		if (this.loseAnswers > 0) {
			this.loseAnswers--;
			throw new TypeError("network connection lost");
		}
		return res;
	};

	callsTo(path: string) {
		return this.calls.filter((c) => c.path === path);
	}

	private route(method: string, url: URL, body: Json | undefined): Response {
		if (url.origin === CDN) {
			const bytes = this.assets.get(url.href);
			return bytes ? new Response(bytes.slice().buffer) : new Response("nope", { status: 404 });
		}
		if (method === "POST" && url.pathname === "/v1/ad-requests") return this.adRequest(body!);
		if (method === "POST" && url.pathname === "/v1/plays") return this.plays(body!);
		if (method === "HEAD" && url.pathname.startsWith("/v1/plays/tok-")) {
			const d = this.decisions.find((x) => url.pathname === `/v1/plays/tok-${x.id}`);
			if (!d) return new Response(null, { status: 403 });
			const gone = this.revoked.has(d.id) || d.state !== "issued";
			return new Response(null, {
				status: gone ? 410 : 200,
				...(gone ? { headers: { "content-type": "application/problem+json" } } : {}),
			});
		}
		if (method === "POST" && url.pathname === "/v1/telemetry") {
			const events = body!.events as Json[];
			const stale = events.findIndex((e) => (e.ts as number) < this.clock.now() - 30 * 86_400_000);
			if (stale >= 0) {
				return problem(400, "validation", {
					errors: [{ pointer: `#/events/${stale}/ts`, detail: "old" }],
				});
			}
			this.telemetry.push(...events);
			return Response.json({ accepted: events.length }, { status: 202 });
		}
		if (method === "GET" && url.pathname.endsWith("/assets")) {
			return Response.json({
				screen_id: "s",
				hours: Number(url.searchParams.get("hours")),
				generated_at: this.clock.now(),
				assets: [...this.assets.keys()].map((asset_url) => ({
					asset_url,
					mime: "video/mp4",
					w: 1080,
					h: 1920,
					duration_s: 10,
					creative_id: "c",
					advertiser_domains: [],
					slot_ids: ["main"],
					reason: "eligible",
				})),
			});
		}
		return problem(404, "not-found");
	}

	private adRequest(body: Json): Response {
		if (this.rateLimit.times > 0) {
			this.rateLimit.times--;
			return problem(
				429,
				"rate-limited",
				{},
				{ "retry-after": String(this.rateLimit.retryAfterS) },
			);
		}
		const now = this.clock.now();
		const playAt = (body.play_at as number | undefined) ?? now;
		// The screen's open decision whose window covers the spot is served again (the edge's cache).
		const open = this.decisions.find(
			(d) => d.state === "issued" && d.notBefore <= playAt && playAt <= d.notAfter,
		);
		if (open) return Response.json(this.answer(open, true));
		if (!this.fill) return Response.json({ filled: false, no_fill_reason: "no_bids" });
		const n = this.decisions.length + 1;
		const d: Decision = {
			id: `d${n}`,
			state: "issued",
			asset: n % 2 ? `${CDN}/a.mp4` : `${CDN}/b.png`,
			durationS: this.durationS,
			notBefore: Math.max(now, playAt - 60_000),
			notAfter: playAt + 3_600_000,
		};
		this.decisions.push(d);
		return Response.json(this.answer(d, false));
	}

	private answer(d: Decision, cached: boolean) {
		return {
			filled: true,
			cached,
			decision_id: d.id,
			creative: {
				id: `crid-${d.id}`,
				asset_url: d.asset,
				mime: d.asset.endsWith(".mp4") ? "video/mp4" : "image/png",
				w: 1080,
				h: 1920,
				duration_s: d.durationS,
				advertiser_domains: ["adv.example"],
			},
			play: { not_before: d.notBefore, not_after: d.notAfter, report_until: d.notAfter + 900_000 },
			impression_multiplier: 1,
			proof_of_play_url: `${EDGE}/v1/plays/tok-${d.id}`,
			expiry_url: `${EDGE}/v1/plays/tok-${d.id}/expired`,
		};
	}

	private plays(body: Json): Response {
		const results = (body.reports as Json[]).map((r) => {
			if (this.forceReportStatus && this.forceReportStatus.times > 0) {
				this.forceReportStatus.times--;
				const { status, retryAfterS } = this.forceReportStatus;
				return {
					status,
					body: { type: "/problems/forced", title: "forced", status },
					...(retryAfterS !== undefined ? { retry_after_s: retryAfterS } : {}),
				};
			}
			const d = this.decisions.find((x) => `tok-${x.id}` === r.token);
			if (!d) return { status: 403, body: { type: "/problems/forbidden", status: 403 } };
			if (r.event === "expired") {
				if (d.state === "played")
					return { status: 409, body: { type: "/problems/already-reported" } };
				d.state = "expired";
				return { status: 200, body: { status: "expired", decision_id: d.id } };
			}
			if (typeof r.displayed_at === "number" && r.displayed_at > this.clock.now() + 5 * 60_000) {
				return {
					status: 400,
					body: {
						type: "/problems/validation",
						errors: [{ pointer: "#/reports/0/displayed_at", detail: "future" }],
					},
				};
			}
			if (d.state === "played") {
				return { status: 409, body: { type: "/problems/already-reported", status: 409 } };
			}
			if (d.state === "expired")
				return { status: 410, body: { type: "/problems/decision-expired" } };
			d.state = "played";
			d.report = {
				...(typeof r.displayed_at === "number" ? { displayed_at: r.displayed_at } : {}),
				...(typeof r.displayed_ms === "number" ? { displayed_ms: r.displayed_ms } : {}),
				...(typeof r.measured_audience === "number"
					? { measured_audience: r.measured_audience }
					: {}),
			};
			this.billed.set(d.id, (this.billed.get(d.id) ?? 0) + 1);
			return {
				status: 200,
				body: {
					status: "accepted",
					decision_id: d.id,
					played_at: this.clock.now(),
					billable: true,
				},
			};
		});
		return Response.json({ results });
	}
}

function problem(
	status: number,
	type: string,
	extra: Json = {},
	headers: Record<string, string> = {},
) {
	return new Response(
		JSON.stringify({ type: `/problems/${type}`, title: type, status, ...extra }),
		{
			status,
			headers: { "content-type": "application/problem+json", ...headers },
		},
	);
}
