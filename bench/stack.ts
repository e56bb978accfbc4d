// The servers of the load sections: the three bench DSPs (a Node child process), px-edge and the
// baseline Worker, each under `wrangler dev` (workerd) on loopback.
//
// Each Worker runs from a bundle snapshot that `wrangler deploy --dry-run` builds at the start
// (`wrangler dev <bundle> --no-bundle`, config watching off): other people edit src/ while a
// bench runs, and wrangler dev would otherwise rebuild and restart workerd in the middle of it.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type ControlSeed, DEMO_KEYS, demoPublisher } from "../demo/control";
import { staticAssetUrl, videoAssetUrl } from "../demo/dsps";
import { seedApprovals, seedControl } from "../demo/seed";
import { BENCH_DSPS, benchBidders, benchScreen, dspEndpoint, HOST, PORTS } from "./config";
import type { DspStats } from "./dsp-host";
import { forkModule, ROOT, startWrangler, waitForHttp, wranglerSync } from "./procs";

export interface Stack {
	dspHost: ChildProcess;
	edge?: ChildProcess;
	/** px-consumers in a wrangler dev (workerd) of its own: the background role. */
	consumers?: ChildProcess;
	baseline?: ChildProcess;
	/** The px-edge bundle wrangler dev runs (its source map sits beside it). */
	edgeBundle: string;
	consumersBundle: string;
	logTail(name: "edge" | "consumers" | "baseline"): string;
}

const readToml = (path: string) => readFileSync(join(ROOT, path), "utf8");

export function compatibility(toml: string) {
	return {
		date: /^compatibility_date = "(.*)"$/m.exec(toml)?.[1],
		flags: /^compatibility_flags = (.*)$/m.exec(toml)?.[1],
	};
}

/**
 * The control plane the bench's edge reads (D1, as `npm run dev` seeds it): the bench DSPs and the
 * demo publisher with its key, its rate limit high enough for load (see BENCHMARKS.md).
 */
function benchControl(): ControlSeed {
	return {
		bidders: JSON.parse(benchBidders()) as ControlSeed["bidders"],
		publishers: [
			{
				account: { ...demoPublisher, rate_limit: { burst: 100_000, per_minute: 6_000_000 } },
				keySha256s: [DEMO_KEYS.publisher.sha256],
			},
		],
		roleKeys: [],
	};
}

/** `wrangler deploy --dry-run` of a config into `dir`; returns the bundle's entry file. */
function snapshot(config: string, dir: string): string {
	wranglerSync(["deploy", "--dry-run", "-c", config, "--outdir", dir]);
	// Named after the config's main (src/index.ts → index.js, worker.ts → worker.js).
	const entry = readdirSync(dir).find((f) => f.endsWith(".js"));
	if (!entry) throw new Error(`wrangler deploy --dry-run wrote no bundle for ${config}`);
	return join(dir, entry);
}

