// The player loop for one ad slot: ask for an ad, have its asset cached, start it at
// `not_before`, report proof of play once `minShare` of the spot was really on screen, or report
// it expired when it could not play; then the next spot.
//
// Proof of play goes out when the threshold share is reached, not when the spot ends: the edge
// answers a screen that asks again while its decision is still open with that same decision
// (its cache), so the next decision can only be fetched once this one is reported. Reporting at
// the threshold leaves the rest of the spot (a quarter, by default) to fetch the next one.

import { errorText } from "../src/px/api/error-text";
import type { AssetStore } from "./asset-store";
import { type BackoffOptions, backoffDelay } from "./backoff";
import { type Clock, systemClock } from "./clock";
import { type EdgeClient, EdgeError, tokenOf } from "./edge-client";
import { Precache } from "./precache";
import type { Playback, Renderer } from "./renderer";
import { type ReportOutcome, ReportQueue, type ReportQueueOptions } from "./report-queue";
import { Telemetry } from "./telemetry";
import type { FilledAnswer } from "./types";

export interface PlayerOptions {
	client: EdgeClient;
	screenId: string;
	slotId: string;
	renderer: Renderer;
	/** Where creatives are cached (Cache API in browsers, a directory in Node). */
	assets: AssetStore;
	/** Where unsent reports wait (IndexedDB/localStorage in browsers, a file in Node). */
	reports?: ReportQueueOptions["store"];
	clock?: Clock;
	/**
	 * The audience a measurement at the screen (a camera counter, a footfall sensor) counted for
	 * a play that just ended, if any: sent as `measured_audience`, it bills the buyer a lower
	 * multiplier than the one sold, never a higher one.
	 */
	measureAudience?: (answer: FilledAnswer) => number | undefined | Promise<number | undefined>;
	/** Share of the spot that must have played before proof of play is sent (default 0.75). */
	minShare?: number;
	/** How long a still image without a stated duration is shown (default 10 s). */
	stillImageMs?: number;
	/** Longest wait for the pre-play check before a spot starts (default 1.5 s; 0: no check). */
	prePlayCheckMs?: number;
	/** The ad request's play_window_s (the edge's default: an hour). */
	playWindowS?: number;
	/** The ad request's timeout_ms (default 500). */
	timeoutMs?: number;
	/** Wait after a no fill before asking again (default 5 s). */
	noFillRetryMs?: number;
	/** Backoff for failed ad requests (default 1 s doubling to 1 min). */
	requestBackoff?: Partial<BackoffOptions>;
	/** Re-read GET /v1/screens/{id}/assets this often (default 10 min; 0: never). */
	assetSyncMs?: number;
	assetHours?: number;
	/** Report queue tuning: backoff, maxAgeMs, telemetryDelayMs. */
	queue?: Omit<ReportQueueOptions, "client" | "store" | "clock" | "onOutcome">;
	telemetry?: boolean;
	fetch?: typeof fetch;
	onEvent?: (event: PlayerEvent) => void;
}

export type PlayerEvent =
	| { type: "decision"; answer: FilledAnswer }
	| { type: "no_fill"; reason?: string }
	| { type: "request_failed"; error: string; status?: number; retryInMs: number }
	| { type: "play_started"; decisionId: string; displayedAt: number }
	/** Proof of play is in the queue (delivered when the network allows: see "report"). */
	| { type: "play_reported"; decisionId: string; displayedMs: number; share: number }
	| { type: "play_ended"; decisionId: string; shownMs: number; error?: string }
	| { type: "expired"; decisionId: string; reason: string }
	/** The pre-play check said 410 (its creative was rejected): skipped and reported expired. */
	| { type: "spot_revoked"; decisionId: string }
	| { type: "report"; outcome: ReportOutcome }
	| { type: "assets_synced"; listed: number; cached: number };

type Next = { kind: "ad"; answer: FilledAnswer } | { kind: "wait"; ms: number };

const DEFAULT_REQUEST_BACKOFF: BackoffOptions = {
	baseMs: 1_000,
	maxMs: 60_000,
	jitter: 0.3,
	random: Math.random,
};
/** Decisions remembered as already handled, to recognise the edge serving one again. */
const HANDLED_MEMORY = 64;

export class Player {
	readonly queue: ReportQueue;
	readonly precache: Precache;
	private readonly clock: Clock;
	private readonly telemetry: Telemetry;
	private readonly handled: string[] = [];
	private readonly stopping = new AbortController();
	private current: Playback | undefined;
	private requestFailures = 0;
	private wakeUp = new AbortController();
	private running: Promise<void> | undefined;

	constructor(private readonly options: PlayerOptions) {
		this.clock = options.clock ?? systemClock;
		this.queue = new ReportQueue({
			...options.queue,
			client: options.client,
			clock: this.clock,
			...(options.reports ? { store: options.reports } : {}),
			player: `${options.screenId}/${options.slotId}`,
			onOutcome: (outcome) => this.emit({ type: "report", outcome }),
		});
		this.precache = new Precache({
			store: options.assets,
			clock: this.clock,
			...(options.fetch ? { fetch: options.fetch } : {}),
		});
		this.telemetry = new Telemetry(
			this.queue,
			options.screenId,
			this.clock,
			options.telemetry ?? true,
		);
	}

