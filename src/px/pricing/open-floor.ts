// The open auction's floor for a placement, decided once in px for both the request (what a buyer
// is told) and the filter (what a bid must meet). Which terms apply, most specific first:
// - the slot's own terms, when the screen's registration sets any (floor_cpm, mincpmpersec,
//   durfloors): one screen's price beats any publisher-wide rule;
// - else the publisher's floor rule that covers the bid (venue type, the spot's local day and
//   hour, the creative's format and duration; floor-rules.ts picks the most specific);
// - else the publisher's floor_cpm.
// Publishers set what they want to NET: every open floor is grossed up by the exchange's take
// (take.ts) so that the publisher's share of a bid at the floor meets it. Deal floors are prices
// agreed with a buyer and are left as they are.

import { type Format, formatOfMime } from "../model/format";
import { localWeekHour } from "../model/geo";
import type { Placement, Publisher, Screen } from "../model/model";
import { type FloorRule, matchFloorRule, placementRules, ruleFloorCpm } from "./floor-rules";
import { type FloorTerms, floorAt, termsOf } from "./floors";
import { type ExchangeTake, grossUpFloor } from "./take";

/** One bid's open floor (gross) and the rule that set it, if one did. */
export interface OpenFloor {
	floor: number;
	rule?: string;
}

export interface OpenFloors {
	/** imp.bidfloor: the stated flat floor, or a banner-only imp's floor at its spot's length. */
	bidfloor: number;
	/**
	 * What the request states (imp.bidfloor, and the video's mincpmpersec/durfloors): exact for
	 * the slot's or the publisher's own terms; with floor rules, the lowest floor any rule or the
	 * publisher's floor could set at the spot's length, so no bid that could clear is put off.
	 */
	stated: FloorTerms;
	/** The floor one open bid must meet at its format and duration. */
	judge(bid: { format: Format; durationS: number }): OpenFloor;
}

/** Whether a slot is offered as video (OpenRTB imp.video): it takes video and names a video type. */
export const offersVideo = (slot: Placement["slot"]): boolean =>
	slot.formats.includes("video") && slot.mimes.some((m) => formatOfMime(m) === "video");

const setsOwnFloor = (slot: Placement["slot"]): boolean =>
	slot.floor_cpm !== undefined || slot.mincpmpersec !== undefined || slot.durfloors !== undefined;

/**
 * The publisher's rules that can cover this placement: its venue and the spot's local day and
 * hour. A screen without a time zone has no local hour, so only rules without a daypart apply.
 */
function rulesFor(publisher: Publisher, screen: Screen, placement: Placement) {
	const rules = publisher.floor_rules ?? [];
	if (rules.length === 0 || setsOwnFloor(placement.slot)) return undefined;
	const local = screen.timezone ? localWeekHour(screen.timezone, placement.playAt) : undefined;
	const facts = { venueType: screen.venue.type, day: local?.day ?? -1, hour: local?.hour ?? -1 };
	const covering = placementRules(local ? rules : rules.filter((r) => !r.days && !r.hours), facts);
	return covering.length === 0 ? undefined : { rules: covering, facts };
}

/** Net terms grossed up: exactly for a share; a fee adds to the flat floors (a lower bound). */
function grossUp(terms: FloorTerms, take: ExchangeTake | undefined): FloorTerms {
	if (!take) return terms;
	const perSecond = terms.per_second;
	return {
		floor_cpm: grossUpFloor(terms.floor_cpm, take),
		...(perSecond
			? { per_second: "share" in take ? grossUpFloor(perSecond, take) : perSecond }
			: {}),
		...(terms.by_duration
			? {
					by_duration: terms.by_duration.map((r) => ({
						...r,
						floor_cpm: grossUpFloor(r.floor_cpm, take),
					})),
				}
			: {}),
	};
}

export function openFloors(publisher: Publisher, screen: Screen, placement: Placement): OpenFloors {
	const floors = termsAndJudge(publisher, screen, placement);
	// A banner-only imp has one duration, its spot: its floor is stated whole.
	const bidfloor = offersVideo(placement.slot)
		? floors.stated.floor_cpm
		: floors.judge({ format: "image", durationS: placement.spotMs / 1000 }).floor;
	return { ...floors, bidfloor };
}

function termsAndJudge(
	publisher: Publisher,
	screen: Screen,
	placement: Placement,
): Omit<OpenFloors, "bidfloor"> {
	const { slot } = placement;
	const take = publisher.exchange_take;
	const own = termsOf({ ...slot, bidfloor: slot.floor_cpm ?? publisher.floor_cpm });
	const ruled = rulesFor(publisher, screen, placement);
	const judge = (bid: { format: Format; durationS: number }): OpenFloor => {
		const rule: FloorRule | undefined = ruled
			? matchFloorRule(ruled.rules, { ...ruled.facts, ...bid })
			: undefined;
		const net = rule ? ruleFloorCpm(rule, bid.durationS) : floorAt(own, bid.durationS);
		return { floor: grossUpFloor(net, take), ...(rule ? { rule: rule.id } : {}) };
	};
	if (!ruled) return { stated: grossUp(own, take), judge };
	// A rule for every format and duration covers every bid: the publisher's floor never applies.
	const coversAll = ruled.rules.some(
		(r) => !r.formats && r.min_duration === undefined && r.max_duration === undefined,
	);
	const lowest = Math.min(
		coversAll ? Number.POSITIVE_INFINITY : publisher.floor_cpm,
		// A creative shorter than the spot would meet a per-second rule's lower floor.
		...ruled.rules.map((r) => ruleFloorCpm(r)),
	);
	return { stated: { floor_cpm: grossUpFloor(lowest, take) }, judge };
}
