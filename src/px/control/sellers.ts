// What this exchange discloses about who sells through it (IAB Tech Lab sellers.json 1.0 file
// format; the spec's own `version` is "1.0") and the ads.txt record a publisher publishes to
// authorise it (ads.txt 1.1). `seller_id` is the `sid` of this exchange's node in every bid
// request's `source.schain` (src/px/openrtb/schain.ts), so each chain can be checked here.
import { z } from "zod";
import type { Publisher, PublisherAccount } from "../model/model";

export const Seller = z.object({
	seller_id: z.string(),
	seller_type: z.enum(["PUBLISHER", "INTERMEDIARY", "BOTH"]),
	is_confidential: z.union([z.literal(0), z.literal(1)]),
	name: z.string().optional(),
	domain: z.string().optional(),
});

export const SellersJson = z.object({
	contact_email: z.string().optional(),
	contact_address: z.string().optional(),
	version: z.literal("1.0"),
	identifiers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
	sellers: z.array(Seller),
});
export type SellersJson = z.infer<typeof SellersJson>;

/** The exchange's own entries; empty strings (unset vars) are left out. */
export interface ExchangeIdentity {
	/** The exchange's canonical domain: `asi` in schain, the first field of an ads.txt record. */
	asi: string;
	contactEmail?: string;
	contactAddress?: string;
	/** TAG Certified Against Fraud id: sellers.json `identifiers` and ads.txt's fourth field. */
	tagId?: string;
}

const present = (value: string | undefined) => (value ? value : undefined);

export function sellersJson(
	publishers: ReadonlyArray<PublisherAccount>,
	exchange: ExchangeIdentity,
): SellersJson {
	const email = present(exchange.contactEmail);
	const address = present(exchange.contactAddress);
	const tagId = present(exchange.tagId);
	return {
		...(email ? { contact_email: email } : {}),
		...(address ? { contact_address: address } : {}),
		version: "1.0",
		...(tagId ? { identifiers: [{ name: "TAG-ID", value: tagId }] } : {}),
		sellers: publishers.map((p) =>
			p.is_confidential
				? { seller_id: p.id, seller_type: p.seller_type, is_confidential: 1 as const }
				: {
						seller_id: p.id,
						seller_type: p.seller_type,
						is_confidential: 0 as const,
						name: p.name,
						...(p.domain ? { domain: p.domain } : {}),
					},
		),
	};
}

/**
 * The ads.txt lines that authorise this exchange to sell `publisher`'s inventory: the record
 * `<asi>, <seller_id>, <relationship>[, <TAG-ID>]`, DIRECT when the account is the inventory
 * owner's own and RESELLER when an intermediary holds it (seller_type INTERMEDIARY); for an owner
 * with a domain also ads.txt 1.1's OWNERDOMAIN, which a buyer matches to the sellers.json entry.
 */
export function adsTxtLines(publisher: Publisher, exchange: ExchangeIdentity): string[] {
	const tagId = present(exchange.tagId);
	const reseller = publisher.seller_type === "INTERMEDIARY";
	const record = [exchange.asi, publisher.id, reseller ? "RESELLER" : "DIRECT"];
	return [
		[...record, ...(tagId ? [tagId] : [])].join(", "),
		...(publisher.domain && !reseller ? [`OWNERDOMAIN=${publisher.domain}`] : []),
	];
}