	/** Runs until stop(). */
	start(): Promise<void> {
		this.running ??= this.run();
		return this.running;
	}

	async stop(): Promise<void> {
		this.stopping.abort();
		this.current?.stop();
		this.queue.stop();
		await this.running;
	}

	/** The network is back (a browser's `online` event): send what waits and ask for an ad, now. */
	online(): void {
		this.requestFailures = 0;
		this.queue.retryNow();
		this.wakeUp.abort();
	}

	/** Sleeps `ms`, or less when the player stops or online() wakes it. */
	private async pause(ms: number): Promise<void> {
		this.wakeUp = new AbortController();
		const either = new AbortController();
		const abort = () => either.abort();
		this.stopping.signal.addEventListener("abort", abort, { once: true });
		this.wakeUp.signal.addEventListener("abort", abort, { once: true });
		try {
			await this.clock.sleep(ms, either.signal);
		} finally {
			this.stopping.signal.removeEventListener("abort", abort);
		}
	}

	private get stopped(): boolean {
		return this.stopping.signal.aborted;
	}

	private emit(event: PlayerEvent): void {
		try {
			this.options.onEvent?.(event);
		} catch {}
	}

	private async run(): Promise<void> {
		await this.queue.load();
		this.queue.start();
		void this.syncAssets();
		let next: Promise<Next> | undefined;
		while (!this.stopped) {
			const step = await (next ?? this.fetchDecision(this.clock.now()));
			next = undefined;
			if (this.stopped) break;
			if (step.kind === "wait") {
				await this.pause(step.ms);
				continue;
			}
			await this.playOne(step.answer, (endsAt) => {
				next = this.fetchDecision(endsAt);
			});
		}
	}

	private async syncAssets(): Promise<void> {
		const every = this.options.assetSyncMs ?? 10 * 60_000;
		if (every <= 0) return;
		while (!this.stopped) {
			try {
				const synced = await this.precache.sync(
					this.options.client,
					this.options.screenId,
					this.options.assetHours ?? 24,
				);
				this.emit({ type: "assets_synced", ...synced });
			} catch {
				// Offline or not registered: decisions still bring their own assets.
			}
			await this.clock.sleep(every, this.stopping.signal);
		}
	}

	/** Asks for the spot starting at `playAt`; says how long to wait when there is nothing to play. */
	private async fetchDecision(playAt: number): Promise<Next> {
		const { client, screenId, slotId } = this.options;
		let answer: Awaited<ReturnType<EdgeClient["requestAd"]>>;
		try {
			answer = await client.requestAd({
				screen_id: screenId,
				slot_id: slotId,
				play_at: Math.max(playAt, this.clock.now()),
				...(this.options.playWindowS ? { play_window_s: this.options.playWindowS } : {}),
				...(this.options.timeoutMs ? { timeout_ms: this.options.timeoutMs } : {}),
			});
		} catch (err) {
			this.requestFailures++;
			const status = err instanceof EdgeError ? err.status : undefined;
			const retryInMs =
				(err instanceof EdgeError ? err.retryAfterMs : undefined) ??
				backoffDelay(this.requestFailures, {
					...DEFAULT_REQUEST_BACKOFF,
					...this.options.requestBackoff,
				});
			const error = errorText(err);
			this.emit({
				type: "request_failed",
				error,
				retryInMs,
				...(status !== undefined ? { status } : {}),
			});
			this.telemetry.record("error", `ad request failed${status ? ` (${status})` : ""}: ${error}`);
			return { kind: "wait", ms: retryInMs };
		}
		this.requestFailures = 0;
		this.telemetry.record("requested");
		if (!answer.filled) {
			this.emit({
				type: "no_fill",
				...(answer.no_fill_reason ? { reason: answer.no_fill_reason } : {}),
			});
			return { kind: "wait", ms: this.options.noFillRetryMs ?? 5_000 };
		}
		if (this.handled.includes(answer.decision_id)) {
			// The edge served this screen's open decision again: our report of it has not reached
			// the edge yet. Send it now, and ask again shortly.
			this.queue.retryNow();
			return { kind: "wait", ms: 2_000 };
		}
		this.emit({ type: "decision", answer });
		return { kind: "ad", answer };
	}

	private remember(decisionId: string): void {
		this.handled.push(decisionId);
		if (this.handled.length > HANDLED_MEMORY) this.handled.shift();
	}

	/** Waits for the spot's end and tells listeners how long it was shown. */
	private async ended(
		answer: FilledAnswer,
		finished: Promise<{ shownMs: number; error?: string }>,
	): Promise<{ shownMs: number; error?: string }> {
		const result = await finished;
		this.emit({
			type: "play_ended",
			decisionId: answer.decision_id,
			shownMs: result.shownMs,
			...(result.error ? { error: result.error } : {}),
		});
		return result;
	}

