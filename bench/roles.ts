// The meter per role. px-edge and px-consumers run in two wrangler dev processes (bench/stack.ts),
// so each role's CPU is read from its own workerd in /proc, not apportioned from a shared one:
// - the answer path: px-edge's isolate and the screens' Durable Objects (one isolate in workerd),
//   plus the local simulators the answer uses (KV, the producer side of the queues);
// - the background: px-consumers (archive, notices, approval intake, dead letters, compaction).
// On Cloudflare the two are separate Workers too; only the answer path delays an answer.
import { cpuSeconds, type WorkerdProcs } from "./procs";
import type { ProfileSummary } from "./profile";

export interface RoleCpuS {
	answer: number;
	background: number;
}

/** Starts counting; the returned function gives each role's CPU seconds since then. */
export function roleMeter(answer: WorkerdProcs, background?: WorkerdProcs): () => RoleCpuS {
	const read = (): RoleCpuS => ({
		answer: cpuSeconds(answer.runtime),
		background: background ? cpuSeconds(background.runtime) : 0,
	});
	const before = read();
	return () => {
		const now = read();
		return { answer: now.answer - before.answer, background: now.background - before.background };
	};
}

export interface RoleFigures {
	edge: { rps: number; answerCpuMsPerRequest: number; backgroundCpuMsPerRequest: number };
	baseline: { rps: number; runtimeCpuMsPerRequest: number };
	six?: {
		edge: { answerCpuMsPerRequest: number; backgroundCpuMsPerRequest: number };
		baseline: { runtimeCpuMsPerRequest: number };
	};
	answerProfile?: ProfileSummary;
	backgroundProfile?: ProfileSummary;
	/** Decisions answered during the profiles. */
	profiledDecisions?: number;
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** The top self-time functions of a profile, "name share" each. */
export function topSelf(p: ProfileSummary | undefined, n = 5): string {
	if (!p) return "(not profiled)";
	return p.bySelf
		.filter((x) => x.fn !== "(idle)")
		.slice(0, n)
		.map((x) => `${x.fn} ${(x.share * 100).toFixed(1)} %`)
		.join("; ");
}

/**
 * The isolate's own CPU per decision, from its profile's non-idle samples: what the workerd
 * process figure holds besides it is the runtime's and the local simulators' work (KV, the queue
 * broker forwarding each message to px-consumers' session, SQLite).
 */
function isolateMs(p: ProfileSummary | undefined, decisions: number | undefined): string {
	return p && decisions ? f(p.busyMs / decisions) : "";
}

/** The per-role table: CPU per decision by role, the baseline beside them, what dominates each. */
export function renderRoles(
	r: RoleFigures,
	table: (rows: (string | number)[][]) => string,
): string {
	const base = r.baseline.runtimeCpuMsPerRequest;
	const rows: (string | number)[][] = [
		[
			"role",
			"CPU ms / decision (its workerd)",
			"× baseline",
			"isolate alone (profile)",
			"req/s",
			"top self time (profile)",
		],
		[
			"answer path (px-edge + screens' objects)",
			f(r.edge.answerCpuMsPerRequest),
			`${f(r.edge.answerCpuMsPerRequest / base)}×`,
			isolateMs(r.answerProfile, r.profiledDecisions),
			f(r.edge.rps, 0),
			topSelf(r.answerProfile, 4),
		],
		[
			"background (px-consumers)",
			f(r.edge.backgroundCpuMsPerRequest),
			`${f(r.edge.backgroundCpuMsPerRequest / base)}×`,
			isolateMs(r.backgroundProfile, r.profiledDecisions),
			"",
			topSelf(r.backgroundProfile, 4),
		],
		[
			"both",
			f(r.edge.answerCpuMsPerRequest + r.edge.backgroundCpuMsPerRequest),
			`${f((r.edge.answerCpuMsPerRequest + r.edge.backgroundCpuMsPerRequest) / base)}×`,
			"",
			"",
			"",
		],
		["baseline (bare fan-out)", f(base), "1.00×", "", f(r.baseline.rps, 0), ""],
	];
	if (r.six) {
		const b6 = r.six.baseline.runtimeCpuMsPerRequest;
		rows.push(
			[
				"answer path, 6 DSPs",
				f(r.six.edge.answerCpuMsPerRequest),
				`${f(r.six.edge.answerCpuMsPerRequest / b6)}×`,
				"",
				"",
				"",
			],
			["background, 6 DSPs", f(r.six.edge.backgroundCpuMsPerRequest), "", "", "", ""],
			["baseline, 6 DSPs", f(b6), "1.00×", "", "", ""],
		);
	}
	return table(rows);
}

/** What `--json` prints under `.roles`: CPU per decision by role, the baseline, what dominates. */
export interface RoleSummary {
	answer: { cpuMsPerDecision: number; isolateMsPerDecision?: number; topSelf: string[] };
	background: { cpuMsPerDecision: number; isolateMsPerDecision?: number; topSelf: string[] };
	baseline: { cpuMsPerDecision: number };
}

export function roleFigures(
	hotPath: {
		edge: { answerCpuMsPerRequest: number; backgroundCpuMsPerRequest: number };
		baseline: { runtimeCpuMsPerRequest: number };
	},
	profiles?: { workerd?: ProfileSummary; background?: ProfileSummary; decisions?: number },
): RoleSummary {
	const role = (cpu: number, p: ProfileSummary | undefined) => ({
		cpuMsPerDecision: cpu,
		...(p && profiles?.decisions ? { isolateMsPerDecision: p.busyMs / profiles.decisions } : {}),
		topSelf: (p?.bySelf ?? [])
			.filter((x) => x.fn !== "(idle)")
			.slice(0, 10)
			.map((x) => `${x.fn} ${(x.share * 100).toFixed(1)} %`),
	});
	return {
		answer: role(hotPath.edge.answerCpuMsPerRequest, profiles?.workerd),
		background: role(hotPath.edge.backgroundCpuMsPerRequest, profiles?.background),
		baseline: { cpuMsPerDecision: hotPath.baseline.runtimeCpuMsPerRequest },
	};
}
