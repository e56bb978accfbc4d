// The ad request's answer as a schema: what the OpenAPI document publishes and what the player SDK
// types its answers with. The hot path builds answers from the PxAnswer interface (answer.ts);
// the type checks at the bottom fail the build when the two drift apart.
import { z } from "zod";
import { NO_FILL_REASONS } from "../auction/outcomes";
import type { PxAnswer } from "./answer";

const AnswerCreative = z.object({
	id: z.string(),
	/**
	 * The exchange's copy of the approved file (GET /v1/assets/{sha256}): byte for byte what the
	 * reviewer approved, whatever the DSP's host serves later.
	 */
	asset_url: z.string(),
	/** SHA-256 of the file's bytes, lower-case hex. */
	sha256: z.string(),
	mime: z.string(),
	w: z.number().int(),
	h: z.number().int(),
	/** Play length in seconds; 0 for a still image that states none (it fills the spot). */
	duration_s: z.number(),
	advertiser_domains: z.array(z.string()),
});

const PlayWindow = z.object({
	/** The ad may start from here (already 60 s before the planned play time), epoch ms. */
	not_before: z.number().int(),
	/** …until here; proof of play is accepted 15 minutes longer. */
	not_after: z.number().int(),
	/** The last moment a proof of play or an expiry is accepted (not_after + 15 min), epoch ms. */
	report_until: z.number().int(),
});

const PxAnswerSchema = z.object({
	decision_id: z.string(),
	creative: AnswerCreative,
	play: PlayWindow,
	/** Audience per play (OpenRTB imp.qty.multiplier). */
	impression_multiplier: z.number(),
	/** POST (or GET as a pixel) once the spot played; see /v1/plays. */
	proof_of_play_url: z.string(),
	/** POST when the ad cannot be played. */
	expiry_url: z.string(),
});

export const FilledAnswer = PxAnswerSchema.extend({
	filled: z.literal(true),
	/** The screen's cached decision for this spot, served again (no new auction). */
	cached: z.boolean(),
	/** Only with ?debug=1 where traces are allowed: every bidder's outcome. */
	debug: z.unknown().optional(),
});

const NoFillAnswer = z.object({
	filled: z.literal(false),
	/** Why nothing won (px/auction/outcomes.ts); a player must treat a value it does not know as no fill. */
	no_fill_reason: z
		.string()
		.optional()
		.meta({ examples: [...NO_FILL_REASONS] }),
	debug: z.unknown().optional(),
});

const Placement = {
	/** The slot (display area) this decision is for. */
	slot_id: z.string(),
	/** Its planned play time, epoch ms: a loop's spots follow one another. */
	play_at: z.number().int(),
};

/** One placement of a request for several slots or a loop. */
export const PlacementDecision = z.discriminatedUnion("filled", [
	FilledAnswer.omit({ debug: true }).extend(Placement),
	NoFillAnswer.omit({ debug: true }).extend(Placement),
]);

/**
 * The answer to `slot_ids` or `until`: one decision per placement in schedule order (by play
 * time, then in the order the slots were named); `filled` is true when any placement is.
 */
export const ScheduleAnswer = z.object({
	filled: z.boolean(),
	decisions: z.array(PlacementDecision),
	debug: z.unknown().optional(),
});

/** The px dialect's answer: always a 200, filled or not, so a player always has a body to log. */
export const AdAnswer = z.discriminatedUnion("filled", [FilledAnswer, NoFillAnswer]);
export type AdAnswer = z.infer<typeof AdAnswer>;
export type FilledAnswer = z.infer<typeof FilledAnswer>;
export type ScheduleAnswer = z.infer<typeof ScheduleAnswer>;
export type PlacementDecision = z.infer<typeof PlacementDecision>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agrees: Same<z.infer<typeof PxAnswerSchema>, Omit<PxAnswer, "price">> = true;
void agrees;
