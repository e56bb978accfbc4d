// Audience per spot (OpenRTB imp.qty): what a placement's play is worth in impressions. DOOH
// sells audience, not plays: Hivestack keeps 168 hourly values per screen and Broadsign prorates
// the audience to the spot's length, so a 30 s spot in the evening rush counts more than a 5 s
// spot at dawn. Pure: the screen's profile and the placement's time and length in, a number out.
import { localWeekHour } from "../geo";
import type { Audience, Placement, Screen } from "../model";
import { roundCpm } from "../money";

/** What a placement's audience is: a multiplier, none known, or a dark hour (nothing to sell). */
export type SpotAudience =
	| { kind: "known"; multiplier: number }
	| { kind: "unknown" }
	| { kind: "dark" };

/**
 * The audience of a spot of `spotMs` starting at `playAt` on `screen`: a fixed `multiplier` as
 * given (audience per play); an hourly one is the value of the spot's own local hour (DST-correct),
 * prorated from its `per_seconds` spot to this spot's length. 0 in that hour is dark.
 */
export function spotAudience(
	screen: Pick<Screen, "audience" | "timezone">,
	playAt: number,
	spotMs: number,
): SpotAudience {
	const audience = screen.audience;
	if (!audience) return { kind: "unknown" };
	if (audience.hourly === undefined || screen.timezone === undefined) {
		return audience.multiplier === undefined
			? { kind: "unknown" }
			: { kind: "known", multiplier: audience.multiplier };
	}
	const at = localWeekHour(screen.timezone, playAt);
	if (!at) return { kind: "unknown" };
	const value = audience.hourly[at.weekHour] ?? 0;
	if (value <= 0) return { kind: "dark" };
	return { kind: "known", multiplier: prorate(value, audience, spotMs) };
}

/** 4 decimals, as prices are; never rounded down to 0, which would read as "no audience". */
function prorate(value: number, audience: Audience, spotMs: number): number {
	const prorated = roundCpm((value * spotMs) / 1000 / audience.per_seconds);
	return prorated > 0 ? prorated : 0.0001;
}

/**
 * The multiplier a play is billed at: the auction's, or the audience the player measured when
 * that is lower (OpenRTB 2.6 lets the seller bill a smaller multiplier than it sold; never more).
 */
export function billedMultiplier(planned: number, measured: number | undefined): number {
	if (measured === undefined || !(measured > 0) || measured >= planned) return planned;
	return roundCpm(measured);
}

/** The placement with its audience per play set: 0 when its hour is dark, absent when unknown. */
export function withAudience(
	screen: Pick<Screen, "audience" | "timezone">,
	placement: Placement,
): Placement {
	const audience = spotAudience(screen, placement.playAt, placement.spotMs);
	if (audience.kind === "unknown") return placement;
	return { ...placement, multiplier: audience.kind === "dark" ? 0 : audience.multiplier };
}

/** A placement in an hour the screen has no audience: nothing is sold for it. */
export const isDark = (placement: Placement): boolean => placement.multiplier === 0;
