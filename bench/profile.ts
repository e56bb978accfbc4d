// CPU profiles for BENCHMARKS.md (`npm run bench -- --profile`): workerd's, through wrangler
// dev's inspector (Chrome DevTools protocol), and Node's for the Parquet encoder, summarised by
// source file (through the bundle's source map) and by function.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./procs";

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}

export interface CpuProfile {
	nodes: {
		id: number;
		callFrame: CallFrame;
		children?: number[];
		/** Self samples by generated line (1-based). */
		positionTicks?: { line: number; ticks: number }[];
	}[];
	startTime: number;
	endTime: number;
	samples?: number[];
	timeDeltas?: number[];
}

export interface ProfileSummary {
	totalMs: number;
	/** Samples in which the isolate ran (everything but "(idle)"): its own CPU, whatever shares its process. */
	busyMs: number;
	/** Self time by source file (original sources where a source map says so). */
	byFile: { file: string; ms: number; share: number }[];
	/** Self time by function. */
	bySelf: { fn: string; ms: number; share: number }[];
	/** Inclusive time by function (recursion counted once). */
	byTotal: { fn: string; ms: number; share: number }[];
	/** Self time by original source line (from V8's position ticks). */
	byLine: { line: string; ms: number; share: number }[];
}

// --- source maps (VLQ "mappings", version 3) ---

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

interface SourceMap {
	sources: string[];
	/** Per generated line: sorted [generatedColumn, sourceIndex, originalLine]. */
	lines: [number, number, number][][];
}

function parseSourceMap(json: { sources: string[]; mappings: string }): SourceMap {
	const lines: [number, number, number][][] = [];
	let source = 0;
	let originalLine = 0;
	for (const line of json.mappings.split(";")) {
		const segments: [number, number, number][] = [];
		let column = 0;
		for (const segment of line.split(",")) {
			if (!segment) continue;
			const values: number[] = [];
			let value = 0;
			let shift = 0;
			for (const char of segment) {
				const digit = B64.indexOf(char);
				value += (digit & 31) << shift;
				if (digit & 32) shift += 5;
				else {
					values.push(value & 1 ? -(value >>> 1) : value >>> 1);
					value = 0;
					shift = 0;
				}
			}
			// [generated column, source, original line, original column(, name)], all deltas.
			column += values[0] ?? 0;
			if (values.length >= 4) {
				source += values[1]!;
				originalLine += values[2]!;
				segments.push([column, source, originalLine]);
			}
		}
		lines.push(segments);
	}
	return { sources: json.sources, lines };
}

const maps = new Map<string, SourceMap | null>();

/** Source maps for script URLs that are not file paths (wrangler dev names its bundle "index.js"). */
const mapFiles = new Map<string, string>();

export function useSourceMap(url: string, mapFile: string): void {
	mapFiles.set(url, mapFile);
	maps.delete(url);
}

/**
 * The original file (and line, 1-based) of a generated position; `column` undefined means the
 * line's first mapped segment.
 */
function sourceLocation(
	url: string,
	line: number,
	column?: number,
): { file: string; line?: number } {
	if (!url) return { file: "" };
	const path = url.startsWith("file://") ? fileURLToPath(url) : url;
	let map = maps.get(path);
	if (map === undefined) {
		try {
			map = parseSourceMap(JSON.parse(readFileSync(mapFiles.get(url) ?? `${path}.map`, "utf8")));
		} catch {
			map = null;
		}
		maps.set(path, map);
	}
	const segments = map?.lines[line] ?? [];
	const found =
		column === undefined ? segments[0] : segments.filter(([col]) => col <= column).at(-1);
	if (map && found) {
		const source = map.sources[found[1]] ?? path;
		const mapFile = mapFiles.get(url) ?? `${path}.map`;
		const file = tidy(source.includes("://") ? source : resolve(dirname(mapFile), source));
		return { file, line: found[2] + 1 };
	}
	return { file: tidy(path) };
}

const sourceFile = (url: string, line: number, column: number) =>
	sourceLocation(url, line, column).file;

