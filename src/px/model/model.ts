// The PX model: one shape for every screen, slot and ad request, whatever dialect a publisher
// speaks. Dialect adapters map into it (src/px/dialects), the OpenRTB translation maps out of it.
import { z } from "zod";
import { SupplyChain } from "../openrtb/schain";
import { Audience } from "../pricing/audience";
import { FloorRule } from "../pricing/floor-rules";
import { perSecondFloors } from "../pricing/floors";
import { Format } from "./format";
import { isTimeZone, regionProblem } from "./geo";
import { MAX_CPM } from "./money";
import { checkRange } from "./range-check";
import { isKnownVenueType } from "./venues";

const id = z.string().min(1).max(128);
const mime = z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/i, "must be a MIME type such as video/mp4");
const seconds = z.number().int().positive().max(3600);

const cpm = z.number().nonnegative().max(MAX_CPM);
/** Highest CPM a bid may carry unless the publisher sets its own `max_bid_cpm`. */
export const DEFAULT_MAX_BID_CPM = 1000;

/**
 * A private marketplace deal, sent as `imp.pmp.deals[]` (OpenRTB 2.6 §3.2.12). Its floor is in
 * the publisher's currency; `at` 3 makes `bidfloor` the agreed fixed price; `wseat` and
 * `wadomain` restrict which buyers and advertisers may use it.
 */
const screenTag = z.string().min(1).max(64);

export const DealTerms = z
	.object({
		id: z.string().min(1).max(128),
		bidfloor: cpm.default(0),
		...perSecondFloors,
		at: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
		wseat: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
		wadomain: z.array(z.string().min(1).max(256)).min(1).max(100).optional(),
		/** Offered only on screens that carry one of these `tags` (a network's packages). */
		screen_tags: z.array(screenTag).min(1).max(32).optional(),
	})
	.strict();
export type DealTerms = z.infer<typeof DealTerms>;

const deals = z
	.array(DealTerms)
	.max(64)
	.refine((list) => new Set(list.map((d) => d.id)).size === list.length, "duplicate deal id");

const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);

export const Geo = z
	.object({
		lat,
		lon,
		country: z
			.string()
			.regex(/^[A-Z]{3}$/, "ISO-3166-1 alpha-3")
			.optional(),
		/** ISO 3166-2 subdivision code without the country prefix; the 2-letter state in the USA. */
		region: z.string().max(64).optional(),
		city: z.string().max(128).optional(),
		zip: z.string().max(16).optional(),
	})
	.superRefine((geo, ctx) => {
		const problem = geo.region === undefined ? undefined : regionProblem(geo.region, geo.country);
		if (problem) ctx.addIssue({ code: "custom", path: ["region"], message: problem });
	});
export type Geo = z.infer<typeof Geo>;

/**
 * An ad slot: the part of the screen an ad plays in. Its size is not the panel's size (a lobby
 * screen may give ads a 1080x1350 region of a 1080x1920 panel).
 */
export const AdSlot = z
	.object({
		id,
		w: z.number().int().positive().max(16384),
		h: z.number().int().positive().max(16384),
		formats: z.array(Format).min(1),
		mimes: z.array(mime).min(1),
		/** Either a range of durations or the exact list the player can schedule, never both. */
		min_duration: seconds.optional(),
		max_duration: seconds.optional(),
		durations: z.array(seconds).min(1).optional(),
		audio: z.boolean().default(false),
		/** True when the creative must match the slot's aspect ratio exactly (no letterboxing). */
		exact_aspect: z.boolean().default(false),
		floor_cpm: cpm.optional(),
		...perSecondFloors,
	})
	.superRefine((slot, ctx) => {
		if (slot.durations && (slot.min_duration !== undefined || slot.max_duration !== undefined)) {
			ctx.addIssue({
				code: "custom",
				path: ["durations"],
				message: "durations and min_duration/max_duration are mutually exclusive",
			});
		}
		checkRange(slot, ctx, "min_duration", "max_duration");
	});
