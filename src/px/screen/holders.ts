// Which screens hold a decision of which asset: the review desk learns it from `win` events (off
// the hot path, through the events queue) so that a rejection can revoke the decisions screens
// already hold, instead of waiting for each player to ask.

import type { PxEvent } from "../events/events";
import { REPORT_GRACE_MS } from "./decision";

/** A screen object holding a decision of an asset, until the decision's report window closes. */
export interface DecisionHolder {
	approvalKey: string;
	publisherId: string;
	screenId: string;
	decisionId: string;
	/** After this the ledger settles the decision by itself (inferred expiry): nothing to revoke. */
	until: number;
}

/** The holder a win names; none for records written before wins carried their approval key. */
export function holderOfWin(event: PxEvent): DecisionHolder | undefined {
	if (event.type !== "win" || !event.approval_key) return undefined;
	return {
		approvalKey: event.approval_key,
		publisherId: event.publisher_id,
		screenId: event.screen_id,
		decisionId: event.decision_id,
		until: event.not_after + REPORT_GRACE_MS,
	};
}
