// The player's outbox: proofs of play, expiries and telemetry are written here first (persisted
// through a pluggable store) and delivered from here, so a report survives a lost network, a
// reboot or a crash, and is retried with exponential backoff for days.
//
// Retrying is safe because the edge makes it so: a proof-of-play token is single use (a second
// delivery of a play that already landed answers 409 "already reported", which this queue counts
// as delivered: the first attempt reached the edge and only its answer was lost), and telemetry
// records carry their own id, which the archive deduplicates on.

import { errorText } from "../src/px/api/error-text";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import { type Clock, systemClock } from "./clock";
import { type EdgeClient, EdgeError, NetworkError } from "./edge-client";
import type { BatchReportInput, PlayBatchResult, TelemetryRecord } from "./types";
import { uuid } from "./uuid";

interface QueuedBase {
	/** The queue's own id for the item. */
	id: string;
	queuedAt: number;
	attempts: number;
	nextAt: number;
}

export type QueuedReport = QueuedBase &
	(
		| {
				kind: "played";
				token: string;
				decisionId?: string;
				/** The edge's last moment for this report (the answer's play.report_until). */
				reportUntil?: number;
				/** Left out again when the edge disbelieves the player's clock (see sendReports). */
				displayedAt?: number;
				displayedMs: number;
				/** The audience the player's own measurement counted for this play. */
				measuredAudience?: number;
		  }
		| { kind: "expired"; token: string; decisionId?: string; reportUntil?: number }
		| { kind: "telemetry"; event: TelemetryRecord }
	);

/**
 * Where the queue lives between runs: a whole snapshot in, a whole snapshot out, one per player
 * (`player`, e.g. "lobby-1/main"): two players on one origin or in one directory must never
 * write over each other's unsent reports.
 */
export interface QueueStore {
	load(player: string): Promise<QueuedReport[]>;
	save(items: ReadonlyArray<QueuedReport>, player: string): Promise<void>;
}

export class MemoryQueueStore implements QueueStore {
	readonly players = new Map<string, QueuedReport[]>();
	async load(player: string) {
		return structuredClone(this.players.get(player) ?? []);
	}
	async save(items: ReadonlyArray<QueuedReport>, player: string) {
		this.players.set(player, structuredClone([...items]));
	}
}

/** The player a queue belongs to when none is named (a queue used on its own). */
const DEFAULT_PLAYER = "default";
/** Past a report deadline on the player's clock, a clock running ahead must not drop reports. */
const DEADLINE_SKEW_MS = 5 * 60_000;

export type ReportOutcome =
	/** The edge has it (for a play: accepted now, or accepted earlier and this was a replay). */
	| { kind: "delivered"; report: QueuedReport; status: number; body?: unknown }
	/** Kept for another attempt at `nextAt`. */
	| { kind: "retry"; report: QueuedReport; status?: number; error?: string }
	/** Given up: the edge refused it for good (403, 410, …) or it outlived maxAgeMs. */
	| { kind: "dropped"; report: QueuedReport; status?: number; reason: string };

export interface ReportQueueOptions {
	client: EdgeClient;
	store?: QueueStore;
	/** Whose queue this is in the store (default "default"); the Player passes screen/slot. */
	player?: string;
	clock?: Clock;
	backoff?: Partial<BackoffOptions>;
	/**
	 * Stop retrying an item after this long (default 3 days). Plays and expiries stop earlier, at
	 * the edge's report deadline (the answer's play.report_until, plus 5 minutes of clock skew).
	 */
	maxAgeMs?: number;
	/** Telemetry waits this long to travel with others (default 30 s); reports go at once. */
	telemetryDelayMs?: number;
	/** Oldest telemetry, then oldest reports, are dropped past this many items. */
	maxItems?: number;
	onOutcome?: (outcome: ReportOutcome) => void;
}

const BATCH = 100;
const DAY_MS = 24 * 3_600_000;

export class ReportQueue {
	private items: QueuedReport[] = [];
	private loaded: Promise<void> | undefined;
	private flushing: Promise<void> | undefined;
	private saving: Promise<void> = Promise.resolve();
	private running = false;
	private wakeUp = new AbortController();
	private readonly clock: Clock;
	private readonly store: QueueStore;
	private readonly backoff: BackoffOptions;
	private readonly maxAgeMs: number;
	private readonly telemetryDelayMs: number;
	private readonly maxItems: number;
	private readonly player: string;

	constructor(private readonly options: ReportQueueOptions) {
		this.player = options.player ?? DEFAULT_PLAYER;
		this.clock = options.clock ?? systemClock;
		this.store = options.store ?? new MemoryQueueStore();
		this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
		this.maxAgeMs = options.maxAgeMs ?? 3 * DAY_MS;
		this.telemetryDelayMs = options.telemetryDelayMs ?? 30_000;
		this.maxItems = options.maxItems ?? 10_000;
	}

