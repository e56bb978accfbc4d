// `npm run deploy` refuses what must not reach Cloudflare: the development top level, demo key
// hashes, public debug traces and placeholder ids, each named.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployProblemsFor } from "../../scripts/deploy-guard";

const CONFIGS = ["wrangler.toml", "wrangler.consumers.toml"];

describe("deploy guard", () => {
	it("refuses the development top level, naming demo keys, debug traces and the player key", () => {
		const problems = deployProblemsFor(CONFIGS, undefined).join("\n");
		expect(problems).toMatch(/no environment/);
		expect(problems).toMatch(/DEBUG_TRACES is "true"/);
		expect(problems).toMatch(/PLAYER_DEMO_KEY is set/);
		expect(problems).toMatch(/AE_SQL_API_URL points at a loopback address/);
		expect(problems).toMatch(/D1 database CONTROL has the placeholder id/);
	});

	it.each(["staging", "production"])("refuses %s while its ids are placeholders", (env) => {
		const problems = deployProblemsFor(CONFIGS, env).join("\n");
		expect(problems).toMatch(/KV namespace APPROVALS has the placeholder id/);
		expect(problems).toMatch(/D1 database CONTROL has the placeholder id/);
		expect(problems).toMatch(/CF_ACCOUNT_ID is a placeholder/);
		expect(problems).toMatch(/EXCHANGE_ASI is a placeholder domain/);
		expect(problems).not.toMatch(/demo key|DEBUG_TRACES/);
	});

	it("passes an environment whose ids and values are filled in", () => {
		const dir = mkdtempSync(join(tmpdir(), "px-deploy-"));
		// Staging is the second of each value (top level, staging, production).
		const second = (text: string, from: string, to: string) => {
			const at = text.indexOf(from, text.indexOf(from) + 1);
			return text.slice(0, at) + to + text.slice(at + from.length);
		};
		let filled = readFileSync("wrangler.toml", "utf8").replace(
			'"00000000000000000000000000000002"',
			'"3f2a9c0d41b84e6c9a7d5e1f0b2c4d6e"',
		);
		filled = filled.replace(
			'"00000000-0000-0000-0000-000000000002"',
			'"5b1e0c7a-93d2-4f61-8a0e-2c4b6d8f1a3e"',
		);
		filled = filled.replace('CF_ACCOUNT_ID = ""', 'CF_ACCOUNT_ID = "9a8b7c6d"');
		filled = second(
			filled,
			'EXCHANGE_ASI = "px-edge.example"',
			'EXCHANGE_ASI = "exchange.outdoor.com"',
		);
		const path = join(dir, "wrangler.toml");
		writeFileSync(
			path,
			filled.replaceAll('main = "src/index.ts"', `main = "${process.cwd()}/src/index.ts"`),
		);
		expect(deployProblemsFor([path], "staging")).toEqual([]);
		// The same file with a demo hash slipped into staging is refused again.
		writeFileSync(
			path,
			second(
				readFileSync(path, "utf8"),
				'EXCHANGE_TAG_ID = ""',
				'EXCHANGE_TAG_ID = "32dc90f8d497d0e9c2feb824612a5bd35883a01ba25a4555e173b3a31909a2f2"',
			),
		);
		expect(deployProblemsFor([path], "staging")).toEqual([
			`${path} [env.staging]: EXCHANGE_TAG_ID holds the hash of the demo key "demo-reviewer-key"`,
		]);
	});

	it("`npm run deploy` exits non-zero before calling wrangler, listing every problem", () => {
		let stderr = "";
		try {
			execFileSync(process.execPath, ["--import", "tsx", "scripts/deploy.ts", "-e", "staging"], {
				stdio: "pipe",
			});
		} catch (err) {
			stderr = String((err as { stderr: Buffer }).stderr);
		}
		expect(stderr).toMatch(/^Refusing to deploy \(\d+ problems\):/);
		expect(stderr).toMatch(/placeholder id/);
	}, 60_000);
});
