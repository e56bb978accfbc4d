// Advertiser identity: DSPs send adomain in many shapes, and blocks, deals, separation within a
// screen and across one request's placements must all compare like with like.
import type { Bid } from "iab-openrtb/v26";

/**
 * "https://www.Ford.com/cars" → "ford.com". DSPs send adomain in many shapes; blocks and the
 * separation memory must compare like with like (the worker should record winners through this).
 */
export function normalizeDomain(value: string): string {
	return value
		.trim()
		.toLowerCase()
		.replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
		.replace(/[/?#:].*$/, "")
		.replace(/^www\./, "")
		.replace(/\.$/, "");
}

/** A bid's advertiser domains, normalized; empty when it names none. */
export function advertiserDomains(bid: Pick<Bid, "adomain">): string[] {
	return Array.isArray(bid.adomain)
		? bid.adomain.filter((d): d is string => typeof d === "string").map(normalizeDomain)
		: [];
}

/** True when two bids' advertisers overlap: a shared domain, or one a subdomain of the other's. */
export function sameAdvertiser(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
	return a.some((x) => x !== "" && b.some((y) => y !== "" && (coveredBy(x, y) || coveredBy(y, x))));
}

/** True when `domain` is `parent` or one of its subdomains. */
export function coveredBy(domain: string, parent: string): boolean {
	return domain === parent || domain.endsWith(`.${parent}`);
}

/** "a.b.ford.com" → ["a.b.ford.com", "b.ford.com", "ford.com"] (never a bare TLD). */
export function domainSuffixes(domain: string): string[] {
	const labels = domain.split(".");
	const out: string[] = [];
	for (let i = 0; i <= Math.max(0, labels.length - 2); i++) out.push(labels.slice(i).join("."));
	return out;
}
