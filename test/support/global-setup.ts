// Vitest global setup (runs in Node): the loopback DSP server the workerd tests talk to, and the
// control plane's D1 migrations (test/support/control-setup.ts applies them in each test file).
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import type { TestProject } from "vitest/node";
import { startDspServer } from "./dsp-server";

import "./provided-context";

export default async function setup(project: TestProject) {
	const dsp = await startDspServer();
	project.provide("dspBase", dsp.base);
	project.provide("controlMigrations", await readD1Migrations("migrations"));
	project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 150));
	return () => dsp.close();
}
