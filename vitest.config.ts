import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: the pure domain (src/px) in plain Node, everything that touches Workers APIs in
// workerd with the real bindings declared in wrangler.toml.
export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: "unit",
					environment: "node",
					include: ["test/unit/**/*.test.ts"],
				},
			},
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: { POP_SIGNING_KEY: "test-signing-key-not-a-secret" },
						},
					}),
				],
				test: {
					name: "workers",
					include: ["test/integration/**/*.test.ts"],
				},
			},
		],
	},
});
