// A real browser for the page tests, driven by playwright-core (which downloads no browser). It is
// found in this order: CHROMIUM_PATH, a system Chromium or Chrome, then the Chromium that the npm
// package @sparticuz/chromium ships (Linux x64 only), so `npm install` is all a machine needs.
// PX_BROWSER=packaged skips the first two: it proves the packaged browser on a machine that has a
// system one. The machine has no internet, and chromium without these flags waits on the network
// (component updates, sync, QUIC probes) before it is usable.
import { execFile } from "node:child_process";
import {
	chmodSync,
	existsSync,
	mkdtempSync,
	readFileSync,
	renameSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian, Chrome's installers, macOS and Windows put the browser. */
function systemBrowsers(): string[] {
	if (process.platform === "darwin") {
		return [
			"/Applications/Chromium.app/Contents/MacOS/Chromium",
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
		];
	}
	if (process.platform === "win32") {
		const roots = [
			process.env.PROGRAMFILES,
			process.env["PROGRAMFILES(X86)"],
			process.env.LOCALAPPDATA,
		];
		return roots
			.filter((root): root is string => root !== undefined)
			.flatMap((root) => [
				join(root, "Google", "Chrome", "Application", "chrome.exe"),
				join(root, "Chromium", "Application", "chrome.exe"),
			]);
	}
	// Not /usr/bin/chromium-browser: on Ubuntu it starts the snap, whose private /tmp cannot see
	// the profile directory made here.
	return ["/usr/bin/chromium", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"];
}

interface Browser {
	executablePath: string;
	/** What the executable needs in its environment (the packaged one: its libraries and fonts). */
	env?: Record<string, string>;
}

/** The browser to drive: CHROMIUM_PATH, else a system one, else the packaged one. */
export async function findChromium(): Promise<Browser> {
	if (process.env.PX_BROWSER === "packaged") return packagedChromium();
	const given = process.env.CHROMIUM_PATH;
	if (given) {
		if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
		return { executablePath: given };
	}
	const system = systemBrowsers().find((path) => existsSync(path));
	return system ? { executablePath: system } : packagedChromium();
}

/**
 * The package holds Brotli archives: the browser (chrome-headless-shell), its NSS and expat
 * libraries (built for Amazon Linux, they need only glibc), fonts and SwiftShader. They are
 * unpacked once per package version into the temp directory (about 210 MB, a few seconds).
 */
async function packagedChromium(): Promise<Browser> {
	if (process.platform !== "linux" || process.arch !== "x64") {
		throw new Error(
			`no browser: set CHROMIUM_PATH or install Chromium or Chrome (${systemBrowsers().join(", ")}); the packaged one (@sparticuz/chromium) is Linux x64 only`,
		);
	}
	const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
	const packageDir = join(dirname(entry), "..");
	const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
		version: string;
	};
	const dir = join(tmpdir(), `px-packaged-chromium-${version}`);
	if (!existsSync(dir)) await unpack(entry, join(packageDir, "bin"), dir);
	return {
		executablePath: join(dir, "chromium"),
		env: {
			LD_LIBRARY_PATH: [join(dir, "al2023", "lib"), process.env.LD_LIBRARY_PATH]
				.filter(Boolean)
				.join(":"),
			FONTCONFIG_FILE: join(dir, "fonts.conf"),
		},
	};
}

/**
 * Unpacks into a fresh directory and renames it into place, so a browser launched from `dir` is
 * always whole: two test files unpacking at once both finish, and the second rename loses
 * harmlessly; an unpacking cut short leaves only a staging directory behind.
 */
async function unpack(entry: string, bin: string, dir: string): Promise<void> {
	const staging = mkdtempSync(`${dir}-unpacking-`);
	try {
		// The package's inflate() writes into os.tmpdir(): a child whose TMPDIR is the staging
		// directory puts everything there (chromium, fonts/, al2023/lib/, SwiftShader's libraries).
		const script = `import { inflate } from ${JSON.stringify(pathToFileURL(entry).href)};
await Promise.all(${JSON.stringify(["chromium.br", "fonts.tar.br", "swiftshader.tar.br", "al2023.tar.br"].map((f) => join(bin, f)))}.map((f) => inflate(f)));`;
		await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
			env: { ...process.env, TMPDIR: staging },
		});
		// The package's own fonts.conf names fixed Lambda paths; this one names where the fonts are
		// and keeps the system's fonts, when there are any.
		writeFileSync(
			join(staging, "fonts.conf"),
			`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(dir, "fonts")}</dir>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>${join(dir, "fonts-cache")}</cachedir>
</fontconfig>
`,
		);
		// mkdtemp and inflate() make both owner-only; the unpacked browser is for every user.
		chmodSync(staging, 0o755);
		chmodSync(join(staging, "chromium"), 0o755);
		renameSync(staging, dir);
	} catch (err) {
		rmSync(staging, { recursive: true, force: true });
		if (!existsSync(dir)) throw err;
	}
}

export interface LaunchedBrowser {
	/** One browser profile (a fresh --user-data-dir): cookies persist across its pages. */
	context: BrowserContext;
	close(): Promise<void>;
}

/** A fresh profile (caches, IndexedDB, localStorage and cookies start empty), removed on close. */
export async function launchChromium(
	viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<LaunchedBrowser> {
	const browser = await findChromium();
	const profile = mkdtempSync(join(tmpdir(), "px-chromium-"));
	// A persistent context is how playwright takes a --user-data-dir; this one is fresh and removed.
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: browser.executablePath,
		env: browser.env ? { ...process.env, ...browser.env } : undefined,
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
