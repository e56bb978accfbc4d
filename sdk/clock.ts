// Time as the SDK sees it. Players run for months and tests must not wait: everything that
// waits or reads the time goes through a Clock, and tests pass a fake one.

export interface Clock {
	now(): number;
	/** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: (ms, signal) =>
		new Promise<void>((resolve) => {
			if (signal?.aborted) return resolve();
			const timer = setTimeout(done, Math.max(0, ms));
			function done() {
				clearTimeout(timer);
				signal?.removeEventListener("abort", done);
				resolve();
			}
			signal?.addEventListener("abort", done, { once: true });
		}),
};
