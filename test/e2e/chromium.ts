// Debian's chromium driven by playwright-core, for the browser tests. Every context gets a fresh
// profile directory (caches, IndexedDB and localStorage start empty) and nothing reaches out to
// the network on its own: there is no internet here, and background traffic would only add noise.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	// The demo player's videos are muted, which browsers let start without a gesture anyway.
	"--autoplay-policy=no-user-gesture-required",
];

export interface FreshContext {
	context: BrowserContext;
	close(): Promise<void>;
}

export async function freshContext(): Promise<FreshContext> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`No chromium at ${CHROMIUM}: install it (as root: apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`,
		);
	}
	const profile = mkdtempSync(join(tmpdir(), "px-chromium-"));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport: { width: 540, height: 960 },
	});
	return {
		context,
		close: async () => {
			await context.close().catch(() => {});
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
