// `npm run check`: the bundles wrangler would upload (px-edge and px-consumers) build, and their
// gzip sizes stay visible.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export function buildBundle(
	env?: string,
	config = "wrangler.toml",
): { dir: string; bytes: number; gzipBytes: number } {
	const dir = mkdtempSync(join(tmpdir(), "px-edge-bundle-"));
	const args = [
		"wrangler",
		"deploy",
		"--dry-run",
		"-c",
		config,
		"--outdir",
		dir,
		...(env ? ["-e", env] : []),
	];
	execFileSync("npx", args, { stdio: ["ignore", "ignore", "inherit"] });
	let bytes = 0;
	let gzipBytes = 0;
	for (const name of readdirSync(dir)) {
		const file = join(dir, name);
		if (!statSync(file).isFile() || name.endsWith(".map")) continue;
		const content = readFileSync(file);
		bytes += content.length;
		gzipBytes += gzipSync(content, { level: 9 }).length;
	}
	return { dir, bytes, gzipBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	for (const config of ["wrangler.toml", "wrangler.consumers.toml"]) {
		for (const env of ["staging", "production"]) {
			const { dir, bytes, gzipBytes } = buildBundle(env, config);
			rmSync(dir, { recursive: true, force: true });
			console.log(
				`bundle (${config}, ${env}): ${(bytes / 1024).toFixed(1)} KiB, gzip ${(gzipBytes / 1024).toFixed(1)} KiB`,
			);
		}
	}
}
