// Sections 1–2: the hot path. Rounds of load alternating between px-edge and the baseline, each
// counted in CPU per process and per role, then the cached path and six DSPs per request.
import { adRequestBody, DSPS_PER_REQUEST, freshBodies, SIX_DSP_PREFIX } from "./config";
import { drive, median, timedRequests } from "./load";
import { busiestThreadShare, cpuSeconds, settle, threadTicks, workerdOf } from "./procs";
import { progress } from "./progress";
import type { HotPath, RoundResult, Summary, Target } from "./results";
import { roleMeter } from "./roles";

/** Hard cap per load run, whatever the target's speed. */
const MAX_REQUESTS_PER_RUN = 200_000;
/** Screens the six-DSP rounds cycle through. */
const SIX_POOL = 300;

/** The load of one round; `--connections` and `--duration`. */
export interface RoundLoad {
	connections: number;
	durationS: number;
}

/** The processes outside the target whose CPU a round also reports. */
export interface Others {
	dspHost: number;
	self: number;
}

async function runRound(
	target: Target,
	round: number,
	others: Others,
	shape: RoundLoad,
): Promise<RoundResult> {
	const workerd = [...target.procs.runtime, ...target.procs.proxy];
	const before = {
		all: cpuSeconds(workerd),
		runtime: cpuSeconds(target.procs.runtime),
		dsp: cpuSeconds([others.dspHost]),
		node: cpuSeconds(target.procs.node),
		self: process.cpuUsage(),
	};
	const meter = roleMeter(target.procs, target.background);
	const threadsBefore = threadTicks(workerd);
	const load = await drive({
		url: target.url,
		headers: target.headers,
		nextBody: target.nextBody,
		connections: shape.connections,
		durationS: shape.durationS,
		maxRequests: MAX_REQUESTS_PER_RUN,
	});
	const busiestThread = busiestThreadShare(threadsBefore, threadTicks(workerd), load.durationS);
	// The background lags the load (batches of 100 events, notices within a second): the round
	// ends when both roles are idle, so its work is counted here and not in the next round.
	const settleMs = await settle(
		[...workerd, ...(target.background?.runtime ?? []), others.dspHost],
		target.background ? 30_000 : 10_000,
	);
	const roles = meter();
	const now = workerdOf(target.wranglerPid);
	if (now.runtime.join() !== target.procs.runtime.join()) {
		throw new Error(
			`${target.name}: workerd restarted during round ${round}; its CPU cannot be counted`,
		);
	}
	const self = process.cpuUsage(before.self);
	return {
		...load,
		target: target.name,
		round,
		cpuS: cpuSeconds(workerd) - before.all,
		runtimeCpuS: cpuSeconds(target.procs.runtime) - before.runtime,
		roles,
		otherCpuS: {
			dspHost: cpuSeconds([others.dspHost]) - before.dsp,
			wranglerNode: cpuSeconds(target.procs.node) - before.node,
			loadGenerator: (self.user + self.system) / 1e6,
		},
		settleMs,
		busiestThread,
	};
}

function summary(rounds: RoundResult[]): Summary {
	const served = (r: RoundResult) => Math.max(1, r.requests - r.non2xx);
	return {
		rps: median(rounds.map((r) => r.rps)),
		p50: median(rounds.map((r) => r.p50)),
		p99: median(rounds.map((r) => r.p99)),
		requests: rounds.reduce((n, r) => n + r.requests, 0),
		filledShare:
			rounds.reduce((n, r) => n + r.filled, 0) /
			Math.max(
				1,
				rounds.reduce((n, r) => n + r.requests, 0),
			),
		cpuMsPerRequest: median(rounds.map((r) => (r.cpuS * 1000) / served(r))),
		runtimeCpuMsPerRequest: median(rounds.map((r) => (r.runtimeCpuS * 1000) / served(r))),
		answerCpuMsPerRequest: median(rounds.map((r) => (r.roles.answer * 1000) / served(r))),
		backgroundCpuMsPerRequest: median(rounds.map((r) => (r.roles.background * 1000) / served(r))),
		dspHostCpuMsPerRequest: median(rounds.map((r) => (r.otherCpuS.dspHost * 1000) / served(r))),
		wranglerNodeCpuMsPerRequest: median(
			rounds.map((r) => (r.otherCpuS.wranglerNode * 1000) / served(r)),
		),
		busiestThread: median(rounds.map((r) => r.busiestThread)),
	};
}

