// The SupplyChain object (OpenRTB SupplyChain 1.0, `source.schain`): every party that sold this
// impression, in order. A request that reached us through someone else (a CMS or reseller that
// sends an upstream `schain`) keeps that chain and gets our node appended; a request without one
// starts a complete chain of one. Upstream chains are validated and capped because they are
// copied into every bid request.
import { z } from "zod";

/** Nodes a chain may hold, ours included: more is a chain no buyer should trust anyway. */
export const MAX_SCHAIN_NODES = 10;
/** The largest `ext` of an upstream chain or node we pass on, as JSON. */
const MAX_EXT_BYTES = 512;

const domain = z
	.string()
	.min(1)
	.max(253)
	.regex(
		/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/,
		"must be a domain name",
	);
const ext = z
	.record(z.string(), z.unknown())
	.refine(
		(value) => JSON.stringify(value).length <= MAX_EXT_BYTES,
		`at most ${MAX_EXT_BYTES} bytes as JSON`,
	);
const flag = z.union([z.literal(0), z.literal(1)]);

export const SupplyChainNode = z
	.object({
		/** The advertising system's canonical domain (its sellers.json lives there). */
		asi: domain,
		/** The seller's id in that system: its sellers.json `seller_id`. */
		sid: z.string().min(1).max(128),
		/** 1 when this node is paid for the impression. */
		hp: flag,
		rid: z.string().min(1).max(128).optional(),
		name: z.string().min(1).max(256).optional(),
		domain: domain.optional(),
		ext: ext.optional(),
	})
	.strict();
export type SupplyChainNode = z.infer<typeof SupplyChainNode>;

/** A chain as it arrives with an ad request: room is left for our own node. */
export const SupplyChain = z
	.object({
		/** 1 when the chain goes back to the owner of the inventory. */
		complete: flag,
		ver: z.string().regex(/^1\.\d{1,3}$/, 'must be a SupplyChain 1.x version such as "1.0"'),
		nodes: z
			.array(SupplyChainNode)
			.min(1)
			.max(MAX_SCHAIN_NODES - 1),
		ext: ext.optional(),
	})
	.strict();
export type SupplyChain = z.infer<typeof SupplyChain>;

/** This exchange's node: it sells for the publisher account `sid` and is paid for it. */
export interface OwnNode {
	asi: string;
	sid: string;
}

/**
 * The chain sent to bidders. An upstream chain is extended, not replaced: its nodes, `ver` and
 * `ext` stay as sent, and it stays complete only if it was (an incomplete start cannot be
 * completed by adding to its end).
 */
export function supplyChain(upstream: SupplyChain | undefined, own: OwnNode) {
	const node = { asi: own.asi, sid: own.sid, hp: 1 as const };
	if (!upstream) return { complete: 1 as const, ver: "1.0", nodes: [node] };
	return { ...upstream, nodes: [...upstream.nodes, node] };
}
