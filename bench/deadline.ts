// Section 3: the deadline. With tmax 200 ms and one DSP that never answers every other request,
// how far past tmax px-edge answers, one at a time, at light load, near and past saturation.
import { DEADLINE_MARGIN_MS } from "../src/worker/decide/pacing";
import { freshBodies } from "./config";
import { percentile, timedRequests } from "./load";
import { settle } from "./procs";
import { progress } from "./progress";
import type { DeadlineRow, Results, Target } from "./results";

const TMAX_MS = 200;
const PROMISED_MARGIN_MS = 50;
const DEADLINE_REQUESTS = 1_000;
/**
 * Deadline runs: one at a time (the fixed part, 200 requests), then ≥ 1,000 requests at light
 * load (the target row: the first with DEADLINE_REQUESTS), near and past saturation.
 */
const DEADLINE_RUNS = [
	{ concurrency: 1, count: 200 },
	{ concurrency: 4, count: DEADLINE_REQUESTS },
	{ concurrency: 16, count: DEADLINE_REQUESTS },
	{ concurrency: 64, count: DEADLINE_REQUESTS },
];

export async function deadlineSection(edge: Target): Promise<Results["deadline"]> {
	progress(`3. deadline: tmax ${TMAX_MS} ms, bench-c never answers every other request`);
	const rows: DeadlineRow[] = [];
	// Screen ids starting "deadline-" make bench-c hang (bench/dsp-host.ts): one DSP never answers.
	const pool = 100;
	for (const { concurrency, count } of DEADLINE_RUNS) {
		const nextBody = freshBodies(`deadline-c${concurrency}-`, pool, { timeout_ms: TMAX_MS });
		// One pass over the pool first, so every screen's Durable Object exists (warm screens).
		await timedRequests({
			url: edge.url,
			headers: edge.headers,
			nextBody,
			count: pool,
			concurrency: 16,
			maxS: 30,
		});
		await settle([...edge.procs.runtime, ...edge.procs.proxy, ...(edge.background?.runtime ?? [])]);
		const run = await timedRequests({
			url: edge.url,
			headers: edge.headers,
			nextBody,
			count,
			concurrency,
			maxS: 90,
		});
		const over = run.times.map((t) => t - TMAX_MS).sort((a, b) => a - b);
		rows.push({
			concurrency,
			requests: run.times.length,
			filledShare: run.filled / Math.max(1, run.times.length),
			statuses: run.statuses,
			errors: run.errors,
			overshootMs: {
				p50: percentile(over, 50),
				p99: percentile(over, 99),
				max: over[over.length - 1] ?? Number.NaN,
			},
			over50: over.filter((o) => o > PROMISED_MARGIN_MS).length,
		});
		progress(
			`   tmax ${TMAX_MS} ms, ${concurrency} in flight: overshoot p50 ${rows.at(-1)!.overshootMs.p50.toFixed(1)} / p99 ${rows.at(-1)!.overshootMs.p99.toFixed(1)} / max ${rows.at(-1)!.overshootMs.max.toFixed(1)} ms`,
		);
	}
	return {
		tmaxMs: TMAX_MS,
		deadlineMarginMs: DEADLINE_MARGIN_MS,
		promisedMarginMs: PROMISED_MARGIN_MS,
		rows,
	};
}
