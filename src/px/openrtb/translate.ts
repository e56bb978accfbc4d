// PX → OpenRTB 2.6 bid request for one DOOH screen (OpenRTB 2.6 §3.2, DOOH notes §7.9): one imp
// per placement, so several display areas and a loop's spots are one request, each imp with its
// own tagid (the slot) and imp.dt (its planned play time).
// Only fields we actually know are sent: a field that is absent means "unknown" to a bidder,
// while a made-up default would be read as a fact.
import type { Banner, BidRequest, Device, DOOH, Imp, Pmp, Qty, Video } from "iab-openrtb/v26";
import type { AdSlot, DealTerms, Placement, Publisher, ResolvedAdRequest, Screen } from "../model";
import { OPENOOH_VENUETYPETAX } from "../venues";
import { supplyChain } from "./schain";

// AdCOM 1.0 list values (iab-adcom is only a transitive dependency, so they are spelled here).
/** Device Types: 8 = Out-of-home device. */
const DEVICETYPE_OOH = 8;
/** Location Types: 3 = user-provided (registration data); the publisher registered where the screen is. */
const LOCATION_REGISTERED = 3;
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

const isVideoMime = (mime: string) => mime.toLowerCase().startsWith("video/");

function qty(screen: Screen): Qty | undefined {
	const audience = screen.audience;
	if (!audience) return undefined;
	return {
		multiplier: audience.multiplier,
		sourcetype: QTY_SOURCETYPE[audience.source],
		...(audience.source === "vendor" ? opt("vendor", audience.vendor) : {}),
	};
}

function battr(screen: Screen): { battr?: (typeof NEEDS_A_TOUCH)[number][] } {
	return screen.interactive ? {} : { battr: [...NEEDS_A_TOUCH] };
}

function banner(slot: AdSlot, screen: Screen): Banner | undefined {
	if (!slot.formats.some((f) => f === "image" || f === "html")) return undefined;
	return {
		w: slot.w,
		h: slot.h,
		format: [{ w: slot.w, h: slot.h }],
		...opt("mimes", nonEmpty(slot.mimes.filter((m) => !isVideoMime(m)))),
		...battr(screen),
	};
}

function video(slot: AdSlot, screen: Screen): Video | undefined {
	const mimes = slot.mimes.filter(isVideoMime);
	// Video.mimes is required; a slot that names no video type cannot be offered as video.
	if (!slot.formats.includes("video") || mimes.length === 0) return undefined;
	// rqddurs and minduration/maxduration are mutually exclusive (OpenRTB 2.6 §3.2.7).
	const durations = slot.durations
		? { rqddurs: [...slot.durations] }
		: { ...opt("minduration", slot.min_duration), ...opt("maxduration", slot.max_duration) };
	return {
		mimes,
		w: slot.w,
		h: slot.h,
		...durations,
		plcmt: PLCMT_STANDALONE,
		playbackmethod: [slot.audio ? PLAYBACK_AUTO_SOUND_ON : PLAYBACK_AUTO_SOUND_OFF],
		...(slot.exact_aspect ? { boxingallowed: 0 as const } : {}),
		...battr(screen),
	};
}

function imp(input: TranslateInput, placement: Placement): Imp {
	const { request, screen } = input.resolved;
	const { slot, playAt } = placement;
	const lead = input.now === undefined ? 0 : Math.max(0, Math.ceil((playAt - input.now) / 1000));
	const floor = slot.floor_cpm ?? input.publisher.floor_cpm;
	return {
		id: placement.impId,
		tagid: slot.id,
		...opt("banner", banner(slot, screen)),
		...opt("video", video(slot, screen)),
		...(floor > 0 ? { bidfloor: floor, bidfloorcur: input.publisher.cur } : {}),
		...opt("pmp", pmp(screen, input.publisher)),
		// Screens fetch assets over HTTPS only (local development excepted).
		secure: input.exchange.secure === false ? 0 : 1,
		...opt("qty", qty(screen)),
		dt: playAt,
		exp: request.play_window_s + lead,
	};
}

/** The publisher's deals with the screen's own on top (same id: the screen's terms win). */
function pmp(screen: Screen, publisher: Publisher): Pmp | undefined {
	const byId = new Map<string, DealTerms>();
	for (const deal of [...publisher.deals, ...(screen.deals ?? [])]) byId.set(deal.id, deal);
	if (byId.size === 0) return undefined;
	const privateAuction = screen.private_auction ?? publisher.private_auction;
	return {
		private_auction: privateAuction ? 1 : 0,
		deals: [...byId.values()].map((d) => ({
			id: d.id,
			bidfloor: d.bidfloor,
			bidfloorcur: publisher.cur,
			...opt("at", d.at),
			...opt("wseat", d.wseat),
			...opt("wadomain", d.wadomain),
		})),
	};
}

function dooh(screen: Screen, publisher: Publisher): DOOH {
	return {
		id: screen.id,
		...opt("name", screen.name),
		venuetype: [String(screen.venue.type)],
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

function device(input: TranslateInput): Device {
	const { request, screen } = input.resolved;
	const { lat, lon, country, region, city, zip } = screen.geo;
	const ip = request.ip;
	return {
		devicetype: DEVICETYPE_OOH,
		geo: {
			lat,
			lon,
			type: LOCATION_REGISTERED,
			...opt("country", country),
			...opt("region", region),
			...opt("city", city),
			...opt("zip", zip),
		},
		ifa: screen.id,
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

export function toBidRequest(input: TranslateInput): BidRequest {
	const { request, screen } = input.resolved;
	const { publisher, exchange } = input;
	return {
		id: input.id,
		imp: input.resolved.placements.map((p) => imp(input, p)),
		dooh: dooh(screen, publisher),
		device: device(input),
		...(request.test ? { test: 1 as const } : {}),
		at: publisher.auction_type,
		tmax: input.tmax,
		cur: [publisher.cur],
		...opt("bcat", nonEmpty(publisher.bcat)),
		...opt("badv", nonEmpty(publisher.badv)),
		source: {
			tid: exchange.tid ?? input.id,
			schain: supplyChain(request.schain, { asi: exchange.asi, sid: publisher.id }),
		},
	};
}
