// Seeds the demo creatives' assets as approved in the local APPROVALS replica, where
// `wrangler dev` reads it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApprovalRecord, approvalKey, approvalKvKey } from "../src/px/approval";
import { demoAssets } from "./dsps";
import { demoScreens } from "./screens";

/**
 * Approves every asset the demo DSPs serve on the demo screens from `assetBase` (the demo
 * server's origin: asset URLs are part of what is approved). Returns how many.
 */
export async function seedDemoApprovals(assetBase: string, persistTo?: string): Promise<number> {
	const units = demoAssets(
		demoScreens.flatMap((s) => s.slots),
		assetBase,
	);
	const record: ApprovalRecord = {
		status: "approved",
		reason: "demo creative",
		decided_at: Date.now(),
		version: 0,
	};
	const entries = await Promise.all(
		units.map(async (unit) => ({
			key: approvalKvKey(await approvalKey(unit)),
			value: JSON.stringify(record),
		})),
	);
	const dir = mkdtempSync(join(tmpdir(), "px-seed-"));
	const file = join(dir, "approvals.json");
	writeFileSync(file, JSON.stringify(entries));
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
	return units.length;
}
