// Seeds the local state `wrangler dev` reads: the control plane, and creatives approved in the
// APPROVALS replica, for the demo (scripts/dev.ts, the e2e tests) and the bench (bench/stack.ts).
// An approval is of bytes (README "Review desk"): the demo's assets are fetched from the demo
// server and copied into the local HOSTED_ASSETS bucket, as the desk's approve does, and each
// record names that copy; the bench's records name a copy it never stores.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
	type ApprovalRecord,
	type ApprovalUnit,
	approvalKey,
	approvalKvKey,
} from "../src/px/auction/approval";
import { type HostedAsset, hostedObjectKey } from "../src/px/auction/hosted-asset";
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
export function seedDemoApprovals(assetBase: string, persistTo?: string): Promise<number> {
	const units = demoAssets(
		demoScreens.flatMap((s) => s.slots),
		assetBase,
	);
	return seedApprovals(units, { persistTo, hosted: "copy", reason: "demo creative" });
}

export interface SeedApprovalsOptions {
	/** wrangler's local state folder (wrangler's default without it). */
	persistTo?: string;
	/**
	 * The hosted copy each record names (an "approved" record without one counts as pending,
	 * src/services/approvals.ts). "copy": the asset is fetched and its bytes stored in the local
	 * HOSTED_ASSETS bucket, as the desk's approve does, so the edge can serve them. "named": nothing
	 * is fetched, a digest of the URL stands in for the file's, for a caller whose edge never
	 * serves a creative (the bench, which must not spend its setup downloading videos).
	 */
	hosted: "copy" | "named";
	/** The records' reason: who approved them. */
	reason: string;
}

/** Approves `units` in the local APPROVALS replica; returns how many. */
export async function seedApprovals(
	units: ApprovalUnit[],
	{ persistTo, hosted, reason }: SeedApprovalsOptions,
): Promise<number> {
	const dir = mkdtempSync(join(tmpdir(), "px-seed-"));
	const wrangler = localWrangler(persistTo);
	try {
		const copies = new Map<string, { key: string; file: string }[]>();
		const entries = await Promise.all(
			units.map(async (unit, i) => {
				const record: ApprovalRecord = {
					status: "approved",
					reason,
					decided_at: Date.now(),
					version: 0,
					asset:
						hosted === "copy"
							? await download(unit.asset_url, join(dir, `asset-${i}`), copies)
							: { sha256: sha256Hex(unit.asset_url), size: 1 },
				};
				return { key: approvalKvKey(await approvalKey(unit)), value: JSON.stringify(record) };
			}),
		);
		const approvals = join(dir, "approvals.json");
		writeFileSync(approvals, JSON.stringify(entries));
		// One wrangler at a time: two started together on one persistence folder can fail with
		// SQLITE_BUSY ("database is locked"), as a player e2e run did.
		await wrangler(["kv", "bulk", "put", approvals, "--binding", "APPROVALS"]);
		// The bucket is written one content type per command (the bulk command sets one for all
		// its objects).
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
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return units.length;
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * Fetches an asset into `file` and adds it to `copies` (by content type) under its hosted key;
 * returns what its approval records of it.
 */
async function download(
	url: string,
	file: string,
	copies: Map<string, { key: string; file: string }[]>,
): Promise<HostedAsset> {
	const res = await fetch(url);
	if (!res.ok) throw new Error(`${url}: ${res.status}`);
	const bytes = Buffer.from(await res.arrayBuffer());
	const sha256 = sha256Hex(bytes);
	writeFileSync(file, bytes);
	const type = res.headers.get("content-type") ?? "application/octet-stream";
	copies.set(type, [...(copies.get(type) ?? []), { key: hostedObjectKey(sha256), file }]);
	return { sha256, size: bytes.byteLength };
}
