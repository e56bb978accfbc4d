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
// Workers have no DOM, so a small tokenizer reads the markup. It skips comments, processing
// instructions and doctypes, reads CDATA as text, is indifferent to attribute order and quoting,
// respects quotes when finding the end of a tag, and (for HTML) skips script/style bodies.
import type { Bid } from "iab-openrtb/v26";
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
}

export type ExtractResult =
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
				creative: { id: crid, ...picked, duration_s: duration, markup_type: "vast" },
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
export const ASPECT_TOLERANCE = 0.01;

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
		(t): t is OpenToken =>
			t.type === "open" &&
			t.name === "img" &&
			!(pixelSide(t.attrs.width) && pixelSide(t.attrs.height)),
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
		creative: { id: crid, asset_url: url, mime, w, h, duration_s: dur, markup_type: "image" },
	};
}

function pixelSide(value: string | undefined): boolean {
	return value !== undefined && /^\s*[01](px)?\s*$/i.test(value);
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

// ---------------------------------------------------------------------------------------------
// Markup tokenizer and a minimal XML tree (names lower-cased, namespace prefixes dropped)

interface OpenToken {
	type: "open";
	name: string;
	attrs: Record<string, string>;
	selfClosing: boolean;
}
type Token = OpenToken | { type: "close"; name: string } | { type: "text"; text: string };

interface XmlElement {
	name: string;
	attrs: Record<string, string>;
	children: XmlElement[];
	/** Direct text content, CDATA included, entities decoded. */
	text: string;
}

const HTML_RAW_TEXT = new Set(["script", "style"]);
const NO_RAW_TEXT = new Set<string>();
const MAX_TOKENS = 20_000;

/** Undefined when the markup cannot be tokenized (unterminated comment, CDATA or tag). */
function tokenize(src: string, rawText: ReadonlySet<string>): Token[] | undefined {
	const tokens: Token[] = [];
	let lower: string | undefined;
	let i = 0;
	while (i < src.length) {
		if (tokens.length > MAX_TOKENS) return undefined;
		const lt = src.indexOf("<", i);
		if (lt < 0) {
			tokens.push({ type: "text", text: decodeEntities(src.slice(i)) });
			break;
		}
		if (lt > i) tokens.push({ type: "text", text: decodeEntities(src.slice(i, lt)) });
		const skip = skipSpecial(src, lt);
		if (skip === -1) return undefined;
		if (skip !== undefined) {
			if (src.startsWith("<![CDATA[", lt)) {
				tokens.push({ type: "text", text: src.slice(lt + 9, skip - 3) });
			}
			i = skip;
			continue;
		}
		if (!/[A-Za-z_/]/.test(src[lt + 1] ?? "")) {
			// A lone "<" in text ("a < b"): HTML tolerates it.
			tokens.push({ type: "text", text: "<" });
			i = lt + 1;
			continue;
		}
		const end = tagEnd(src, lt + 1);
		if (end < 0) return undefined;
		const tag = parseTag(src.slice(lt + 1, end));
		if (!tag) return undefined;
		tokens.push(tag);
		i = end + 1;
		if (tag.type === "open" && !tag.selfClosing && rawText.has(tag.name)) {
			// Script/style bodies are code, not markup: an <img> inside a string must not count.
			lower ??= src.toLowerCase();
			const close = lower.indexOf(`</${tag.name}`, i);
			i = close < 0 ? src.length : close;
		}
	}
	return tokens;
}

/** For comments, CDATA, <?...?> and <!...>: index just past it, -1 if unterminated. */
function skipSpecial(src: string, lt: number): number | undefined {
	const terminators: [string, string][] = [
		["<!--", "-->"],
		["<![CDATA[", "]]>"],
		["<?", "?>"],
		["<!", ">"],
	];
	for (const [open, close] of terminators) {
		if (!src.startsWith(open, lt)) continue;
		const end = src.indexOf(close, lt + open.length);
		return end < 0 ? -1 : end + close.length;
	}
	return undefined;
}

/** Index of the ">" closing the tag that starts at `from`, ignoring ">" inside quotes. */
function tagEnd(src: string, from: number): number {
	let quote: string | undefined;
	for (let j = from; j < src.length; j++) {
		const c = src[j];
		if (quote) {
			if (c === quote) quote = undefined;
		} else if (c === '"' || c === "'") {
			quote = c;
		} else if (c === ">") {
			return j;
		}
	}
	return -1;
}

function parseTag(body: string): Token | undefined {
	const close = /^\/\s*([A-Za-z_][\w:.-]*)\s*$/.exec(body);
	if (close) return { type: "close", name: localName(close[1] as string) };
	const open = /^([A-Za-z_][\w:.-]*)/.exec(body);
	if (!open) return undefined;
	const rest = body.slice(open[0].length);
	const attrs: Record<string, string> = {};
	for (const m of rest.matchAll(/([^\s=/"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
		const name = localName(m[1] as string);
		if (!(name in attrs)) attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
	}
	return {
		type: "open",
		name: localName(open[1] as string),
		attrs,
		selfClosing: /\/\s*$/.test(rest),
	};
}

function localName(qualified: string): string {
	const colon = qualified.lastIndexOf(":");
	return (colon < 0 ? qualified : qualified.slice(colon + 1)).toLowerCase();
}

const NAMED_ENTITIES: Record<string, string> = {
	amp: "&",
	lt: "<",
	gt: ">",
	quot: '"',
	apos: "'",
};

function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ent: string) => {
		if (ent[0] === "#") {
			const code =
				ent[1] === "x" || ent[1] === "X" ? Number.parseInt(ent.slice(2), 16) : Number(ent.slice(1));
			return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
		}
		return NAMED_ENTITIES[ent.toLowerCase()] ?? whole;
	});
}

/** A strict tree: mismatched or unclosed elements make the document unreadable. */
function parseXml(src: string): XmlElement | undefined {
	const tokens = tokenize(src, NO_RAW_TEXT);
	if (!tokens) return undefined;
	const doc: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
	const stack: XmlElement[] = [doc];
	for (const token of tokens) {
		const top = stack[stack.length - 1] as XmlElement;
		if (token.type === "text") {
			top.text += token.text;
		} else if (token.type === "open") {
			const el: XmlElement = { name: token.name, attrs: token.attrs, children: [], text: "" };
			top.children.push(el);
			if (!token.selfClosing) stack.push(el);
		} else {
			if (top.name !== token.name || stack.length === 1) return undefined;
			stack.pop();
		}
	}
	if (stack.length !== 1 || doc.children.length !== 1) return undefined;
	return doc.children[0];
}

function children(el: XmlElement | undefined, name: string): XmlElement[] {
	return el ? el.children.filter((c) => c.name === name) : [];
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
	return el?.children.find((c) => c.name === name);
}
