// `npm run bench [-- --json] [-- --profile]`: px-edge's hot path against a baseline Worker, CPU
// per decision, the deadline, the archive encoding and the bundle. Everything on loopback, every
// loop bounded in count and time; see BENCHMARKS.md for the numbers and what they mean.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { buildBundle } from "../scripts/check-bundle";
import { DEADLINE_MARGIN_MS } from "../src/worker/decide/pacing";
import {
	adRequestBody,
	BENCH_DSPS,
	DSPS_PER_REQUEST,
	HOST,
	PLAY_AT_SPACING_MS,
	PORTS,
	SIX_DSP_PREFIX,
} from "./config";
import { type CountedOps, costTable, countOperations, PRICES } from "./cost";
import type { DspStats } from "./dsp-host";
import { drive, median, percentile, timedRequests } from "./load";
import { runPipeline } from "./pipeline";
import {
	busiestThreadShare,
	cpuSeconds,
	scratchRoot,
	stopAll,
	threadTicks,
	workerdOf,
	wranglerSync,
} from "./procs";
import { type CpuProfile, profileNode, profileWorkerd, summarise, useSourceMap } from "./profile";
import { render } from "./render";
import type { DeadlineRow, HotPath, Results, RoundResult, Summary, Target } from "./results";
import { roleFigures, roleMeter } from "./roles";
import { startStack } from "./stack";
import { judgeTargets } from "./targets";

const { values: flags } = parseArgs({
	options: {
		json: { type: "boolean", default: false },
		// On by default: the per-role table names what dominates each role (8 s of load, before
		// the measured rounds); `--no-profile` leaves it out.
		profile: { type: "boolean", default: true },
		"no-profile": { type: "boolean", default: false },
		rounds: { type: "string", default: "3" },
		duration: { type: "string", default: "12" },
		connections: { type: "string", default: "16" },
		screens: { type: "string", default: "1000" },
	},
});
const ROUNDS = Math.min(9, Math.max(3, Number(flags.rounds)));
const DURATION_S = Math.min(60, Math.max(3, Number(flags.duration)));
const CONNECTIONS = Math.min(256, Math.max(1, Number(flags.connections)));
/** Hard cap per load run, whatever the target's speed. */
const MAX_REQUESTS_PER_RUN = 200_000;
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
/**
 * Screens the hot path cycles through; each (screen, play_at) pair is asked once. With 1,000 at
 * ~80 decisions/s a screen comes back every ~12 s, after local workerd has evicted its Durable
 * Object (`--screens 200` keeps them warm, as screens asking every 15–60 s are on Cloudflare).
 */
const SCREEN_POOL = Math.min(100_000, Math.max(50, Number(flags.screens)));
/** 120 spacings of 11 min stay inside the 24 h lead the edge accepts. */
const PASSES_PER_GENERATION = 120;
/** Screens the six-DSP rounds cycle through. */
const SIX_POOL = 300;

const benchStarted = Date.now();
const progress = (text: string) =>
	process.stderr.write(
		`[bench ${((Date.now() - benchStarted) / 1000).toFixed(0).padStart(3)} s] ${text}\n`,
	);

// --- request bodies ---

/** Fresh decisions only: a screen from a pool, each pass over the pool 11 min later. */
function freshBodies(prefix: string, pool: number, extra: Record<string, unknown> = {}) {
	const base = Date.now() + 120_000;
	let n = 0;
	return () => {
		const i = n++;
		const pass = Math.floor(i / pool);
		const generation = Math.floor(pass / PASSES_PER_GENERATION);
		const playAt = base + (pass % PASSES_PER_GENERATION) * PLAY_AT_SPACING_MS;
		return adRequestBody(`${prefix}${generation}-${i % pool}`, playAt, extra);
	};
}

// --- setup helpers ---

async function assertPortFree(port: number): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = createServer();
		server.once("error", () =>
			reject(new Error(`port ${port} on ${HOST} is in use; stop whatever holds it and retry`)),
		);
		server.listen(port, HOST, () => server.close(() => resolve()));
	});
}

async function dspStats(host: ChildProcess): Promise<DspStats> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error("DSP host did not answer")), 5_000);
		const onMessage = (m: { type?: string; stats?: DspStats }) => {
			if (m.type !== "stats" || !m.stats) return;
			clearTimeout(timer);
			host.off("message", onMessage);
			resolve(m.stats);
		};
		host.on("message", onMessage);
		host.send({ type: "stats" });
	});
}

