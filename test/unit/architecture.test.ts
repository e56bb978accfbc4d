// The shape of src/, checked on every run: Biome's import rules (biome.json) catch a wrong import
// as it is typed, but they cannot see a cycle or a file that has grown too long to read.
//
// - src/px is the domain: it imports nothing but itself (and libraries).
// - src/services serve every shell: they import src/px and each other.
// - The shells (src/worker, the HTTP app; src/durable-objects; src/queues, the consumers) stand
//   side by side: each imports src/services and src/px, never another shell, types included.
// - src/index.ts and src/consumers.ts, the two Workers' entry points, may import anything.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const MAX_LINES = 400;

/** Generated or data files, which nobody reads as code. */
const NOT_CODE = ["worker/generated/", "px/data/"];

const LINE_LIMIT_EXCEPTIONS = new Set<string>([]);

const ALLOWED: Record<string, string[]> = {
	px: ["px"],
	services: ["services", "px"],
	"durable-objects": ["durable-objects", "services", "px"],
	queues: ["queues", "services", "px"],
	worker: ["worker", "services", "px"],
};

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [relative(SRC, path)];
	});
}

const known = new Set(filesUnder(SRC));
const files = [...known].filter(
	(f) => /\.tsx?$/.test(f) && !NOT_CODE.some((prefix) => f.startsWith(prefix)),
);

// import … from "x", import "x", export … from "x", import("x"); `type` forms included.
const SPECIFIER =
	/(?:^|[\s;])(?:import|export)\s[^"';]*?\bfrom\s*["']([^"']+)["']|(?:^|[\s;])import\s*\(?\s*["']([^"']+)["']/gm;

function importsOf(file: string): { specifier: string; target?: string }[] {
	const text = readFileSync(join(SRC, file), "utf8");
	return [...text.matchAll(SPECIFIER)].map((m) => {
		const specifier = (m[1] ?? m[2])!;
		if (!specifier.startsWith(".")) return { specifier };
		const base = relative(SRC, resolve(SRC, dirname(file), specifier.replace(/\.js$/, "")));
		const target = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((c) =>
			known.has(c),
		);
		return { specifier, ...(target ? { target } : {}) };
	});
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));
const layer = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : "");

describe("architecture of src/", () => {
	it("resolves every relative import (so the checks below see the whole graph)", () => {
		const unresolved = [...graph].flatMap(([file, imports]) =>
			imports
				.filter((i) => i.specifier.startsWith(".") && !i.target)
				.map((i) => `${file}: ${i.specifier}`),
		);
		expect(unresolved).toEqual([]);
	});

	it("has no import cycle", () => {
		const cycles: string[] = [];
		const state = new Map<string, "open" | "done">();
		const stack: string[] = [];
		const visit = (file: string) => {
			state.set(file, "open");
			stack.push(file);
			for (const { target } of graph.get(file) ?? []) {
				if (!target || !graph.has(target)) continue;
				if (state.get(target) === "open") {
					cycles.push([...stack.slice(stack.indexOf(target)), target].join(" → "));
				} else if (!state.has(target)) visit(target);
			}
			stack.pop();
			state.set(file, "done");
		};
		for (const file of graph.keys()) if (!state.has(file)) visit(file);
		expect(cycles).toEqual([]);
	});

	it("keeps every layer to the imports it is allowed", () => {
		const forbidden = [...graph].flatMap(([file, imports]) => {
			const allowed = ALLOWED[layer(file)];
			if (!allowed) return []; // an entry point
			return imports
				.filter(({ specifier, target }) =>
					target
						? !allowed.includes(layer(target))
						: layer(file) === "px" && specifier.startsWith("cloudflare:"),
				)
				.map(({ specifier }) => `${file} imports ${specifier}`);
		});
		expect(forbidden).toEqual([]);
	});

	it(`has no source file over ${MAX_LINES} lines`, () => {
		const long = files
			.filter((f) => !LINE_LIMIT_EXCEPTIONS.has(f))
			.map((f) => ({ f, lines: readFileSync(join(SRC, f), "utf8").split("\n").length - 1 }))
			.filter(({ lines }) => lines > MAX_LINES)
			.map(({ f, lines }) => `${f}: ${lines} lines`);
		expect(long).toEqual([]);
	});

	it("knows every layer under src/", () => {
		const layers = new Set(files.map(layer).filter(Boolean));
		expect([...layers].sort()).toEqual(Object.keys(ALLOWED).sort());
	});
});
