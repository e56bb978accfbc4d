// Checks 10–14 of the bid filter (filter.ts): whether a creative the markup yields can play in
// the imp it bids on: media type and mime, https, size (the size rule in filter.ts's header) and
// duration. Pure reading of the OpenRTB imp, shared by nothing but the filter.
import type { Banner, Bid, Imp, Video } from "iab-openrtb/v26";
import { type Creative, sameAspect } from "./creative";
import { Reason } from "./reasons";

/** Longest asset URL a creative may have: it is recorded, reviewed and fetched by players. */
export const MAX_ASSET_URL_LENGTH = 2048;
const MAX_MIME_LENGTH = 100;

/** Images a banner accepts when the request does not list banner.mimes. */
export const DEFAULT_IMAGE_MIMES: ReadonlyArray<string> = [
	"image/jpeg",
	"image/png",
	"image/gif",
	"image/webp",
];
/** Encoders round durations (15.015 s); a player tolerates this much overrun or shortfall. */
export const DURATION_TOLERANCE_S = 0.25;

export function preference(imp: Imp): { mimes: string[]; w?: number; h?: number } {
	const mimes = [...(imp.video?.mimes ?? []), ...(imp.banner ? bannerMimes(imp.banner) : [])];
	const w = imp.video?.w ?? imp.banner?.w;
	const h = imp.video?.h ?? imp.banner?.h;
	return { mimes, ...(w && h ? { w, h } : {}) };
}

function bannerMimes(banner: Banner): ReadonlyArray<string> {
	return banner.mimes?.length ? banner.mimes : DEFAULT_IMAGE_MIMES;
}

// Checks 11–14.
export function creativeReason(input: {
	creative: Creative;
	bid: Bid;
	imp: Imp;
}): Reason | undefined {
	const { creative, bid, imp } = input;
	if (creative.asset_url.length > MAX_ASSET_URL_LENGTH || creative.mime.length > MAX_MIME_LENGTH) {
		return Reason.CreativeFormat;
	}
	if (imp.secure === 1 && !creative.asset_url.startsWith("https:")) return Reason.NotSecure;
	const objects = acceptingObjects(creative, imp);
	if (objects.length === 0) return Reason.CreativeFormat;
	if (bid.mtype !== undefined) {
		const offered = bid.mtype === 1 ? imp.banner : bid.mtype === 2 ? imp.video : undefined;
		if (!offered) return Reason.CreativeFormat;
	}
	if (!objects.some((o) => sizeFits(creative, o))) return Reason.CreativeSize;
	if (imp.video && !durationFits(creative.duration_s, imp.video)) {
		return Reason.DurationNotAllowed;
	}
	return undefined;
}

type SlotObject = { kind: "banner"; banner: Banner } | { kind: "video"; video: Video };

/** The imp's banner/video objects that accept this creative's mime. */
export function acceptingObjects(creative: Creative, imp: Imp): SlotObject[] {
	const objects: SlotObject[] = [];
	const isImage = creative.mime.startsWith("image/");
	if (isImage && imp.banner && bannerMimes(imp.banner).includes(creative.mime)) {
		objects.push({ kind: "banner", banner: imp.banner });
	}
	if (imp.video?.mimes?.includes(creative.mime)) objects.push({ kind: "video", video: imp.video });
	return objects;
}

interface Size {
	w: number;
	h: number;
}

function sizeFits(creative: Creative, object: SlotObject): boolean {
	if (object.kind === "video") {
		const { w, h, boxingallowed } = object.video;
		if (!w || !h) return true;
		if (sizeMatches(creative, { w, h })) return true;
		return boxingallowed !== 0 && orientation(creative) === orientation({ w, h });
	}
	const { banner } = object;
	const sizes: Size[] = [];
	if (banner.w && banner.h) sizes.push({ w: banner.w, h: banner.h });
	let ratios = 0;
	for (const f of banner.format ?? []) {
		if (f.w && f.h) sizes.push({ w: f.w, h: f.h });
		else if (f.wratio && f.hratio) {
			ratios++;
			const wideEnough = creative.w >= (f.wmin ?? 0);
			if (wideEnough && sameAspect(creative, { w: f.wratio, h: f.hratio })) return true;
		}
	}
	if (sizes.length === 0 && ratios === 0) return true;
	return sizes.some((s) => sizeMatches(creative, s));
}

function sizeMatches(creative: Size, slot: Size): boolean {
	return (creative.w === slot.w && creative.h === slot.h) || sameAspect(creative, slot);
}

function orientation({ w, h }: Size): number {
	return Math.sign(w - h);
}

function durationFits(seconds: number, video: Video): boolean {
	// A static image without a stated duration is held for the whole spot.
	if (seconds === 0) return true;
	const tol = DURATION_TOLERANCE_S;
	if (video.rqddurs?.length) return video.rqddurs.some((d) => Math.abs(seconds - d) <= tol);
	if (video.minduration !== undefined && seconds + tol < video.minduration) return false;
	if (video.maxduration !== undefined && seconds - tol > video.maxduration) return false;
	return true;
}
