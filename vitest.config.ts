import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: the pure domain (src/px) in plain Node, everything that touches Workers APIs in
// workerd with the real bindings declared in wrangler.toml.
export default defineConfig({
	test: {
		// One JSON access-log line per request is useful in production, noise in test output.
		onConsoleLog: (line) => !line.includes('"msg":"request"'),
		projects: [
			{
				test: {
					name: "unit",
					environment: "node",
					include: ["test/unit/**/*.test.ts"],
					// DuckDB, Parquet and CLI tests take seconds on a loaded 2-core machine; a hang
					// still fails, only later.
					testTimeout: 60_000,
				},
			},
			{
				test: {
					name: "e2e",
					environment: "node",
					include: ["test/e2e/**/*.test.ts"],
					testTimeout: 120_000,
					hookTimeout: 120_000,
				},
			},
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						// px-edge plus the consumers (their own Worker in wrangler.consumers.toml).
						main: "./test/support/test-worker.ts",
						miniflare: {
							r2Buckets: ["ARCHIVE"],
							queueConsumers: { "px-notices": { maxBatchTimeout: 0.05 } },
							bindings: {
								POP_SIGNING_KEY: "test-signing-key-not-a-secret",
								SESSION_SIGNING_KEY: "test-session-key-not-a-secret-0123456789",
								AE_API_TOKEN: "test-ae-token",
							},
						},
					}),
				],
				test: {
					name: "workers",
					testTimeout: 30_000,
					// test/fuzz: a seeded slice here; `npm run fuzz` runs it at full size (FUZZ_RUNS).
					include: ["test/integration/**/*.test.ts", "test/fuzz/**/*.test.ts"],
					globalSetup: ["test/support/global-setup.ts"],
					setupFiles: ["test/support/control-setup.ts"],
				},
			},
		],
	},
});
