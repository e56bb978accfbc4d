// Runs before every workerd test file: the control plane's schema (migrations/, as
// `wrangler d1 migrations apply` does it) and the tests' configuration in this file's own D1:
// the demo publisher plus a second one (to prove publishers cannot see each other's screens),
// the README's reviewer, operator and admin keys, and no bidders (each test names its own).
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { controlSeedStatements, DEMO_KEYS } from "../../demo/control";
import "./provided-context";

/** The admin key the tests (and the local demo) use. */
export const TEST_ADMIN_KEY = DEMO_KEYS.admin.key;
export const SECOND_PUBLISHER_KEY = "second-publisher-key";

async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The test publishers: the demo network with blocks and a generous rate limit, and a second. */
export const testPublishers = [
	{
		id: "demo-pub",
		name: "Demo Outdoor Network",
		domain: "demo-outdoor.example",
		auction_type: 2 as const,
		floor_cpm: 2,
		bcat: ["IAB25", "IAB26"],
		badv: ["blocked.example"],
		separation_seconds: 600,
		rate_limit: { burst: 1000, per_minute: 6000 },
	},
	{
		id: "second-pub",
		name: "Second Network",
		auction_type: 1 as const,
		rate_limit: { burst: 3, per_minute: 6 },
	},
];

await applyD1Migrations(env.CONTROL, inject("controlMigrations"));
const statements = controlSeedStatements({
	bidders: [],
	publishers: [
		{ account: testPublishers[0]!, keySha256s: [DEMO_KEYS.publisher.sha256] },
		{ account: testPublishers[1]!, keySha256s: [await sha256Hex(SECOND_PUBLISHER_KEY)] },
	],
	roleKeys: (["reviewer", "operator", "admin"] as const).map((role) => ({
		role,
		sha256: DEMO_KEYS[role].sha256,
		label: "tests",
	})),
});
await env.CONTROL.batch(statements.map((sql) => env.CONTROL.prepare(sql)));