export type AdSlot = z.infer<typeof AdSlot>;

export const Venue = z.object({
	/** OpenOOH 1.1 numeric venue type id (parent, child or grandchild). */
	type: z.number().int().refine(isKnownVenueType, "unknown OpenOOH venue type"),
	name: z.string().max(256).optional(),
});
export type Venue = z.infer<typeof Venue>;

export const Screen = z
	.object({
		id,
		name: z.string().max(256).optional(),
		venue: Venue,
		geo: Geo,
		resolution: z.object({
			w: z.number().int().positive().max(16384),
			h: z.number().int().positive().max(16384),
		}),
		physical: z
			.object({
				width_mm: z.number().positive().max(100_000),
				height_mm: z.number().positive().max(100_000),
			})
			.optional(),
		slots: z.array(AdSlot).min(1).max(16),
		interactive: z.boolean().default(false),
		connectivity: z.enum(["wired", "wifi", "cellular", "unknown"]).default("unknown"),
		/**
		 * IANA time zone: device.geo.utcoffset is computed from it at the planned play time. Without
		 * it no offset is sent (a guessed UTC would reach buyers as a fact).
		 */
		timezone: z.string().min(1).max(64).refine(isTimeZone, "unknown IANA time zone").optional(),
		audience: Audience.optional(),
		/**
		 * Languages creatives may be in, ISO 639-1 alpha-2 (OpenRTB `wlang`); a bid that declares
		 * another `language` is filtered (LanguageExclusion).
		 */
		wlang: z
			.array(z.string().regex(/^[a-z]{2}$/, "ISO 639-1 alpha-2, lower case"))
			.min(1)
			.max(32)
			.optional(),
		/**
		 * False where moving images are not allowed (roadside boards in many jurisdictions): the
		 * request blocks the AdCOM motion attributes 22 and 23 in `battr`.
		 */
		allows_motion: z.boolean().default(true),
		/** The screen's frame ids at audience measurement bodies, sent as `eids`. */
		measurement: z
			.object({
				/** Geopath frame id (USA). */
				geopath: z.string().min(1).max(64).optional(),
				/** SpaceID (Outsmart, UK). */
				spaceid: z.string().min(1).max(64).optional(),
				/** Route frame id (UK). */
				route: z.string().min(1).max(64).optional(),
			})
			.strict()
			.optional(),
		keywords: z.array(z.string().min(1).max(64)).max(32).optional(),
		/** The publisher's packages this screen belongs to: deals with `screen_tags` match on them. */
		tags: z.array(screenTag).max(32).optional(),
		/** Deals for this screen; one with a publisher deal's id replaces it here. */
		deals: deals.optional(),
		/** Only deal bids may win on this screen (overrides the publisher's setting). */
		private_auction: z.boolean().optional(),
	})
	.superRefine((screen, ctx) => {
		// Hours of the week are the screen's own wall-clock hours: UTC would sell 3 a.m. as rush hour.
		if (screen.audience?.hourly && screen.timezone === undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["timezone"],
				message: "an hourly audience needs the screen's IANA timezone",
			});
		}
	});
export type Screen = z.infer<typeof Screen>;
export type ScreenInput = z.input<typeof Screen>;

/** Most impressions one request may ask for: display areas times loop spots. */
export const MAX_PLACEMENTS = 16;

/**
 * An ad request in the PX model. A screen that is registered through the data collection API
 * sends only ids; an unregistered one sends its screen description inline.
 */
