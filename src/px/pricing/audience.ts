// Audience per spot (OpenRTB imp.qty): what a placement's play is worth in impressions. DOOH
// sells audience, not plays: Hivestack keeps 168 hourly values per screen and Broadsign prorates
// the audience to the spot's length, so a 30 s spot in the evening rush counts more than a 5 s
// spot at dawn. Pure: the screen's profile and the placement's time and length in, a number out.
import { z } from "zod";
import { HOURS_PER_WEEK, localWeekHour } from "../model/geo";
import { roundCpm } from "../model/money";

const MAX_MULTIPLIER = 1_000_000;
/** The spot length hourly values are for when the profile does not say: a common DOOH spot. */
const DEFAULT_PER_SECONDS = 15;

/**
 * Audience per play: how many people see one play (OpenRTB imp.qty). Either one `multiplier` for
 * every play, or `hourly`: 168 values, Monday 00:00 local time first, each the audience of a
 * `per_seconds` spot in that hour (0: the screen is dark, nothing is sold). A placement's
 * multiplier is its own hour's value prorated to its spot's length (px/pricing/audience.ts).
 */
export const Audience = z
	.object({
		multiplier: z.number().positive().max(MAX_MULTIPLIER).optional(),
		hourly: z.array(z.number().nonnegative().max(MAX_MULTIPLIER)).length(HOURS_PER_WEEK).optional(),
		/** The spot length the hourly values are for, seconds. */
		per_seconds: z.number().int().positive().max(3600).optional(),
		source: z.enum(["publisher", "exchange", "vendor"]),
		vendor: z.string().min(1).max(256).optional(),
	})
	.superRefine((a, ctx) => {
		if (a.source === "vendor" && a.vendor === undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["vendor"],
				message: "vendor is required when source is vendor",
			});
		}
		if ((a.multiplier === undefined) === (a.hourly === undefined)) {
			ctx.addIssue({
				code: "custom",
				path: ["multiplier"],
				message: "give either multiplier or hourly (168 values, Monday 00:00 first)",
			});
		}
	});
export type Audience = z.infer<typeof Audience>;

/** What the audience depends on: the screen's audience and its wall clock. */
interface AudienceOf {
	audience?: Audience;
	timezone?: string;
}

/** A spot: when it plays and how long, and the audience it was given. */
interface Spot {
	playAt: number;
	spotMs: number;
	multiplier?: number;
}

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
export function spotAudience(screen: AudienceOf, playAt: number, spotMs: number): SpotAudience {
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
	const prorated = roundCpm(
		(value * spotMs) / 1000 / (audience.per_seconds ?? DEFAULT_PER_SECONDS),
	);
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
export function withAudience<P extends Spot>(screen: AudienceOf, placement: P): P {
	const audience = spotAudience(screen, placement.playAt, placement.spotMs);
	if (audience.kind === "unknown") return placement;
	return { ...placement, multiplier: audience.kind === "dark" ? 0 : audience.multiplier };
}

/** A placement in an hour the screen has no audience: nothing is sold for it. */
export const isDark = (placement: Spot): boolean => placement.multiplier === 0;
