// A real `wrangler dev` edge for end-to-end tests: own port, own persistence folder, demo DSPs
// on their own port, demo creatives seeded as approved, demo screens registered.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoCreatives } from "../../demo/dsps";
import { DEMO_PUBLISHER_KEY, demoScreens } from "../../demo/screens";
import { type DemoServer, startDemoServer } from "../../demo/server";
import { approvalKvKey } from "../../src/worker/approval-key";

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
	const seed = join(persist, "seed.json");
	writeFileSync(
		seed,
		JSON.stringify(
			demoCreatives.map((c) => ({
				key: approvalKvKey(c.key),
				value: JSON.stringify({ status: "approved" }),
			})),
		),
	);
	execFileSync(
		"npx",
		[
			"wrangler",
			"kv",
			"bulk",
			"put",
			seed,
			"--binding",
			"APPROVALS",
			"--local",
			"--persist-to",
			persist,
		],
		{
			stdio: "ignore",
		},
	);
	const port = await freePort();
	const wrangler = spawn(
		"npx",
		[
			"wrangler",
			"dev",
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
	const deadline = Date.now() + 60_000;
	for (;;) {
		const up = await fetch(`${url}/healthz`).then(
			(r) => r.ok,
			() => false,
		);
		if (up) break;
		if (Date.now() > deadline || wrangler.exitCode !== null) {
			await stop();
			throw new Error(`wrangler dev did not come up:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	for (const screen of demoScreens) {
		const res = await fetch(`${url}/v1/screens/${screen.id}`, {
			method: "PUT",
			headers: {
				authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
				"content-type": "application/json",
			},
			body: JSON.stringify(screen),
		});
		if (!res.ok) throw new Error(`registering ${screen.id}: ${res.status} ${await res.text()}`);
	}
	return { url, stateDir: join(persist, "v3"), demo, stop };
}