function tidy(path: string): string {
	const clean = path.startsWith("file://") ? fileURLToPath(path) : path;
	const nm = clean.lastIndexOf("node_modules/");
	if (nm >= 0) {
		const rest = clean.slice(nm + "node_modules/".length).split("/");
		return `node_modules/${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
	}
	return clean.startsWith("/") ? relative(ROOT, clean) : clean;
}

export function summarise(profile: CpuProfile, top = 15): ProfileSummary {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	// Each sample counts one sampling interval (the median gap between samples). Attributing the
	// actual gap instead would charge whole seconds to one function whenever the sampler itself
	// was held up (e.g. while the inspector proxy replays its buffered console messages).
	const samples = profile.samples ?? [];
	const gaps = (profile.timeDeltas ?? []).filter((d) => d > 0).sort((a, b) => a - b);
	const intervalMs = (gaps[Math.floor(gaps.length / 2)] ?? 1000) / 1000;
	const self = new Map<number, number>();
	for (const id of samples) self.set(id, (self.get(id) ?? 0) + intervalMs);
	const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
	let idleMs = 0;
	for (const [id, ms] of self) if (byId.get(id)?.callFrame.functionName === "(idle)") idleMs += ms;
	const label = (f: CallFrame) => {
		const file = sourceFile(f.url, f.lineNumber, f.columnNumber);
		return file ? `${f.functionName || "(anonymous)"} ${file}` : f.functionName || "(anonymous)";
	};
	// A frame without a script is V8's or the runtime's own (SQL exec, fetch, …).
	const fileOf = (f: CallFrame) =>
		f.url
			? sourceFile(f.url, f.lineNumber, f.columnNumber)
			: f.functionName.startsWith("(")
				? f.functionName
				: `(built-in) ${f.functionName || "anonymous"}`;

	const files = new Map<string, number>();
	const fnSelf = new Map<string, number>();
	for (const [id, ms] of self) {
		const node = byId.get(id);
		if (!node) continue;
		const file = fileOf(node.callFrame);
		files.set(file, (files.get(file) ?? 0) + ms);
		const fn = label(node.callFrame);
		fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + ms);
	}

	const lines = new Map<string, number>();
	for (const node of profile.nodes) {
		const f = node.callFrame;
		for (const tick of node.positionTicks ?? []) {
			const at = sourceLocation(f.url, tick.line - 1);
			if (!at.line) continue;
			const key = `${at.file}:${at.line} (${f.functionName || "anonymous"})`;
			lines.set(key, (lines.get(key) ?? 0) + tick.ticks * intervalMs);
		}
	}

	// Inclusive time: a function's share of samples whose stack contains it.
	const inclusive = new Map<string, number>();
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	for (const [id, ms] of self) {
		const seen = new Set<string>();
		for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
			const node = byId.get(cur);
			if (!node) break;
			const fn = label(node.callFrame);
			if (seen.has(fn)) continue;
			seen.add(fn);
			inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms);
		}
	}
	const rank = <K extends string>(map: Map<string, number>, key: K) =>
		[...map.entries()]
			.sort((a, b) => b[1] - a[1])
			.slice(0, top)
			.map(([name, ms]) => ({ [key]: name, ms, share: totalMs ? ms / totalMs : 0 })) as ({
			[P in K]: string;
		} & { ms: number; share: number })[];
	return {
		totalMs,
		busyMs: totalMs - idleMs,
		byFile: rank(files, "file"),
		bySelf: rank(fnSelf, "fn"),
		byTotal: rank(inclusive, "fn").filter((r) => !r.fn.startsWith("(root)")),
		byLine: rank(lines, "line"),
	};
}

// --- workerd, through wrangler dev's inspector proxy ---

interface Cdp {
	send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
	close(): void;
}

/**
 * The DevTools URL of one Worker's isolate. wrangler dev's inspector proxy shows one Worker only
 * (with px-consumers beside px-edge, not necessarily px-edge), so the workerd runtimes' own
 * inspectors (`--inspector-addr`, one target per Worker, "core:user:<name>") are asked first.
 */
async function targetUrl(
	inspectorPort: number,
	worker?: string,
	pids: number[] = [],
): Promise<string> {
	if (worker) {
		for (const port of listeningPorts(pids)) {
			try {
				const list = (await (
					await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(1_000) })
				).json()) as { webSocketDebuggerUrl?: string; title?: string }[];
				const hit = list.find((t) => t.title?.endsWith(`core:user:${worker}`));
				if (hit?.webSocketDebuggerUrl) return hit.webSocketDebuggerUrl;
			} catch {}
		}
	}
	const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
		webSocketDebuggerUrl?: string;
	}[];
	const target = targets.find((t) => t.webSocketDebuggerUrl);
	if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on :${inspectorPort}`);
	return target.webSocketDebuggerUrl;
}

