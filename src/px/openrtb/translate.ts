// PX → OpenRTB 2.6 bid request for one DOOH screen (OpenRTB 2.6 §3.2, DOOH notes §7.9): one imp
// per placement, so several display areas and a loop's spots are one request, each imp with its
// own tagid (the slot) and imp.dt (its planned play time).
// Only fields we actually know are sent: a field that is absent means "unknown" to a bidder,
// while a made-up default would be read as a fact.
import type {
	Banner,
	BidRequest,
	Device,
	DOOH,
	EID,
	Geo,
	Imp,
	Pmp,
	Qty,
	Regs,
	User,
	Video,
} from "iab-openrtb/v26";
import { formatOfMime } from "../model/format";
import { utcOffsetMinutes } from "../model/geo";
import type {
	AdSlot,
	DealTerms,
	Placement,
	Publisher,
	ResolvedAdRequest,
	Screen,
} from "../model/model";
import { OPENOOH_VENUETYPETAX, venueLineage } from "../model/venues";
import { acceptedCurrencies, type ExchangeRates } from "../pricing/currency";
import { durationFields, termsOf } from "../pricing/floors";
import { type OpenFloors, offersVideo, openFloors } from "../pricing/open-floor";
import { supplyChain } from "./schain";

// AdCOM 1.0 list values (iab-adcom is only a transitive dependency, so they are spelled here; its
// types also predate the 2026 lists, hence the casts where a newer value is sent).
/** Device Types: 8 = Out-of-home device. */
const DEVICETYPE_OOH = 8;
/** Location Types: 3 = user-provided (registration data); the publisher registered where the screen is. */
const LOCATION_REGISTERED = 3;
/** Location Types: 1 = GPS/location services: a moving screen's own fix. */
const LOCATION_GPS = 1;
/**
 * Creative Subtypes - Audio/Video: VAST 2.0, 3.0 and 4.0 inline. Wrappers (4, 5, 6, 8) are
 * refused (creative.ts): following them needs network calls the auction cannot afford.
 */
const PROTOCOLS_INLINE_VAST = [2, 3, 7] as const;
/** Delivery Methods: 2 = progressive; players download the file and cache it. */
const DELIVERY_PROGRESSIVE = 2;
/** Linearity Modes: 1 = linear; a DOOH spot is the whole slot, never an overlay. */
const LINEARITY_LINEAR = 1;
/** Placement Positions: 7 = fullscreen, 8 = partial screen. */
const POS_FULLSCREEN = 7;
const POS_PARTIAL_SCREEN = 8;
/** Creative Attributes 22 (limited motion, cinemagraph) and 23 (full-motion video). */
const MOTION = [22, 23] as const;
/**
 * Agent Types has no value for a screen; 501 (vendor-specific) is what the OpenRTB 2.6 DOOH
 * examples (implementation notes §7.9.6) send with measurement-body ids.
 */
const ATYPE_OOH_FRAME = 501;
/** Where each measurement body's frame ids come from: its canonical domain (EID `source`). */
const MEASUREMENT_SOURCES = {
	geopath: "geopath.org",
	spaceid: "oohspace.co.uk",
	route: "route.org.uk",
} as const;
/** DOOH Multiplier Measurement Source Types. */
const QTY_SOURCETYPE = { vendor: 1, publisher: 2, exchange: 3 } as const;
/** Plcmt Subtypes - Video: 4 = no content / standalone; a DOOH spot has no video around it. */
const PLCMT_STANDALONE = 4;
/** Playback Methods: the player starts the spot itself, with or without sound. */
const PLAYBACK_AUTO_SOUND_ON = 1;
const PLAYBACK_AUTO_SOUND_OFF = 2;
/** Connection Types (0 unknown is left out rather than sent). */
const CONNECTIONTYPE = { wired: 1, wifi: 2, cellular: 3 } as const;
/**
 * Creative Attributes that only work when someone can touch the screen: audio and video the
 * user starts (2, 7), expanding on click or rollover (4, 5), user-interactive (13).
 */
