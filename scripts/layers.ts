// The one list of layer rules: which folder may import which. test/unit/architecture.test.ts
// checks the whole import graph against it (and no cycles, and file lengths), and biome.json's
// noRestrictedImports overrides are generated from it (`npm run generate`; the architecture test
// fails when they differ), so an editor flags a wrong import as it is typed.
//
// `may` names folders or single modules (paths from the repo root, no extension); a layer may
// always import itself. Packages are not restricted here, except the Workers runtime in src/px.

export interface Layer {
	dir: string;
	may: readonly string[];
	/** Shown by Biome on a forbidden import. */
	why: string;
	/** Also refuse `cloudflare:*` modules: the layer runs in plain Node. */
	noRuntime?: boolean;
}

/** What the player SDK may take from the edge: the wire schemas it shares (as types, mostly). */
const SDK_SHARED = [
	// The wire schemas the SDK, the OpenAPI document and the routes share.
	"src/px/api",
	// The request and screen shapes a player sends (types).
	"src/px/model/model",
];

export const LAYERS: readonly Layer[] = [
	{
		dir: "src/px",
		may: [],
		noRuntime: true,
		why: "src/px is the pure domain: it imports no shell, no service and no Workers runtime module, so it runs and is tested in plain Node.",
	},
	{
		dir: "src/services",
		may: ["src/px"],
		why: "src/services is shared by every shell: it imports only src/px (and the platform), never a shell.",
	},
	{
		dir: "src/durable-objects",
		may: ["src/services", "src/px"],
		why: "A Durable Object imports only src/services and src/px: a type another shell needs belongs in src/px or src/services.",
	},
	{
		dir: "src/queues",
		may: ["src/services", "src/px"],
		why: "A queue consumer imports only src/services and src/px: a type another shell needs belongs in src/px or src/services.",
	},
	{
		dir: "src/worker/decide",
		may: [
			"src/px",
			"src/services",
			"src/worker/config",
			"src/worker/control/lookups",
			"src/worker/pop-token",
			"src/worker/problem",
			"src/worker/publisher-limit",
		],
		noRuntime: true,
		why: "The hot path runs in plain Node with fakes (test/unit/decide.test.ts): it reaches the platform only through DecideServices (ports.ts), which services.ts alone builds from the env.",
	},
	{
		dir: "src/worker",
		may: ["src/services", "src/px", "src/worker/decide"],
		why: "The HTTP app reaches Durable Objects through src/services/stubs.ts and their contracts in src/px, never their modules.",
	},
	{
		dir: "sdk",
		may: SDK_SHARED,
		why: "The player SDK runs in browsers and Node players: it takes from the edge only the shared wire schemas (SDK_SHARED in scripts/layers.ts).",
	},
	{
		dir: "demo",
		may: ["sdk", "src/px"],
		why: "The demo (DSPs, screens, player page) uses the SDK and the domain's types, never the Worker's insides.",
	},
	{
		dir: "scripts",
		may: [
			"demo",
			"src/px",
			"src/services/metrics",
			"src/queues/gzip",
			"src/queues/parquet",
			"src/worker/openapi",
			"src/worker/pages/charts",
			"src/worker/pages/style",
		],
		why: "The tools read the domain and the archive's formats; only the named Worker modules they render (OpenAPI, charts) are theirs to import.",
	},
	{
		dir: "bench",
		may: [
			"demo",
			"scripts/check-bundle",
			"src/px",
			"src/queues/compacted",
			"src/queues/parquet",
			"src/worker/decide/pacing",
		],
		why: "The bench drives the edge from outside: the domain, the archive's formats and the margin it reports, nothing else of the Worker.",
	},
];

/** The two Workers' entry points wire everything together and may import anything. */
export const ENTRY_POINTS = ["src/index.ts", "src/consumers.ts"];

/** The layer a repo path (no leading ./) belongs to, the longest matching dir. */
export function layerOf(path: string): Layer | undefined {
	return LAYERS.filter((l) => path === l.dir || path.startsWith(`${l.dir}/`)).sort(
		(a, b) => b.dir.length - a.dir.length,
	)[0];
}

const within = (path: string, prefix: string) =>
	path === prefix || path.startsWith(`${prefix}/`) || path.replace(/\.tsx?$/, "") === prefix;

/** Whether a module of `from` may import the repo path `target`. */
export function mayImport(from: Layer, target: string): boolean {
	const to = layerOf(target);
	if (!to) return true; // outside every layer (test support, the repo's own config)
	return to === from || from.may.some((m) => within(target, m));
}

const basename = (dir: string) => dir.slice(dir.lastIndexOf("/") + 1);

/**
 * Biome's noRestrictedImports override for each layer: every other layer's folder is refused, but
 * for the folders and modules the layer may import. Specifiers are relative ("../worker/x",
 * "../src/px/model"), so folders are matched by their last name anywhere in the path.
 */
export function biomeLayerOverrides(): { includes: string[]; linter: object }[] {
	return LAYERS.map((layer) => {
		const group: string[] = [];
		for (const other of LAYERS) {
			if (other === layer || layer.may.includes(other.dir)) continue;
			const name = basename(other.dir);
			group.push(`**/${name}`, `**/${name}/**`);
			for (const allowed of layer.may.filter((m) => m.startsWith(`${other.dir}/`))) {
				const rest = allowed.slice(other.dir.length + 1);
				group.push(`!**/${name}/${rest}`, `!**/${name}/${rest}/**`);
			}
		}
		if (layer.noRuntime) group.push("cloudflare:*");
		return {
			includes: [`${layer.dir}/**`],
			linter: {
				rules: {
					style: {
						noRestrictedImports: {
							level: "error",
							options: { patterns: [{ group, message: layer.why }] },
						},
					},
				},
			},
		};
	});
}