export async function startStack(
	work: string,
	which: { edge: boolean; baseline: boolean },
): Promise<Stack> {
	const toml = readToml("wrangler.toml");
	const compat = compatibility(toml);
	if (
		JSON.stringify(compat) !==
		JSON.stringify(compatibility(readToml("bench/baseline/wrangler.toml")))
	) {
		throw new Error(
			`bench/baseline/wrangler.toml must use the same compatibility date and flags as wrangler.toml (${JSON.stringify(compat)})`,
		);
	}

	const dspHost = forkModule(join(ROOT, "bench/dsp-host.ts"));
	const dspReady = new Promise<void>((resolve, reject) => {
		dspHost.once("message", () => resolve());
		dspHost.once("exit", (code) => reject(new Error(`DSP host exited (${code})`)));
	});

	const edgeBundle = snapshot("wrangler.toml", join(work, "edge-build"));
	const consumersBundle = snapshot("wrangler.consumers.toml", join(work, "consumers-build"));
	// The bench is one publisher sending hundreds of requests a second from thousands of inline
	// screens: it measures the hot path, not the per-publisher limits, so they are lifted here
	// (same file otherwise; beside wrangler.toml so its relative paths still resolve). Both Workers
	// run from their snapshot bundles, px-edge first (the one that serves the port).
	const fromBundle = (text: string, bundle: string) =>
		text.replace(/^main = .*$/m, `main = ${JSON.stringify(bundle)}\nno_bundle = true`);
	const edgeConfig = ".wrangler-bench.toml";
	const consumersConfig = ".wrangler-bench-consumers.toml";
	writeFileSync(
		join(ROOT, edgeConfig),
		fromBundle(toml, edgeBundle).replace(/^(simple = \{ limit = )\d+/gm, "$1100000000"),
	);
	writeFileSync(
		join(ROOT, consumersConfig),
		fromBundle(readToml("wrangler.consumers.toml"), consumersBundle),
	);
	const baselineBundle = which.baseline
		? snapshot("bench/baseline/wrangler.toml", join(work, "baseline-build"))
		: "";

	// Creative approvals, seeded as scripts/dev.ts seeds the demo DSPs', but without downloading
	// the assets (the bench's edge never serves a hosted copy).
	const persist = join(work, "state");
	// Approval is per asset: each bench DSP's video and its static poster at the bench slot's size.
	const slot = benchScreen("approvals").slots[0]!;
	const units = BENCH_DSPS.flatMap((d, i) => {
		const base = `http://${HOST}:${PORTS.dsp + i}`;
		return [videoAssetUrl(base, slot.h > slot.w), staticAssetUrl(base, d.crid, slot)].map(
			(asset_url) => ({ bidder: d.name, crid: d.crid, asset_url, adomain: [d.adomain] }),
		);
	});
	await seedControl(benchControl(), persist);
	await seedApprovals(units, { persistTo: persist, hosted: "named", reason: "bench creative" });

	const common = [
		"--no-bundle",
		"--ip",
		HOST,
		"--show-interactive-dev-session=false",
		"--log-level",
		"warn",
	];
	// px-consumers runs in a wrangler dev of its own, so each role's CPU is its own process's:
	// px-edge's workerd is the answer path (its isolate, the screens' objects, the producer side of
	// the queues), px-consumers' the background (archive, notices, intake, compaction). Local
	// queues cross dev sessions through the dev registry (miniflare's broker forwards a message
	// whose consumer is in another session); a registry of the bench's own keeps another wrangler
	// dev on this machine (e2e tests, `npm run dev`) from taking the bench's messages.
	const registry = { WRANGLER_REGISTRY_PATH: join(work, "registry") };
	const edge = which.edge
		? startWrangler(
				[
					"-c",
					edgeConfig,
					...common,
					"--port",
					String(PORTS.edge),
					"--inspector-port",
					String(PORTS.edgeInspector),
					"--persist-to",
					persist,
					"--var",
					`POP_SIGNING_KEY:${randomBytes(32).toString("hex")}`,
					// Every request needs a valid environment (src/worker/config.ts), .dev.vars or not.
					"--var",
					`SESSION_SIGNING_KEY:${randomBytes(32).toString("hex")}`,
				],
				join(work, "edge.log"),
				ROOT,
				registry,
			)
		: undefined;
	const consumers = which.edge
		? startWrangler(
				[
					"-c",
					consumersConfig,
					...common,
					"--port",
					String(PORTS.consumers),
					"--inspector-port",
					String(PORTS.consumersInspector),
					// Its own state: the archive's R2 is the background's alone, and two workerd
					// processes on one SQLite folder would contend for its locks.
					"--persist-to",
					join(work, "consumers-state"),
				],
				join(work, "consumers.log"),
				ROOT,
				registry,
			)
		: undefined;
	const baseline = which.baseline
		? startWrangler(
				[
					baselineBundle,
					"-c",
					"wrangler.toml",
					...common,
					"--port",
					String(PORTS.baseline),
					"--inspector-port",
					String(PORTS.baselineInspector),
					"--persist-to",
					join(work, "baseline-state"),
					"--var",
					`DSPS:${JSON.stringify(BENCH_DSPS.map((_, i) => dspEndpoint(i)))}`,
				],
				join(work, "baseline.log"),
				join(ROOT, "bench/baseline"),
			)
		: undefined;

	const logTail = (name: "edge" | "consumers" | "baseline") => {
		try {
			return readFileSync(join(work, `${name}.log`), "utf8")
				.split("\n")
				.slice(-30)
				.join("\n");
		} catch {
			return "";
		}
	};
	try {
		await dspReady;
		await Promise.all([
			edge && waitForHttp(`http://${HOST}:${PORTS.edge}/healthz`, edge, 120_000),
			// px-consumers has no fetch handler: any answer means its workerd is serving.
			consumers &&
				waitForHttp(`http://${HOST}:${PORTS.consumers}/`, consumers, 120_000, () => true),
			baseline && waitForHttp(`http://${HOST}:${PORTS.baseline}/`, baseline, 120_000),
		]);
	} catch (err) {
		throw new Error(
			`${String(err)}\n--- edge.log\n${logTail("edge")}\n--- consumers.log\n${logTail("consumers")}\n--- baseline.log\n${logTail("baseline")}`,
		);
	}
	return {
		dspHost,
		...(edge ? { edge } : {}),
		...(consumers ? { consumers } : {}),
		...(baseline ? { baseline } : {}),
		edgeBundle,
		consumersBundle,
		logTail,
	};
}

/** Refuses to start while anything holds one of the bench's ports (a running bench, say). */
export async function assertPortsFree(): Promise<void> {
	for (const port of [
		PORTS.edge,
		PORTS.edgeInspector,
		PORTS.baseline,
		PORTS.baselineInspector,
		PORTS.consumers,
		PORTS.consumersInspector,
		...BENCH_DSPS.map((_, i) => PORTS.dsp + i),
	]) {
		await new Promise<void>((resolve, reject) => {
			const server = createServer();
			server.once("error", () =>
				reject(new Error(`port ${port} on ${HOST} is in use; stop whatever holds it and retry`)),
			);
			server.listen(port, HOST, () => server.close(() => resolve()));
		});
	}
}

/** The DSP host's counters, asked over IPC. */
export async function dspStats(host: ChildProcess): Promise<DspStats> {
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
