// The review desk's push of revocations: which screen objects hold a decision of which asset
// (learned from `win` events by the events consumer, never on the hot path), and the revocations
// a rejection owes them. A rejection turns every holder of the asset into a row of the
// `revocations` outbox in the same synchronous step as the decision; rows are pushed to the
// screens' objects (ScreenDO.revoke: expired, lurl 202, never billed) and retried from the desk's
// alarm with backoff until the screen answers, so a screen object briefly unreachable loses
// nothing. A holder recorded after its asset was rejected (its win event trailed the click) is
// revoked at once.

import { retryDelayMs } from "../px/pacing/retry";
import type { DecisionHolder } from "../px/screen/holders";
import { withinBudget } from "../services/budget";
import { errorText, log } from "../services/log";
import { screenStub } from "../services/stubs";

/** A screen object that has not answered by then counts as unreachable; retried. */
const REVOKE_TIMEOUT_MS = 5_000;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Revocations pushed at once. */
const PUSH_BATCH = 50;

// A row per held decision, kept until its report window closes: after that the screen's own
// alarm settles the decision (never billed), so there is nothing left to revoke.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS holders (
	approval_key TEXT NOT NULL, decision_id TEXT NOT NULL,
	publisher_id TEXT NOT NULL, screen_id TEXT NOT NULL, until INTEGER NOT NULL,
	PRIMARY KEY (approval_key, decision_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS holders_until ON holders (until);
CREATE TABLE IF NOT EXISTS revocations (
	decision_id TEXT PRIMARY KEY, publisher_id TEXT NOT NULL, screen_id TEXT NOT NULL,
	until INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
);
`;

type Revocation = {
	decision_id: string;
	publisher_id: string;
	screen_id: string;
	attempts: number;
};

export class DeskHolders {
	private pushing: Promise<void> | undefined;

	/** `schedule` re-arms the desk's alarm (it is shared with the replica's outbox). */
	constructor(
		private readonly sql: SqlStorage,
		private readonly env: Pick<Env, "SCREENS">,
		private readonly schedule: () => Promise<void>,
	) {
		sql.exec(SCHEMA);
	}

	/**
	 * Records who holds what; holders of an asset the desk has rejected become revocations at
	 * once. Purges what is past its window. Returns how many revocations it added.
	 */
	hold(holders: DecisionHolder[], now = Date.now()): number {
		this.sql.exec("DELETE FROM holders WHERE until < ?", now);
		this.sql.exec("DELETE FROM revocations WHERE until < ?", now);
		let revoked = 0;
		for (const h of holders) {
			if (h.until < now) continue;
			const status = this.sql
				.exec<{ status: string }>(
					"SELECT status FROM creatives WHERE creative_key = ?",
					h.approvalKey,
				)
				.toArray()[0]?.status;
			if (status === "rejected") {
				revoked += this.sql.exec(
					`INSERT OR IGNORE INTO revocations (decision_id, publisher_id, screen_id, until, next_at)
					 VALUES (?, ?, ?, ?, ?)`,
					h.decisionId,
					h.publisherId,
					h.screenId,
					h.until,
					now,
				).rowsWritten;
				continue;
			}
			this.sql.exec(
				`INSERT OR REPLACE INTO holders (approval_key, decision_id, publisher_id, screen_id, until)
				 VALUES (?, ?, ?, ?, ?)`,
				h.approvalKey,
				h.decisionId,
				h.publisherId,
				h.screenId,
				h.until,
			);
		}
		if (revoked > 0) void this.pushSoon();
		return revoked;
	}

	/** A rejection of `key`: each decision still held becomes a revocation to push. Synchronous. */
	revokeAll(key: string, now = Date.now()): void {
		this.sql.exec(
			`INSERT OR IGNORE INTO revocations (decision_id, publisher_id, screen_id, until, next_at)
			 SELECT decision_id, publisher_id, screen_id, until, ? FROM holders
			 WHERE approval_key = ? AND until >= ?`,
			now,
			key,
			now,
		);
		this.sql.exec("DELETE FROM holders WHERE approval_key = ?", key);
		void this.pushSoon();
	}

	/**
	 * Pushes what is due now, one push at a time (the caller does not wait for the screens), then
	 * re-arms the alarm for what failed.
	 */
	pushSoon(): Promise<void> {
		this.pushing ??= this.push()
			.then(this.schedule)
			.catch((err: unknown) =>
				log("error", "revocation_push_failed", {
					error: errorText(err),
				}),
			)
			.finally(() => {
				this.pushing = undefined;
			});
		return this.pushing;
	}

	/** Pushes every revocation due; one that fails waits (1 s doubling to 1 min) for the alarm. */
	private async push(): Promise<void> {
		for (;;) {
			const due = this.sql
				.exec<Revocation>(
					`SELECT decision_id, publisher_id, screen_id, attempts FROM revocations
					 WHERE next_at <= ? ORDER BY next_at LIMIT ?`,
					Date.now(),
					PUSH_BATCH,
				)
				.toArray();
			if (due.length === 0) return;
			await Promise.all(due.map((r) => this.revoke(r)));
		}
	}

	private async revoke(r: Revocation): Promise<void> {
		const stub = screenStub(this.env, r.publisher_id, r.screen_id);
		// False (already settled, or nothing stored) is an answer too: nothing left to revoke.
		const done = await withinBudget(stub.revoke(r.decision_id), REVOKE_TIMEOUT_MS);
		if (done.ok) {
			this.sql.exec("DELETE FROM revocations WHERE decision_id = ?", r.decision_id);
			return;
		}
		const attempts = r.attempts + 1;
		log("warn", "revocation_push_failed", {
			decision_id: r.decision_id,
			attempts,
			error:
				done.why === "timeout" ? `no answer within ${REVOKE_TIMEOUT_MS} ms` : errorText(done.error),
		});
		this.sql.exec(
			"UPDATE revocations SET attempts = ?, next_at = ? WHERE decision_id = ?",
			attempts,
			Date.now() + retryDelayMs(attempts, RETRY_BASE_MS, RETRY_MAX_MS),
			r.decision_id,
		);
	}

	/** When the alarm is next needed for a revocation; null when none waits. */
	nextAt(): number | null {
		return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM revocations").one()
			.at;
	}

	/** Holders recorded and revocations not yet pushed (for operators and tests). */
	size(): { holders: number; revocations: number } {
		return this.sql
			.exec<{ holders: number; revocations: number }>(
				`SELECT (SELECT COUNT(*) FROM holders) AS holders,
				        (SELECT COUNT(*) FROM revocations) AS revocations`,
			)
			.one();
	}
}
