// What the player loop needs from whatever puts pixels on the screen: start a spot, say when it
// really appeared and how much of it has been shown, and say when it left the screen. The DOM
// renderer (browser/dom-renderer.ts) measures a video by its playback position, so a stalled
// stream does not count as shown; a Node player wraps its own media process the same way.
import { type Clock, systemClock } from "./clock";
import type { FilledAnswer } from "./types";

export interface Spot {
	decisionId: string;
	creative: FilledAnswer["creative"];
	/** What to load: an object URL or file path from the asset store. */
	source: string;
	/** How long the spot lasts: the creative's duration, or the still-image hold time. */
	durationMs: number;
}

export interface Playback {
	/** Epoch ms when the spot was first on screen; rejects when it could not start. */
	started: Promise<number>;
	/** How much of the spot has been on screen so far, ms. */
	shownMs(): number;
	/** When the spot left the screen, ended or interrupted. Never rejects. */
	finished: Promise<{ shownMs: number; error?: string }>;
	/** Interrupts the spot (the player is stopping). */
	stop(): void;
}

export interface Renderer {
	play(spot: Spot): Playback;
}

/**
 * Shows nothing and takes the spot's duration: for tests and headless players, and a template for
 * a Node player that drives an external media process.
 */
export class TimerRenderer implements Renderer {
	constructor(private readonly clock: Clock = systemClock) {}

	play(spot: Spot): Playback {
		const startedAt = this.clock.now();
		const interrupt = new AbortController();
		const shownMs = () => Math.min(spot.durationMs, this.clock.now() - startedAt);
		const finished = this.clock
			.sleep(spot.durationMs, interrupt.signal)
			.then(() => ({ shownMs: shownMs() }));
		return {
			started: Promise.resolve(startedAt),
			shownMs,
			finished,
			stop: () => interrupt.abort(),
		};
	}
}
