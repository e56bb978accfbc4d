// A real browser for the page tests: Debian's chromium driven by playwright-core (no browser
// download: the repository installs chromium with apt, .ci/run does too). The machine has no
// internet, and chromium without these flags waits on the network (component updates, sync,
// QUIC probes) before it is usable.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface LaunchedBrowser {
	/** One browser profile (a fresh --user-data-dir): cookies persist across its pages. */
	context: BrowserContext;
	close(): Promise<void>;
}

/** A fresh profile (caches, IndexedDB, localStorage and cookies start empty), removed on close. */
export async function launchChromium(
	viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<LaunchedBrowser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
		);
	}
	const profile = mkdtempSync(join(tmpdir(), "px-chromium-"));
	// A persistent context is how playwright takes a --user-data-dir; this one is fresh and removed.
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			// The demo player's videos are muted, which browsers let start without a gesture anyway.
			"--autoplay-policy=no-user-gesture-required",
		],
		timeout: 60_000,
	});
	return {
		context,
		close: async () => {
			await context.close().catch(() => {});
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
