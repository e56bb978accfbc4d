// The demo DSPs: deterministic bidders that make README's first command return a real ad.
// Each is a pure function from an OpenRTB 2.6 request to a response, like a real bidder adapter.
import type { Bid, BidRequest, BidResponse, Imp } from "iab-openrtb/v26";
import type { ApprovalUnit } from "../src/px/auction/approval";
import { vast } from "./vast";

export interface DspAnswer {
	status: number;
	body?: BidResponse;
}

export type DemoDsp = (request: BidRequest, assetBase: string) => DspAnswer;

export interface Offer {
	price: number;
	crid: string;
	adomain: string;
	seat: string;
	/** The video file's name on the demo server (spot-portrait.mp4 unless given). */
	videoName?: string;
	/** Force a spot length instead of fitting the slot (tests use it to send a wrong one). */
	durationS?: number;
}

/** Pick a duration the imp allows, preferring `want` seconds. */
function durationFor(imp: Imp, want: number): number {
	const video = imp.video;
	if (video?.rqddurs?.length) return video.rqddurs.includes(want) ? want : video.rqddurs[0]!;
	const min = video?.minduration ?? 1;
	const max = video?.maxduration ?? want;
	return Math.min(Math.max(want, min), max);
}

/** One bid for one imp: a DSP bids on every imp of a multi-imp request it can fill. */
export type ImpBid = (
	request: BidRequest,
	imp: Imp,
	assetBase: string,
	offer: Offer,
) => Bid | undefined;

function bidFor(
	request: BidRequest,
	imp: Imp,
	assetBase: string,
	offer: Offer,
	adm: string,
	extra: Partial<Bid>,
): Bid {
	const floor = imp.bidfloor ?? 0;
	const price = Math.max(offer.price, floor + 0.5);
	// Notices go to the demo server that answered (its bound port), so tests can count them.
	const base = `${assetBase}/notices/${offer.seat}`;
	return {
		id: `${offer.seat}-${request.id}-${imp.id}`,
		impid: imp.id,
		price,
		crid: offer.crid,
		adid: offer.crid,
		adomain: [offer.adomain],
		cat: ["IAB8"],
		adm,
		nurl: `${base}/win?price=\${AUCTION_PRICE}&auction=\${AUCTION_ID}&imp=\${AUCTION_IMP_ID}`,
		burl: `${base}/bill?price=\${AUCTION_PRICE}&mult=\${AUCTION_MULTIPLIER}&ts=\${AUCTION_IMP_TS}&auction=\${AUCTION_ID}&imp=\${AUCTION_IMP_ID}`,
		lurl: `${base}/loss?reason=\${AUCTION_LOSS}&min=\${AUCTION_MIN_TO_WIN}`,
		...extra,
	};
}

/** A response with the given bids under one seat; 204 (no bid) when there are none. */
export function respond(request: BidRequest, seat: string, bids: (Bid | undefined)[]): DspAnswer {
	const made = bids.filter((b): b is Bid => b !== undefined);
	if (made.length === 0) return { status: 204 };
	return {
		status: 200,
		body: { id: request.id, cur: request.cur?.[0] ?? "USD", seatbid: [{ seat, bid: made }] },
	};
}

export const videoAssetUrl = (assetBase: string, portrait: boolean, name = "spot") =>
	`${assetBase}/assets/${name}-${portrait ? "portrait" : "landscape"}.mp4`;
/** Static creatives are rendered at the slot's size (demo/server.ts), so each size is its own asset. */
export const staticAssetUrl = (assetBase: string, crid: string, size: { w: number; h: number }) =>
	`${assetBase}/assets/${crid}-${size.w}x${size.h}.png`;

/** Length of demo/assets/spot-*.mp4. */
const SPOT_SECONDS = 15;

export const videoBid: ImpBid = (request, imp, assetBase, offer) => {
	const video = imp.video;
	if (!video) return undefined;
	const portrait = (video.h ?? 0) > (video.w ?? 0);
	const [w, h] = portrait ? [1080, 1920] : [1920, 1080];
	// The demo spot files are 15 s long: bid only where a 15 s spot may run (unless a test forces one).
	const durationS = offer.durationS ?? SPOT_SECONDS;
	if (offer.durationS === undefined && durationFor(imp, SPOT_SECONDS) !== SPOT_SECONDS) {
		return undefined;
	}
	const adm = vast({
		adId: offer.crid,
		mediaUrl: videoAssetUrl(assetBase, portrait, offer.videoName),
		mime: "video/mp4",
		w,
		h,
		durationS,
	});
	return bidFor(request, imp, assetBase, offer, adm, { w, h, dur: durationS, mtype: 2 });
};

