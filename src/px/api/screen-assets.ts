// GET /v1/screens/{id}/assets: what a player should have in its cache for the next hours. The
// answer ranks assets by how sure we are they will play: already decided for this screen, played
// on it recently (buyers' campaigns repeat), or approved and fitting one of its slots.
import { z } from "zod";
import { advertiserDomains } from "../auction/advertisers";
import { advertiserBlocked, dealAdmits } from "../auction/blocks";
import type { Publisher, Screen } from "../model/model";
import { screenPmp } from "../openrtb/translate";

const ASSET_HORIZON_MAX_HOURS = 72;
const ASSET_HORIZON_DEFAULT_HOURS = 24;
/** A player caches this many at most; past it the list is cut, surest first. */
const MAX_LISTED_ASSETS = 100;

export const AssetsQuery = z.object({
	hours: z.coerce
		.number()
		.int()
		.min(1)
		.max(ASSET_HORIZON_MAX_HOURS)
		.default(ASSET_HORIZON_DEFAULT_HOURS),
});

const AssetReason = z.enum(["scheduled", "recent", "eligible"]);
type AssetReason = z.infer<typeof AssetReason>;

export const ScreenAsset = z.object({
	/** The exchange's copy of the approved file (GET /v1/assets/{sha256}), as answers carry it. */
	asset_url: z.string(),
	/** SHA-256 of its bytes, lower-case hex. */
	sha256: z.string(),
	mime: z.string(),
	w: z.number().int(),
	h: z.number().int(),
	/** 0 for a still image that states no duration. */
	duration_s: z.number(),
	creative_id: z.string(),
	advertiser_domains: z.array(z.string()),
	/** The screen's slots it can play in. */
	slot_ids: z.array(z.string()),
	/**
	 * scheduled: a decision for this screen will play it; recent: it played here within the
	 * horizon; eligible: approved and fitting a slot, from a bidder this screen's auctions call.
	 */
	reason: AssetReason,
	/** For scheduled assets: the end of the earliest play window that uses it, epoch ms. */
	play_by: z.number().int().optional(),
});
export type ScreenAsset = z.infer<typeof ScreenAsset>;

export const ScreenAssets = z.object({
	screen_id: z.string(),
	hours: z.number().int(),
	generated_at: z.number().int(),
	assets: z.array(ScreenAsset),
});
export type ScreenAssets = z.infer<typeof ScreenAssets>;

/**
 * Whether this publisher's auctions on this screen would filter every bid with these advertiser
 * domains, by the bid filter's own advertiser checks (filter.ts, 15–16 and the deals): no domain,
 * one in the publisher's badv (subdomains included), or a private auction none of whose deals
 * admits them (wadomain). Not checked, for want of the facts on an approval: bcat (the desk keeps
 * no categories) and a deal's wseat (nor the buyer's seat).
 */
export function advertisersFiltered(
	adomain: ReadonlyArray<string>,
	publisher: Publisher,
	screen: Screen,
): boolean {
	const domains = advertiserDomains({ adomain: [...adomain] });
	if (domains.length === 0 || domains.some((d) => d === "")) return true;
	if (advertiserBlocked(domains, publisher.badv)) return true;
	const pmp = screenPmp(screen, publisher);
	return (
		pmp?.private_auction === 1 && !(pmp.deals ?? []).some((d) => dealAdmits(domains, d.wadomain))
	);
}

const RANK: Record<AssetReason, number> = { scheduled: 0, recent: 1, eligible: 2 };

/** One entry per asset URL, keeping the surest reason and the union of slots; surest first. */
export function mergeAssets(candidates: ReadonlyArray<ScreenAsset>): ScreenAsset[] {
	const byUrl = new Map<string, ScreenAsset>();
	for (const c of candidates) {
		const seen = byUrl.get(c.asset_url);
		if (!seen) {
			byUrl.set(c.asset_url, { ...c, slot_ids: [...c.slot_ids] });
			continue;
		}
		const slots = [...new Set([...seen.slot_ids, ...c.slot_ids])];
		const better = RANK[c.reason] < RANK[seen.reason] ? c : seen;
		const playBy = [seen.play_by, c.play_by].filter((t) => t !== undefined);
		byUrl.set(c.asset_url, {
			...better,
			slot_ids: slots,
			...(playBy.length ? { play_by: Math.min(...playBy) } : {}),
		});
	}
	// Stable: within a reason, the order the candidates came in (soonest or newest first).
	return [...byUrl.values()]
		.map((a, i) => ({ a, i }))
		.sort((x, y) => RANK[x.a.reason] - RANK[y.a.reason] || x.i - y.i)
		.map(({ a }) => a)
		.slice(0, MAX_LISTED_ASSETS);
}
