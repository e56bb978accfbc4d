// Joins an ad request with the screen it is for. The registered profile (data collection API)
// is the source of truth: an inline description only stands in for a screen nobody registered,
// so a player cannot rewrite its venue, size or audience per request. The request's slots and
// loop become placements (slot × planned time), each one OpenRTB imp.
import type { FieldIssue } from "../model/field-issues";
import {
	type AdRequest,
	type AdSlot,
	MAX_PLACEMENTS,
	type Placement,
	type ResolvedAdRequest,
	type Screen,
} from "../model/model";
import { withAudience } from "../pricing/audience";

/** How far ahead a screen may ask; players prefetch minutes, at most hours, ahead. */
export const MAX_LEAD_MS = 24 * 60 * 60 * 1000;
/** A spot's length when neither the request nor the slot's durations say (a common DOOH spot). */
export const DEFAULT_SPOT_S = 15;

/**
 * Why a request cannot be served on this screen: the screen is unknown, an inline description
 * claims another id, a slot is not the screen's, or the schedule asked for is out of bounds. The
 * route maps each kind to its HTTP status (and the pointer into the dialect the player spoke).
 */
export type ResolveFailure = "unknown-screen" | "screen-mismatch" | "unknown-slot" | "bad-schedule";

/** The field at fault (a pointer into the PX request) and why it cannot be served. */
export type ResolveError = FieldIssue & { kind: ResolveFailure };

export type ResolveResult =
	| { ok: true; value: ResolvedAdRequest }
	| { ok: false; error: ResolveError };

const fail = (
	kind: ResolveFailure,
	pointer: string,
	detail: string,
): { ok: false; error: ResolveError } => ({
	ok: false,
	error: { kind, pointer, detail },
});

export function resolveAdRequest(
	request: AdRequest,
	profile: Screen | undefined,
	now: number,
): ResolveResult {
	const screen = profile ?? request.screen;
	if (!screen) {
		return fail(
			"unknown-screen",
			"#/screen_id",
			`screen "${request.screen_id}" is not registered and the request does not describe it`,
		);
	}
	if (!profile && screen.id !== request.screen_id) {
		return fail("screen-mismatch", "#/screen/id", `must equal screen_id "${request.screen_id}"`);
	}
	const slots = slotsOf(request, screen);
	if (!slots.ok) return slots;
	const playAt = request.play_at ?? now;
	if (playAt - now > MAX_LEAD_MS) {
		return fail("bad-schedule", "#/play_at", "must be at most 24 h in the future");
	}
	if (playAt + request.play_window_s * 1000 <= now) {
		return fail("bad-schedule", "#/play_at", "play_at plus play_window_s is already in the past");
	}
	const placements = schedule(request, slots.value, playAt);
	if (!placements.ok) return placements;
	return {
		ok: true,
		value: {
			request,
			screen,
			placements: placements.value.map((p) => withAudience(screen, p)),
			playAt,
			multi: request.slot_ids !== undefined || request.until !== undefined,
		},
	};
}

type Step<T> = { ok: true; value: T } | { ok: false; error: ResolveError };

function slotsOf(request: AdRequest, screen: Screen): Step<AdSlot[]> {
	const wanted = request.slot_ids ?? (request.slot_id === undefined ? [] : [request.slot_id]);
	const slots: AdSlot[] = [];
	for (const [i, slotId] of wanted.entries()) {
		const slot = screen.slots.find((s) => s.id === slotId);
		if (!slot) {
			const known = screen.slots.map((s) => `"${s.id}"`).join(", ");
			const pointer = request.slot_ids ? `#/slot_ids/${i}` : "#/slot_id";
			return fail(
				"unknown-slot",
				pointer,
				`screen "${screen.id}" has no slot "${slotId}" (slots: ${known})`,
			);
		}
		slots.push(slot);
	}
	return { ok: true, value: slots };
}

/** How long one spot in this slot lasts: the request's spot_s, else the slot's longest duration. */
export function spotSeconds(slot: AdSlot, requested?: number): number {
	if (requested !== undefined) return requested;
	if (slot.durations) return Math.max(...slot.durations);
	return slot.max_duration ?? DEFAULT_SPOT_S;
}

/**
 * One placement per slot at play_at; in loop mode (`until`), each slot's spots follow one another
 * until the loop ends, whole spots only. Imp ids are "1", "2", … in schedule order.
 */
function schedule(request: AdRequest, slots: AdSlot[], playAt: number): Step<Placement[]> {
	const planned: Omit<Placement, "impId">[] = [];
	for (const slot of slots) {
		const spotMs = spotSeconds(slot, request.spot_s) * 1000;
		if (request.until === undefined) {
			planned.push({ slot, playAt, spotMs });
			continue;
		}
		const spots = Math.floor((request.until - playAt) / spotMs);
		if (spots < 1) {
			return fail(
				"bad-schedule",
				"#/until",
				`leaves no room for one ${spotMs / 1000} s spot after play_at`,
			);
		}
		for (let k = 0; k < spots && planned.length <= MAX_PLACEMENTS; k++) {
			planned.push({ slot, playAt: playAt + k * spotMs, spotMs });
		}
	}
	if (planned.length > MAX_PLACEMENTS) {
		return fail(
			"bad-schedule",
			request.until === undefined ? "#/slot_ids" : "#/until",
			`asks for more than ${MAX_PLACEMENTS} spots in one request; ask again for the rest`,
		);
	}
	const order = planned
		.map((p, i) => ({ p, i }))
		.sort((a, b) => a.p.playAt - b.p.playAt || a.i - b.i);
	return { ok: true, value: order.map(({ p }, i) => ({ ...p, impId: String(i + 1) })) };
}
