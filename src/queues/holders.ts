// Wins → the review desk's holders table: which screen objects hold a decision of which asset,
// so that rejecting the asset revokes those decisions at once (src/durable-objects/desk-holders.ts).
// Read here, off the hot path, from the win events every auction already sends.

import type { PxEvent } from "../px/events/events";
import { holderOfWin } from "../px/screen/holders";
import { errorText, log } from "../services/log";
import { reviewDesk } from "../services/stubs";
import type { ConsumersEnv } from "./env";

/** Records the holders the wins name; on failure every item is retried (recording is idempotent). */
export async function recordHolders<T extends { event: PxEvent }>(
	env: ConsumersEnv,
	items: T[],
): Promise<{ failed: T[] }> {
	const held = items.flatMap((item) => {
		const holder = holderOfWin(item.event);
		return holder ? [{ item, holder }] : [];
	});
	if (held.length === 0) return { failed: [] };
	try {
		await reviewDesk(env).hold(held.map((h) => h.holder));
		return { failed: [] };
	} catch (err) {
		log("error", "holders_failed", { error: errorText(err) });
		return { failed: held.map((h) => h.item) };
	}
}
