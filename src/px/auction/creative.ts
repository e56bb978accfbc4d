// What a screen can actually play, extracted from a bid's markup. DOOH players do not run HTML or
// VPAID: they download one file (a video or an image) by URL, cache it, and play it for a known
// duration. So a bid is reduced to that file, or rejected.
//
// Two markups are understood:
// - VAST 2/3/4 inline XML (`adm`): the best progressive MediaFile of the first inline Linear,
//   with the Linear's <Duration>. Image MediaFiles (image/jpeg...) are how static DOOH spots are
//   often delivered through VAST. Wrappers are refused: following them needs network calls the
//   hot path cannot afford, and the reviewed asset must be the one that plays.
// - An HTML snippet holding one `<img src>` (banner): mime from the file extension, size from
//   bid.w/h, duration from bid.dur.
// The buyer's impression and error trackers in either markup are kept beside the file
// (trackers.ts): nobody renders the markup, so the edge calls them on settlement.
// Workers have no DOM, so a small linear-time tokenizer (markup.ts) reads the markup. It skips
// comments, processing instructions and doctypes, reads CDATA as text, is indifferent to
// attribute order and quoting, respects quotes when finding the end of a tag, and (for HTML)
// skips script/style bodies.
import type { Bid } from "iab-openrtb/v26";
import { isPixel, pixelTrackers, type Trackers, vastTrackers } from "../notices/trackers";
import {
	child,
	children,
	HTML_RAW_TEXT,
	MAX_MARKUP_LENGTH,
	type OpenToken,
	parseXml,
	type Token,
	tokenize,
	type XmlElement,
} from "./markup";
import { Reason } from "./reasons";

export interface Creative {
	/** The bid's crid: approval and caching are keyed on it. */
	id: string;
	asset_url: string;
	mime: string;
	w: number;
	h: number;
	/** Play length in seconds; 0 for a static image that states none (it fills the spot). */
	duration_s: number;
	markup_type: "vast" | "image";
	/** The buyer's impression and error trackers in the markup (trackers.ts); never sent to a screen. */
	trackers?: Trackers;
}

type ExtractResult =
	| { ok: true; creative: Creative }
	| { ok: false; reason: Reason; detail: string };

/** What the slot would like, used to choose among a VAST ad's MediaFiles. */
export interface MediaPreference {
	mimes?: ReadonlyArray<string>;
	w?: number;
	h?: number;
}

export function extractCreative(bid: Bid, prefer: MediaPreference = {}): ExtractResult {
	const crid = bid.crid;
	if (typeof crid !== "string" || crid === "") {
		return fail(Reason.MissingCreativeId, "bid has no crid");
	}
	const adm = bid.adm;
	if (typeof adm !== "string" || adm.trim() === "") {
		return fail(Reason.MissingMarkup, "bid has no adm");
	}
	if (adm.length > MAX_MARKUP_LENGTH) {
		return fail(Reason.CreativeFormat, `markup is over ${MAX_MARKUP_LENGTH} characters`);
	}
	const tokens = tokenize(adm, HTML_RAW_TEXT);
	if (!tokens) return fail(Reason.CreativeFormat, "markup is not well-formed");
	const first = tokens.find((t) => t.type === "open" || (t.type === "text" && t.text.trim()));
	if (first?.type === "open" && first.name === "vast") return fromVast({ bid, crid, adm, prefer });
	return fromImageSnippet({ bid, crid, tokens });
}

function fail(reason: Reason, detail: string): ExtractResult {
	return { ok: false, reason, detail };
}

// ---------------------------------------------------------------------------------------------
// VAST

interface VastInput {
	bid: Bid;
	crid: string;
	adm: string;
	prefer: MediaPreference;
}