/** TCP ports the processes listen on, from /proc (their sockets' inodes in /proc/net/tcp). */
function listeningPorts(pids: number[]): number[] {
	const inodes = new Set<string>();
	for (const pid of pids) {
		try {
			for (const fd of readdirSync(`/proc/${pid}/fd`)) {
				const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
				const m = /^socket:\[(\d+)\]$/.exec(link);
				if (m) inodes.add(m[1]!);
			}
		} catch {}
	}
	const ports: number[] = [];
	for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
		const cols = line.trim().split(/\s+/);
		// st 0A = LISTEN; local address is hex ip:port.
		if (cols[3] === "0A" && inodes.has(cols[9] ?? ""))
			ports.push(Number.parseInt(cols[1]!.split(":")[1]!, 16));
	}
	return ports;
}

async function connect(inspectorPort: number, worker?: string, pids?: number[]): Promise<Cdp> {
	const url = await targetUrl(inspectorPort, worker, pids);
	// wrangler's inspector proxy wants an Origin it allows; undici's WebSocket takes headers in
	// its (non-standard) init object.
	const init = { headers: { origin: "http://127.0.0.1" } } as unknown as string[];
	const ws = new WebSocket(url, init);
	await new Promise<void>((resolve, reject) => {
		ws.addEventListener("open", () => resolve(), { once: true });
		ws.addEventListener("error", () => reject(new Error("inspector connection failed")), {
			once: true,
		});
	});
	let nextId = 1;
	const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	ws.addEventListener("message", (event) => {
		const message = JSON.parse(String(event.data)) as {
			id?: number;
			result?: unknown;
			error?: { message: string };
		};
		if (message.id === undefined) return;
		const waiter = pending.get(message.id);
		pending.delete(message.id);
		if (message.error) waiter?.reject(new Error(message.error.message));
		else waiter?.resolve(message.result);
	});
	return {
		send: <T>(method: string, params: Record<string, unknown> = {}) =>
			new Promise<T>((resolve, reject) => {
				const id = nextId++;
				pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
				ws.send(JSON.stringify({ id, method, params }));
				setTimeout(() => {
					if (pending.delete(id)) reject(new Error(`${method}: no answer from the inspector`));
				}, 60_000);
			}),
		close: () => ws.close(),
	};
}

/** Profiles the Worker behind `inspectorPort` while `work` runs. */
export async function profileWorkerd<T>(
	inspectorPort: number,
	work: () => Promise<T>,
	worker?: { name: string; pids: number[] },
): Promise<{ result: T; profile: CpuProfile }> {
	const cdp = await connect(inspectorPort, worker?.name, worker?.pids);
	try {
		await cdp.send("Profiler.enable");
		await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
		await cdp.send("Profiler.start");
		const result = await work();
		const { profile } = await cdp.send<{ profile: CpuProfile }>("Profiler.stop");
		await cdp.send("Profiler.disable");
		return { result, profile };
	} finally {
		cdp.close();
	}
}

/** Profiles `work` in this Node process (what `node --cpu-prof` records, for one function). */
export async function profileNode<T>(work: () => T): Promise<{ result: T; profile: CpuProfile }> {
	const session = new Session();
	session.connect();
	try {
		await session.post("Profiler.enable");
		await session.post("Profiler.setSamplingInterval", { interval: 200 });
		await session.post("Profiler.start");
		const result = work();
		const { profile } = await session.post("Profiler.stop");
		return { result, profile: profile as unknown as CpuProfile };
	} finally {
		session.disconnect();
	}
}
