// A real `wrangler dev` edge for end-to-end tests: own port, own persistence folder, demo DSPs
// on their own port, demo creatives seeded as approved, demo screens registered.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerDemoScreens } from "../../demo/screens";
import { seedDemoApprovals } from "../../demo/seed";
import { type DemoServer, startDemoServer } from "../../demo/server";
import { DEV_CONFIG_ARGS } from "../../scripts/wrangler-configs";

export interface LocalEdge {
	url: string;
	stateDir: string;
	demo: DemoServer;
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
	const dsp = (name: string, priority: number) => ({
		name: `demo-${name}`,
		endpoint: `http://127.0.0.1:${demo.port}/dsp/${name}`,
		priority,
	});
	const bidders = [dsp("video", 10), dsp("static", 20), dsp("sometimes", 30)];
	await seedDemoApprovals(`http://127.0.0.1:${demo.port}`, persist);
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
			`BIDDERS:${JSON.stringify(bidders)}`,
			"--var",
			"POP_SIGNING_KEY:e2e-signing-key",
			"--inspector-port",
			String(await freePort()),
		],
		{ stdio: ["ignore", "pipe", "pipe"], detached: true },
	);
	let output = "";
	wrangler.stdout.on("data", (d) => (output += d));
	wrangler.stderr.on("data", (d) => (output += d));
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		try {
			process.kill(-wrangler.pid!, "SIGTERM");
		} catch {}
		await demo.close();
		rmSync(persist, { recursive: true, force: true });
	};
	try {
		await registerDemoScreens(url);
	} catch (err) {
		await stop();
		throw new Error(`${err instanceof Error ? err.message : err}\n${output}`);
	}
	return { url, stateDir: join(persist, "v3"), demo, stop };
}
