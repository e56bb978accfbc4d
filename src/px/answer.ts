// What a screen gets back when there is something to play, before any dialect reshapes it.
// The clearing price never reaches a screen: players and their logs are outside our trust
// boundary, and `price?: never` makes leaking it a type error.
import type { Creative } from "./creative";

export interface PxAnswer {
	decision_id: string;
	creative: Omit<Creative, "markup_type"> & { advertiser_domains: string[] };
	/** The window the ad may start in, epoch milliseconds. */
	play: { not_before: number; not_after: number };
	impression_multiplier: number;
	proof_of_play_url: string;
	expiry_url: string;
	price?: never;
}
