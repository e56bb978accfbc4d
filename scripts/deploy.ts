// `npm run deploy -- -e staging|production`: refuses a configuration that is still local
// development or placeholders (scripts/deploy-guard.ts names each problem), then deploys px-edge
// and px-consumers in the order README gives (px-consumers binds px-edge's review desk).
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { deployProblemsFor } from "./deploy-guard";

const CONFIGS = ["wrangler.toml", "wrangler.consumers.toml"];

const { values } = parseArgs({
	options: { env: { type: "string", short: "e" }, "dry-run": { type: "boolean" } },
});
const problems = deployProblemsFor(CONFIGS, values.env);
if (problems.length > 0) {
	console.error(
		`Refusing to deploy (${problems.length} problem${problems.length > 1 ? "s" : ""}):`,
	);
	for (const p of problems) console.error(`- ${p}`);
	process.exit(1);
}
for (const config of CONFIGS) {
	execFileSync(
		"npx",
		[
			"wrangler",
			"deploy",
			"-c",
			config,
			"-e",
			values.env!,
			...(values["dry-run"] ? ["--dry-run"] : []),
		],
		{ stdio: "inherit" },
	);
}
