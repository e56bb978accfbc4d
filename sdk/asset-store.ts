// Where a player keeps creative files between download and play. Players cache by URL (an
// asset URL is what the review desk approved, so the same URL is the same creative), download
// ahead of the spot, and play from the cache so a slow or lost network never shows a black screen.

export interface AssetStore {
	has(url: string): Promise<boolean>;
	/** Keeps the body of a successful download under its URL. */
	put(url: string, response: Response): Promise<void>;
	/**
	 * Something the renderer can play: an object URL in a browser, a file path in Node. Undefined
	 * when the asset is not stored. Call `release` with it after the play.
	 */
	source(url: string): Promise<string | undefined>;
	release?(source: string): void;
	delete(url: string): Promise<void>;
	urls(): Promise<string[]>;
}

/** In memory: for tests, and for players that re-download after every restart anyway. */
export class MemoryAssetStore implements AssetStore {
	private readonly bodies = new Map<string, Uint8Array>();

	async has(url: string) {
		return this.bodies.has(url);
	}
	async put(url: string, response: Response) {
		this.bodies.set(url, new Uint8Array(await response.arrayBuffer()));
	}
	async source(url: string) {
		return this.bodies.has(url) ? url : undefined;
	}
	async delete(url: string) {
		this.bodies.delete(url);
	}
	async urls() {
		return [...this.bodies.keys()];
	}
	bytes(url: string): Uint8Array | undefined {
		return this.bodies.get(url);
	}
}
