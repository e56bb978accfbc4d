// Seeds the demo creatives' assets as approved in the local APPROVALS replica, where
// `wrangler dev` reads it. An approval is of bytes (README "Review desk"), so each asset is
// fetched from the demo server and copied into the local HOSTED_ASSETS bucket, as the desk's
// approve does, and its record names that copy.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ApprovalRecord, approvalKey, approvalKvKey } from "../src/px/approval";
import { hostedObjectKey } from "../src/px/hosted-asset";
import { type ControlSeed, controlSeedStatements, demoControlSeed } from "./control";
import { demoAssets } from "./dsps";
import { demoScreens } from "./screens";

/** The local bucket behind HOSTED_ASSETS (wrangler.toml). */
const HOSTED_BUCKET = "px-assets";

/** Runs a wrangler command against the local state (`persistTo`, or wrangler's default). */
function localWrangler(persistTo?: string) {
	const persist = persistTo ? ["--persist-to", persistTo] : [];
	return async (args: string[]) => {
		const { stderr } = await promisify(execFile)("npx", [
			"wrangler",
			...args,
			"--local",
			...persist,
		]);
		if (/\[ERROR\]/.test(stderr))
			throw new Error(`wrangler ${args.slice(0, 3).join(" ")}: ${stderr}`);
	};
}

/**
 * The local control plane (CONTROL): its schema (`wrangler d1 migrations apply`, as a deploy does
 * it) and the demo publisher, DSPs at `dspBase` and role keys (demo/control.ts). Run it before
 * `wrangler dev` starts on the same state: two wranglers on one folder can lock each other out.
 */
export function seedDemoControl(dspBase: string, persistTo?: string): Promise<void> {
	return seedControl(demoControlSeed(dspBase), persistTo);
}

/** The local CONTROL database migrated and holding exactly `seed` (the bench seeds its own). */
export async function seedControl(seed: ControlSeed, persistTo?: string): Promise<void> {
	const wrangler = localWrangler(persistTo);
	const dir = mkdtempSync(join(tmpdir(), "px-control-"));
	try {
		await wrangler(["d1", "migrations", "apply", "CONTROL"]);
		const file = join(dir, "seed.sql");
		writeFileSync(file, `${controlSeedStatements(seed).join(";\n")};\n`);
		await wrangler(["d1", "execute", "CONTROL", "--file", file]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * Approves every asset the demo DSPs serve on the demo screens from `assetBase` (the demo
 * server's origin, which must be serving: asset URLs are part of what is approved, and the
 * bytes are copied from there). Returns how many.
 */
export async function seedDemoApprovals(assetBase: string, persistTo?: string): Promise<number> {
	const units = demoAssets(
		demoScreens.flatMap((s) => s.slots),
		assetBase,
	);
	const dir = mkdtempSync(join(tmpdir(), "px-seed-"));
	const wrangler = localWrangler(persistTo);
	try {
		const copies = new Map<string, { key: string; file: string }[]>();
		const entries = await Promise.all(
			units.map(async (unit, i) => {
				const res = await fetch(unit.asset_url);
				if (!res.ok) throw new Error(`${unit.asset_url}: ${res.status}`);
				const bytes = Buffer.from(await res.arrayBuffer());
				const sha256 = createHash("sha256").update(bytes).digest("hex");
				const file = join(dir, `asset-${i}`);
				writeFileSync(file, bytes);
				const type = res.headers.get("content-type") ?? "application/octet-stream";
				copies.set(type, [...(copies.get(type) ?? []), { key: hostedObjectKey(sha256), file }]);
				const record: ApprovalRecord = {
					status: "approved",
					reason: "demo creative",
					decided_at: Date.now(),
					version: 0,
					asset: { sha256, size: bytes.byteLength },
				};
				return { key: approvalKvKey(await approvalKey(unit)), value: JSON.stringify(record) };
			}),
		);
		const approvals = join(dir, "approvals.json");
		writeFileSync(approvals, JSON.stringify(entries));
		// One wrangler at a time: two started together on one persistence folder can fail with
		// SQLITE_BUSY ("database is locked"), as a player e2e run did. The bucket is written one
		// content type per command (the bulk command sets one for all its objects).
		const copied = async () => {
			for (const [type, objects] of copies) {
				const list = join(dir, `objects-${type.replace(/\W/g, "_")}.json`);
				writeFileSync(list, JSON.stringify(objects));
				await wrangler([
					"r2",
					"bulk",
					"put",
					HOSTED_BUCKET,
					"--filename",
					list,
					"--content-type",
					type,
				]);
			}
		};
		await wrangler(["kv", "bulk", "put", approvals, "--binding", "APPROVALS"]);
		await copied();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return units.length;
}
