// The supply-chain disclosure routes (src/worker/routes/supply-chain.ts), listed in operations.ts.
import { json, type Operation, schemas, unauthorized } from "./schemas";

export const supplyChainOperations: Operation[] = [
	{
		method: "get",
		path: "/sellers.json",
		operationId: "sellersJson",
		summary: "Who sells through this exchange (IAB sellers.json)",
		description:
			"Public, cacheable for an hour. One seller per configured publisher: `seller_id` is the `sid` of this exchange's node in every bid request's `source.schain`; a confidential seller is listed without `name` and `domain`.",
		tag: "supply chain",
		responses: {
			"200": {
				description: "sellers.json, file format version 1.0",
				content: json(schemas.SellersJson),
			},
		},
	},
	{
		method: "get",
		path: "/v1/publisher/ads-txt",
		operationId: "publisherAdsTxt",
		summary: "The ads.txt lines that authorise this exchange to sell the publisher's screens",
		description:
			"The record `<exchange domain>, <seller_id>, DIRECT` (RESELLER for an INTERMEDIARY account; the TAG-ID as fourth field where the exchange has one) and, for an owner with a domain, `OWNERDOMAIN=`. Publish them in /ads.txt at the root of the publisher's domain.",
		tag: "supply chain",
		security: "publisher",
		responses: {
			"200": { description: "ads.txt lines", content: { type: "text/plain" } },
			"401": unauthorized,
		},
	},
];
