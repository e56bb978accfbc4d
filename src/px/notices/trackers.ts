// The buyer's own counters in a creative's markup: VAST <Impression> and <Error> URLs, and 1×1
// pixels beside the image of an HTML snippet. A DOOH player never renders the markup, so nobody
// would ever call them; the edge keeps them with the decision and calls them itself, from the
// same outbox and notices queue as burl, when the play is billed (impressions) or the won ad
// never ran (errors). The buyer counts what its ad server counts, which for video is the VAST
// impression, not burl (OpenRTB 2.6 §7.8).
//
// <Tracking> events (start, quartiles, complete) are not kept: a billable play may be a partial
// one, so the edge cannot honestly say which quartile was reached.

import type { OpenToken, Token, XmlElement } from "../auction/markup";
import { children } from "../auction/markup";
import { type MacroValues, substituteMacros } from "./macros";

export interface Trackers {
	/** Called once on the billable play. */
	impressions: string[];
	/** Called once, with [ERRORCODE], when the won ad never ran (VAST only). */
	errors: string[];
}

/** A buyer's markup holds a handful; more is not a counter but a fan-out the edge would pay for. */
export const MAX_TRACKERS = 5;
export const MAX_TRACKER_URL = 2_048;

/** The <Impression> and <Error> URLs of the inline ad that plays. */
export function vastTrackers(inline: XmlElement): Trackers {
	return {
		impressions: trackerUrls(children(inline, "impression").map((e) => e.text)),
		errors: trackerUrls(children(inline, "error").map((e) => e.text)),
	};
}

/** 1×1 (or hidden 0×0) <img> pixels of an HTML snippet: the image it shows is not one of them. */
export function pixelTrackers(tokens: Token[]): Trackers {
	const pixels = tokens.filter((t): t is OpenToken => t.type === "open" && isPixel(t));
	return { impressions: trackerUrls(pixels.map((p) => p.attrs.src ?? "")), errors: [] };
}

/** An <img> 1×1 or 0×0 by its attributes or its inline style. */
export function isPixel(t: OpenToken): boolean {
	if (t.name !== "img") return false;
	const style = t.attrs.style ?? "";
	const side = (name: "width" | "height") =>
		pixelSide(t.attrs[name]) ||
		new RegExp(`(^|;)\\s*${name}\\s*:\\s*[01](px)?\\s*(;|$)`, "i").test(style);
	return side("width") && side("height");
}

function pixelSide(value: string | undefined): boolean {
	return value !== undefined && /^\s*[01](px)?\s*$/i.test(value);
}

/**
 * http(s) URLs only (protocol-relative ones become https), each once, as written: they are
 * templates, and normalizing them through URL would percent-encode the macros in a path.
 */
function trackerUrls(texts: string[]): string[] {
	const urls: string[] = [];
	for (const text of texts) {
		const trimmed = text.trim();
		const url = trimmed.startsWith("//") ? `https:${trimmed}` : trimmed;
		if (url.length > MAX_TRACKER_URL || !/^https?:\/\/[^\s]+$/i.test(url)) continue;
		if (!URL.canParse(url) || urls.includes(url)) continue;
		urls.push(url);
		if (urls.length === MAX_TRACKERS) break;
	}
	return urls;
}

/**
 * VAST macros (VAST 4.x §6.1) the edge can fill for a call it makes itself: [TIMESTAMP] (the
 * play, ISO 8601), [CACHEBUSTING] (8 random digits) and, on an error URL, [ERRORCODE]. Other
 * VAST macros are left as written: the edge is not a VAST player and has no value for them.
 * Values are fixed when the notice is built, so every retry calls the same URL.
 */
export function substituteVastMacros(
	url: string,
	values: { at: number; errorCode?: number; cacheBusting: string },
): string {
	return url.replace(
		/\[(TIMESTAMP|CACHEBUSTING|ERRORCODE)\]|%5B(TIMESTAMP|CACHEBUSTING|ERRORCODE)%5D/gi,
		(whole, plain, encoded) => {
			const name = String(plain ?? encoded).toUpperCase();
			if (name === "TIMESTAMP") return encodeURIComponent(new Date(values.at).toISOString());
			if (name === "CACHEBUSTING") return values.cacheBusting;
			return values.errorCode === undefined ? whole : String(values.errorCode);
		},
	);
}

/**
 * The VAST error code told on a won ad that never ran. No code says "its time passed unplayed",
 * so an expired (or not provably played) ad is 900, undefined error; an ad the exchange's review
 * rejected after the auction is 200, trafficking error (the player received an ad it will not play).
 */
export const VAST_ERROR_EXPIRED = 900;
export const VAST_ERROR_REVOKED = 200;

/**
 * The tracker calls a settlement owes: each impression tracker when the play is billed, else each
 * error tracker with `errorCode`. The OpenRTB macros a burl gets are filled first (§4.4: they
 * apply in markup too, the clearing price included: it is the buyer's own count of what it pays
 * for), then the VAST ones.
 */
export function trackerNotices(
	// A decision's notices (ledger.ts DecisionNotices), which depend on this module's Creative.
	notices: { impressions?: string[]; errors?: string[]; macros: MacroValues },
	how: { billed: boolean; at: number; errorCode: number },
): { kind: "imp" | "error"; url: string }[] {
	const templates = (how.billed ? notices.impressions : notices.errors) ?? [];
	return templates.map((template) => ({
		kind: how.billed ? "imp" : "error",
		url: substituteVastMacros(
			substituteMacros(template, { ...notices.macros, AUCTION_IMP_TS: how.at }),
			{
				at: how.at,
				cacheBusting: cacheBusting(),
				...(how.billed ? {} : { errorCode: how.errorCode }),
			},
		),
	}));
}

/** VAST's [CACHEBUSTING]: a random number of 8 digits. */
function cacheBusting(): string {
	return String(crypto.getRandomValues(new Uint32Array(1))[0]! % 100_000_000).padStart(8, "0");
}
