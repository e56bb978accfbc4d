// Section 5: the production bundle's size (wrangler deploy --dry-run) and its startup time, which
// only `wrangler check startup` measures locally.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "../scripts/check-bundle";
import { median } from "./load";
import { wranglerSync } from "./procs";
import { progress } from "./progress";
import type { Results } from "./results";

export function bundleSection(): Results["bundle"] {
	progress("5. bundle: wrangler deploy --dry-run -e production");
	const { dir, bytes, gzipBytes } = buildBundle("production");
	rmSync(dir, { recursive: true, force: true });
	// The dry run prints sizes and bindings but no startup time (only a real upload gets that back
	// from the API). `wrangler check startup` profiles the startup phase locally instead.
	const scratch = mkdtempSync(join(tmpdir(), "px-bench-startup-"));
	let startupReportedByDryRun = false;
	try {
		const out = wranglerSync([
			"deploy",
			"--dry-run",
			"-e",
			"production",
			"--outdir",
			join(scratch, "dry"),
		]);
		startupReportedByDryRun = /startup time/i.test(out);
	} catch {}
	const active: number[] = [];
	const windows: number[] = [];
	for (let i = 0; i < 3; i++) {
		try {
			const out = wranglerSync([
				"check",
				"startup",
				"--args=-e production",
				"--outfile",
				join(scratch, `startup-${i}.cpuprofile`),
			]);
			const a = /Active: ([\d.]+) ms/.exec(out);
			const w = /Profile window: ([\d.]+) ms/.exec(out);
			if (a) active.push(Number(a[1]));
			if (w) windows.push(Number(w[1]));
		} catch (err) {
			progress(`   wrangler check startup failed: ${String(err).split("\n")[0]}`);
		}
	}
	rmSync(scratch, { recursive: true, force: true });
	return {
		env: "production",
		bytes,
		gzipBytes,
		startupReportedByDryRun,
		...(active.length
			? {
					localStartup: {
						activeMs: median(active),
						windowMs: median(windows),
						runs: active.length,
					},
				}
			: {}),
	};
}
