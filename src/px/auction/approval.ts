// Creative approval: the one contract shared by the filter, the hot path's replica lookup, the
// review desk and its publisher.
//
// The unit of approval is the asset that plays, for the advertiser it plays for: bidder + crid +
// the exact asset URL the screen will download + the bid's advertiser domains. A DSP that reuses
// an approved crid with another file, or a VAST whose MediaFile choice changes with the slot,
// produces a different unit, which is pending until a human has seen that very file. The
// advertiser is part of it because publishers block (badv) and separate by it: an approved file
// re-declared under another adomain would otherwise pass as the advertiser a human never saw it
// for. URL and domains enter the key as a SHA-256 digest so keys stay short and fixed in shape
// whatever the DSP sends (KV keys are limited to 512 bytes).
import { z } from "zod";
import { normalizeDomain } from "./advertisers";
import { HostedAsset } from "./hosted-asset";

export const APPROVAL_STATUSES = ["approved", "rejected", "pending"] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
/** A human's verdict on an asset; pending = queued on the desk, not decided yet. */
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/**
 * What the desk publishes to the replica. `version` grows with every decision the desk makes
 * (one sequence for the whole desk), so a reader that has seen version n ignores anything older:
 * a retried or edge-cached write can never bring back a verdict that was overturned.
 */
export const ApprovalRecord = z.object({
	status: ApprovalStatus,
	reason: z.string().optional(),
	decided_at: z.number().optional(),
	version: z.number().int().nonnegative().default(0),
	/**
	 * The bytes an approval approved, copied to the exchange's R2 (hosted-asset.ts). Auctions
	 * treat an "approved" record without it (written before asset hosting) as pending: fail
	 * closed, the reviewer approves it again and the file is copied then.
	 */
	asset: HostedAsset.optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

/** What identifies one reviewable creative. */
export interface ApprovalUnit {
	bidder: string;
	crid: string;
	asset_url: string;
	/** The bid's adomain as sent: normalized, deduplicated and sorted before it is keyed. */
	adomain: ReadonlyArray<string>;
}

/** The longest crid accepted: longer ones are filtered (MissingCreativeId), never keyed. */
export const MAX_CRID_LENGTH = 128;

const encoder = new TextEncoder();

/**
 * What the digest covers: the exact asset URL, a newline, then the advertiser domains normalized
 * (normalizeDomain: "https://WWW.Brand.example/x" is "brand.example"), without empties or
 * duplicates, sorted and joined by ",". A URL cannot contain a raw newline (new URL() encodes
 * it), so the two parts cannot be confused; the order a DSP lists domains in does not matter.
 */
export function approvalDigestInput(unit: Pick<ApprovalUnit, "asset_url" | "adomain">): string {
	const domains = [...new Set(unit.adomain.map(normalizeDomain).filter(Boolean))].sort();
	return `${unit.asset_url}\n${domains.join(",")}`;
}

/** SHA-256 of the unit's asset and advertisers, lower-case hex (WebCrypto: Workers and Node alike). */
async function unitDigest(unit: Pick<ApprovalUnit, "asset_url" | "adomain">): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(approvalDigestInput(unit)));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `bidder:crid:digest`. Unambiguous although crids may contain ':': bidder names are slugs
 * without ':' and the digest is always the last 64 hex characters.
 */
export async function approvalKey(unit: ApprovalUnit): Promise<string> {
	return `${unit.bidder}:${unit.crid}:${await unitDigest(unit)}`;
}

/** Where a unit's approval lives in the APPROVALS replica. */
export const approvalKvKey = (key: string) => `creative:${key}`;

/** The status of an approval key; undefined = never seen by the desk (or unknown right now). */
export type ApprovalOf = (key: string) => ApprovalStatus | undefined;

/** The hosted copy an approved key serves; undefined when it is not approved (or not known). */
export type HostedOf = (key: string) => HostedAsset | undefined;
