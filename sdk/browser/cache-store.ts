// Creatives in the browser's Cache API: they survive reloads and reboots of a kiosk browser,
// and are played from an object URL so a lost network cannot stall a spot halfway.
import type { AssetStore } from "../asset-store";

export class CacheApiAssetStore implements AssetStore {
	constructor(private readonly cacheName = "px-assets") {}

	private open(): Promise<Cache> {
		return caches.open(this.cacheName);
	}

	async has(url: string): Promise<boolean> {
		return (await (await this.open()).match(url)) !== undefined;
	}

	async put(url: string, response: Response): Promise<void> {
		await (await this.open()).put(url, response);
	}

	async source(url: string): Promise<string | undefined> {
		const hit = await (await this.open()).match(url);
		return hit ? URL.createObjectURL(await hit.blob()) : undefined;
	}

	release(source: string): void {
		if (source.startsWith("blob:")) URL.revokeObjectURL(source);
	}

	async delete(url: string): Promise<void> {
		await (await this.open()).delete(url);
	}

	async urls(): Promise<string[]> {
		return (await (await this.open()).keys()).map((r) => r.url);
	}
}
