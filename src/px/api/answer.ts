// What a screen gets back when there is something to play, before any dialect reshapes it.
// The clearing price never reaches a screen: players and their logs are outside our trust
// boundary, and `price?: never` makes leaking it a type error.
import type { Creative } from "../auction/creative";
import type { NoFillReason } from "../auction/outcomes";

export interface PxAnswer {
	decision_id: string;
	/** asset_url is the exchange's copy of the approved bytes; sha256 is theirs. */
	creative: Omit<Creative, "markup_type"> & { advertiser_domains: string[]; sha256: string };
	/** The window the ad may start in, epoch milliseconds. */
	play: { not_before: number; not_after: number; report_until: number };
	impression_multiplier: number;
	proof_of_play_url: string;
	expiry_url: string;
	price?: never;
}

/** One placement's outcome, as every dialect shapes its answer from it. */
export interface PlacementOutcome {
	slot_id: string;
	/** The placement's planned play time, epoch ms. */
	play_at: number;
	answer?: PxAnswer;
	no_fill_reason?: NoFillReason;
	/** Served again from the screen's cache (no new auction). */
	cached: boolean;
}

/** What a decision came to, before a dialect shapes it. */
export interface Decided {
	/** The request asked for several slots or a loop: answer with the whole list. */
	multi: boolean;
	/** In schedule order. */
	placements: PlacementOutcome[];
}

/**
 * The px dialect's body: one slot, one spot answers as before (filled or not, with the reason);
 * several slots or a loop answer `decisions`, one per placement in schedule order, `filled` true
 * when any of them is.
 */
export function pxAnswerBody(decided: Decided): Record<string, unknown> {
	const one = (p: PlacementOutcome) =>
		p.answer
			? { filled: true, cached: p.cached, ...p.answer }
			: { filled: false, no_fill_reason: p.no_fill_reason };
	if (!decided.multi) return one(decided.placements[0]!);
	return {
		filled: decided.placements.some((p) => p.answer),
		decisions: decided.placements.map((p) => ({
			slot_id: p.slot_id,
			play_at: p.play_at,
			...one(p),
		})),
	};
}
