// `npm run dev`: everything a newcomer needs for a local edge that answers with an ad at once.
// 1. .dev.vars with a fresh proof-of-play signing key (never committed),
// 2. the demo DSPs and their creatives on http://127.0.0.1:8790,
// 3. the demo creatives' assets seeded as approved in the local approvals KV,
// 4. wrangler dev on :8787: px-edge and its queue consumers (px-consumers, a Worker of its own)
//    in one workerd with local Durable Objects, Queues, R2, KV,
// 5. the demo screens registered through the data collection API once the edge is up.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { DEMO_PUBLISHER_KEY, demoScreens, registerDemoScreens } from "../demo/screens";
import { seedDemoApprovals } from "../demo/seed";
import { startDemoServer } from "../demo/server";
import { DEV_CONFIG_ARGS } from "./wrangler-configs";

if (!existsSync(".dev.vars")) {
	writeFileSync(".dev.vars", `POP_SIGNING_KEY=${randomBytes(32).toString("hex")}\n`, {
		mode: 0o600,
	});
	console.log("created .dev.vars with a random POP_SIGNING_KEY");
}

const demo = await startDemoServer(8790);
console.log(`demo DSPs on http://127.0.0.1:${demo.port}/dsp/{video,static,sometimes}`);

const seeded = await seedDemoApprovals(`http://127.0.0.1:${demo.port}`);
console.log(`seeded the demo creatives' ${seeded} assets as approved`);

const wrangler = spawn(
	"npx",
	["wrangler", "dev", ...DEV_CONFIG_ARGS, "--port", "8787", ...process.argv.slice(2)],
	{ stdio: "inherit" },
);
const edge = "http://127.0.0.1:8787";
registerDemoScreens(edge).then(
	() => {
		console.log(`registered demo screens: ${demoScreens.map((s) => s.id).join(", ")}`);
		console.log(
			`try: curl -s ${edge}/v1/ad-requests -H 'authorization: Bearer ${DEMO_PUBLISHER_KEY}' -d '{"screen_id":"demo-lobby-1","slot_id":"main"}'`,
		);
	},
	(err: unknown) => console.error(err instanceof Error ? err.message : err),
);

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
