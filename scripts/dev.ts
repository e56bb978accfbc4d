// `npm run dev`: everything a newcomer needs for a local edge that answers with an ad at once.
// 1. .dev.vars with a fresh proof-of-play signing key (never committed),
// 2. wrangler dev on :8787 (workerd with local DO, Queues, R2, KV).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

if (!existsSync(".dev.vars")) {
	writeFileSync(".dev.vars", `POP_SIGNING_KEY=${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
	console.log("created .dev.vars with a random POP_SIGNING_KEY");
}

const wrangler = spawn("npx", ["wrangler", "dev", "--port", "8787", ...process.argv.slice(2)], {
	stdio: "inherit",
});
const stop = () => wrangler.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", (code) => process.exit(code ?? 0));