export const AdRequest = z
	.object({
		screen_id: id,
		/** The one slot (display area) this request is for; or `slot_ids` for several at once. */
		slot_id: id.optional(),
		/**
		 * Several display areas of one player decided together (OpenRTB multi-imp): one decision per
		 * area, and one advertiser never in two areas at once.
		 */
		slot_ids: z.array(id).min(1).max(MAX_PLACEMENTS).optional(),
		screen: Screen.optional(),
		/** When the ad will play, epoch milliseconds; defaults to now. */
		play_at: z.number().int().positive().optional(),
		/** How long after play_at the ad may still be played, seconds (OpenRTB imp.exp). */
		play_window_s: z.number().int().positive().max(86_400).default(3600),
		/** How long the screen waits for the answer, ms (OpenRTB tmax). */
		timeout_ms: z.number().int().min(50).max(5000).default(500),
		/**
		 * Loop mode: fill the slot(s) with spots back to back from play_at until this epoch ms, in one
		 * call (at most MAX_PLACEMENTS spots in all).
		 */
		until: z.number().int().positive().optional(),
		/** A loop's spot length, seconds; by default the slot's longest allowed duration. */
		spot_s: seconds.optional(),
		/**
		 * A moving screen's current position (its GPS fix), sent as device.geo with type 1 instead
		 * of the registered location. `lastfix`: seconds since the fix; `accuracy`: metres.
		 */
		position: z
			.object({
				lat,
				lon,
				lastfix: z.number().int().nonnegative().max(86_400).optional(),
				accuracy: z.number().int().nonnegative().max(100_000).optional(),
			})
			.strict()
			.optional(),
		ip: z.union([z.ipv4(), z.ipv6()]).optional(),
		ua: z.string().max(512).optional(),
		test: z.boolean().default(false),
		/**
		 * The supply chain so far when a CMS or reseller sends this request for the screen's owner
		 * (OpenRTB SupplyChain 1.0): bidders get it with this exchange's node appended.
		 */
		schain: SupplyChain.optional(),
	})
	.superRefine((req, ctx) => {
		if ((req.slot_id === undefined) === (req.slot_ids === undefined)) {
			ctx.addIssue({
				code: "custom",
				path: [req.slot_id === undefined ? "slot_id" : "slot_ids"],
				message: "send either slot_id or slot_ids",
			});
		}
		const seen = new Set<string>();
		req.slot_ids?.forEach((slot, i) => {
			if (seen.has(slot)) {
				ctx.addIssue({ code: "custom", path: ["slot_ids", i], message: "duplicate slot id" });
			}
			seen.add(slot);
		});
		if (req.spot_s !== undefined && req.until === undefined) {
			ctx.addIssue({ code: "custom", path: ["spot_s"], message: "spot_s only applies with until" });
		}
	});
export type AdRequest = z.infer<typeof AdRequest>;
export type AdRequestInput = z.input<typeof AdRequest>;

/** One impression of a request: a slot at a planned time (OpenRTB imp, with its own imp.dt). */
export interface Placement {
	impId: string;
	slot: AdSlot;
	/** Planned play time, epoch ms. */
	playAt: number;
	/** How long the spot lasts on screen, ms: what separation across placements measures. */
	spotMs: number;
	/**
	 * Its audience per play (OpenRTB imp.qty.multiplier): the screen's, or its hour's prorated to
	 * this spot (px/pricing/audience.ts); 0 when that hour is dark (not sold); absent when the
	 * screen states no audience.
	 */
	multiplier?: number;
}

/** An ad request joined with the screen and slots it is for: what the translation needs. */
export interface ResolvedAdRequest {
	request: AdRequest;
	screen: Screen;
	/** In schedule order: by play time, then in the order the request named the slots. */
	placements: Placement[];
	/** Play time actually used for the first spot, epoch ms. */
	playAt: number;
	/**
	 * The request asked for several slots or a loop: it is answered with a list of decisions, one
	 * per placement, even when that list holds one.
	 */
	multi: boolean;
}

/**
 * What the exchange keeps of each clearing price (px/pricing/take.ts): a share of gross or a fee
 * per mille, never both. Absent: no take, the publisher nets what the buyer pays.
 */
const ExchangeTakeTerms = z.union(
	[z.object({ share: z.number().min(0).max(0.9) }).strict(), z.object({ fee_cpm: cpm }).strict()],
	{ error: "must be either { share } (0 to 0.9 of gross) or { fee_cpm }, and only one of them" },
);

