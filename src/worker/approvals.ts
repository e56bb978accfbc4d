// The hot path's view of creative approval: a read replica in KV (written by the review desk on
// every decision), cached briefly in isolate memory. The review desk DO stays the source of
// truth; a decision reaches auctions within KV's propagation delay plus APPROVAL_MEMORY_TTL_MS.
import { z } from "zod";
import { approvalKvKey } from "./approval-key";

export const ApprovalStatus = z.enum(["approved", "rejected", "pending"]);
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

export async function lookupApprovals(
	kv: KVNamespace,
	creativeKeys: Iterable<string>,
	now = Date.now(),
): Promise<(creativeKey: string) => ApprovalStatus | undefined> {
	const unique = [...new Set(creativeKeys)];
	const missing = unique.filter((key) => (memory.get(key)?.until ?? 0) <= now);
	await Promise.all(
		missing.map(async (key) => {
			const raw = await kv.get(approvalKvKey(key), {
				type: "json",
				cacheTtl: APPROVAL_KV_CACHE_TTL_S,
			});
			const parsed = ApprovalRecord.safeParse(raw);
			memory.set(key, {
				status: parsed.success ? parsed.data.status : undefined,
				until: now + APPROVAL_MEMORY_TTL_MS,
			});
		}),
	);
	return (key) => memory.get(key)?.status;
}

/** For tests: forget what this isolate has cached. */
export function clearApprovalMemory(): void {
	memory.clear();
}