function fromVast({ bid, crid, adm, prefer }: VastInput): ExtractResult {
	const root = parseXml(adm);
	if (root?.name !== "vast") return fail(Reason.CreativeFormat, "VAST is not well-formed XML");
	const ads = children(root, "ad")
		.map((ad, order) => ({ ad, order, seq: Number(ad.attrs.sequence ?? Number.NaN) }))
		// A pod's ads play in `sequence` order; a single DOOH spot takes the first one.
		.sort((a, b) => seqKey(a.seq) - seqKey(b.seq) || a.order - b.order);
	let sawWrapper = false;
	for (const { ad } of ads) {
		const inline = child(ad, "inline");
		if (!inline) {
			sawWrapper ||= child(ad, "wrapper") !== undefined;
			continue;
		}
		for (const linear of linears(inline)) {
			const picked = pickMediaFile(linear, { bid, prefer });
			if (!picked) continue;
			const duration = parseVastDuration(child(linear, "duration")?.text ?? "");
			if (duration === undefined) {
				return fail(Reason.CreativeFormat, "Linear has no valid <Duration>");
			}
			return {
				ok: true,
				creative: {
					id: crid,
					...picked,
					duration_s: duration,
					markup_type: "vast",
					trackers: vastTrackers(inline),
				},
			};
		}
	}
	return fail(
		Reason.CreativeFormat,
		sawWrapper ? "VAST wrappers are not followed" : "no playable MediaFile",
	);
}

function seqKey(seq: number): number {
	return Number.isFinite(seq) ? seq : Number.MAX_SAFE_INTEGER;
}

function linears(inline: XmlElement): XmlElement[] {
	const creatives = child(inline, "creatives");
	if (!creatives) return [];
	return children(creatives, "creative").flatMap((c) => children(c, "linear"));
}

interface MediaChoice {
	asset_url: string;
	mime: string;
	w: number;
	h: number;
}

interface RankedMedia extends MediaChoice {
	allowed: boolean;
	progressive: boolean;
	exact: boolean;
	aspect: boolean;
	areaDistance: number;
	order: number;
}

/**
 * The best MediaFile for a DOOH player: a file it may play (mime the slot accepts), downloadable
 * whole (progressive, not streaming), of the slot's exact size, else of its aspect ratio, else the
 * closest resolution (or the largest when the slot size is unknown); document order breaks ties.
 * VPAID/JavaScript, Flash and streaming manifests are never playable on a screen.
 */
function pickMediaFile(
	linear: XmlElement,
	{ bid, prefer }: { bid: Bid; prefer: MediaPreference },
): MediaChoice | undefined {
	const files = children(child(linear, "mediafiles"), "mediafile");
	const ranked: RankedMedia[] = [];
	files.forEach((file, order) => {
		// Parameters (`video/mp4; codecs="avc1"`) do not change what the file is.
		const mime = (file.attrs.type ?? "").split(";")[0]!.trim().toLowerCase();
		if (!/^(video|image)\/[a-z0-9.+-]+$/.test(mime)) return;
		if ((file.attrs.apiframework ?? "").toUpperCase() === "VPAID") return;
		const url = httpUrl(file.text);
		const w = positiveInt(file.attrs.width) ?? positiveInt(bid.w);
		const h = positiveInt(file.attrs.height) ?? positiveInt(bid.h);
		if (!url || !w || !h) return;
		const slot = prefer.w && prefer.h ? { w: prefer.w, h: prefer.h } : undefined;
		ranked.push({
			asset_url: url,
			mime,
			w,
			h,
			allowed: !prefer.mimes || prefer.mimes.includes(mime),
			progressive: (file.attrs.delivery ?? "progressive").toLowerCase() !== "streaming",
			exact: slot !== undefined && slot.w === w && slot.h === h,
			aspect: slot !== undefined && sameAspect({ w, h }, slot),
			areaDistance: slot ? Math.abs(w * h - slot.w * slot.h) : -(w * h),
			order,
		});
	});
	ranked.sort(
		(a, b) =>
			flag(b.allowed) - flag(a.allowed) ||
			flag(b.progressive) - flag(a.progressive) ||
			flag(b.exact) - flag(a.exact) ||
			flag(b.aspect) - flag(a.aspect) ||
			a.areaDistance - b.areaDistance ||
			a.order - b.order,
	);
	const best = ranked[0];
	return best && { asset_url: best.asset_url, mime: best.mime, w: best.w, h: best.h };
}