/** Waits until the processes are (nearly) idle again: their waitUntil and queue work is done. */
async function settle(pids: number[], maxMs = 10_000): Promise<number> {
	const started = Date.now();
	let last = cpuSeconds(pids);
	let quiet = 0;
	while (Date.now() - started < maxMs) {
		await new Promise((r) => setTimeout(r, 300));
		const now = cpuSeconds(pids);
		quiet = now - last < 0.3 * 0.05 ? quiet + 1 : 0;
		last = now;
		if (quiet >= 2) break;
	}
	return Date.now() - started;
}

/** Keeps a raw profile next to the other temporary files and returns its path. */
function saveProfile(name: string, profile: CpuProfile): string {
	const path = join(tmpdir(), `px-bench-${name}-${benchStarted}.cpuprofile`);
	writeFileSync(path, JSON.stringify(profile));
	return path;
}

// --- sections ---

function section5Bundle(): Results["bundle"] {
	progress("5. bundle: wrangler deploy --dry-run -e production");
	const { dir, bytes, gzipBytes } = buildBundle("production");
	rmSync(dir, { recursive: true, force: true });
	// The dry run prints sizes and bindings but no startup time (only a real upload gets that back
	// from the API). `wrangler check startup` profiles the startup phase locally instead.
	const scratch = mkdtempSync(join(tmpdir(), "px-bench-startup-"));
	let startupReportedByDryRun = false;
	try {
		const out = wranglerSync([
			"deploy",
			"--dry-run",
			"-e",
			"production",
			"--outdir",
			join(scratch, "dry"),
		]);
		startupReportedByDryRun = /startup time/i.test(out);
	} catch {}
	const active: number[] = [];
	const windows: number[] = [];
	for (let i = 0; i < 3; i++) {
		try {
			const out = wranglerSync([
				"check",
				"startup",
				"--args=-e production",
				"--outfile",
				join(scratch, `startup-${i}.cpuprofile`),
			]);
			const a = /Active: ([\d.]+) ms/.exec(out);
			const w = /Profile window: ([\d.]+) ms/.exec(out);
			if (a) active.push(Number(a[1]));
			if (w) windows.push(Number(w[1]));
		} catch (err) {
			progress(`   wrangler check startup failed: ${String(err).split("\n")[0]}`);
		}
	}
	rmSync(scratch, { recursive: true, force: true });
	return {
		env: "production",
		bytes,
		gzipBytes,
		startupReportedByDryRun,
		...(active.length
			? {
					localStartup: {
						activeMs: median(active),
						windowMs: median(windows),
						runs: active.length,
					},
				}
			: {}),
	};
}

