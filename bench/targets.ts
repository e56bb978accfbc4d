// Issue 23's targets, each judged from the bench's own figures and printed with met or missed;
// `.targets` in `--json` output holds them under the keys the issue names.

/** The thresholds. */
export const TARGETS = {
	/** Answer-path CPU per fresh decision against the baseline's runtime CPU. */
	answerCpuToBaseline: 2,
	/** px-edge / baseline throughput, the background in a process of its own. */
	throughput: 0.5,
	/** p99 of (response time − tmax) at 1 and at 4 in flight. */
	overshootP99Ms: { 1: 25, 4: 25 } as Record<number, number>,
	/** Past saturation (64 in flight), answers later than tmax + 50 ms: the edge sheds instead. */
	overloadLateShare: 0.01,
	costPerMillion: 10,
	parquetToGzip: 0.5,
	bundleGzipBytes: 1_000_000,
};

export interface Target {
	target: string;
	value: string;
	met: boolean;
}

export interface TargetInputs {
	edge: {
		rps: number;
		filledShare: number;
		answerCpuMsPerRequest: number;
		backgroundCpuMsPerRequest: number;
	};
	baseline: { rps: number; runtimeCpuMsPerRequest: number };
	ratio: number;
	sixRatio?: number;
	deadline: {
		concurrency: number;
		requests: number;
		statuses: Record<string, number>;
		overshootMs: { p99: number };
		over50: number;
	}[];
	promisedMarginMs: number;
	costPerMillion?: number;
	parquet: { ratioToStored: number; ratio: number };
	bundleGzipBytes: number;
}

export function judgeTargets(x: TargetInputs): Record<string, Target> {
	const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
	const answerRatio = x.edge.answerCpuMsPerRequest / x.baseline.runtimeCpuMsPerRequest;
	const overload = x.deadline.at(-1);
	const late = overload ? overload.over50 / Math.max(1, overload.requests) : Number.NaN;
	return {
		answerCpu: {
			target: `answer-path CPU per fresh decision ≤ ${TARGETS.answerCpuToBaseline}× the baseline's`,
			value: `${f(answerRatio)}× (${f(x.edge.answerCpuMsPerRequest)} vs ${f(x.baseline.runtimeCpuMsPerRequest)} ms; background ${f(x.edge.backgroundCpuMsPerRequest)} ms beside it)`,
			met: answerRatio <= TARGETS.answerCpuToBaseline,
		},
		throughput: {
			target: `≥ ${TARGETS.throughput}× baseline throughput, the background in its own process`,
			value: `${f(x.ratio)}${x.sixRatio !== undefined ? `; ${f(x.sixRatio)} with 6 DSPs` : ""} (filled ${f(x.edge.filledShare * 100, 1)} %)`,
			// Fast no-fills are not throughput: the ratio counts only when the edge filled.
			met: x.ratio >= TARGETS.throughput && x.edge.filledShare >= 0.99,
		},
		...Object.fromEntries(
			x.deadline
				.filter((row) => TARGETS.overshootP99Ms[row.concurrency] !== undefined)
				.map((row) => [
					`deadline${row.concurrency}`,
					{
						target: `p99 overshoot ≤ ${TARGETS.overshootP99Ms[row.concurrency]} ms at ${row.concurrency} in flight`,
						value: `p99 ${f(row.overshootMs.p99, 1)} ms (${row.statuses["503"] ?? 0} shed)`,
						met: row.overshootMs.p99 <= TARGETS.overshootP99Ms[row.concurrency]!,
					},
				]),
		),
		overload: {
			target: `at ${overload?.concurrency ?? 64} in flight ≤ ${TARGETS.overloadLateShare * 100} % answered later than tmax + ${x.promisedMarginMs} ms (shed instead)`,
			value: overload
				? `${f(late * 100, 1)} % late, ${overload.statuses["503"] ?? 0} of ${overload.requests} shed (503)`
				: "not run",
			met: late <= TARGETS.overloadLateShare,
		},
		costPerMillion: {
			target: `≤ $${TARGETS.costPerMillion} per million decisions on Workers Paid`,
			value: x.costPerMillion !== undefined ? `$${f(x.costPerMillion)}` : "not counted",
			met: x.costPerMillion !== undefined && x.costPerMillion <= TARGETS.costPerMillion,
		},
		parquetCompacted: {
			target: `Parquet ≤ ${TARGETS.parquetToGzip} × gzip NDJSON after compaction`,
			value: `${f(x.parquet.ratioToStored)}× gzip NDJSON as stored, ${f(x.parquet.ratio)}× compacted alike`,
			met: x.parquet.ratioToStored <= TARGETS.parquetToGzip,
		},
		bundle: {
			target: "≤ 1 MB gzip",
			value: `${f(x.bundleGzipBytes / 1e6, 3)} MB`,
			met: x.bundleGzipBytes <= TARGETS.bundleGzipBytes,
		},
	};
}
