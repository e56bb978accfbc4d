// Floors by rule (issue 25): a publisher's floors by venue type, daypart, format and creative
// duration, kept in the control plane (PUT /v1/admin/floor-rules/{id}). Pure: the bid request
// asks which rules can still apply to a placement, the bid filter which one a bid meets, and
// the matched rule's id is what the bid's event records.
//
// Most specific wins: a rule that constrains more of venue type, days, hours, formats and
// duration beats one that constrains fewer, whatever their floors (a publisher writes a narrow
// rule to override a broad one, often downwards); among rules as specific, the deeper venue type
// wins, then the lower `priority`, the higher floor, and the id, so the choice never depends on
// the order the rules were stored in.
import { z } from "zod";
import { Format } from "../model/format";
import { MAX_CPM, roundCpm } from "../model/money";
import { isKnownVenueType, venueLineage } from "../model/venues";

const slug = z
	.string()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only");
const cpm = z.number().nonnegative().max(MAX_CPM);
const seconds = z.number().int().nonnegative().max(3600);

export const FloorRule = z
	.object({
		id: slug,
		publisher_id: slug,
		/** OpenOOH 1.1 ids; a parent or child covers the venue types under it. */
		venue_types: z
			.array(
				z
					.number()
					.int()
					.positive()
					.refine(isKnownVenueType, "not an OpenOOH venue taxonomy 1.1 venue type id"),
			)
			.min(1)
			.max(64)
			.optional()
			.describe("OpenOOH 1.1 venue type ids; a parent covers its children; absent: any"),
		days: z
			.array(z.number().int().min(0).max(6))
			.min(1)
			.max(7)
			.optional()
			.describe("Local days of the week, 0 = Monday .. 6 = Sunday; absent: every day"),
		hours: z
			.object({ from: z.number().int().min(0).max(23), to: z.number().int().min(1).max(24) })
			.strict()
			.refine((h) => h.from !== h.to, {
				path: ["to"],
				message: "must differ from `from` (from > to wraps past midnight)",
			})
			.optional()
			.describe(
				"The screen's local hours [from, to); from > to wraps past midnight and belongs to the day it starts on",
			),
		formats: z.array(Format).min(1).max(3).optional().describe("absent: any format"),
		min_duration: seconds.optional().describe("Creative seconds, inclusive"),
		max_duration: seconds.optional().describe("Creative seconds, inclusive"),
		floor_cpm: cpm.optional(),
		floor_cpm_per_second: cpm
			.optional()
			.describe("CPM per second of creative: a 30 s spot's floor is 30 times this"),
		priority: z
			.number()
			.int()
			.min(0)
			.max(10_000)
			.default(100)
			.describe("Among equally specific rules, lower first"),
	})
	.strict()
	.refine((r) => r.floor_cpm !== undefined || r.floor_cpm_per_second !== undefined, {
		path: ["floor_cpm"],
		message: "set floor_cpm, floor_cpm_per_second or both",
	})
	.refine(
		(r) =>
			r.min_duration === undefined ||
			r.max_duration === undefined ||
			r.min_duration <= r.max_duration,
		{ path: ["max_duration"], message: "must be at least min_duration" },
	);
export type FloorRule = z.infer<typeof FloorRule>;

/** Where and when a placement plays: the screen's venue type and its local day (0 Monday) and hour. */
export interface PlacementFacts {
	venueType: number;
	day: number;
	hour: number;
}

/** A bid on a placement: what it plays and, when known, for how many seconds. */
export interface BidFacts extends PlacementFacts {
	format: Format;
	durationS?: number;
}

/** Venue depth stays below this, so that it only orders rules constraining as many dimensions. */
const DEPTH_SPAN = 4;

/**
 * How specific a rule is: the dimensions it constrains (venue types, days, hours, formats,
 * duration) count first; then its venue depth (parent 1, child 2, grandchild 3). A rule naming
 * several venue types is as specific as the broadest of them, since it covers all of that one.
 */
export function specificity(rule: FloorRule): number {
	const duration = rule.min_duration ?? rule.max_duration;
	const dimensions = [rule.venue_types, rule.days, rule.hours, rule.formats, duration].filter(
		(d) => d !== undefined,
	).length;
	const depth = rule.venue_types
		? Math.min(...rule.venue_types.map((id) => venueLineage(id).length))
		: 0;
	return dimensions * DEPTH_SPAN + depth;
}

/**
 * The rule's floor for a creative of `durationS` seconds: the larger of its flat and its
 * per-second floor. The per-second part needs a duration; without one it is 0. Never above
 * MAX_CPM, the highest floor configuration can state.
 */
export function ruleFloorCpm(rule: FloorRule, durationS?: number): number {
	const perSecond =
		rule.floor_cpm_per_second !== undefined && durationS !== undefined
			? rule.floor_cpm_per_second * durationS
			: 0;
	return roundCpm(Math.min(MAX_CPM, Math.max(rule.floor_cpm ?? 0, perSecond)));
}

function coversVenue(rule: FloorRule, lineage: readonly number[]): boolean {
	return !rule.venue_types || rule.venue_types.some((id) => lineage.includes(id));
}

/** Whether `day` and `hour` fall in the rule's daypart; an overnight one counts to its first day. */
function coversTime(rule: FloorRule, day: number, hour: number): boolean {
	let startDay = day;
	const h = rule.hours;
	if (h && h.from < h.to && (hour < h.from || hour >= h.to)) return false;
	if (h && h.from > h.to) {
		if (hour < h.to) startDay = (day + 6) % 7;
		else if (hour < h.from) return false;
	}
	return !rule.days || rule.days.includes(startDay);
}

function fitsCreative(rule: FloorRule, format: Format, durationS: number | undefined): boolean {
	if (rule.formats && !rule.formats.includes(format)) return false;
	const { min_duration: min, max_duration: max } = rule;
	if (min === undefined && max === undefined) return true;
	if (durationS === undefined) return false;
	return (min === undefined || durationS >= min) && (max === undefined || durationS <= max);
}

const bySpecificity = (a: FloorRule, b: FloorRule) =>
	specificity(b) - specificity(a) || a.priority - b.priority;
const byId = (a: FloorRule, b: FloorRule) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The rules that can apply to a placement once the bid's format and duration are known: those
 * whose venue types and daypart cover it, most specific first (then priority, then id; the floor
 * tie-break of matchFloorRule needs the duration). What the bid request's floors are built from.
 */
export function placementRules(
	rules: readonly FloorRule[],
	{ venueType, day, hour }: PlacementFacts,
): FloorRule[] {
	const lineage = venueLineage(venueType);
	return rules
		.filter((r) => coversVenue(r, lineage) && coversTime(r, day, hour))
		.sort((a, b) => bySpecificity(a, b) || byId(a, b));
}

/**
 * The rule a bid meets: the most specific that covers it, then the lower priority, the higher
 * floor for this bid, the lower id. A rule with a duration range never covers a bid whose
 * duration is unknown. Undefined when none does.
 */
export function matchFloorRule(
	rules: readonly FloorRule[],
	facts: BidFacts,
): FloorRule | undefined {
	let best: FloorRule | undefined;
	let bestFloor = 0;
	for (const rule of placementRules(rules, facts)) {
		if (!fitsCreative(rule, facts.format, facts.durationS)) continue;
		const floor = ruleFloorCpm(rule, facts.durationS);
		const order = best ? bySpecificity(rule, best) || bestFloor - floor || byId(rule, best) : -1;
		if (order < 0) {
			best = rule;
			bestFloor = floor;
		}
	}
	return best;
}