/** A publisher account as the control plane stores it (its keys are kept apart, as hashes). */
const publisherFields = {
	// No ':': a screen's Durable Object is named `${publisher}:${screen}` and screen ids may hold
	// ':', so the first ':' must always be the separator.
	id: id.regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
	name: z.string().min(1).max(256),
	domain: z.string().max(256).optional(),
	/** OpenRTB `at`: 1 first price, 2 second price plus one increment. */
	auction_type: z.union([z.literal(1), z.literal(2)]).default(2),
	floor_cpm: cpm.default(0),
	/** Bids above this CPM are filtered (PriceAboveCap): a misplaced decimal must not clear. */
	max_bid_cpm: z.number().positive().max(MAX_CPM).default(DEFAULT_MAX_BID_CPM),
	cur: z.string().length(3).default("USD"),
	exchange_take: ExchangeTakeTerms.optional(),
	bcat: z.array(z.string()).default([]),
	/**
	 * The taxonomy of `bcat` (AdCOM Category Taxonomies): absent means IAB Content Category 1.0;
	 * 8 is IAB Ad Product Taxonomy 2.0.
	 */
	cattax: z.number().int().min(1).max(9).optional(),
	/** Regulations in force for this publisher's screens (OpenRTB `regs`). */
	regs: z
		.object({
			coppa: z.union([z.literal(0), z.literal(1)]).optional(),
			gdpr: z.union([z.literal(0), z.literal(1)]).optional(),
			/** Global Privacy Platform consent string and the sections that apply. */
			gpp: z.string().min(1).max(4096).optional(),
			gpp_sid: z.array(z.number().int().positive()).min(1).max(32).optional(),
		})
		.strict()
		.optional(),
	badv: z.array(z.string()).default([]),
	/** Competitive separation: the same advertiser does not play twice on a screen within this. */
	separation_seconds: z.number().int().nonnegative().default(0),
	rate_limit: z
		.object({
			burst: z.number().int().positive(),
			per_minute: z.number().positive(),
		})
		.default({ burst: 20, per_minute: 120 }),
	deals: deals.default([]),
	/** Only deal bids may win (OpenRTB pmp.private_auction = 1); screens may override it. */
	private_auction: z.boolean().default(false),
	/**
	 * sellers.json: PUBLISHER when the inventory is this account's own, INTERMEDIARY when it
	 * resells another's (a CMS or network in front), BOTH when it does both.
	 */
	seller_type: z.enum(["PUBLISHER", "INTERMEDIARY", "BOTH"]).default("PUBLISHER"),
	/** sellers.json lists the account without its name and domain. */
	is_confidential: z.boolean().default(false),
};

const floorUnderCap: [
	(p: { floor_cpm: number; max_bid_cpm: number }) => boolean,
	{ path: string[]; message: string },
] = [
	(p) => p.floor_cpm <= p.max_bid_cpm,
	{ path: ["floor_cpm"], message: "floor_cpm is above max_bid_cpm: no bid could win" },
];

/** The body of PUT /v1/admin/publishers/{id}. */
export const PublisherAccount = z.object(publisherFields).refine(...floorUnderCap);
export type PublisherAccount = z.infer<typeof PublisherAccount>;

/**
 * A publisher as an authenticated request sees it: the account, the hash of the key used and its
 * floor rules, which the control plane manages on their own (/v1/admin/floor-rules), so the
 * account's body never carries them.
 */
export const Publisher = z
	.object({
		...publisherFields,
		key_sha256: z.string().regex(/^[0-9a-f]{64}$/, "lower-case hex SHA-256"),
		floor_rules: z.array(FloorRule).optional(),
	})
	.refine(...floorUnderCap);
export type Publisher = z.infer<typeof Publisher>;
export type PublisherInput = z.input<typeof Publisher>;
