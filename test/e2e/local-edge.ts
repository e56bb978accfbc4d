// A real `wrangler dev` edge for end-to-end tests: own port, own persistence folder, demo DSPs
// on their own port, demo creatives seeded as approved (all but the newcomer's, which wait on the
// review desk), demo screens registered, and the local Analytics Engine SQL API the operator
// console reads (scripts/ae-local.ts) on its own port.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerDemoScreens } from "../../demo/screens";
import { seedDemoApprovals, seedDemoControl } from "../../demo/seed";
import { type DemoServer, startDemoServer } from "../../demo/server";
import { type LocalAnalytics, startLocalAnalytics } from "../../scripts/ae-local";
import { type LocalArchive, openLocalArchive } from "../../scripts/local-archive";
import { DEV_CONFIG_ARGS } from "../../scripts/wrangler-configs";

export interface LocalEdge {
	url: string;
	stateDir: string;
	demo: DemoServer;
	analytics: LocalAnalytics;
	/** The archive bucket, read through an R2 binding while wrangler dev writes it. */
	archive: LocalArchive;
	/** The archive's Parquet files (copies), as `npm run report` reads them. */
	archiveFiles(): Promise<string[]>;
	stop(): Promise<void>;
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

export async function startLocalEdge(): Promise<LocalEdge> {
	const persist = mkdtempSync(join(tmpdir(), "px-e2e-"));
	const demo = await startDemoServer(0);
	// The demo DSPs, publisher and keys, as `npm run dev` seeds them (demo/control.ts).
	await seedDemoControl(`http://127.0.0.1:${demo.port}`, persist);
	await seedDemoApprovals(`http://127.0.0.1:${demo.port}`, persist);
	const aeToken = "e2e-ae-token";
	const analytics = await startLocalAnalytics({
		stateDir: join(persist, "v3"),
		token: aeToken,
		port: 0,
	});
	const port = await freePort();
	const wrangler = spawn(
		"npx",
		[
			"wrangler",
			"dev",
			// px-edge and its queue consumers, as `npm run dev` runs them.
			...DEV_CONFIG_ARGS,
			"--port",
			String(port),
			"--ip",
			"127.0.0.1",
			"--persist-to",
			persist,
			"--var",
			"POP_SIGNING_KEY:e2e-signing-key-not-a-secret",
			"--var",
			"SESSION_SIGNING_KEY:e2e-session-signing-key-not-a-secret",
			"--var",
			`AE_API_TOKEN:${aeToken}`,
			"--var",
			`AE_SQL_API_URL:${analytics.url}`,
			"--inspector-port",
			String(await freePort()),
		],
		{ stdio: ["ignore", "pipe", "pipe"], detached: true },
	);
	let output = "";
	wrangler.stdout.on("data", (d) => (output += d));
	wrangler.stderr.on("data", (d) => (output += d));
	const url = `http://127.0.0.1:${port}`;
	let archive: LocalArchive | undefined;
	const stop = async () => {
		try {
			process.kill(-wrangler.pid!, "SIGTERM");
		} catch {}
		await demo.close();
		await analytics.close();
		await archive?.close();
		rmSync(persist, { recursive: true, force: true });
	};
	try {
		await registerDemoScreens(url);
		archive = await openLocalArchive(join(persist, "v3"), "px-archive");
	} catch (err) {
		await stop();
		throw new Error(`${err instanceof Error ? err.message : err}\n${output}`);
	}
	const opened = archive;
	return {
		url,
		stateDir: join(persist, "v3"),
		demo,
		analytics,
		archive: opened,
		archiveFiles: async () => (await opened.objects("events/", ".parquet")).map((o) => o.file),
		stop,
	};
}
