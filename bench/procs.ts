// Processes the bench starts, and what it reads about them from /proc. Every child is started in
// its own process group and killed by that group's id (wrangler starts workerd and esbuild
// below itself), on success, on failure and on Ctrl-C.
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { accessSync, constants, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");

/** The project's pinned Node (wrangler needs ≥ 22.12); the current one if it is not installed. */
export const NODE = existsSync(join(ROOT, "node_modules/node/bin/node"))
	? join(ROOT, "node_modules/node/bin/node")
	: process.execPath;
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Keeps wrangler on loopback: no update check, telemetry, error reports or `Request.cf` fetch. */
export const WRANGLER_ENV = {
	...process.env,
	WRANGLER_HIDE_BANNER: "true",
	WRANGLER_SEND_METRICS: "false",
	WRANGLER_SEND_ERROR_REPORTS: "false",
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	// A bench must not restart because someone edits wrangler.toml while it runs.
	WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
	NO_COLOR: "1",
};

const started = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {}
	}
}

export async function stop(child: ChildProcess): Promise<void> {
	if (!started.has(child)) return;
	started.delete(child);
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	killGroup(child, "SIGTERM");
	const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
	await exited;
	clearTimeout(timer);
	// wrangler's children (workerd, esbuild) are in the same group; make sure none survive.
	try {
		if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
	} catch {}
}

export async function stopAll(): Promise<void> {
	await Promise.all([...started].map(stop));
}

function killAllNow(): void {
	for (const child of started) {
		killGroup(child, "SIGKILL");
		if (child.pid !== undefined) {
			try {
				process.kill(-child.pid, "SIGKILL");
			} catch {}
		}
	}
	started.clear();
}

let handlersInstalled = false;
function installHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on("exit", killAllNow);
	for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
		process.on(signal, () => {
			killAllNow();
			process.exit(130);
		});
	}
}

/**
 * `wrangler dev` in its own process group, output to `logFile`. Run it in the config's folder:
 * wrangler resolves a script argument against the config's folder after making it relative to
 * the working directory.
 */
export function startWrangler(
	args: string[],
	logFile: string,
	cwd = ROOT,
	env: Record<string, string> = {},
): ChildProcess {
	installHandlers();
	const out = openSync(logFile, "a");
	const child = spawn(NODE, [WRANGLER, "dev", ...args], {
		cwd,
		env: { ...WRANGLER_ENV, ...env },
		detached: true,
		stdio: ["ignore", out, out],
	});
	started.add(child);
	return child;
}

/** A TypeScript module as a child process (same loader as this one), with IPC. */
export function forkModule(path: string): ChildProcess {
	installHandlers();
	const child = fork(path, [], {
		cwd: ROOT,
		detached: true,
		stdio: ["ignore", "inherit", "inherit", "ipc"],
	});
	started.add(child);
	return child;
}

/** Runs a wrangler command to completion (not `dev`), e.g. `kv bulk put`. */
export function wranglerSync(args: string[]): string {
	return execFileSync(NODE, [WRANGLER, ...args], {
		cwd: ROOT,
		env: WRANGLER_ENV,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
		timeout: 120_000,
	});
}

export async function waitForHttp(
	url: string,
	child: ChildProcess,
	timeoutMs: number,
	/** Whether an answer means "up" (a Worker without a fetch handler answers 500). */
	up = (status: number) => status < 500,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode})`);
		const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
			(r) => up(r.status),
			() => false,
		);
		if (ok) return;
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`${url} did not come up within ${timeoutMs / 1000} s`);
}

// --- /proc ---

interface ProcStat {
	pid: number;
	comm: string;
	ppid: number;
	/** utime + stime, clock ticks. */
	ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		const close = text.lastIndexOf(")");
		const comm = text.slice(text.indexOf("(") + 1, close);
		const fields = text.slice(close + 2).split(" ");
		return {
			pid,
			comm,
			ppid: Number(fields[1]),
			ticks: Number(fields[11]) + Number(fields[12]),
		};
	} catch {
		return undefined;
	}
}

export const CLOCK_TICKS = (() => {
	try {
		return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
	} catch {
		return 100;
	}
})();

/** Every process below `root` (children, grandchildren, …). */
export function descendants(root: number): ProcStat[] {
	const all = readdirSync("/proc")
		.filter((name) => /^\d+$/.test(name))
		.map((name) => readStat(Number(name)))
		.filter((s): s is ProcStat => s !== undefined);
	const found: ProcStat[] = [];
	const queue = [root];
	while (queue.length > 0) {
		const parent = queue.shift()!;
		for (const s of all) {
			if (s.ppid === parent) {
				found.push(s);
				queue.push(s.pid);
			}
		}
	}
	return found;
}

export interface WorkerdProcs {
	/** The workerd that runs the Worker (the one with the inspector). */
	runtime: number[];
	/** wrangler dev's proxy workerd in front of it (it owns the public port). */
	proxy: number[];
	/** wrangler's own Node processes. */
	node: number[];
}

export function workerdOf(wranglerPid: number): WorkerdProcs {
	const procs = descendants(wranglerPid);
	const result: WorkerdProcs = { runtime: [], proxy: [], node: [wranglerPid] };
	for (const p of procs) {
		if (p.comm === "workerd") {
			const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
			(cmdline.includes("--inspector-addr") ? result.runtime : result.proxy).push(p.pid);
		} else if (p.comm.startsWith("node")) result.node.push(p.pid);
	}
	return result;
}

/** CPU seconds (user + system) used so far by these processes. */
export function cpuSeconds(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
	return ticks / CLOCK_TICKS;
}

/** Waits until the processes are (nearly) idle again: their waitUntil and queue work is done. */
export async function settle(pids: number[], maxMs = 10_000): Promise<number> {
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

/** CPU ticks of every thread of these processes, keyed "pid/tid". */
export function threadTicks(pids: number[]): Map<string, number> {
	const ticks = new Map<string, number>();
	for (const pid of pids) {
		let tids: string[] = [];
		try {
			tids = readdirSync(`/proc/${pid}/task`);
		} catch {
			continue;
		}
		for (const tid of tids) {
			try {
				const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
				const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
				ticks.set(`${pid}/${tid}`, Number(fields[11]) + Number(fields[12]));
			} catch {}
		}
	}
	return ticks;
}

/** The busiest thread between two `threadTicks` samples, as a share of one core. */
export function busiestThreadShare(
	before: Map<string, number>,
	after: Map<string, number>,
	seconds: number,
): number {
	let max = 0;
	for (const [key, ticks] of after) max = Math.max(max, ticks - (before.get(key) ?? 0));
	return seconds > 0 ? max / CLOCK_TICKS / seconds : 0;
}

/**
 * Where the bench keeps wrangler state and bundles: tmpfs when there is one. Local Durable
 * Objects are SQLite files there, and on a shared virtual disk their synchronous writes block
 * the Worker's thread for as long as the disk takes (another tenant's I/O doubled run times).
 */
export function scratchRoot(): string {
	try {
		accessSync("/dev/shm", constants.W_OK);
		return "/dev/shm";
	} catch {
		return tmpdir();
	}
}
