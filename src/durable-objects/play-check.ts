// A player's pre-play check (HEAD on a proof-of-play URL): may this decision still start? Reads
// the ledger and the approvals replica and writes nothing, so a probe never settles a decision;
// revoking is the review desk's push (or the play report's own check) to do.
import type { DecisionMeta, PlayCheck } from "../px/screen/ledger";
import { lookupApprovals } from "../services/approvals";

/** The check answers within the player's bounded wait; an approval not read by then is unknown. */
const CHECK_APPROVAL_BUDGET_MS = 1_000;

export async function playCheck(
	sql: SqlStorage,
	approvals: KVNamespace,
	decisionId: string,
	now = Date.now(),
): Promise<PlayCheck> {
	const row = sql
		.exec<{ state: string; not_after: number; meta: string }>(
			"SELECT state, not_after, meta FROM decisions WHERE decision_id = ?",
			decisionId,
		)
		.toArray()[0];
	if (!row) return { kind: "unknown" };
	const meta = JSON.parse(row.meta) as Partial<DecisionMeta>;
	if (row.state === "played") return { kind: "played" };
	if (row.state === "expired") return { kind: meta.revoked ? "revoked" : "expired" };
	if (now > row.not_after) return { kind: "expired" };
	const key = meta.approvalKey;
	if (!key) return { kind: "approval_unknown" };
	const status = (await lookupApprovals(approvals, [key], CHECK_APPROVAL_BUDGET_MS))(key);
	if (status === "rejected") return { kind: "revoked" };
	return status === "approved" ? { kind: "playable" } : { kind: "approval_unknown" };
}
