// Joins an ad request with the screen it is for. The registered profile (data collection API)
// is the source of truth: an inline description only stands in for a screen nobody registered,
// so a player cannot rewrite its venue, size or audience per request.
import type { AdRequest, ResolvedAdRequest, Screen } from "./model";

/** How far ahead a screen may ask; players prefetch minutes, at most hours, ahead. */
export const MAX_LEAD_MS = 24 * 60 * 60 * 1000;

export interface ResolveError {
	status: 400 | 404 | 422;
	/** JSON pointer into the PX request. */
	pointer: string;
	detail: string;
}

export type ResolveResult =
	| { ok: true; value: ResolvedAdRequest }
	| { ok: false; error: ResolveError };

const fail = (status: ResolveError["status"], pointer: string, detail: string): ResolveResult => ({
	ok: false,
	error: { status, pointer, detail },
});

export function resolveAdRequest(
	request: AdRequest,
	profile: Screen | undefined,
	now: number,
): ResolveResult {
	const screen = profile ?? request.screen;
	if (!screen) {
		return fail(
			404,
			"#/screen_id",
			`screen "${request.screen_id}" is not registered and the request does not describe it`,
		);
	}
	if (!profile && screen.id !== request.screen_id) {
		return fail(422, "#/screen/id", `must equal screen_id "${request.screen_id}"`);
	}
	const slot = screen.slots.find((s) => s.id === request.slot_id);
	if (!slot) {
		const known = screen.slots.map((s) => `"${s.id}"`).join(", ");
		return fail(
			400,
			"#/slot_id",
			`screen "${screen.id}" has no slot "${request.slot_id}" (slots: ${known})`,
		);
	}
	const playAt = request.play_at ?? now;
	if (playAt - now > MAX_LEAD_MS) {
		return fail(400, "#/play_at", "must be at most 24 h in the future");
	}
	if (playAt + request.play_window_s * 1000 <= now) {
		return fail(400, "#/play_at", "play_at plus play_window_s is already in the past");
	}
	return { ok: true, value: { request, screen, slot, playAt } };
}