	/** Reads what an earlier run left behind; every other method waits for it. */
	load(): Promise<void> {
		this.loaded ??= this.store.load(this.player).then(
			(items) => {
				// Whatever was due stays due; a crash must not delay a report by a whole backoff.
				this.items = [...items, ...this.items];
			},
			() => {},
		);
		return this.loaded;
	}

	get size(): number {
		return this.items.length;
	}

	snapshot(): ReadonlyArray<QueuedReport> {
		return this.items;
	}

	async addPlay(play: {
		token: string;
		decisionId?: string;
		reportUntil?: number;
		displayedAt: number;
		displayedMs: number;
		measuredAudience?: number;
	}): Promise<void> {
		await this.add({ kind: "played", ...play }, this.clock.now());
	}

	async addExpiry(expiry: {
		token: string;
		decisionId?: string;
		reportUntil?: number;
	}): Promise<void> {
		await this.add({ kind: "expired", ...expiry }, this.clock.now());
	}

	async addTelemetry(event: TelemetryRecord): Promise<void> {
		await this.add({ kind: "telemetry", event }, this.clock.now() + this.telemetryDelayMs);
	}

	private async add(item: DistributiveOmit<QueuedReport, keyof QueuedBase>, nextAt: number) {
		await this.load();
		const now = this.clock.now();
		this.items.push({ ...item, id: uuid(), queuedAt: now, attempts: 0, nextAt } as QueuedReport);
		this.trim();
		await this.persist();
		if (nextAt <= now) this.wake();
	}

	/** Sends everything due now (reports and telemetry in batches of 100); one flush at a time. */
	flush(): Promise<void> {
		this.flushing ??= this.flushDue().finally(() => {
			this.flushing = undefined;
		});
		return this.flushing;
	}

	/** Everything becomes due now (the network came back), and the loop runs at once. */
	retryNow(): void {
		const now = this.clock.now();
		for (const item of this.items) if (item.kind !== "telemetry") item.nextAt = now;
		this.wake();
	}

	/** Runs until stop(): flushes, then sleeps until the next item is due or something wakes it. */
	start(): void {
		if (this.running) return;
		this.running = true;
		void this.loop();
	}

	stop(): void {
		this.running = false;
		this.wake();
	}

	nextDueAt(): number | undefined {
		let next: number | undefined;
		for (const item of this.items) if (next === undefined || item.nextAt < next) next = item.nextAt;
		return next;
	}

	private wake(): void {
		this.wakeUp.abort();
		this.wakeUp = new AbortController();
	}

	private async loop(): Promise<void> {
		await this.load();
		while (this.running) {
			const signal = this.wakeUp.signal;
			await this.flush().catch(() => {});
			if (!this.running) break;
			const next = this.nextDueAt();
			const wait = next === undefined ? 60_000 : Math.max(0, next - this.clock.now());
			// A zero wait would spin while a flush keeps something due (it cannot, but be safe).
			await this.clock.sleep(Math.max(wait, 50), signal);
		}
	}

	private async flushDue(): Promise<void> {
		await this.load();
		for (let round = 0; round < 100; round++) {
			const now = this.clock.now();
			this.dropExpired(now);
			const due = this.items.filter((i) => i.nextAt <= now);
			const reports = due.filter((i) => i.kind !== "telemetry").slice(0, BATCH);
			// Telemetry travels together: once one event is due, those still on their first wait
			// ride along, so a player sends one POST per telemetryDelayMs, not one per event.
			const telemetry = due.some((i) => i.kind === "telemetry")
				? this.items
						.filter((i) => i.kind === "telemetry" && (i.nextAt <= now || i.attempts === 0))
						.slice(0, BATCH)
				: [];
			if (reports.length === 0 && telemetry.length === 0) break;
			await Promise.all([
				reports.length ? this.sendReports(reports) : undefined,
				telemetry.length ? this.sendTelemetry(telemetry) : undefined,
			]);
			await this.persist();
		}
	}

	private async sendReports(items: QueuedReport[]): Promise<void> {
		let answer: PlayBatchResult;
		try {
			answer = await this.options.client.sendReports(items.map(toBatchItem));
		} catch (err) {
			return this.failedRequest(items, err);
		}
		for (const [i, item] of items.entries()) {
			const result = answer.results[i];
			if (!result) {
				this.retry(item, undefined, "no result for this report");
				continue;
			}
			const { status } = result;
			if (status === 200 || (status === 409 && item.kind === "played")) {
				this.settle({ kind: "delivered", report: item, status, body: result.body });
				continue;
			}
			if (status === 400 && item.kind === "played" && item.displayedAt !== undefined) {
				// The player's clock is off by more than the edge tolerates: the play is still true,
				// so send it again without the time (the duration is still checked).
				if (pointers(result.body).some((p) => p.endsWith("/displayed_at"))) {
					delete item.displayedAt;
					item.nextAt = this.clock.now();
					continue;
				}
			}
			if (status === 425 || status === 429 || status === 503 || status >= 500) {
				const after = result.retry_after_s === undefined ? undefined : result.retry_after_s * 1000;
				this.retry(item, status, problemDetail(result.body), after);
				continue;
			}
			this.settle({
				kind: "dropped",
				report: item,
				status,
				reason: problemDetail(result.body) ?? `HTTP ${status}`,
			});
		}
	}