function flag(b: boolean): number {
	return b ? 1 : 0;
}

/** Relative tolerance for "same aspect ratio": absorbs encoder rounding (854x480 vs 16:9). */
const ASPECT_TOLERANCE = 0.01;

export function sameAspect(a: { w: number; h: number }, b: { w: number; h: number }): boolean {
	const ra = a.w / a.h;
	const rb = b.w / b.h;
	return Math.abs(ra - rb) <= ASPECT_TOLERANCE * rb;
}

/** VAST <Duration>: HH:MM:SS or HH:MM:SS.mmm; undefined when absent, malformed or zero. */
export function parseVastDuration(text: string): number | undefined {
	const m = /^(\d{1,2}):([0-5]\d):([0-5]\d)(?:\.(\d{1,3}))?$/.exec(text.trim());
	if (!m) return undefined;
	const [, hh, mm, ss, ms] = m;
	const seconds =
		Number(hh) * 3600 + Number(mm) * 60 + Number(ss) + (ms ? Number(ms.padEnd(3, "0")) / 1000 : 0);
	return seconds > 0 ? seconds : undefined;
}

// ---------------------------------------------------------------------------------------------
// HTML <img> snippet

const IMAGE_MIMES: Record<string, string> = {
	jpg: "image/jpeg",
	jpeg: "image/jpeg",
	png: "image/png",
	gif: "image/gif",
	webp: "image/webp",
};

function fromImageSnippet({
	bid,
	crid,
	tokens,
}: {
	bid: Bid;
	crid: string;
	tokens: Token[];
}): ExtractResult {
	// 1x1 (or hidden 0x0) images are tracking pixels, not the creative.
	const images = tokens.filter(
		(t): t is OpenToken => t.type === "open" && t.name === "img" && !isPixel(t),
	);
	if (images.length === 0) return fail(Reason.CreativeFormat, "markup has no VAST and no <img>");
	// Two visible images: which one would play is a guess, and a reviewer must see what plays.
	if (images.length > 1) return fail(Reason.CreativeFormat, "markup has more than one <img>");
	const img = images[0] as OpenToken;
	const url = httpUrl(img.attrs.src ?? "");
	if (!url) return fail(Reason.CreativeFormat, "<img src> is not an http(s) URL");
	const ext = /\.([a-z0-9]+)$/.exec(new URL(url).pathname.toLowerCase())?.[1];
	const mime = ext ? IMAGE_MIMES[ext] : undefined;
	if (!mime) return fail(Reason.CreativeFormat, "image type not recognised from its extension");
	const w = positiveInt(bid.w) ?? positiveInt(img.attrs.width);
	const h = positiveInt(bid.h) ?? positiveInt(img.attrs.height);
	if (!w || !h) return fail(Reason.CreativeFormat, "image size unknown (no bid.w/h)");
	const dur = typeof bid.dur === "number" && bid.dur > 0 ? bid.dur : 0;
	return {
		ok: true,
		creative: {
			id: crid,
			asset_url: url,
			mime,
			w,
			h,
			duration_s: dur,
			markup_type: "image",
			trackers: pixelTrackers(tokens),
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function positiveInt(value: unknown): number | undefined {
	const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
	return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** An absolute http(s) URL (protocol-relative ones become https), or undefined. */
function httpUrl(text: string): string | undefined {
	const trimmed = text.trim();
	const candidate = trimmed.startsWith("//") ? `https:${trimmed}` : trimmed;
	if (!/^https?:\/\//i.test(candidate)) return undefined;
	try {
		return new URL(candidate).href;
	} catch {
		return undefined;
	}
}
