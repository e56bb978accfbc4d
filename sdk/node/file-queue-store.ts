// Unsent reports in JSON files, for Node players: one file per player beside the configured
// path (`reports.json` → `reports.lobby-1_main.json`), each replaced atomically (write, then
// rename), so a power cut leaves either the old queue or the new one, never a torn file, and two
// players sharing a directory never write over each other. The configured file itself, where an
// earlier SDK version kept one queue for everyone, is taken over by the first player to load.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import type { QueuedReport, QueueStore } from "../report-queue";

async function readItems(file: string): Promise<QueuedReport[]> {
	try {
		const items = JSON.parse(await readFile(file, "utf8")) as unknown;
		return Array.isArray(items) ? (items as QueuedReport[]) : [];
	} catch {
		return [];
	}
}

export class FileQueueStore implements QueueStore {
	constructor(private readonly file: string) {}

	/** The player's own file: its name made safe for any file system. */
	fileOf(player: string): string {
		const ext = extname(this.file);
		const base = ext ? this.file.slice(0, -ext.length) : this.file;
		return `${base}.${player.replace(/[^A-Za-z0-9._-]/g, "_")}${ext || ".json"}`;
	}

	async load(player: string): Promise<QueuedReport[]> {
		return [...(await readItems(this.file)), ...(await readItems(this.fileOf(player)))];
	}

	async save(items: ReadonlyArray<QueuedReport>, player: string): Promise<void> {
		const file = this.fileOf(player);
		await mkdir(dirname(file), { recursive: true });
		const tmp = `${file}.part`;
		await writeFile(tmp, JSON.stringify(items));
		await rename(tmp, file);
		// Only once the player's own file holds them.
		await rm(this.file, { force: true });
	}
}
