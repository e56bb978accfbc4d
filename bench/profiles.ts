// What the bench profiles (on by default, `--no-profile` leaves it out): the Parquet encoder in
// Node, and px-edge's and px-consumers' isolates under the hot-path load. Each summary names what
// dominates a role; the raw profiles are kept beside the other temporary files.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PORTS } from "./config";
import type { LoadResult } from "./load";
import { runPipeline } from "./pipeline";
import { type CpuProfile, profileNode, profileWorkerd, summarise, useSourceMap } from "./profile";
import { benchStarted, progress } from "./progress";
import type { Results } from "./results";
import type { Stack } from "./stack";

export type Profiles = NonNullable<Results["profiles"]>;

function saveProfile(name: string, profile: CpuProfile): string {
	const path = join(tmpdir(), `px-bench-${name}-${benchStarted}.cpuprofile`);
	writeFileSync(path, JSON.stringify(profile));
	return path;
}

export async function profileEncoder(): Promise<Profiles> {
	progress("profile: Node CPU profile of the pipeline section (encodeEvents)");
	const { profile } = await profileNode(() => runPipeline(10_000, 3));
	return { encoder: summarise(profile, 20), files: [saveProfile("encoder", profile)] };
}

/** Profiles both isolates while `load` runs; a failure is kept in `profiles.error`, not thrown. */
export async function profileHotPath(
	profiles: Profiles,
	stack: Stack,
	load: () => Promise<LoadResult>,
): Promise<void> {
	// Before the measured rounds: wrangler's inspector proxy buffers every console message
	// until a DevTools client connects, and replays them all on connect.
	progress(
		"profile: workerd CPU profiles of px-edge and px-consumers under the hot-path load (8 s)",
	);
	try {
		useSourceMap(basename(stack.edgeBundle), `${stack.edgeBundle}.map`);
		useSourceMap(basename(stack.consumersBundle), `${stack.consumersBundle}.map`);
		// Both isolates at once, each through its wrangler dev's inspector proxy (one Worker per
		// session now; the runtime's own inspector allows one client, which is that proxy).
		const { result: answer, profile: background } = await profileWorkerd(
			PORTS.consumersInspector,
			() => profileWorkerd(PORTS.edgeInspector, load),
		);
		profiles.workerd = summarise(answer.profile, 20);
		profiles.background = summarise(background, 20);
		profiles.decisions = Math.max(1, answer.result.requests - answer.result.non2xx);
		profiles.files?.push(
			saveProfile("workerd", answer.profile),
			saveProfile("consumers", background),
		);
	} catch (err) {
		profiles.error = String(err);
	}
}
