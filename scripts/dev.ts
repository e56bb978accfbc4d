// `npm run dev`: everything a newcomer needs for a local edge that answers with an ad at once.
// 1. .dev.vars with a fresh proof-of-play signing key (never committed),
// 2. the demo DSPs and their creatives on http://127.0.0.1:8790,
// 3. the demo creatives seeded as approved in the local approvals KV,
// 4. wrangler dev on :8787 (workerd with local Durable Objects, Queues, R2, KV),
// 5. the demo screens registered through the data collection API once the edge is up.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoCreatives } from "../demo/dsps";
import { DEMO_PUBLISHER_KEY, demoScreens } from "../demo/screens";
import { startDemoServer } from "../demo/server";
import { approvalKvKey } from "../src/worker/approval-key";

if (!existsSync(".dev.vars")) {
	writeFileSync(".dev.vars", `POP_SIGNING_KEY=${randomBytes(32).toString("hex")}\n`, {
		mode: 0o600,
	});
	console.log("created .dev.vars with a random POP_SIGNING_KEY");
}

const demo = await startDemoServer(8790);
console.log(`demo DSPs on http://127.0.0.1:${demo.port}/dsp/{video,static,sometimes}`);

const seed = join(mkdtempSync(join(tmpdir(), "px-seed-")), "approvals.json");
writeFileSync(
	seed,
	JSON.stringify(
		demoCreatives.map((c) => ({
			key: approvalKvKey(c.key),
			value: JSON.stringify({
				status: "approved",
				reason: "demo creative",
				decided_at: Date.now(),
			}),
		})),
	),
);
execFileSync("npx", ["wrangler", "kv", "bulk", "put", seed, "--binding", "APPROVALS", "--local"], {
	stdio: ["ignore", "ignore", "inherit"],
});
console.log(`seeded ${demoCreatives.length} demo creatives as approved`);

const wrangler = spawn("npx", ["wrangler", "dev", "--port", "8787", ...process.argv.slice(2)], {
	stdio: "inherit",
});
const edge = "http://127.0.0.1:8787";
async function registerDemoScreens(): Promise<void> {
	for (let i = 0; i < 240; i++) {
		const up = await fetch(`${edge}/healthz`).then(
			(r) => r.ok,
			() => false,
		);
		if (up) break;
		await new Promise((r) => setTimeout(r, 250));
	}
	for (const screen of demoScreens) {
		const res = await fetch(`${edge}/v1/screens/${screen.id}`, {
			method: "PUT",
			headers: {
				authorization: `Bearer ${DEMO_PUBLISHER_KEY}`,
				"content-type": "application/json",
			},
			body: JSON.stringify(screen),
		});
		if (!res.ok)
			console.error(`registering ${screen.id} failed: ${res.status} ${await res.text()}`);
	}
	console.log(`registered demo screens: ${demoScreens.map((s) => s.id).join(", ")}`);
	console.log(
		`try: curl -s ${edge}/v1/ad-requests -H 'authorization: Bearer ${DEMO_PUBLISHER_KEY}' -d '{"screen_id":"demo-lobby-1","slot_id":"main"}'`,
	);
}
void registerDemoScreens();

const stop = () => {
	wrangler.kill("SIGTERM");
	void demo.close();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", (code) => {
	void demo.close();
	process.exit(code ?? 0);
});
