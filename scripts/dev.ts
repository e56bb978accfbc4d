// `npm run dev`: everything a newcomer needs for a local edge that answers with an ad at once.
// 1. .dev.vars with fresh local secrets (proof-of-play and session signing keys, the local AE
//    token; never committed),
// 2. the demo DSPs and their creatives on http://127.0.0.1:8790,
// 3. the local control plane (D1 CONTROL): its migrations, then the demo publisher, its key, the
//    demo DSPs and the reviewer, operator and admin keys (demo/control.ts; reset on every run),
//    and the demo creatives' assets seeded as approved in the local approvals KV (all but the
//    newcomer's, which wait on the review desk),
// 4. the local Analytics Engine SQL API on :8791 for the operator console (scripts/ae-local.ts),
// 5. wrangler dev on :8787: px-edge and its queue consumers (px-consumers, a Worker of its own)
//    in one workerd with local Durable Objects, Queues, R2, KV,
// 6. the demo screens registered through the data collection API once the edge is up, and one
//    ad request per screen for tomorrow, so the review desk has the newcomer's creatives and
//    the console its first figures (for tomorrow: today's requests, README's curl, are fresh).
import { spawn } from "node:child_process";
import { DEMO_PUBLISHER_KEY, demoScreens, registerDemoScreens } from "../demo/screens";
import { seedDemoApprovals, seedDemoControl } from "../demo/seed";
import { startDemoServer } from "../demo/server";
import { startLocalAnalytics } from "./ae-local";
import { ensureDevVars } from "./dev-vars";
import { DEV_CONFIG_ARGS } from "./wrangler-configs";

const { secrets, created } = ensureDevVars(".dev.vars");
if (created.length > 0)
	console.log(`.dev.vars: created ${created.join(", ")} (random, local only)`);

const demo = await startDemoServer(8790);
console.log(`demo DSPs on http://127.0.0.1:${demo.port}/dsp/{video,static,sometimes,newcomer}`);

await seedDemoControl(`http://127.0.0.1:${demo.port}`);
console.log("control plane (D1 CONTROL): migrated, demo publisher, DSPs and keys seeded");

const seeded = await seedDemoApprovals(`http://127.0.0.1:${demo.port}`);
console.log(`seeded the demo creatives' ${seeded} assets as approved`);

const analytics = await startLocalAnalytics({
	stateDir: ".wrangler/state/v3",
	token: secrets.AE_API_TOKEN,
	port: 8791,
});
console.log(`local Analytics Engine SQL API on ${analytics.url} (reads this run's archive)`);

const wrangler = spawn(
	"npx",
	["wrangler", "dev", ...DEV_CONFIG_ARGS, "--port", "8787", ...process.argv.slice(2)],
	{ stdio: "inherit" },
);
const edge = "http://127.0.0.1:8787";

/** One request per demo screen for tomorrow: the newcomer bids, its creatives reach the desk. */
async function warmUp(): Promise<void> {
	const tomorrow = Date.now() + 20 * 3_600_000;
	for (const screen of demoScreens) {
		for (const slot of screen.slots) {
			const res = await fetch(`${edge}/v1/ad-requests`, {
				method: "POST",
				headers: { authorization: `Bearer ${DEMO_PUBLISHER_KEY}` },
				body: JSON.stringify({ screen_id: screen.id, slot_id: slot.id, play_at: tomorrow }),
			});
			await res.body?.cancel();
		}
	}
}

registerDemoScreens(edge)
	.then(async () => {
		console.log(`registered demo screens: ${demoScreens.map((s) => s.id).join(", ")}`);
		await warmUp();
		console.log(
			`try: curl -s ${edge}/v1/ad-requests -H 'authorization: Bearer ${DEMO_PUBLISHER_KEY}' -d '{"screen_id":"demo-lobby-1","slot_id":"main"}'`,
		);
		console.log("review desk:      http://localhost:8787/review  (key: demo-reviewer-key)");
		console.log("operator console: http://localhost:8787/ops     (key: demo-operator-key)");
		console.log("admin API:        http://localhost:8787/v1/admin  (key: demo-admin-key)");
		console.log("demo traffic for the console: npm run traffic");
	})
	.catch((err: unknown) => console.error(err instanceof Error ? err.message : err));

const stop = () => {
	wrangler.kill("SIGTERM");
	void demo.close();
	void analytics.close();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", (code) => {
	void demo.close();
	void analytics.close();
	process.exit(code ?? 0);
});
