// Load generation: autocannon for throughput (sections 1–2), a small fetch loop with exact
// per-request timings for the deadline (section 3). Both bounded in count and time.
import autocannon from "autocannon";

export interface LoadResult {
	requests: number;
	durationS: number;
	rps: number;
	p50: number;
	p99: number;
	/** Answers that carried an ad (px-edge: filled; baseline: a bid). */
	filled: number;
	/** px-edge answers served from the per-screen decision cache. */
	cached: number;
	non2xx: number;
	errors: number;
	statuses: Record<string, number>;
}

export interface LoadOptions {
	url: string;
	headers: Record<string, string>;
	/** The next request body; called once per request. */
	nextBody: () => string;
	connections: number;
	durationS: number;
	/** Upper bound on requests, so a run stays bounded however fast the target is. */
	maxRequests?: number;
}

export async function drive(options: LoadOptions): Promise<LoadResult> {
	let filled = 0;
	let cached = 0;
	const statuses: Record<string, number> = {};
	const result = await autocannon({
		url: options.url,
		connections: options.connections,
		duration: options.durationS,
		...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
		timeout: 10,
		requests: [
			{
				method: "POST",
				headers: { ...options.headers, "content-type": "application/json" },
				setupRequest: (request) => ({ ...request, body: options.nextBody() }),
				onResponse: (status, body) => {
					statuses[status] = (statuses[status] ?? 0) + 1;
					if (status === 200 && body.startsWith('{"filled":true')) {
						filled++;
						if (body.startsWith('{"filled":true,"cached":true')) cached++;
					}
				},
			},
		],
	});
	const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
	const durationS = result.duration;
	return {
		requests,
		durationS,
		rps: requests / durationS,
		p50: result.latency.p50,
		p99: result.latency.p99,
		filled,
		cached,
		non2xx: result.non2xx,
		errors: result.errors + result.timeouts,
		statuses,
	};
}

export interface TimedResult {
	/** Response time of every request, ms (send to full body). */
	times: number[];
	filled: number;
	statuses: Record<string, number>;
	errors: number;
	durationS: number;
}

/** `count` POSTs with `concurrency` in flight, each timed exactly; gives up after `maxS`. */
export async function timedRequests(options: {
	url: string;
	headers: Record<string, string>;
	nextBody: () => string;
	count: number;
	concurrency: number;
	maxS: number;
}): Promise<TimedResult> {
	const times: number[] = [];
	const statuses: Record<string, number> = {};
	let filled = 0;
	let errors = 0;
	let issued = 0;
	const started = performance.now();
	const giveUpAt = started + options.maxS * 1000;
	const loop = async () => {
		while (issued < options.count && performance.now() < giveUpAt) {
			issued++;
			const body = options.nextBody();
			const t0 = performance.now();
			try {
				const res = await fetch(options.url, {
					method: "POST",
					headers: { ...options.headers, "content-type": "application/json" },
					body,
					signal: AbortSignal.timeout(10_000),
				});
				const text = await res.text();
				times.push(performance.now() - t0);
				statuses[res.status] = (statuses[res.status] ?? 0) + 1;
				if (res.status === 200 && text.startsWith('{"filled":true')) filled++;
			} catch {
				errors++;
			}
		}
	};
	await Promise.all(Array.from({ length: options.concurrency }, loop));
	return { times, filled, statuses, errors, durationS: (performance.now() - started) / 1000 };
}

export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index]!;
}

export const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
