// What a screen gets back when there is something to play, before any dialect reshapes it.
// The clearing price never reaches a screen: players and their logs are outside our trust
// boundary, and `price?: never` makes leaking it a type error.

export interface PxAnswer {
	decision_id: string;
	creative: {
		id: string;
		asset_url: string;
		mime: string;
		w: number;
		h: number;
		duration_s: number;
		advertiser_domains: string[];
	};
	/** The window the ad may start in, epoch milliseconds. */
	play: { not_before: number; not_after: number };
	impression_multiplier: number;
	proof_of_play_url: string;
	expiry_url: string;
	price?: never;
}
