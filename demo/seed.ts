// Seeds the demo creatives as approved in the local APPROVALS replica, where `wrangler dev` reads it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approvalKvKey } from "../src/worker/approval-key";
import { demoCreatives } from "./dsps";

export function seedDemoApprovals(persistTo?: string): void {
	const dir = mkdtempSync(join(tmpdir(), "px-seed-"));
	const file = join(dir, "approvals.json");
	writeFileSync(
		file,
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
	const persist = persistTo ? ["--persist-to", persistTo] : [];
	try {
		execFileSync(
			"npx",
			["wrangler", "kv", "bulk", "put", file, "--binding", "APPROVALS", "--local", ...persist],
			{
				stdio: ["ignore", "ignore", "inherit"],
			},
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
