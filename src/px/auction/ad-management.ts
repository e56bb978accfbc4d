// DSPs as accounts: the subset of the IAB Tech Lab Ad Management API 1.1 a DSP needs to have its
// ads reviewed before it bids. An Ad is submitted with its advertiser and its asset (or markup),
// reviewed on the same desk and as the same approval unit (bidder, crid = the ad's id, asset,
// advertiser) as a creative first seen in a bid, and its audit status is read back in AdCOM 1.0's
// terms. Pure: the worker stores it and puts it on the desk.
import { z } from "zod";
import type { ApprovalStatus } from "./approval";

/** AdCOM 1.0 "Audit Status Codes". */
export const AuditStatus = { Pending: 1, Approved: 3, Denied: 4 } as const;
export type AuditStatusCode = (typeof AuditStatus)[keyof typeof AuditStatus];

export function auditStatusOf(status: ApprovalStatus | undefined): AuditStatusCode {
	if (status === "approved") return AuditStatus.Approved;
	if (status === "rejected") return AuditStatus.Denied;
	return AuditStatus.Pending;
}

const mime = z
	.string()
	.regex(/^(image|video)\/[a-z0-9.+-]+$/i, "must be an image or video MIME type");

/**
 * POST /v1/dsp/ads: an Ad Management API Ad, reduced to what review needs. `id` is the crid the
 * DSP's bids will carry; `adomain` the advertiser, as in its bids; the asset is what a screen
 * plays (an image, or the video file a VAST document names), with its size and duration.
 */
export const SubmittedAd = z
	.object({
		id: z
			.string()
			.min(1)
			.max(128)
			.regex(/^[A-Za-z0-9._:-]+$/, "letters, digits, '.', '_', ':' and '-' only"),
		adomain: z.array(z.string().min(1).max(256)).min(1).max(10),
		asset_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048),
		mime,
		w: z.number().int().positive().max(16_384),
		h: z.number().int().positive().max(16_384),
		duration_s: z.number().positive().max(3600).optional(),
		/** The markup the DSP will send as adm (VAST or an image tag), kept for the reviewer. */
		adm: z
			.string()
			.max(64 * 1024)
			.optional(),
	})
	.strict();
export type SubmittedAd = z.infer<typeof SubmittedAd>;

/** What GET /v1/dsp/ads/{id} answers: the Ad with its `audit` object (AdCOM Audit). */
export const AdWithAudit = SubmittedAd.extend({
	init: z.number().int().describe("When it was first submitted, epoch seconds"),
	lastmod: z.number().int().describe("When it was last submitted, epoch seconds"),
	audit: z.object({
		status: z
			.union([z.literal(1), z.literal(3), z.literal(4)])
			.describe("AdCOM audit status: 1 pending audit, 3 approved, 4 denied"),
		feedback: z.array(z.string()).optional().describe("The reviewer's reason, when denied"),
	}),
});
export type AdWithAudit = z.infer<typeof AdWithAudit>;

/**
 * The markup a pre-registered ad plays as, for a bid that names it by `adid` without `adm`: an
 * `<img>` of its asset, or an inline VAST with its video as the one MediaFile. Read by the same
 * tokenizer as any markup (px/auction/markup.ts), so it is judged, approved and played like one.
 */
export function registeredMarkup(ad: SubmittedAd): string {
	if (ad.adm) return ad.adm;
	const url = ad.asset_url.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
	if (!ad.mime.startsWith("video/")) return `<img src="${url}" width="${ad.w}" height="${ad.h}">`;
	const s = Math.round(ad.duration_s ?? 0);
	const duration = `00:${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
	return (
		`<VAST version="4.0"><Ad id="${ad.id}"><InLine><AdSystem>px-edge</AdSystem><AdTitle>${ad.id}</AdTitle>` +
		`<Impression><![CDATA[]]></Impression><Creatives><Creative><Linear><Duration>${duration}</Duration>` +
		`<MediaFiles><MediaFile delivery="progressive" type="${ad.mime}" width="${ad.w}" height="${ad.h}">` +
		`<![CDATA[${ad.asset_url}]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`
	);
}

/** What a bid says, completed from the pre-registered ad it names (crid = the ad's id). */
export function completeFromRegistered<
	B extends { adm?: string; adid?: string; crid?: string; adomain?: string[] },
>(bid: B, ad: SubmittedAd): B {
	return {
		...bid,
		adm: registeredMarkup(ad),
		crid: ad.id,
		adomain: bid.adomain && bid.adomain.length > 0 ? bid.adomain : ad.adomain,
	};
}
