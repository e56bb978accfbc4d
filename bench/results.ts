// What a bench run measures, as `--json` prints it (bench/run.ts fills it, bench/render.ts prints it).
import type { CostLine, CountedOps } from "./cost";
import type { DspStats } from "./dsp-host";
import type { LoadResult } from "./load";
import type { PipelineResult } from "./pipeline";
import type { WorkerdProcs } from "./procs";
import type { ProfileSummary } from "./profile";
import type { RoleCpuS, RoleSummary } from "./roles";

export interface Target {
	name: "px-edge" | "baseline";
	url: string;
	headers: Record<string, string>;
	wranglerPid: number;
	procs: WorkerdProcs;
	/** px-consumers' workerd, for px-edge: the background role (bench/roles.ts). */
	background?: WorkerdProcs;
	nextBody: () => string;
}

export interface RoundResult extends LoadResult {
	target: Target["name"];
	round: number;
	/** workerd CPU seconds (runtime + proxy) over the run and the settling after it. */
	cpuS: number;
	runtimeCpuS: number;
	/** CPU seconds per role over the run and the settling (bench/roles.ts). */
	roles: RoleCpuS;
	otherCpuS: { dspHost: number; wranglerNode: number; loadGenerator: number };
	settleMs: number;
	/** The busiest workerd thread during the load (not the settling), as a share of one core. */
	busiestThread: number;
}

export interface HotPath {
	connections: number;
	durationS: number;
	rounds: RoundResult[];
	edge: Summary;
	baseline: Summary;
	ratios: number[];
	ratio: number;
	cached?: Summary & { ratioToBaseline: number; cachedShare: number };
	/** One round each with six DSPs per request (the connection cap). */
	six?: { edge: Summary; baseline: Summary; ratio: number };
}

export interface Summary {
	rps: number;
	p50: number;
	p99: number;
	requests: number;
	filledShare: number;
	cpuMsPerRequest: number;
	runtimeCpuMsPerRequest: number;
	/** The answer path's workerd runtime (for the baseline: its runtime). */
	answerCpuMsPerRequest: number;
	/** px-consumers' workerd runtime: archive, notices, intake (0 for the baseline). */
	backgroundCpuMsPerRequest: number;
	/** CPU ms per request outside workerd: the DSP host and wrangler's Node process. */
	dspHostCpuMsPerRequest: number;
	wranglerNodeCpuMsPerRequest: number;
	busiestThread: number;
}

export interface DeadlineRow {
	concurrency: number;
	requests: number;
	filledShare: number;
	statuses: Record<string, number>;
	errors: number;
	overshootMs: { p50: number; p99: number; max: number };
	over50: number;
}

export interface Results {
	machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string };
	command: string;
	startedAt: string;
	totalS: number;
	hotPath: HotPath;
	deadline: {
		tmaxMs: number;
		deadlineMarginMs: number;
		promisedMarginMs: number;
		rows: DeadlineRow[];
	};
	pipeline: PipelineResult;
	bundle: {
		env: string;
		bytes: number;
		gzipBytes: number;
		startupReportedByDryRun: boolean;
		localStartup?: { activeMs: number; windowMs: number; runs: number };
	};
	targets: Record<string, { target: string; value: string; met: boolean }>;
	/** The meter per role (bench/roles.ts). */
	roles: RoleSummary;
	cost?: { ops: CountedOps; lines: CostLine[]; perMillion: number; pricesRead: string };
	dspStats?: DspStats;
	profiles?: {
		/** The answer path: px-edge's isolate (the screens' objects run in it). */
		workerd?: ProfileSummary;
		/** The background: px-consumers' isolate, profiled over the same load. */
		background?: ProfileSummary;
		/** Decisions answered while both isolates were profiled (busyMs / decisions = isolate CPU). */
		decisions?: number;
		encoder?: ProfileSummary;
		error?: string;
		/** The raw .cpuprofile files, for Chrome DevTools or VS Code. */
		files?: string[];
	};
}
