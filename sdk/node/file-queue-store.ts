// Unsent reports in one JSON file, for Node players: replaced atomically (write, then rename),
// so a power cut leaves either the old queue or the new one, never a torn file.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { QueuedReport, QueueStore } from "../report-queue";

export class FileQueueStore implements QueueStore {
	constructor(private readonly file: string) {}

	async load(): Promise<QueuedReport[]> {
		try {
			const items = JSON.parse(await readFile(this.file, "utf8")) as unknown;
			return Array.isArray(items) ? (items as QueuedReport[]) : [];
		} catch {
			return [];
		}
	}

	async save(items: ReadonlyArray<QueuedReport>): Promise<void> {
		await mkdir(dirname(this.file), { recursive: true });
		const tmp = `${this.file}.part`;
		await writeFile(tmp, JSON.stringify(items));
		await rename(tmp, this.file);
	}
}