const NEEDS_A_TOUCH = [2, 4, 5, 7, 13] as const;
/** IAB guidance for DOOH `device.ifa`: the screen id is assigned by the publisher. */
const IFA_TYPE = "ppid";

export interface TranslateInput {
	id: string;
	resolved: ResolvedAdRequest;
	publisher: Publisher;
	/** `secure: false` only for local development, where demo assets are served over http. */
	exchange: { asi: string; tid?: string; secure?: boolean };
	tmax: number;
	/** Each placement's open floors, when the caller priced them already (pricing/open-floor.ts). */
	floors?: ReadonlyMap<string, OpenFloors>;
	/** Exchange rates: `cur` then lists every currency a bid may be in and be converted from. */
	rates?: ExchangeRates;
	/**
	 * When the auction runs, epoch ms. imp.exp counts from the auction, so the lead time before
	 * play_at is added to the play window; without it imp.exp is the play window alone.
	 */
	now?: number;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
	return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function nonEmpty<T>(list: readonly T[] | undefined): T[] | undefined {
	return list && list.length > 0 ? [...list] : undefined;
}

const isVideoMime = (mime: string) => formatOfMime(mime) === "video";

/** The placement's own audience: an hourly one differs between a loop's spots. */
function qty(screen: Screen, placement: Placement): Qty | undefined {
	const audience = screen.audience;
	if (!audience || placement.multiplier === undefined) return undefined;
	return {
		multiplier: placement.multiplier,
		sourcetype: QTY_SOURCETYPE[audience.source],
		...(audience.source === "vendor" ? opt("vendor", audience.vendor) : {}),
	};
}

function battr(screen: Screen): { battr?: Banner["battr"] } {
	const blocked = [
		...(screen.interactive ? [] : NEEDS_A_TOUCH),
		...(screen.allows_motion ? [] : MOTION),
	];
	return blocked.length === 0 ? {} : { battr: blocked as Banner["battr"] };
}

/** A slot that is the whole panel is fullscreen (and an interstitial); any other is partial. */
function isFullScreen(slot: AdSlot, screen: Screen): boolean {
	return slot.w >= screen.resolution.w && slot.h >= screen.resolution.h;
}

function pos(slot: AdSlot, screen: Screen): { pos: Banner["pos"] } {
	const value = isFullScreen(slot, screen) ? POS_FULLSCREEN : POS_PARTIAL_SCREEN;
	return { pos: value as Banner["pos"] };
}

function banner(slot: AdSlot, screen: Screen): Banner | undefined {
	if (!slot.formats.some((f) => f === "image" || f === "html")) return undefined;
	// Only images are played (an HTML snippet is read for its one <img>, creative.ts): offering
	// text/html would invite creatives the screen cannot run.
	const mimes = slot.mimes.filter((m) => m.toLowerCase().startsWith("image/"));
	return {
		w: slot.w,
		h: slot.h,
		format: [{ w: slot.w, h: slot.h }],
		...opt("mimes", nonEmpty(mimes)),
		...pos(slot, screen),
		...battr(screen),
	};
}

function video(slot: AdSlot, screen: Screen): Video | undefined {
	// Video.mimes is required; a slot that names no video type cannot be offered as video.
	if (!offersVideo(slot)) return undefined;
	const mimes = slot.mimes.filter(isVideoMime);
	// rqddurs and minduration/maxduration are mutually exclusive (OpenRTB 2.6 §3.2.7).
	const durations = slot.durations
		? { rqddurs: [...slot.durations] }
		: { ...opt("minduration", slot.min_duration), ...opt("maxduration", slot.max_duration) };
	return {
		mimes,
		w: slot.w,
		h: slot.h,
		...durations,
		protocols: [...PROTOCOLS_INLINE_VAST],
		plcmt: PLCMT_STANDALONE,
		linearity: LINEARITY_LINEAR,
		playbackmethod: [slot.audio ? PLAYBACK_AUTO_SOUND_ON : PLAYBACK_AUTO_SOUND_OFF],
		...(slot.exact_aspect ? { boxingallowed: 0 as const } : {}),
		delivery: [DELIVERY_PROGRESSIVE],
		...pos(slot, screen),
		...battr(screen),
	};
}

/**
 * The open auction's floors (pricing/open-floor.ts). With a video object they travel as bidfloor
 * plus video.mincpmpersec/durfloors (an image is held for its spot and judged at its length); a
 * banner-only imp has one duration, its spot, so its floor is stated whole in bidfloor.
 */
function floors(input: TranslateInput, placement: Placement, offered: Video | undefined) {
	const open =
		input.floors?.get(placement.impId) ??
		openFloors(input.publisher, input.resolved.screen, placement);
	const terms = open.stated;
	const floor = open.bidfloor;
	return {
		video: offered ? { ...offered, ...durationFields(terms) } : undefined,
		bidfloor: floor > 0 ? { bidfloor: floor, bidfloorcur: input.publisher.cur } : {},
	};
}

function imp(input: TranslateInput, placement: Placement): Imp {
	const { request, screen } = input.resolved;
	const { slot, playAt } = placement;
	const lead = input.now === undefined ? 0 : Math.max(0, Math.ceil((playAt - input.now) / 1000));
	const priced = floors(input, placement, video(slot, screen));
	return {
		id: placement.impId,
		tagid: slot.id,
		...opt("banner", banner(slot, screen)),
		...opt("video", priced.video),
		instl: isFullScreen(slot, screen) ? 1 : 0,
		...priced.bidfloor,
		...opt("pmp", screenPmp(screen, input.publisher)),
		// Screens fetch assets over HTTPS only (local development excepted).
		secure: input.exchange.secure === false ? 0 : 1,
		...opt("qty", qty(screen, placement)),
		dt: playAt,
		exp: request.play_window_s + lead,
	};
}

/**
 * The publisher's deals with the screen's own on top (same id: the screen's terms win). Also what
 * tells a screen's pre-cache list which advertisers a private auction admits (screen-assets.ts).
 */
export function screenPmp(screen: Screen, publisher: Publisher): Pmp | undefined {
	const byId = new Map<string, DealTerms>();
	for (const deal of [...publisher.deals, ...(screen.deals ?? [])]) {
		// A deal for some packages only is offered on the screens tagged with one of them.
		if (deal.screen_tags && !deal.screen_tags.some((t) => screen.tags?.includes(t))) continue;
		byId.set(deal.id, deal);
	}
	if (byId.size === 0) return undefined;
	const privateAuction = screen.private_auction ?? publisher.private_auction;
	return {
		private_auction: privateAuction ? 1 : 0,
		deals: [...byId.values()].map((d) => ({
			id: d.id,
			bidfloor: d.bidfloor,
			bidfloorcur: publisher.cur,
			...durationFields(termsOf(d)),
			...opt("at", d.at),
			...opt("wseat", d.wseat),
			...opt("wadomain", d.wadomain),
		})),
	};
}

/**
 * The screen's id for buyers: screen ids are only unique within a publisher, and a buyer caps
 * frequency across all of them (the same form names the screen's Durable Object).
 */
export function doohId(publisher: Pick<Publisher, "id">, screen: Pick<Screen, "id">): string {
	return `${publisher.id}:${screen.id}`;
}

function dooh(screen: Screen, publisher: Publisher): DOOH {
	return {
		id: doohId(publisher, screen),
		...opt("name", screen.name),
		// OpenOOH's enumerated form: the parents, then the leaf, so a buyer targeting a parent
		// matches without knowing the taxonomy's tree.
		venuetype: venueLineage(screen.venue.type).map(String),
		venuetypetax: OPENOOH_VENUETYPETAX,
		publisher: { id: publisher.id, name: publisher.name, ...opt("domain", publisher.domain) },
		...opt("domain", publisher.domain),
		...opt("keywords", nonEmpty(screen.keywords)?.join(",")),
	};
}

function pixelsPerInch(screen: Screen): number | undefined {
	const widthMm = screen.physical?.width_mm;
	if (widthMm === undefined) return undefined;
	return Math.max(1, Math.round(screen.resolution.w / (widthMm / 25.4)));
}

/**
 * Where the screen is when the first spot plays. A reported position (a moving screen's GPS fix)
 * replaces the registered place; the registered region, city and zip then describe where the
 * screen is not, so only the country is kept.
 */
function geo(input: TranslateInput): Geo {
	const { request, screen, playAt } = input.resolved;
	const { country, region, city, zip } = screen.geo;
	const utcoffset = opt(
		"utcoffset",
		screen.timezone === undefined ? undefined : utcOffsetMinutes(screen.timezone, playAt),
	);
	const position = request.position;
	if (position) {
		return {
			lat: position.lat,
			lon: position.lon,
			type: LOCATION_GPS,
			...opt("accuracy", position.accuracy),
			...opt("lastfix", position.lastfix),
			...opt("country", country),
			...utcoffset,
		};
	}
	return {
		lat: screen.geo.lat,
		lon: screen.geo.lon,
		type: LOCATION_REGISTERED,
		...opt("country", country),
		// Screens registered before regions were validated may hold "US-NJ": the prefix goes.
		...opt("region", region?.replace(/^[A-Z]{2}-/, "")),
		...opt("city", city),
		...opt("zip", zip),
		...utcoffset,
	};
}

function device(input: TranslateInput): Device {
	const { request, screen } = input.resolved;
	const ip = request.ip;
	return {
		devicetype: DEVICETYPE_OOH,
		geo: geo(input),
		ifa: doohId(input.publisher, screen),
		...(ip === undefined ? {} : ip.includes(":") ? { ipv6: ip } : { ip }),
		...opt("ua", request.ua),
		w: screen.resolution.w,
		h: screen.resolution.h,
		...opt("ppi", pixelsPerInch(screen)),
		...(screen.connectivity === "unknown"
			? {}
			: { connectiontype: CONNECTIONTYPE[screen.connectivity] }),
		ext: { ifa_type: IFA_TYPE },
	};
}

/** The screen's frame ids at measurement bodies (OpenRTB 2.6 puts EIDs on the User object). */
function user(screen: Screen, inserter: string): User | undefined {
	const ids = screen.measurement ?? {};
	const eids: EID[] = [];
	for (const body of ["geopath", "spaceid", "route"] as const) {
		const id = ids[body];
		if (id === undefined) continue;
		eids.push({
			inserter,
			source: MEASUREMENT_SOURCES[body],
			uids: [{ id, atype: ATYPE_OOH_FRAME as NonNullable<EID["uids"][number]["atype"]> }],
		});
	}
	return eids.length === 0 ? undefined : { eids };
}

function regs(publisher: Publisher): Regs | undefined {
	const r = publisher.regs;
	if (!r) return undefined;
	const out: Regs = {
		...opt("coppa", r.coppa),
		...opt("gdpr", r.gdpr),
		...opt("gpp", r.gpp),
		...opt("gpp_sid", r.gpp_sid && [...r.gpp_sid]),
	};
	return Object.keys(out).length === 0 ? undefined : out;
}

export function toBidRequest(input: TranslateInput): BidRequest {
	const { request, screen } = input.resolved;
	const { publisher, exchange } = input;
	return {
		id: input.id,
		imp: input.resolved.placements.map((p) => imp(input, p)),
		dooh: dooh(screen, publisher),
		device: device(input),
		...opt("user", user(screen, exchange.asi)),
		...(request.test ? { test: 1 as const } : {}),
		at: publisher.auction_type,
		tmax: input.tmax,
		cur: input.rates
			? acceptedCurrencies(
					publisher.cur,
					input.rates.table,
					input.now ?? Date.now(),
					input.rates.maxAgeMs,
				)
			: [publisher.cur],
		...opt("wlang", nonEmpty(screen.wlang)),
		...opt("bcat", nonEmpty(publisher.bcat)),
		...opt("cattax", publisher.cattax as BidRequest["cattax"]),
		...opt("badv", nonEmpty(publisher.badv)),
		source: {
			tid: exchange.tid ?? input.id,
			schain: supplyChain(request.schain, { asi: exchange.asi, sid: publisher.id }),
		},
		...opt("regs", regs(publisher)),
	};
}
