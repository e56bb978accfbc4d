// Before the desk records an approval, the file it approves is fetched and copied to R2
// (services/asset-hosting.ts): the approval is of those bytes. An item whose file cannot be
// fetched, or is over its size cap, is not approved at all and stays as it was.
import type { HostedAsset } from "../px/auction/hosted-asset";
import { hostAsset } from "../services/asset-hosting";
import { reviewDesk } from "../services/stubs";

export interface HostedForApproval {
	/** The copy of each key whose file was fetched and stored. */
	hosted: Record<string, HostedAsset>;
	/** Keys whose file could not be copied, each with why in a sentence. */
	refused: { creative_key: string; detail: string }[];
}

/**
 * Copies the files of these desk items, one at a time (each may be up to 50 MB in memory).
 * Unknown keys are neither hosted nor refused: the desk skips them as before.
 */
export async function hostForApproval(
	env: Env,
	keys: Iterable<string>,
): Promise<HostedForApproval> {
	const desk = reviewDesk(env);
	const out: HostedForApproval = { hosted: {}, refused: [] };
	for (const key of new Set(keys)) {
		const found = await desk.get(key);
		if (!found) continue;
		const copied = await hostAsset(env.HOSTED_ASSETS, found.item);
		if (copied.ok) out.hosted[key] = copied.asset;
		else out.refused.push({ creative_key: key, detail: copied.why });
	}
	return out;
}
