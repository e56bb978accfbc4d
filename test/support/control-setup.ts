// Runs before every workerd test file: the control plane's schema (migrations/, as
// `wrangler d1 migrations apply` does it) and its test keys, in this file's own D1.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import "./provided-context";

/** The admin key the tests (and the local demo) use; its hash is seeded below. */
export const TEST_ADMIN_KEY = "demo-admin-key";

async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

await applyD1Migrations(env.CONTROL, inject("controlMigrations"));
await env.CONTROL.prepare(
	"INSERT OR IGNORE INTO role_keys (key_sha256, role, label, created_at) VALUES (?, 'admin', 'tests', 0)",
)
	.bind(await sha256Hex(TEST_ADMIN_KEY))
	.run();
