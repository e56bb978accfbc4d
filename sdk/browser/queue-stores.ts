// Where a browser player keeps unsent reports: IndexedDB (large, asynchronous; the default) or
// localStorage (simplest, about 5 MB, synchronous). Each holds one snapshot per player, so tabs
// playing different screens or slots on one origin never overwrite each other's queue. A snapshot
// an earlier SDK version kept for everyone (one key) is taken over by the first player to load.
import type { QueuedReport, QueueStore } from "../report-queue";

const asItems = (value: unknown): QueuedReport[] =>
	Array.isArray(value) ? (value as QueuedReport[]) : [];

export class LocalStorageQueueStore implements QueueStore {
	constructor(private readonly key = "px-report-queue") {}

	private read(key: string): QueuedReport[] {
		const raw = globalThis.localStorage?.getItem(key);
		if (!raw) return [];
		try {
			return asItems(JSON.parse(raw));
		} catch {
			return [];
		}
	}

	async load(player: string): Promise<QueuedReport[]> {
		return [...this.read(this.key), ...this.read(`${this.key}:${player}`)];
	}

	async save(items: ReadonlyArray<QueuedReport>, player: string): Promise<void> {
		globalThis.localStorage?.setItem(`${this.key}:${player}`, JSON.stringify(items));
		// Only once the player's own snapshot holds them.
		globalThis.localStorage?.removeItem(this.key);
	}
}

const STORE = "queue";
/** The record key of the snapshot earlier versions kept for every player at once. */
const LEGACY_KEY = "items";

export class IndexedDbQueueStore implements QueueStore {
	private db: Promise<IDBDatabase> | undefined;

	constructor(private readonly dbName = "px-player") {}

	private open(): Promise<IDBDatabase> {
		this.db ??= new Promise((resolve, reject) => {
			const request = indexedDB.open(this.dbName, 1);
			request.onupgradeneeded = () => request.result.createObjectStore(STORE);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		return this.db;
	}

	private async run<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>) {
		const db = await this.open();
		return new Promise<T>((resolve, reject) => {
			const tx = db.transaction(STORE, mode);
			const request = op(tx.objectStore(STORE));
			tx.oncomplete = () => resolve(request.result);
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error);
		});
	}

	async load(player: string): Promise<QueuedReport[]> {
		const legacy = asItems(await this.run<unknown>("readonly", (s) => s.get(LEGACY_KEY)));
		const own = asItems(await this.run<unknown>("readonly", (s) => s.get(`items:${player}`)));
		return [...legacy, ...own];
	}

	async save(items: ReadonlyArray<QueuedReport>, player: string): Promise<void> {
		await this.run("readwrite", (s) => s.put([...items], `items:${player}`));
		// Only once the player's own snapshot holds them.
		await this.run("readwrite", (s) => s.delete(LEGACY_KEY));
	}
}
