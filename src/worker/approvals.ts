// The hot path's view of creative approval: a read replica in KV (written by the review desk on
// every decision), cached briefly in isolate memory. The review desk DO stays the source of
// truth; a decision reaches auctions within KV's propagation delay plus APPROVAL_MEMORY_TTL_MS.
import { z } from "zod";
import { APPROVAL_STATUSES } from "../px/filter";
import { approvalKvKey } from "./approval-key";
import { log } from "./log";

export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovalRecord = z.object({
	status: ApprovalStatus,
	reason: z.string().optional(),
	decided_at: z.number().optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

export const APPROVAL_MEMORY_TTL_MS = 10_000;
/** KV edge cache TTL (the minimum KV allows). */
export const APPROVAL_KV_CACHE_TTL_S = 30;

export { approvalKvKey };

const memory = new Map<string, { status: ApprovalStatus | undefined; until: number }>();

/**
 * The approval of each creative, from isolate memory or KV. A lookup still pending after
 * `budgetMs` counts as unknown (filtered as pending approval) so a slow KV read can never make
 * the answer late; it still lands in memory for the next auction.
 */
export async function lookupApprovals(
	kv: KVNamespace,
	creativeKeys: Iterable<string>,
	budgetMs = Number.POSITIVE_INFINITY,
	now = Date.now(),
): Promise<(creativeKey: string) => ApprovalStatus | undefined> {
	const unique = [...new Set(creativeKeys)];
	const missing = unique.filter((key) => (memory.get(key)?.until ?? 0) <= now);
	const reads = Promise.all(
		missing.map(async (key) => {
			try {
				const raw = await kv.get(approvalKvKey(key), {
					type: "json",
					cacheTtl: APPROVAL_KV_CACHE_TTL_S,
				});
				const parsed = ApprovalRecord.safeParse(raw);
				memory.set(key, {
					status: parsed.success ? parsed.data.status : undefined,
					until: Date.now() + APPROVAL_MEMORY_TTL_MS,
				});
			} catch (err) {
				// Unknown this time (filtered as pending), asked again by the next auction.
				log("warn", "approval_lookup_failed", {
					error: err instanceof Error ? err.message : String(err),
				});
			}
		}),
	);
	if (missing.length > 0) {
		let timer: ReturnType<typeof setTimeout> | undefined;
		const budget = new Promise<void>((resolve) => {
			if (Number.isFinite(budgetMs)) timer = setTimeout(resolve, Math.max(0, budgetMs));
		});
		await Promise.race([reads, budget]);
		clearTimeout(timer);
	}
	return (key) => memory.get(key)?.status;
}

/** For tests: forget what this isolate has cached. */
export function clearApprovalMemory(): void {
	memory.clear();
}