export const staticBid: ImpBid = (request, imp, assetBase, offer) => {
	const w = imp.banner?.w ?? imp.video?.w;
	const h = imp.banner?.h ?? imp.video?.h;
	if (!w || !h) return undefined;
	const durationS = offer.durationS ?? (imp.video ? durationFor(imp, 10) : 10);
	const adm = vast({
		adId: offer.crid,
		mediaUrl: staticAssetUrl(assetBase, offer.crid, { w, h }),
		mime: "image/png",
		w,
		h,
		durationS,
	});
	return bidFor(request, imp, assetBase, offer, adm, {
		w,
		h,
		dur: durationS,
		mtype: imp.banner ? 1 : 2,
	});
};

/** A video bid on every imp that takes the spot. */
export const videoSpot = (request: BidRequest, assetBase: string, offer: Offer): DspAnswer =>
	respond(
		request,
		offer.seat,
		request.imp.map((imp) => videoBid(request, imp, assetBase, offer)),
	);

/** A still image at the imp's size on every imp. */
export const staticSpot = (request: BidRequest, assetBase: string, offer: Offer): DspAnswer =>
	respond(
		request,
		offer.seat,
		request.imp.map((imp) => staticBid(request, imp, assetBase, offer)),
	);

/** Stable per auction id, so the same request always gets the same answer. */
function hash(text: string): number {
	let h = 2166136261;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
	return h >>> 0;
}

export const demoDsps: Record<string, DemoDsp> = {
	/** Bids high on video. */
	video: (request, assetBase) =>
		videoSpot(request, assetBase, {
			price: 12,
			crid: "demo-video-brightcola",
			adomain: "brightcola.example",
			seat: "demo-video",
		}),
	/** Bids on static (banner) slots only. */
	static: (request, assetBase) => {
		const offer = {
			price: 6,
			crid: "demo-static-urbanbank",
			adomain: "urbanbank.example",
			seat: "demo-static",
		};
		const bids = request.imp.map((imp) =>
			imp.banner ? staticBid(request, imp, assetBase, offer) : undefined,
		);
		return respond(request, offer.seat, bids);
	},
	/** No-bids (HTTP 204) on every other auction, else a modest static bid. */
	sometimes: (request, assetBase) =>
		hash(request.id) % 2 === 0
			? { status: 204 }
			: staticSpot(request, assetBase, {
					price: 4,
					crid: "demo-sometimes-metrotravel",
					adomain: "metrotravel.example",
					seat: "demo-sometimes",
				}),
	/**
	 * A new advertiser whose creatives nobody has reviewed: `npm run dev` does not seed them, so
	 * they wait on the review desk (its buyer config limits it to the billboard and the lobby).
	 * Its billboard image outbids demo-static once approved; its lobby video still loses to
	 * demo-video's higher bid.
	 */
	newcomer: (request, assetBase) => {
		const offer = {
			crid: "demo-newcomer-freshjuice",
			adomain: "freshjuice.example",
			seat: "demo-newcomer",
			videoName: "freshjuice",
		};
		const bids = request.imp.map((imp) => {
			if (imp.video && durationFor(imp, SPOT_SECONDS) === SPOT_SECONDS) {
				return videoBid(request, imp, assetBase, { ...offer, price: 10 });
			}
			return imp.banner ? staticBid(request, imp, assetBase, { ...offer, price: 9 }) : undefined;
		});
		return respond(request, offer.seat, bids);
	},
};

/** The newcomer's creative: pending on the review desk until someone approves it. */
export const NEWCOMER_CRID = "demo-newcomer-freshjuice";

/**
 * The assets the demo DSPs serve on these slots, as units of approval (px/auction/approval.ts): what the
 * dev script seeds as approved so that README's first request fills at once. Approval is per
 * asset, so every slot size of a static creative is listed. The newcomer's are deliberately not:
 * they are the review desk's demo.
 */
export function demoAssets(
	slots: ReadonlyArray<{ w: number; h: number }>,
	assetBase: string,
): ApprovalUnit[] {
	const video = [true, false].map((portrait) => ({
		bidder: "demo-video",
		crid: "demo-video-brightcola",
		asset_url: videoAssetUrl(assetBase, portrait),
		adomain: ["brightcola.example"],
	}));
	const statics = [
		["demo-static", "demo-static-urbanbank", "urbanbank.example"],
		["demo-sometimes", "demo-sometimes-metrotravel", "metrotravel.example"],
	].flatMap(([bidder, crid, adomain]) =>
		slots.map((slot) => ({
			bidder: bidder!,
			crid: crid!,
			asset_url: staticAssetUrl(assetBase, crid!, slot),
			adomain: [adomain!],
		})),
	);
	return [...video, ...statics];
}
