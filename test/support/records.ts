// Records and stand-ins shared by the workerd tests: a queue that keeps what the edge sends, a
// play event, and putting a creative on the review desk as the queue consumer's intake does.
import { env } from "cloudflare:workers";
import { type ApprovalUnit, approvalKey } from "../../src/px/auction/approval";
import { newEvent, type PxEvent, parseEvent } from "../../src/px/events/events";

/**
 * EVENTS that keeps every record the edge sends, in `sent`, after the consumer's validation: the
 * edge builds records without parsing them, so a producer bug must show up here as a lost record.
 */
export function capturingQueue(sent: PxEvent[] = []): { sent: PxEvent[]; queue: Queue } {
	const queue = {
		send: async (body: PxEvent) => void sent.push(parseEvent(body)),
		sendBatch: async (batch: { body: PxEvent | PxEvent[] }[]) =>
			void sent.push(...batch.flatMap((m) => [m.body].flat().map((e) => parseEvent(e)))),
	} as unknown as Queue;
	return { sent, queue };
}

export const playEvent = (i: number, playedAt = Date.now()): PxEvent =>
	newEvent(
		"play",
		{
			publisher_id: "demo-pub",
			screen_id: "s",
			venue_type: 30101,
			decision_id: `d${i}`,
			auction_id: `a${i}`,
			bidder: "b",
			crid: "c",
			price_cpm: 5,
			multiplier: 1,
			played_at: playedAt,
		},
		{ now: playedAt + i },
	);

/** Puts an image asset (1400×400 unless told) on the review desk as pending; returns its key. */
export async function putOnDesk(
	asset: Omit<ApprovalUnit, "adomain"> & { adomain?: string[] },
	extra: { w?: number; h?: number; mime?: string; duration_s?: number } = {},
): Promise<string> {
	const unit = { ...asset, adomain: asset.adomain ?? ["advertiser.example"] };
	const key = await approvalKey(unit);
	await env.REVIEW_DESK.get(env.REVIEW_DESK.idFromName("review-desk")).intake([
		newEvent("creative_seen", {
			publisher_id: "demo-pub",
			screen_id: "s",
			venue_type: 30101,
			bidder: unit.bidder,
			crid: unit.crid,
			creative_key: key,
			adomain: unit.adomain,
			asset_url: unit.asset_url,
			mime: extra.mime ?? "image/png",
			w: extra.w ?? 1400,
			h: extra.h ?? 400,
			...(extra.duration_s ? { duration_s: extra.duration_s } : {}),
		}),
	]);
	return key;
}
