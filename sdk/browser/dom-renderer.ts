// Full-screen spots in a browser: a muted <video> or an <img> filling the container, letterboxed
// (DOOH creatives are scaled, never cropped). A video counts as shown by its playback position,
// so buffering or a frozen decoder never counts towards the proof-of-play threshold; a video
// that stops advancing is ended as an error. The previous spot stays on screen until the next
// one has its first frame, so there is no black flash between spots.
import { type Clock, systemClock } from "../clock";
import type { Playback, Renderer, Spot } from "../renderer";

export interface DomRendererOptions {
	clock?: Clock;
	/** A video that shows no progress for this long is ended as failed (default 5 s). */
	stallMs?: number;
	/** A spot that has not started after this long failed to start (default 10 s). */
	startTimeoutMs?: number;
}

export class DomRenderer implements Renderer {
	private readonly clock: Clock;
	private onScreen: HTMLElement | undefined;

	constructor(
		private readonly root: HTMLElement,
		private readonly options: DomRendererOptions = {},
	) {
		this.clock = options.clock ?? systemClock;
	}

	play(spot: Spot): Playback {
		const isVideo = spot.creative.mime.startsWith("video/");
		const el = isVideo ? document.createElement("video") : document.createElement("img");
		el.dataset.decisionId = spot.decisionId;
		el.style.cssText =
			"position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000;opacity:0";
		let startedAt: number | undefined;
		let stoppedAt: number | undefined;
		let finish!: (r: { shownMs: number; error?: string }) => void;
		const finished = new Promise<{ shownMs: number; error?: string }>((r) => {
			finish = r;
		});
		const timers: ReturnType<typeof setInterval>[] = [];
		let done = false;

		const shownMs = (): number => {
			if (startedAt === undefined) return 0;
			if (el instanceof HTMLVideoElement) return Math.min(spot.durationMs, el.currentTime * 1000);
			return Math.min(spot.durationMs, (stoppedAt ?? this.clock.now()) - startedAt);
		};
		const end = (error?: string) => {
			if (done) return;
			done = true;
			const shown = shownMs();
			stoppedAt = this.clock.now();
			for (const t of timers) clearInterval(t);
			if (el instanceof HTMLVideoElement) el.pause();
			finish({ shownMs: shown, ...(error ? { error } : {}) });
		};

		const started = new Promise<number>((resolve, reject) => {
			const show = () => {
				if (startedAt !== undefined) return;
				startedAt = this.clock.now();
				el.style.opacity = "1";
				if (this.onScreen && this.onScreen !== el) this.onScreen.remove();
				this.onScreen = el;
				resolve(startedAt);
			};
			const fail = (why: string) => {
				if (startedAt !== undefined) return end(why);
				end(why);
				el.remove();
				reject(new Error(why));
			};
			timers.push(
				setTimeout(() => {
					if (startedAt === undefined) fail("did not start in time");
				}, this.options.startTimeoutMs ?? 10_000),
			);
			if (el instanceof HTMLVideoElement) {
				el.muted = true;
				el.playsInline = true;
				el.preload = "auto";
				el.addEventListener("playing", show, { once: true });
				el.addEventListener("ended", () => end());
				el.addEventListener("error", () => fail(`video error ${el.error?.code ?? "?"}`));
				el.src = spot.source;
				this.root.append(el);
				el.play().catch((err: unknown) => fail(`play() refused: ${String(err)}`));
				let last = -1;
				let lastMoved = this.clock.now();
				timers.push(
					setInterval(() => {
						if (startedAt === undefined || done) return;
						if (el.currentTime !== last) {
							last = el.currentTime;
							lastMoved = this.clock.now();
						} else if (this.clock.now() - lastMoved > (this.options.stallMs ?? 5_000)) {
							end("stalled");
						}
					}, 250),
				);
			} else {
				el.addEventListener("load", () => {
					show();
					timers.push(setTimeout(() => end(), spot.durationMs));
				});
				el.addEventListener("error", () => fail("image could not be decoded"));
				el.src = spot.source;
				this.root.append(el);
			}
		});
		// The caller may never await `started` when stopping early; keep the rejection handled.
		started.catch(() => {});
		return { started, shownMs, finished, stop: () => end("stopped") };
	}
}
