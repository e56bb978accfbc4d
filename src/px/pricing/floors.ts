// The floor one bid must meet, judged at its own duration (OpenRTB 2.6 per-second floors): a
// flat CPM, replaced within a duration range by that range's floor (`durfloors`), and never
// below the per-second floor times the creative's seconds (`mincpmpersec`). DOOH sells time: a
// 30 s spot is not worth a 5 s one's price, and a buyer can see this rule in the request.
import type { Deal, DurFloors, Imp } from "iab-openrtb/v26";
import { z } from "zod";
import { MAX_CPM, roundCpm } from "../model/money";

const seconds = z.number().int().positive().max(3600);
const cpm = z.number().nonnegative().max(MAX_CPM);
/** A CPM per second of creative: no spot is longer than an hour. */
const cpmPerSecond = z
	.number()
	.nonnegative()
	.max(MAX_CPM / 60);

/**
 * OpenRTB 2.6 DurFloors: the floor for creatives from `mindur` to `maxdur` seconds (both
 * included; either may be absent, not both), in place of the flat floor.
 */
export const DurFloor = z
	.object({ mindur: seconds.optional(), maxdur: seconds.optional(), bidfloor: cpm })
	.strict()
	.refine((d) => d.mindur !== undefined || d.maxdur !== undefined, "give mindur or maxdur")
	.refine((d) => d.mindur === undefined || d.maxdur === undefined || d.mindur <= d.maxdur, {
		path: ["maxdur"],
		message: "must not be below mindur",
	});
export const durFloors = z.array(DurFloor).min(1).max(16);

/** Floors by the second (OpenRTB 2.6): what slots and deals may add to their flat floor. */
export const perSecondFloors = {
	/** CPM per second of the creative: a 30 s spot's floor is 30 times it. */
	mincpmpersec: cpmPerSecond.optional(),
	durfloors: durFloors.optional(),
};

/** A floor for creatives from `min_duration` to `max_duration` seconds, both included. */
export interface DurationFloor {
	min_duration?: number;
	max_duration?: number;
	floor_cpm: number;
}

/** One set of floor terms, CPM in the auction's currency. */
export interface FloorTerms {
	floor_cpm: number;
	/** CPM per second of the creative. */
	per_second?: number;
	/** Replace floor_cpm for creatives in their range; the first range that holds the duration. */
	by_duration?: ReadonlyArray<DurationFloor>;
}

/**
 * Durations are judged in whole seconds, as players schedule them: a 15.015 s encode is a 15 s
 * spot, in a "1-15 s" range and at 15 times the per-second floor.
 */
export const wholeSeconds = (durationS: number): number => Math.max(0, Math.round(durationS));

/** The floor of a creative of `durationS` seconds under these terms. */
export function floorAt(terms: FloorTerms, durationS: number): number {
	const seconds = wholeSeconds(durationS);
	const range = terms.by_duration?.find(
		(r) =>
			(r.min_duration ?? 0) <= seconds && seconds <= (r.max_duration ?? Number.POSITIVE_INFINITY),
	);
	const flat = range ? range.floor_cpm : terms.floor_cpm;
	return roundCpm(Math.max(flat, (terms.per_second ?? 0) * seconds));
}

/** OpenRTB DurFloors (mindur/maxdur/bidfloor) as floor terms' ranges, and back. */
export const fromDurFloors = (
	list: ReadonlyArray<DurFloors> | undefined,
): DurationFloor[] | undefined =>
	list?.map((d) => ({
		...(d.mindur !== undefined ? { min_duration: d.mindur } : {}),
		...(d.maxdur !== undefined ? { max_duration: d.maxdur } : {}),
		floor_cpm: d.bidfloor ?? 0,
	}));

export const toDurFloors = (list: ReadonlyArray<DurationFloor>): DurFloors[] =>
	list.map((d) => ({
		...(d.min_duration !== undefined ? { mindur: d.min_duration } : {}),
		...(d.max_duration !== undefined ? { maxdur: d.max_duration } : {}),
		bidfloor: d.floor_cpm,
	}));

/**
 * The terms a bid is judged by, as the request its bidder was sent states them: its deal's
 * bidfloor, mincpmpersec and durfloors; or for an open bid imp.bidfloor with the video object's
 * mincpmpersec and durfloors (an image is held for its spot, so it is judged at the spot's length
 * by the same terms).
 */
export function requestedTerms(imp: Imp, deal: Deal | undefined): FloorTerms {
	return termsOf(
		deal ?? {
			bidfloor: imp.bidfloor,
			mincpmpersec: imp.video?.mincpmpersec,
			durfloors: imp.video?.durfloors,
		},
	);
}

/** Floor terms from OpenRTB-named fields (a deal's, a slot's): bidfloor, mincpmpersec, durfloors. */
export function termsOf(source: {
	bidfloor?: number;
	mincpmpersec?: number;
	durfloors?: ReadonlyArray<DurFloors>;
}): FloorTerms {
	const byDuration = fromDurFloors(source.durfloors);
	return {
		floor_cpm: source.bidfloor ?? 0,
		...(source.mincpmpersec ? { per_second: source.mincpmpersec } : {}),
		...(byDuration?.length ? { by_duration: byDuration } : {}),
	};
}

/** The OpenRTB fields that state floor terms (imp.video, a deal). */
export function durationFields(terms: FloorTerms): Pick<Deal, "mincpmpersec" | "durfloors"> {
	return {
		...(terms.per_second ? { mincpmpersec: terms.per_second } : {}),
		...(terms.by_duration?.length ? { durfloors: toDurFloors(terms.by_duration) } : {}),
	};
}
