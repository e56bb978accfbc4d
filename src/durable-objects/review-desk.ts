// The review desk: source of truth for creative approval (SQLite, one object for the exchange,
// never on the hot path). Every decision is audited and published to the APPROVALS KV replica
// that auctions read.
import { DurableObject } from "cloudflare:workers";
import type { CreativeSeenEvent } from "../px/events";
import { type ApprovalStatus, approvalKvKey } from "../worker/approvals";

export interface ReviewItem {
	creative_key: string;
	bidder: string;
	crid: string;
	adomain: string[];
	asset_url: string;
	mime: string;
	w: number;
	h: number;
	duration_s: number | null;
	status: ApprovalStatus;
	reason: string | null;
	first_seen: number;
	updated_at: number;
}

export type AuditEntry = {
	action: "intake" | "approve" | "reject";
	actor: string;
	reason: string | null;
	at: number;
};

type Row = Omit<ReviewItem, "adomain"> & { adomain: string };

const toItem = (row: Row): ReviewItem => ({ ...row, adomain: JSON.parse(row.adomain) as string[] });

export class ReviewDesk extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.sql.exec(`
			CREATE TABLE IF NOT EXISTS creatives (
				creative_key TEXT PRIMARY KEY,
				bidder TEXT NOT NULL, crid TEXT NOT NULL, adomain TEXT NOT NULL,
				asset_url TEXT NOT NULL, mime TEXT NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
				duration_s REAL,
				status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
				reason TEXT, first_seen INTEGER NOT NULL, updated_at INTEGER NOT NULL
			);
			CREATE INDEX IF NOT EXISTS creatives_status ON creatives (status, first_seen);
			CREATE TABLE IF NOT EXISTS audit (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				creative_key TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
				reason TEXT, at INTEGER NOT NULL
			);
			CREATE INDEX IF NOT EXISTS audit_key ON audit (creative_key, id);
		`);
	}

	/** Queue intake: unknown creatives become pending; ones already known are ignored. */
	async intake(seen: CreativeSeenEvent[]): Promise<{ added: number }> {
		const added: string[] = [];
		for (const c of seen) {
			const inserted = this.sql.exec(
				`INSERT OR IGNORE INTO creatives
				 (creative_key, bidder, crid, adomain, asset_url, mime, w, h, duration_s, status, first_seen, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
				c.creative_key,
				c.bidder,
				c.crid,
				JSON.stringify(c.adomain),
				c.asset_url,
				c.mime,
				c.w,
				c.h,
				c.duration_s ?? null,
				c.ts,
				c.ts,
			).rowsWritten;
			if (inserted > 0) {
				this.audit(c.creative_key, "intake", `bidder:${c.bidder}`, null);
				added.push(c.creative_key);
			}
		}
		// "pending" in the replica stops the hot path from re-announcing the creative on every bid.
		await Promise.all(added.map((key) => this.publish(key, "pending")));
		return { added: added.length };
	}

	list(status: ApprovalStatus, limit = 50, after?: string): ReviewItem[] {
		return this.sql
			.exec<Row>(
				`SELECT * FROM creatives WHERE status = ? AND creative_key > ? ORDER BY creative_key LIMIT ?`,
				status,
				after ?? "",
				limit,
			)
			.toArray()
			.map(toItem);
	}

	get(key: string): { item: ReviewItem; audit: AuditEntry[] } | null {
		const row = this.sql
			.exec<Row>("SELECT * FROM creatives WHERE creative_key = ?", key)
			.toArray()[0];
		if (!row) return null;
		const audit = this.sql
			.exec<AuditEntry>(
				"SELECT action, actor, reason, at FROM audit WHERE creative_key = ? ORDER BY id",
				key,
			)
			.toArray();
		return { item: toItem(row), audit };
	}

	/** A reviewer's decision: recorded and audited first, then published to the replica. */
	async decide(input: {
		key: string;
		action: "approve" | "reject";
		actor: string;
		reason: string | null;
	}): Promise<ReviewItem | null> {
		const status: ApprovalStatus = input.action === "approve" ? "approved" : "rejected";
		const now = Date.now();
		const row = this.sql
			.exec<Row>(
				"UPDATE creatives SET status = ?, reason = ?, updated_at = ? WHERE creative_key = ? RETURNING *",
				status,
				input.reason,
				now,
				input.key,
			)
			.toArray()[0];
		if (!row) return null;
		this.audit(input.key, input.action, input.actor, input.reason);
		await this.publish(input.key, status, input.reason ?? undefined);
		return toItem(row);
	}

	counts(): Record<ApprovalStatus, number> {
		const counts: Record<ApprovalStatus, number> = { pending: 0, approved: 0, rejected: 0 };
		for (const r of this.sql.exec<{ status: ApprovalStatus; n: number }>(
			"SELECT status, COUNT(*) AS n FROM creatives GROUP BY status",
		)) {
			counts[r.status] = r.n;
		}
		return counts;
	}

	private audit(key: string, action: AuditEntry["action"], actor: string, reason: string | null) {
		this.sql.exec(
			"INSERT INTO audit (creative_key, action, actor, reason, at) VALUES (?, ?, ?, ?, ?)",
			key,
			action,
			actor,
			reason,
			Date.now(),
		);
	}

	private publish(key: string, status: ApprovalStatus, reason?: string): Promise<void> {
		return this.env.APPROVALS.put(
			approvalKvKey(key),
			JSON.stringify({ status, ...(reason ? { reason } : {}), decided_at: Date.now() }),
		);
	}
}

export function reviewDesk(env: Env): DurableObjectStub<ReviewDesk> {
	return env.REVIEW_DESK.get(env.REVIEW_DESK.idFromName("review-desk"));
}
