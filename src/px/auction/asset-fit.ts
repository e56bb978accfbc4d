// Whether an approved asset could win on a slot: the same media, size and duration rules the bid
// filter applies (filter.ts), stated on the PX slot instead of an OpenRTB imp. Used to tell a
// player which assets to pre-cache; a miss costs a download, not a wrong play, so where the
// filter depends on what a bidder was sent (floors, deals, separation) this does not guess.

import { formatOfMime } from "../model/format";
import type { AdSlot } from "../model/model";
import { sameAspect } from "./creative";
import { DURATION_TOLERANCE_S } from "./creative-fit";

interface AssetShape {
	mime: string;
	w: number;
	h: number;
	/** 0 or absent: a still image that fills whatever spot it is given. */
	duration_s?: number | null;
}

const orientation = ({ w, h }: { w: number; h: number }) => Math.sign(w - h);

export function fitsSlot(asset: AssetShape, slot: AdSlot): boolean {
	const mime = asset.mime.toLowerCase();
	const format = formatOfMime(mime);
	if (!format || !slot.formats.includes(format)) return false;
	if (!slot.mimes.some((m) => m.toLowerCase() === mime)) return false;
	const exact = asset.w === slot.w && asset.h === slot.h;
	// Screens scale, never crop: the same aspect passes; a video may be letterboxed within its
	// orientation unless the slot wants the exact aspect.
	const boxed =
		format === "video" && !slot.exact_aspect && orientation(asset) === orientation(slot);
	if (!exact && !sameAspect(asset, slot) && !boxed) return false;
	return durationFits(asset.duration_s ?? 0, slot);
}

function durationFits(seconds: number, slot: AdSlot): boolean {
	if (seconds === 0) return true;
	const tol = DURATION_TOLERANCE_S;
	if (slot.durations) return slot.durations.some((d) => Math.abs(seconds - d) <= tol);
	if (slot.min_duration !== undefined && seconds + tol < slot.min_duration) return false;
	if (slot.max_duration !== undefined && seconds - tol > slot.max_duration) return false;
	return true;
}