	private async sendTelemetry(items: QueuedReport[]): Promise<void> {
		const events = items.map((i) => (i.kind === "telemetry" ? i.event : undefined)!);
		try {
			await this.options.client.sendTelemetry(events);
		} catch (err) {
			if (err instanceof EdgeError && err.status === 400) {
				// The batch is refused whole for the events it names (#/events/N/…): drop those, and
				// send the rest again at once. A 400 naming none would fail forever: drop them all.
				const bad = new Set(
					(err.problem?.errors ?? []).flatMap((e) => {
						const m = /^#\/events\/(\d+)/.exec(e.pointer);
						return m ? [Number(m[1])] : [];
					}),
				);
				items.forEach((item, i) => {
					if (bad.size === 0 || bad.has(i)) {
						this.settle({ kind: "dropped", report: item, status: 400, reason: err.message });
					} else {
						item.nextAt = this.clock.now();
					}
				});
				return;
			}
			return this.failedRequest(items, err);
		}
		for (const item of items) this.settle({ kind: "delivered", report: item, status: 202 });
	}

	/** The whole request failed: nothing is known to have landed, so every item is retried. */
	private failedRequest(items: QueuedReport[], err: unknown): void {
		const status = err instanceof EdgeError ? err.status : undefined;
		const after = err instanceof EdgeError ? err.retryAfterMs : undefined;
		const message = errorText(err);
		if (!(err instanceof EdgeError) && !(err instanceof NetworkError)) {
			// A bug of ours (or a broken fetch): keep the reports, try again later.
			console.error("report queue:", err);
		}
		for (const item of items) this.retry(item, status, message, after);
	}

	private retry(item: QueuedReport, status?: number, error?: string, afterMs?: number): void {
		item.attempts += 1;
		item.nextAt = this.clock.now() + (afterMs ?? backoffDelay(item.attempts, this.backoff));
		this.options.onOutcome?.({
			kind: "retry",
			report: item,
			...(status !== undefined ? { status } : {}),
			...(error !== undefined ? { error } : {}),
		});
	}

	private settle(outcome: Extract<ReportOutcome, { kind: "delivered" | "dropped" }>): void {
		this.items = this.items.filter((i) => i !== outcome.report);
		this.options.onOutcome?.(outcome);
	}

	private dropExpired(now: number): void {
		for (const item of [...this.items]) {
			if (item.kind !== "telemetry" && item.reportUntil !== undefined) {
				if (now > item.reportUntil + DEADLINE_SKEW_MS) {
					this.settle({
						kind: "dropped",
						report: item,
						reason: "past the edge's report deadline (play.report_until)",
					});
				}
				continue;
			}
			if (now - item.queuedAt > this.maxAgeMs) {
				this.settle({ kind: "dropped", report: item, reason: "not delivered within maxAgeMs" });
			}
		}
	}

	private trim(): void {
		while (this.items.length > this.maxItems) {
			const victim = this.items.find((i) => i.kind === "telemetry") ?? this.items[0]!;
			this.settle({ kind: "dropped", report: victim, reason: "queue full" });
		}
	}

	private persist(): Promise<void> {
		const snapshot = this.items.map((i) => ({ ...i }));
		this.saving = this.saving
			.then(() => this.store.save(snapshot, this.player))
			.catch((err: unknown) => console.error("report queue: could not persist", err));
		return this.saving;
	}
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function toBatchItem(item: QueuedReport): BatchReportInput {
	if (item.kind === "played") {
		return {
			token: item.token,
			...(item.displayedAt !== undefined ? { displayed_at: item.displayedAt } : {}),
			displayed_ms: item.displayedMs,
			...(item.measuredAudience ? { measured_audience: item.measuredAudience } : {}),
		};
	}
	if (item.kind === "expired") return { token: item.token, event: "expired" };
	throw new Error("telemetry is not a play report");
}

function pointers(body: unknown): string[] {
	const errors = (body as { errors?: unknown } | null)?.errors;
	if (!Array.isArray(errors)) return [];
	return errors.flatMap((e) => (typeof e?.pointer === "string" ? [e.pointer as string] : []));
}

function problemDetail(body: unknown): string | undefined {
	if (typeof body !== "object" || body === null) return undefined;
	const { detail, title } = body as { detail?: unknown; title?: unknown };
	return typeof detail === "string" ? detail : typeof title === "string" ? title : undefined;
}
