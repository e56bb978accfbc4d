// What a bid request blocks, read against a bid: creative attributes (battr), languages (wlang),
// advertisers (badv, and a deal's wadomain) and categories (bcat in the taxonomy cattax names).
// Only what a bid declares can be checked; a bid silent on its attributes or language is not
// refused for them. The advertiser rules are also what the pre-cache list of a screen applies to
// approved assets (worker/screen-assets.ts): one rule for what a publisher blocks.
import type { Bid, BidRequest } from "iab-openrtb/v26";
import { coveredBy, normalizeDomain } from "./advertisers";

/** A `bid.attr` is among `battr` (the blocked attributes of the banner/video that takes it). */
export function attributeBlocked(bid: Bid, battr: ReadonlyArray<number>): boolean {
	const attrs: unknown = bid.attr;
	if (!Array.isArray(attrs) || attrs.length === 0 || battr.length === 0) return false;
	const blocked = new Set<unknown>(battr);
	return attrs.some((a) => blocked.has(a));
}

/** One of the (normalized) advertiser domains is in badv, or a subdomain of one there. */
export function advertiserBlocked(
	domains: ReadonlyArray<string>,
	badv: ReadonlyArray<string> | undefined,
): boolean {
	const blocked = (badv ?? []).map(normalizeDomain).filter(Boolean);
	return domains.some((d) => blocked.some((b) => coveredBy(d, b)));
}

/** A deal's wadomain admits every one of the (normalized) advertiser domains; none admits all. */
export function dealAdmits(
	domains: ReadonlyArray<string>,
	wadomain: ReadonlyArray<string> | undefined,
): boolean {
	const allowed = (wadomain ?? []).map(normalizeDomain).filter(Boolean);
	return allowed.length === 0 || domains.every((d) => allowed.some((a) => coveredBy(d, a)));
}

/** The bid's declared language (ISO 639-1, or BCP 47's primary subtag) is outside wlang. */
export function languageBlocked(bid: Bid, request: BidRequest): boolean {
	const allowed = (request.wlang ?? []).map((l) => l.toLowerCase());
	if (allowed.length === 0) return false;
	const declared = [bid.language, bid.langb].find(
		(l): l is string => typeof l === "string" && l !== "",
	);
	if (declared === undefined) return false;
	return !allowed.includes(declared.toLowerCase().split("-")[0] ?? "");
}

/**
 * A `bid.cat` is in bcat, or the bid's categories are in another taxonomy than bcat's (bid.cattax
 * and request.cattax both default to 1, IAB Content Category 1.0): a block that cannot be checked
 * is not passed.
 */
export function categoryBlocked(bid: Bid, request: BidRequest): boolean {
	const cat: unknown = bid.cat;
	const bcat = request.bcat ?? [];
	if (!Array.isArray(cat) || cat.length === 0 || bcat.length === 0) return false;
	const taxonomy = request.cattax ?? 1;
	if ((bid.cattax ?? 1) !== taxonomy) return true;
	const blocked = new Set(bcat.map((c) => c.toUpperCase()));
	return cat.some((c) => {
		if (typeof c !== "string") return false;
		const upper = c.toUpperCase();
		// IAB Content Taxonomy 1.0: "IAB7-39" is a child of "IAB7". Other taxonomies are matched
		// id for id (their trees are not held here).
		const parent = taxonomy === 1 ? /^(IAB\d+)-\d+$/.exec(upper)?.[1] : undefined;
		return blocked.has(upper) || (parent !== undefined && blocked.has(parent));
	});
}