async function runRound(
	target: Target,
	round: number,
	others: { dspHost: number; self: number },
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
		connections: CONNECTIONS,
		durationS: DURATION_S,
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

async function section3Deadline(edge: Target): Promise<DeadlineRow[]> {
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
	return rows;
}

// --- main ---

async function main(): Promise<Results> {
	for (const port of [
		PORTS.edge,
		PORTS.edgeInspector,
		PORTS.baseline,
		PORTS.baselineInspector,
		PORTS.consumers,
		PORTS.consumersInspector,
		...BENCH_DSPS.map((_, i) => PORTS.dsp + i),
	]) {
		await assertPortFree(port);
	}

	// Quiet-machine sections first: nothing else of the bench is running yet.
	const bundle = section5Bundle();
	progress(`   gzip ${(bundle.gzipBytes / 1024).toFixed(1)} KiB`);
	progress("4. pipeline: 10,000 events → Parquet / gzip NDJSON");
	const pipeline = runPipeline(10_000, 5);
	progress("6. cost: platform operations per decision (test/integration/cost.test.ts in workerd)");
	let ops: CountedOps | undefined;
	try {
		ops = countOperations();
	} catch (err) {
		progress(`   could not count operations: ${String(err).split("\n")[0]}`);
	}
	let profiles: Results["profiles"];
	if (flags.profile && !flags["no-profile"]) {
		progress("profile: Node CPU profile of the pipeline section (encodeEvents)");
		const { profile } = await profileNode(() => runPipeline(10_000, 3));
		profiles = { encoder: summarise(profile, 20), files: [saveProfile("encoder", profile)] };
	}

	const work = mkdtempSync(join(scratchRoot(), "px-bench-"));
	try {
		progress(`starting 3 DSPs, px-edge and the baseline under wrangler dev (state in ${work})`);
		const stack = await startStack(work, { edge: true, baseline: true });
		const { dspHost, logTail } = stack;
		const edgeProc = stack.edge!;
		const baselineProc = stack.baseline!;
		const headers = { authorization: "Bearer demo-publisher-key" };
		const edge: Target = {
			name: "px-edge",
			url: `http://${HOST}:${PORTS.edge}/v1/ad-requests`,
			headers,
			wranglerPid: edgeProc.pid!,
			procs: workerdOf(edgeProc.pid!),
			background: workerdOf(stack.consumers!.pid!),
			nextBody: freshBodies("bench-", SCREEN_POOL),
		};
		const baseline: Target = {
			name: "baseline",
			url: `http://${HOST}:${PORTS.baseline}/`,
			headers,
			wranglerPid: baselineProc.pid!,
			procs: workerdOf(baselineProc.pid!),
			nextBody: freshBodies("bench-", SCREEN_POOL),
		};
		for (const t of [edge, baseline]) {
			if (t.procs.runtime.length === 0) throw new Error(`${t.name}: no workerd process found`);
		}
		if (edge.background?.runtime.length === 0) throw new Error("px-consumers: no workerd found");
		const edgeIdle = () =>
			settle([...edge.procs.runtime, ...edge.procs.proxy, ...edge.background!.runtime], 30_000);
		const others = { dspHost: dspHost.pid!, self: process.pid };

		// A first answer, checked by hand: the bench must measure ads, not errors.
		const probe = await fetch(edge.url, {
			method: "POST",
			headers: { ...headers, "content-type": "application/json" },
			body: adRequestBody("probe-1", Date.now() + 60_000),
		});
		const probeText = await probe.text();
		if (!probeText.startsWith('{"filled":true')) {
			throw new Error(
				`px-edge did not fill the probe request: ${probe.status} ${probeText}\n${logTail("edge")}`,
			);
		}

		progress(
			`warm-up: one pass over ${SCREEN_POOL} screens (creates their Durable Objects), baseline 3 s`,
		);
		await drive({
			url: edge.url,
			headers,
			nextBody: edge.nextBody,
			connections: CONNECTIONS,
			durationS: 60,
			maxRequests: SCREEN_POOL,
		});
		await edgeIdle();
		await drive({
			url: baseline.url,
			headers,
			nextBody: baseline.nextBody,
			connections: CONNECTIONS,
			durationS: 3,
		});

		if (profiles) {
			// Before the measured rounds: wrangler's inspector proxy buffers every console message
			// until a DevTools client connects, and replays them all on connect.
			progress(
				"profile: workerd CPU profiles of px-edge and px-consumers under the hot-path load (8 s)",
			);
			try {
				useSourceMap(basename(stack.edgeBundle), `${stack.edgeBundle}.map`);
				useSourceMap(basename(stack.consumersBundle), `${stack.consumersBundle}.map`);
				// Both isolates at once, each through its wrangler dev's inspector proxy (one Worker per
				// session now; the runtime's own inspector allows one client, which is that proxy).
				const { result: answer, profile: background } = await profileWorkerd(
					PORTS.consumersInspector,
					() =>
						profileWorkerd(PORTS.edgeInspector, async () => {
							const load = await drive({
								url: edge.url,
								headers,
								nextBody: edge.nextBody,
								connections: CONNECTIONS,
								durationS: 8,
							});
							await edgeIdle();
							return load;
						}),
				);
				profiles.workerd = summarise(answer.profile, 20);
				profiles.background = summarise(background, 20);
				profiles.decisions = Math.max(1, answer.result.requests - answer.result.non2xx);
				profiles.files?.push(
					saveProfile("workerd", answer.profile),
					saveProfile("consumers", background),
				);
			} catch (err) {
				profiles.error = String(err);
			}
		}
		progress(
			`1–2. hot path: ${ROUNDS} alternating rounds of ${DURATION_S} s each, ${CONNECTIONS} connections`,
		);
		const rounds: RoundResult[] = [];
		for (let r = 0; r < ROUNDS; r++) {
			const order = r % 2 === 0 ? [edge, baseline] : [baseline, edge];
			for (const target of order) {
				const result = await runRound(target, r + 1, others);
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
			connections: CONNECTIONS,
			durationS: DURATION_S,
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
				headers,
				nextBody: () => body(primed++),
				count: pool,
				concurrency: 16,
				maxS: 30,
			});
			let n = 0;
			const cachedRound = await runRound({ ...edge, nextBody: () => body(n++) }, 0, others);
			const s = summary([cachedRound]);
			hotPath.cached = {
				...s,
				ratioToBaseline: s.rps / hotPath.baseline.rps,
				cachedShare: cachedRound.cached / Math.max(1, cachedRound.requests),
			};
		}

		progress(
			`   six DSPs: ${SIX_POOL} screens at the venue all six bench DSPs buy, one round each`,
		);
		{
			const sixEdge = { ...edge, nextBody: freshBodies(SIX_DSP_PREFIX, SIX_POOL) };
			const sixBase: Target = {
				...baseline,
				headers: { ...headers, "x-bench-dsps": String(DSPS_PER_REQUEST.six) },
				nextBody: freshBodies(SIX_DSP_PREFIX, SIX_POOL),
			};
			await drive({
				url: edge.url,
				headers,
				nextBody: sixEdge.nextBody,
				connections: CONNECTIONS,
				durationS: 60,
				maxRequests: SIX_POOL,
			});
			await edgeIdle();
			const e = summary([await runRound(sixEdge, 1, others)]);
			const b = summary([await runRound(sixBase, 1, others)]);
			hotPath.six = { edge: e, baseline: b, ratio: e.rps / b.rps };
			progress(
				`   six DSPs: px-edge ${e.rps.toFixed(0)} req/s, ${e.runtimeCpuMsPerRequest.toFixed(2)} ms CPU; baseline ${b.rps.toFixed(0)} req/s, ${b.runtimeCpuMsPerRequest.toFixed(2)} ms CPU`,
			);
		}

		const deadlineRows = await section3Deadline(edge);

		const stats = await dspStats(dspHost);

		const ok = (share: number) => share >= 0.99;
		const problems = [
			...(!ok(hotPath.edge.filledShare)
				? [`px-edge filled only ${(hotPath.edge.filledShare * 100).toFixed(1)}%`]
				: []),
			...(!ok(hotPath.baseline.filledShare)
				? [`baseline filled only ${(hotPath.baseline.filledShare * 100).toFixed(1)}%`]
				: []),
			// Past saturation (64 in flight) bidders' answers arrive after the deadline: no fill there.
			...deadlineRows
				.filter((r) => r.concurrency <= 16 && !ok(r.filledShare))
				.map((r) => `deadline (${r.concurrency}) filled only ${(r.filledShare * 100).toFixed(1)}%`),
		];
		if (problems.length) progress(`WARNING: ${problems.join("; ")} — see ${work}/edge.log`);

		// Every billed CPU millisecond: the answer path's and the background's.
		const cost = ops
			? (() => {
					const lines = costTable(
						ops,
						hotPath.edge.answerCpuMsPerRequest + hotPath.edge.backgroundCpuMsPerRequest,
					);
					return {
						ops,
						lines,
						perMillion: lines.reduce((n, l) => n + l.perMillion, 0),
						pricesRead: PRICES.date,
					};
				})()
			: undefined;
		const targets = judgeTargets({
			edge: hotPath.edge,
			baseline: hotPath.baseline,
			ratio: hotPath.ratio,
			...(hotPath.six ? { sixRatio: hotPath.six.ratio } : {}),
			deadline: deadlineRows,
			promisedMarginMs: PROMISED_MARGIN_MS,
			...(cost ? { costPerMillion: cost.perMillion } : {}),
			parquet: pipeline.compacted,
			bundleGzipBytes: bundle.gzipBytes,
		});

		return {
			machine: {
				nproc: cpus().length,
				cpuModel: cpus()[0]?.model ?? "unknown",
				memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
				node: process.version,
			},
			command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
			startedAt: new Date(benchStarted).toISOString(),
			totalS: 0,
			hotPath,
			deadline: {
				tmaxMs: TMAX_MS,
				deadlineMarginMs: DEADLINE_MARGIN_MS,
				promisedMarginMs: PROMISED_MARGIN_MS,
				rows: deadlineRows,
			},
			pipeline,
			bundle,
			targets,
			roles: roleFigures(hotPath, profiles),
			dspStats: stats,
			...(cost ? { cost } : {}),
			...(profiles ? { profiles } : {}),
		};
	} finally {
		await stopAll();
		rmSync(work, { recursive: true, force: true });
	}
}

try {
	const results = await main();
	results.totalS = (Date.now() - benchStarted) / 1000;
	process.stdout.write(flags.json ? `${JSON.stringify(results)}\n` : `${render(results)}\n`);
	process.exit(0);
} catch (err) {
	await stopAll();
	process.stderr.write(
		`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
	);
	process.exit(1);
}
