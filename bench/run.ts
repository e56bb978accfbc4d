// `npm run bench [-- --json] [-- --profile]`: px-edge's hot path against a baseline Worker, CPU
// per decision, the deadline, the archive encoding and the bundle. Everything on loopback, every
// loop bounded in count and time; see BENCHMARKS.md for the numbers and what they mean.
//
// The conductor: the flags, the order of the sections (bench/bundle.ts, pipeline.ts, cost.ts,
// profiles.ts, rounds.ts, deadline.ts), the targets they are run against, and the report.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundleSection } from "./bundle";
import { adRequestBody, freshBodies, HOST, PORTS } from "./config";
import { type CountedOps, costTable, countOperations, PRICES } from "./cost";
import { deadlineSection } from "./deadline";
import { drive } from "./load";
import { runPipeline } from "./pipeline";
import { scratchRoot, settle, stopAll, workerdOf } from "./procs";
import { type Profiles, profileEncoder, profileHotPath } from "./profiles";
import { benchStarted, progress } from "./progress";
import { render } from "./render";
import type { Results, Target } from "./results";
import { roleFigures } from "./roles";
import { hotPathSection } from "./rounds";
import { assertPortsFree, dspStats, startStack } from "./stack";
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
/**
 * Screens the hot path cycles through; each (screen, play_at) pair is asked once. With 1,000 at
 * ~80 decisions/s a screen comes back every ~12 s, after local workerd has evicted its Durable
 * Object (`--screens 200` keeps them warm, as screens asking every 15–60 s are on Cloudflare).
 */
const SCREEN_POOL = Math.min(100_000, Math.max(50, Number(flags.screens)));

async function main(): Promise<Results> {
	await assertPortsFree();

	// Quiet-machine sections first: nothing else of the bench is running yet.
	const bundle = bundleSection();
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
	let profiles: Profiles | undefined;
	if (flags.profile && !flags["no-profile"]) profiles = await profileEncoder();

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
			await profileHotPath(profiles, stack, async () => {
				const load = await drive({
					url: edge.url,
					headers,
					nextBody: edge.nextBody,
					connections: CONNECTIONS,
					durationS: 8,
				});
				await edgeIdle();
				return load;
			});
		}
		const hotPath = await hotPathSection({
			edge,
			baseline,
			others: { dspHost: dspHost.pid!, self: process.pid },
			rounds: ROUNDS,
			load: { connections: CONNECTIONS, durationS: DURATION_S },
			edgeIdle,
		});
		const deadline = await deadlineSection(edge);
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
			...deadline.rows
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
			deadline: deadline.rows,
			promisedMarginMs: deadline.promisedMarginMs,
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
			deadline,
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
