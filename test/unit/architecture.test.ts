// The shape of the code, checked on every run against the one list of layer rules
// (scripts/layers.ts: src/px, src/services, the three shells, and sdk/, demo/, scripts/, bench/).
// Biome's import rules (biome.json, generated from the same list) catch a wrong import as it is
// typed, but they cannot see a cycle or a file that has grown too long to read.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
	biomeLayerOverrides,
	ENTRY_POINTS,
	LAYERS,
	layerOf,
	mayImport,
} from "../../scripts/layers";

const ROOT = resolve(import.meta.dirname, "../..");
const MAX_LINES = 400;

/** Generated or data files, which nobody reads as code. */
const NOT_CODE = ["src/worker/generated/", "src/px/data/", "sdk/node_modules/"];

const LINE_LIMIT_EXCEPTIONS = new Set<string>([]);

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (name === "node_modules") return [];
		return statSync(path).isDirectory() ? filesUnder(path) : [relative(ROOT, path)];
	});
}

const ROOTS = [...new Set(LAYERS.map((l) => l.dir.split("/")[0]!))];
const known = new Set(ROOTS.flatMap((r) => filesUnder(join(ROOT, r))));
const files = [...known].filter(
	(f) => /\.tsx?$/.test(f) && !NOT_CODE.some((prefix) => f.startsWith(prefix)),
);
const srcFiles = files.filter((f) => f.startsWith("src/"));

// import … from "x", import "x", export … from "x", import("x"); `type` forms included.
const SPECIFIER =
	/(?:^|[\s;])(?:import|export)\s[^"';]*?\bfrom\s*["']([^"']+)["']|(?:^|[\s;])import\s*\(?\s*["']([^"']+)["']/gm;

function importsOf(file: string): { specifier: string; target?: string }[] {
	const text = readFileSync(join(ROOT, file), "utf8");
	return [...text.matchAll(SPECIFIER)].map((m) => {
		const specifier = (m[1] ?? m[2])!;
		if (!specifier.startsWith(".")) return { specifier };
		const base = relative(ROOT, resolve(ROOT, dirname(file), specifier.replace(/\.js$/, "")));
		const target = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((c) =>
			known.has(c),
		);
		return { specifier, ...(target ? { target } : {}) };
	});
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("architecture", () => {
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
			const from = layerOf(file);
			if (!from || ENTRY_POINTS.includes(file)) return [];
			return imports
				.filter(({ specifier, target }) =>
					target
						? !mayImport(from, target)
						: from.noRuntime === true && specifier.startsWith("cloudflare:"),
				)
				.map(({ specifier }) => `${file} imports ${specifier}`);
		});
		expect(forbidden).toEqual([]);
	});

	it("has Biome's import rules generated from the same list (npm run generate)", () => {
		const biome = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as {
			overrides: { includes: string[]; linter?: { rules?: { style?: object } } }[];
		};
		const layerOverrides = biome.overrides.filter((o) =>
			LAYERS.some((l) => o.includes[0] === `${l.dir}/**`),
		);
		expect(layerOverrides).toEqual(biomeLayerOverrides());
	});

	it(`has no source file over ${MAX_LINES} lines`, () => {
		const long = srcFiles
			.filter((f) => !LINE_LIMIT_EXCEPTIONS.has(f))
			.map((f) => ({ f, lines: readFileSync(join(ROOT, f), "utf8").split("\n").length - 1 }))
			.filter(({ lines }) => lines > MAX_LINES)
			.map(({ f, lines }) => `${f}: ${lines} lines`);
		expect(long).toEqual([]);
	});

	it("knows every folder under src/ and every tool's folder", () => {
		const unknown = files.filter((f) => !layerOf(f) && !ENTRY_POINTS.includes(f));
		expect(unknown).toEqual([]);
		// Each src file's own layer (a nested one, like the hot path's, counts as itself).
		const srcLayers = new Set(srcFiles.flatMap((f) => layerOf(f)?.dir ?? []));
		expect([...srcLayers].sort()).toEqual(
			LAYERS.filter((l) => l.dir.startsWith("src/"))
				.map((l) => l.dir)
				.sort(),
		);
	});
	it("README's layout names every folder under src/ and every room of src/px", () => {
		const readme = readFileSync(join(ROOT, "README.md"), "utf8");
		const layout = readme.slice(
			readme.indexOf("## Layout"),
			readme.indexOf("## ", readme.indexOf("## Layout") + 3),
		);
		const folders = (dir: string): string[] =>
			readdirSync(join(ROOT, dir)).flatMap((name) => {
				const path = `${dir}/${name}`;
				return statSync(join(ROOT, path)).isDirectory() ? [path, ...folders(path)] : [];
			});
		const named = (path: string) => {
			const name = path.slice(path.lastIndexOf("/") + 1);
			return layout.includes(`${path}/`) || new RegExp(`(^|[\\s(])${name}/`, "m").test(layout);
		};
		expect(folders("src").filter((f) => !named(f))).toEqual([]);
	});
});
