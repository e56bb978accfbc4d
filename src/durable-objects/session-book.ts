// SessionBook: the one place that knows which page sessions are still open. A session cookie is
// signed, so nobody can forge one, but a signature alone cannot be taken back: a cookie copied
// before its owner signed out would still work until it expired. Each sign-in therefore opens a
// row here (its random id travels in the cookie) and sign-out closes it, for every copy at once.
// Pages only (the review desk and the operator console), never an ad request, so one object for
// the whole exchange is far from its limits.
import { DurableObject } from "cloudflare:workers";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
	sid TEXT PRIMARY KEY, role TEXT NOT NULL, key_sha256 TEXT NOT NULL,
	opened_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, closed_at INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_ends ON sessions (ends_at);
`;

export class SessionBook extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.sql.exec(SCHEMA);
	}

	/** Records a new session that ends, whatever renewals it gets, at `endsAt` (epoch ms). */
	async open(session: { sid: string; role: string; keySha256: string; endsAt: number }) {
		this.sql.exec(
			"INSERT OR IGNORE INTO sessions (sid, role, key_sha256, opened_at, ends_at) VALUES (?, ?, ?, ?, ?)",
			session.sid,
			session.role,
			session.keySha256,
			Date.now(),
			session.endsAt,
		);
		// Rows outlive their sessions only until the next purge: the alarm runs once a day at most.
		if ((await this.ctx.storage.getAlarm()) === null) {
			await this.ctx.storage.setAlarm(Date.now() + 86_400_000);
		}
	}

	/** Whether `sid` was opened for this role and key, is not closed and has not reached its end. */
	isOpen(sid: string, role: string, keySha256: string): boolean {
		const row = this.sql
			.exec<{ n: number }>(
				`SELECT COUNT(*) AS n FROM sessions WHERE sid = ? AND role = ? AND key_sha256 = ?
				 AND closed_at IS NULL AND ends_at > ?`,
				sid,
				role,
				keySha256,
				Date.now(),
			)
			.one();
		return row.n > 0;
	}

	/** Closes a session (sign-out); true when it was open. */
	close(sid: string): boolean {
		const closed = this.sql
			.exec(
				"UPDATE sessions SET closed_at = ? WHERE sid = ? AND closed_at IS NULL RETURNING sid",
				Date.now(),
				sid,
			)
			.toArray();
		return closed.length > 0;
	}

	override async alarm(): Promise<void> {
		this.sql.exec("DELETE FROM sessions WHERE ends_at <= ?", Date.now());
		const left = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sessions").one();
		if (left.n > 0) await this.ctx.storage.setAlarm(Date.now() + 86_400_000);
	}
}