export async function hotPathSection(run: {
	edge: Target;
	baseline: Target;
	others: Others;
	rounds: number;
	load: RoundLoad;
	/** Waits until px-edge and px-consumers are idle after a warm-up. */
	edgeIdle: () => Promise<unknown>;
}): Promise<HotPath> {
	const { edge, baseline, others, load } = run;
	progress(
		`1–2. hot path: ${run.rounds} alternating rounds of ${load.durationS} s each, ${load.connections} connections`,
	);
	const rounds: RoundResult[] = [];
	for (let r = 0; r < run.rounds; r++) {
		const order = r % 2 === 0 ? [edge, baseline] : [baseline, edge];
		for (const target of order) {
			const result = await runRound(target, r + 1, others, load);
			rounds.push(result);
			progress(
				`   round ${r + 1} ${target.name.padEnd(8)} ${result.rps.toFixed(0).padStart(5)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  filled ${((result.filled / Math.max(1, result.requests)) * 100).toFixed(1)}%  workerd ${((result.cpuS * 1000) / Math.max(1, result.requests)).toFixed(2)} ms CPU/req, busiest thread ${(result.busiestThread * 100).toFixed(0)}%  (settled in ${result.settleMs} ms)`,
			);
		}
	}
	const edgeRounds = rounds.filter((r) => r.target === "px-edge");
	const baseRounds = rounds.filter((r) => r.target === "baseline");
	const ratios = edgeRounds.map((e) => e.rps / baseRounds.find((b) => b.round === e.round)!.rps);
	const hotPath: HotPath = {
		connections: load.connections,
		durationS: load.durationS,
		rounds,
		edge: summary(edgeRounds),
		baseline: summary(baseRounds),
		ratios,
		ratio: median(ratios),
	};

	progress(
		"   cached path: the same screen + slot + play_at again, answered from the screen's cache",
	);
	{
		const pool = 200;
		const playAt = Date.now() + 30 * 60_000;
		const body = (i: number) => adRequestBody(`cached-${i % pool}`, playAt);
		let primed = 0;
		await timedRequests({
			url: edge.url,
			headers: edge.headers,
			nextBody: () => body(primed++),
			count: pool,
			concurrency: 16,
			maxS: 30,
		});
		let n = 0;
		const cachedRound = await runRound({ ...edge, nextBody: () => body(n++) }, 0, others, load);
		const s = summary([cachedRound]);
		hotPath.cached = {
			...s,
			ratioToBaseline: s.rps / hotPath.baseline.rps,
			cachedShare: cachedRound.cached / Math.max(1, cachedRound.requests),
		};
	}

	progress(`   six DSPs: ${SIX_POOL} screens at the venue all six bench DSPs buy, one round each`);
	{
		const sixEdge = { ...edge, nextBody: freshBodies(SIX_DSP_PREFIX, SIX_POOL) };
		const sixBase: Target = {
			...baseline,
			headers: { ...baseline.headers, "x-bench-dsps": String(DSPS_PER_REQUEST.six) },
			nextBody: freshBodies(SIX_DSP_PREFIX, SIX_POOL),
		};
		await drive({
			url: edge.url,
			headers: edge.headers,
			nextBody: sixEdge.nextBody,
			connections: load.connections,
			durationS: 60,
			maxRequests: SIX_POOL,
		});
		await run.edgeIdle();
		const e = summary([await runRound(sixEdge, 1, others, load)]);
		const b = summary([await runRound(sixBase, 1, others, load)]);
		hotPath.six = { edge: e, baseline: b, ratio: e.rps / b.rps };
		progress(
			`   six DSPs: px-edge ${e.rps.toFixed(0)} req/s, ${e.runtimeCpuMsPerRequest.toFixed(2)} ms CPU; baseline ${b.rps.toFixed(0)} req/s, ${b.runtimeCpuMsPerRequest.toFixed(2)} ms CPU`,
		);
	}
	return hotPath;
}