	private async expire(answer: FilledAnswer, reason: string): Promise<void> {
		this.emit({ type: "expired", decisionId: answer.decision_id, reason });
		this.telemetry.record("error", `expired ${answer.decision_id}: ${reason}`);
		await this.queue.addExpiry({
			token: tokenOf(answer.expiry_url),
			decisionId: answer.decision_id,
			reportUntil: reportUntil(answer),
		});
	}

	/**
	 * Asks the edge, just before the spot starts, whether it may still play (HEAD on its
	 * proof-of-play URL, bounded wait): a rejected creative is skipped and its spot expired.
	 */
	private async revoked(answer: FilledAnswer): Promise<boolean> {
		const waitMs = this.options.prePlayCheckMs ?? 1_500;
		if (waitMs <= 0) return false;
		const { client } = this.options;
		const check = await client.prePlayCheck(answer.proof_of_play_url, waitMs, this.stopping.signal);
		if (check !== "gone" || this.stopped) return this.stopped;
		this.emit({ type: "spot_revoked", decisionId: answer.decision_id });
		await this.expire(answer, "the edge says it may no longer play (410)");
		return true;
	}

	/**
	 * Plays one decision. `fetchNext(endsAt)` is called once its proof of play is queued and sent,
	 * so the next decision is fetched while the rest of this spot plays.
	 */
	private async playOne(answer: FilledAnswer, fetchNext: (endsAt: number) => void): Promise<void> {
		this.remember(answer.decision_id);
		const { creative, play } = answer;
		if (!(await this.precache.ensure(creative.asset_url))) {
			return this.expire(answer, "the asset could not be downloaded");
		}
		const wait = play.not_before - this.clock.now();
		if (wait > 0) await this.clock.sleep(wait, this.stopping.signal);
		if (this.stopped) return;
		if (this.clock.now() > play.not_after) return this.expire(answer, "its play window closed");
		if (await this.revoked(answer)) return;
		const store = this.precache.store;
		const source = await store.source(creative.asset_url);
		if (!source) return this.expire(answer, "the asset is not in the cache");

		const durationMs =
			creative.duration_s > 0 ? creative.duration_s * 1000 : (this.options.stillImageMs ?? 10_000);
		const playback = this.options.renderer.play({
			decisionId: answer.decision_id,
			creative,
			source,
			durationMs,
		});
		this.current = playback;
		try {
			let displayedAt: number;
			try {
				displayedAt = await playback.started;
			} catch (err) {
				return await this.expire(answer, `it could not start: ${errorText(err)}`);
			}
			this.emit({ type: "play_started", decisionId: answer.decision_id, displayedAt });

			const thresholdMs = (this.options.minShare ?? 0.75) * durationMs;
			const ended = new AbortController();
			let end: { shownMs: number; error?: string } | undefined;
			const finished = playback.finished.then((result) => {
				end = result;
				ended.abort();
				return result;
			});
			while (!end && !this.stopped && playback.shownMs() < thresholdMs) {
				const left = thresholdMs - playback.shownMs();
				await this.clock.sleep(Math.min(250, Math.max(10, left)), ended.signal);
			}
			const shownMs = end?.shownMs ?? playback.shownMs();
			if (shownMs >= thresholdMs) {
				const displayedMs = Math.round(shownMs);
				const measuredAudience = await this.options.measureAudience?.(answer);
				await this.queue.addPlay({
					token: tokenOf(answer.proof_of_play_url),
					decisionId: answer.decision_id,
					reportUntil: reportUntil(answer),
					displayedAt,
					displayedMs,
					...(measuredAudience && measuredAudience > 0 ? { measuredAudience } : {}),
				});
				this.emit({
					type: "play_reported",
					decisionId: answer.decision_id,
					displayedMs,
					share: displayedMs / durationMs,
				});
				this.telemetry.record("played");
				// The next decision can only be had once the edge knows this one played; give the
				// report a moment to land first (it stays queued either way).
				await Promise.race([this.queue.flush(), this.clock.sleep(3_000, this.stopping.signal)]);
				fetchNext(displayedAt + durationMs);
				await this.ended(answer, finished);
				return;
			}
			const result = await this.ended(answer, finished);
			await this.expire(
				answer,
				`only ${Math.round((result.shownMs / durationMs) * 100)} % of the spot played${result.error ? ` (${result.error})` : ""}`,
			);
		} finally {
			this.current = undefined;
			store.release?.(source);
		}
	}
}

/** Answers cached by an edge before play.report_until existed: the same 15 minutes it adds. */
const REPORT_GRACE_MS = 15 * 60_000;

function reportUntil(answer: FilledAnswer): number {
	return answer.play.report_until ?? answer.play.not_after + REPORT_GRACE_MS;
}
