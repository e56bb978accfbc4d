// Creatives in a directory, for Node players: one file per asset URL (named by its SHA-256, with
// the URL's extension so media players recognise it) and a `.url` note beside it saying which
// URL it holds. Files are written under a temporary name and renamed, so a crash mid-download
// never leaves a half file that looks complete.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { AssetStore } from "../asset-store";

export class DirectoryAssetStore implements AssetStore {
	constructor(private readonly dir: string) {}

	private fileOf(url: string): string {
		const ext = extname(new URL(url).pathname)
			.slice(0, 8)
			.replace(/[^.a-z0-9]/gi, "");
		return join(this.dir, `${createHash("sha256").update(url).digest("hex")}${ext}`);
	}

	async has(url: string): Promise<boolean> {
		return stat(this.fileOf(url)).then(
			(s) => s.isFile(),
			() => false,
		);
	}

	async put(url: string, response: Response): Promise<void> {
		await mkdir(this.dir, { recursive: true });
		const file = this.fileOf(url);
		const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
		await writeFile(part, new Uint8Array(await response.arrayBuffer()));
		await writeFile(`${file}.url`, url);
		await rename(part, file);
	}

	async source(url: string): Promise<string | undefined> {
		return (await this.has(url)) ? this.fileOf(url) : undefined;
	}

	async delete(url: string): Promise<void> {
		const file = this.fileOf(url);
		await rm(file, { force: true });
		await rm(`${file}.url`, { force: true });
	}

	async urls(): Promise<string[]> {
		const names = await readdir(this.dir).catch(() => [] as string[]);
		const present = new Set(names);
		const urls: string[] = [];
		for (const name of names) {
			if (!name.endsWith(".url") || !present.has(name.slice(0, -4))) continue;
			urls.push(await readFile(join(this.dir, name), "utf8"));
		}
		return urls;
	}
}
