// Downloads creatives ahead of their spot: the assets the edge expects this screen to play
// (GET /v1/screens/{id}/assets), and each decision's asset as soon as the decision arrives.
// Downloads of one URL are shared; assets nobody listed or played for a while are evicted.
import type { AssetStore } from "./asset-store";
import { type Clock, systemClock } from "./clock";
import type { EdgeClient } from "./edge-client";

export interface PrecacheOptions {
	store: AssetStore;
	fetch?: typeof fetch;
	clock?: Clock;
	/** Keep at most this many assets; the least recently wanted go first. */
	maxAssets?: number;
	/** Parallel downloads: a lobby screen's uplink is shared with the building's Wi-Fi. */
	concurrency?: number;
}

export class Precache {
	private readonly inflight = new Map<string, Promise<boolean>>();
	/** URL → when it was last listed, decided or played: what eviction goes by. */
	private readonly wanted = new Map<string, number>();
	private readonly fetchFn: typeof fetch;
	private readonly clock: Clock;

	constructor(private readonly options: PrecacheOptions) {
		this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.clock = options.clock ?? systemClock;
	}

	get store(): AssetStore {
		return this.options.store;
	}

	/** True once the asset is in the store (downloading it if needed); false if it cannot be had. */
	ensure(url: string): Promise<boolean> {
		this.wanted.set(url, this.clock.now());
		const running = this.inflight.get(url);
		if (running) return running;
		const task = (async () => {
			if (await this.options.store.has(url)) return true;
			try {
				const res = await this.fetchFn(url);
				if (!res.ok) return false;
				await this.options.store.put(url, res);
				return true;
			} catch {
				return false;
			}
		})().finally(() => this.inflight.delete(url));
		this.inflight.set(url, task);
		return task;
	}

	/** Downloads what the edge lists for the screen, then evicts past maxAssets. */
	async sync(
		client: EdgeClient,
		screenId: string,
		hours = 24,
	): Promise<{ listed: number; cached: number }> {
		const { assets } = await client.screenAssets(screenId, hours);
		const urls = assets.map((a) => a.asset_url);
		let cached = 0;
		let next = 0;
		const worker = async () => {
			while (next < urls.length) {
				const url = urls[next++]!;
				if (await this.ensure(url)) cached++;
			}
		};
		const lanes = Math.max(1, this.options.concurrency ?? 2);
		await Promise.all(Array.from({ length: Math.min(lanes, urls.length) }, worker));
		await this.evict();
		return { listed: urls.length, cached };
	}

	/** Drops the least recently wanted assets beyond maxAssets. */
	async evict(): Promise<void> {
		const max = this.options.maxAssets ?? 200;
		const stored = await this.options.store.urls();
		if (stored.length <= max) return;
		const byAge = stored.sort((a, b) => (this.wanted.get(a) ?? 0) - (this.wanted.get(b) ?? 0));
		for (const url of byAge.slice(0, stored.length - max)) {
			if (!this.inflight.has(url)) await this.options.store.delete(url);
		}
	}
}
