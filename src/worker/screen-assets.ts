// Which assets a player should pre-cache (GET /v1/screens/{id}/assets). Three sources, surest
// first: the screen's own decisions that are still to play (scheduled), its plays within the
// horizon (recent: buyers repeat campaigns; the ledger keeps decisions about as long as their
// report window, so "recent" reaches back an hour or two), and assets the review desk approved
// that fit one of its slots from the bidders its auctions would call (eligible). Only approved
// assets are listed: the ledger's are re-checked in the approvals replica (fail closed), the
// desk's are approved by definition. The desk approves for the whole exchange, so its assets are
// listed only when this publisher's auctions would let their advertisers win here (its badv, a
// private auction's deals): a publisher is never shown what it blocks. Each is listed by the URL
// of the exchange's copy of the approved bytes, the one answers carry (px/auction/hosted-asset.ts); an
// asset without a copy is left out.

import {
	advertisersFiltered,
	mergeAssets,
	type ScreenAsset,
	type ScreenAssets,
} from "../px/api/screen-assets";
import { fitsSlot } from "../px/auction/asset-fit";
import { selectBidders } from "../px/auction/bidders";
import { hostedAssetUrl } from "../px/auction/hosted-asset";
import type { Publisher } from "../px/model/model";
import { lookupApprovals } from "../services/approvals";
import { errorText, log } from "../services/log";
import { reviewDesk, screenStub } from "../services/stubs";
import { configuredBidders } from "./control/lookups";

/** The approvals replica gets this long; what it cannot confirm in time is left out. */
const APPROVAL_BUDGET_MS = 1_000;

export async function screenAssets(
	env: Env,
	publisher: Publisher,
	screenId: string,
	hours: number,
	{ origin, now = Date.now() }: { origin: string; now?: number },
): Promise<ScreenAssets | undefined> {
	const horizon = hours * 3_600_000;
	const ledger = await screenStub(env, publisher.id, screenId).ledgerAssets(
		now - horizon,
		now + horizon,
	);
	if (!ledger) return undefined;

	const approval = await lookupApprovals(
		env.APPROVALS,
		ledger.decisions.flatMap((d) => (d.approvalKey ? [d.approvalKey] : [])),
		APPROVAL_BUDGET_MS,
	);
	const fromLedger: ScreenAsset[] = ledger.decisions
		// Decisions from before asset hosting carry the DSP's URL and no hash: not listed.
		.filter((d) => d.approvalKey && approval(d.approvalKey) === "approved" && d.creative.sha256)
		.map((d) => ({
			asset_url: d.creative.asset_url,
			sha256: d.creative.sha256,
			mime: d.creative.mime,
			w: d.creative.w,
			h: d.creative.h,
			duration_s: d.creative.duration_s,
			creative_id: d.creative.id,
			advertiser_domains: d.creative.advertiser_domains,
			slot_ids: [d.slotId],
			reason: d.state === "issued" ? "scheduled" : "recent",
			...(d.state === "issued" ? { play_by: d.notAfter } : {}),
		}));

	const eligible: ScreenAsset[] = [];
	const profile = ledger.profile;
	if (profile) {
		const bidders = new Set<string>();
		for (const slot of profile.slots) {
			const selected = selectBidders(configuredBidders(env), {
				venueType: profile.venue.type,
				formats: slot.formats,
			});
			for (const b of selected) bidders.add(b.name);
		}
		// The desk is one object for the exchange: if it is slow or down, the screen still gets
		// its own decisions' assets.
		const items = await reviewDesk(env)
			.approvedOf([...bidders])
			.catch((err: unknown) => {
				log("warn", "screen_assets_desk_failed", {
					error: errorText(err),
				});
				return [];
			});
		for (const item of items) {
			// Approved exchange-wide, but this publisher's auctions would filter it: not listed.
			if (advertisersFiltered(item.adomain, publisher, profile)) continue;
			const slots = profile.slots.filter((slot) => fitsSlot(item, slot)).map((s) => s.id);
			if (slots.length === 0 || !item.asset_sha256) continue;
			eligible.push({
				asset_url: hostedAssetUrl(origin, item.asset_sha256),
				sha256: item.asset_sha256,
				mime: item.mime,
				w: item.w,
				h: item.h,
				duration_s: item.duration_s ?? 0,
				creative_id: item.crid,
				advertiser_domains: item.adomain,
				slot_ids: slots,
				reason: "eligible",
			});
		}
	}
	return {
		screen_id: screenId,
		hours,
		generated_at: now,
		assets: mergeAssets([...fromLedger, ...eligible]),
	};
}
