// Where a browser player keeps unsent reports: IndexedDB (large, asynchronous; the default) or
// localStorage (simplest, about 5 MB, synchronous). Both hold one snapshot of the queue.
import type { QueuedReport, QueueStore } from "../report-queue";

export class LocalStorageQueueStore implements QueueStore {
	constructor(private readonly key = "px-report-queue") {}

	async load(): Promise<QueuedReport[]> {
		const raw = globalThis.localStorage?.getItem(this.key);
		if (!raw) return [];
		try {
			const items = JSON.parse(raw) as unknown;
			return Array.isArray(items) ? (items as QueuedReport[]) : [];
		} catch {
			return [];
		}
	}

	async save(items: ReadonlyArray<QueuedReport>): Promise<void> {
		globalThis.localStorage?.setItem(this.key, JSON.stringify(items));
	}
}

const STORE = "queue";

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

	async load(): Promise<QueuedReport[]> {
		const items = await this.run<unknown>("readonly", (s) => s.get("items"));
		return Array.isArray(items) ? (items as QueuedReport[]) : [];
	}

	async save(items: ReadonlyArray<QueuedReport>): Promise<void> {
		await this.run("readwrite", (s) => s.put([...items], "items"));
	}
}
