// The hot path's view of creative approval: a read replica in KV (written by the review desk's
// outbox), cached briefly in isolate memory. The review desk DO stays the source of truth.
//
// How long a desk decision takes to reach a screen, worst case: the desk's outbox publishes at
// once (or retries from its alarm until KV accepts), KV propagates to every location within about
// 60 s (a location that read the key keeps it for APPROVAL_KV_CACHE_TTL_S), and an isolate keeps
// what it read for APPROVAL_MEMORY_TTL_MS. Versions make it monotonic: an isolate never goes back
// to a verdict older than one it has already seen.
import {
	type ApprovalOf,
	ApprovalRecord,
	type ApprovalStatus,
	approvalKvKey,
	type HostedOf,
} from "../px/auction/approval";
import type { HostedAsset } from "../px/auction/hosted-asset";
import { withinBudget } from "./budget";
import { errorText, log } from "./log";

export const APPROVAL_MEMORY_TTL_MS = 10_000;
/** KV edge cache TTL (the minimum KV allows). */
const APPROVAL_KV_CACHE_TTL_S = 30;
/** Isolate memory holds at most this many verdicts (128 MB per isolate; a hostile DSP can mint keys). */
const APPROVAL_MEMORY_MAX_ENTRIES = 20_000;

interface Remembered {
	status: ApprovalStatus | undefined;
	version: number;
	until: number;
	asset?: HostedAsset;
}

/** What auctions read of the replica: each key's status, and the approved bytes' copy. */
export type Approvals = ApprovalOf & { hosted: HostedOf };

/**
 * An approval is of bytes: an "approved" record that names no hosted copy (written before the desk
 * copied assets) counts as pending until a reviewer approves it again.
 */
function statusOf(record: ApprovalRecord): ApprovalStatus {
	return record.status === "approved" && !record.asset ? "pending" : record.status;
}

const memory = new Map<string, Remembered>();

function remember(key: string, entry: Remembered): void {
	const known = memory.get(key);
	// Readers ignore older versions: an edge-cached or late KV value never overturns a newer one.
	const kept =
		known && known.status !== undefined && known.version > entry.version
			? { ...known, until: entry.until }
			: entry;
	memory.delete(key);
	memory.set(key, kept);
	// Map iteration is insertion order, and remember() re-inserts: the first key is the stalest.
	while (memory.size > APPROVAL_MEMORY_MAX_ENTRIES) {
		const oldest = memory.keys().next().value;
		if (oldest === undefined) break;
		memory.delete(oldest);
	}
}

/**
 * The approval of each key, from isolate memory or KV. A lookup still pending after `budgetMs`
 * counts as unknown (filtered as pending approval: fail closed) so a slow KV read can never make
 * the answer late; it still lands in memory for the next auction.
 */
export async function lookupApprovals(
	kv: KVNamespace,
	keys: Iterable<string>,
	budgetMs = Number.POSITIVE_INFINITY,
	now = Date.now(),
): Promise<Approvals> {
	const unique = [...new Set(keys)];
	const missing = unique.filter((key) => (memory.get(key)?.until ?? 0) <= now);
	const refreshed = new Set<string>();
	const reads = Promise.all(
		missing.map(async (key) => {
			try {
				const raw = await kv.get(approvalKvKey(key), {
					type: "json",
					cacheTtl: APPROVAL_KV_CACHE_TTL_S,
				});
				const parsed = ApprovalRecord.safeParse(raw);
				remember(key, {
					status: parsed.success ? statusOf(parsed.data) : undefined,
					version: parsed.success ? parsed.data.version : -1,
					until: Date.now() + APPROVAL_MEMORY_TTL_MS,
					...(parsed.success && parsed.data.asset ? { asset: parsed.data.asset } : {}),
				});
				refreshed.add(key);
			} catch (err) {
				// Unknown this time (filtered as pending), asked again by the next auction.
				log("warn", "approval_lookup_failed", {
					error: errorText(err),
				});
			}
		}),
	);
	if (missing.length > 0) await (Number.isFinite(budgetMs) ? withinBudget(reads, budgetMs) : reads);
	// Only verdicts fresh now count: a stale entry whose re-read failed or timed out is unknown,
	// so an unreachable KV cannot keep an old "approved" alive.
	// One reading per lookup: a key's status and its hosted copy come from the same record, even
	// if a concurrent lookup in this isolate replaces it meanwhile.
	const read = new Map(
		unique.map((key) => {
			const entry = memory.get(key);
			return [key, entry && (entry.until > now || refreshed.has(key)) ? entry : undefined];
		}),
	);
	const status: ApprovalOf = (key) => read.get(key)?.status;
	return Object.assign(status, {
		hosted: (key: string) => {
			const entry = read.get(key);
			return entry?.status === "approved" ? entry.asset : undefined;
		},
	});
}

/** For tests: forget what this isolate has cached. */
export function clearApprovalMemory(): void {
	memory.clear();
}
