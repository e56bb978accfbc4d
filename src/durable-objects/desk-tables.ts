// The review desk's tables, and the one aggregate the operator console reads. Kept apart from
// review-desk.ts so the object's file is about decisions and their publication, not DDL.

import type { AuditEntry, DeskStats, ReviewItem, StaleItem } from "../px/api/review-api";
import { APPROVAL_STATUSES, type ApprovalStatus } from "../px/auction/approval";
import type { HostedAsset } from "../px/auction/hosted-asset";

/** A creatives row as SQLite returns it (adomain is JSON text). */
export type DeskRow = Omit<ReviewItem, "adomain"> & { adomain: string };

const DESK_SCHEMA = `
CREATE TABLE IF NOT EXISTS creatives (
	creative_key TEXT PRIMARY KEY,
	bidder TEXT NOT NULL, crid TEXT NOT NULL, adomain TEXT NOT NULL,
	asset_url TEXT NOT NULL, mime TEXT NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
	duration_s REAL,
	status TEXT NOT NULL CHECK (status IN (${APPROVAL_STATUSES.map((s) => `'${s}'`).join(", ")})),
	reason TEXT, first_seen INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS creatives_status ON creatives (status, first_seen);
CREATE INDEX IF NOT EXISTS creatives_bidder ON creatives (bidder, status);
CREATE TABLE IF NOT EXISTS audit (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	creative_key TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
	reason TEXT, at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_key ON audit (creative_key, id);
CREATE TABLE IF NOT EXISTS dsp_refusals (
	bidder TEXT PRIMARY KEY, refused INTEGER NOT NULL, last_refused_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS version_seq (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
	creative_key TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
);
`;

/** Creates the tables, and adds the columns a desk stored by an earlier version lacks. */
export function migrateDesk(sql: SqlStorage): void {
	sql.exec(DESK_SCHEMA);
	// Columns added since the table was first created: a desk stored before has not got them.
	const columns = new Set(
		sql
			.exec<{ name: string }>("SELECT name FROM pragma_table_info('creatives')")
			.toArray()
			.map((c) => c.name),
	);
	if (!columns.has("held_back")) {
		sql.exec("ALTER TABLE creatives ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0");
	}
	// The version of the item's latest verdict (intake as pending, then each decision).
	if (!columns.has("version")) {
		sql.exec("ALTER TABLE creatives ADD COLUMN version INTEGER NOT NULL DEFAULT 0");
	}
	// The approved bytes' SHA-256 and size (their copy in R2); null until an approval hosts them.
	if (!columns.has("asset_sha256")) {
		sql.exec("ALTER TABLE creatives ADD COLUMN asset_sha256 TEXT");
		sql.exec("ALTER TABLE creatives ADD COLUMN asset_size INTEGER");
	}
}

/** The items among `[key, version seen]` pairs decided since; unknown keys are not stale. */
export function staleAmong(sql: SqlStorage, expected: Iterable<[string, number]>): StaleItem[] {
	const stale: StaleItem[] = [];
	for (const [key, seen] of expected) {
		const now = sql
			.exec<{ status: ApprovalStatus; version: number }>(
				"SELECT status, version FROM creatives WHERE creative_key = ?",
				key,
			)
			.toArray()[0];
		if (now && now.version !== seen) stale.push({ creative_key: key, ...now });
	}
	return stale;
}

/** An item's version is its latest decision's: the one its replica record carries. */
export function setItemVersion(sql: SqlStorage, key: string, version: number): void {
	sql.exec("UPDATE creatives SET version = ? WHERE creative_key = ?", version, key);
}

/**
 * A verdict on a row, which it answers (undefined: no such key). An approval also keeps the hash
 * and size of the bytes it approved (null when none were hosted); a rejection keeps the last ones.
 */
export function recordVerdict(
	sql: SqlStorage,
	key: string,
	status: ApprovalStatus,
	reason: string | null,
	asset: HostedAsset | undefined,
): DeskRow | undefined {
	return sql
		.exec<DeskRow>(
			`UPDATE creatives SET status = ?1, reason = ?2, updated_at = ?3,
			 asset_sha256 = IIF(?1 = 'approved', ?4, asset_sha256),
			 asset_size = IIF(?1 = 'approved', ?5, asset_size)
			 WHERE creative_key = ?6 RETURNING *`,
			status,
			reason,
			Date.now(),
			asset?.sha256 ?? null,
			asset?.size ?? null,
			key,
		)
		.toArray()[0];
}

/** The backlog and how long decisions take; `unpublished` is the outbox's size. */
export function deskStats(sql: SqlStorage, now: number, unpublished: number): DeskStats {
	const pending = sql
		.exec<{ n: number; oldest: number | null; held: number | null }>(
			`SELECT COUNT(*) AS n, MIN(first_seen) AS oldest, SUM(held_back) AS held
			 FROM creatives WHERE status = 'pending'`,
		)
		.one();
	const lags = sql
		.exec<{ lag: number }>(
			`SELECT updated_at - first_seen AS lag FROM creatives
			 WHERE status != 'pending' AND updated_at > ? ORDER BY lag`,
			now - 86_400_000,
		)
		.toArray()
		.map((r) => r.lag);
	return {
		pending: pending.n,
		oldest_pending: pending.oldest,
		pending_held_back: pending.held ?? 0,
		decided_24h: lags.length,
		lag_p50_ms: lags.length ? lags[Math.floor((lags.length - 1) / 2)]! : null,
		lag_max_ms: lags.length ? lags.at(-1)! : null,
		unpublished,
	};
}

/** A desk page's cursor, `<epoch ms>:<creative key>`, as ReviewDesk.page hands it out. */
export function parseCursor(after: string | undefined): { at: number; key: string } | undefined {
	const match = after ? /^(\d{1,16}):(.{1,600})$/.exec(after) : null;
	return match ? { at: Number(match[1]), key: match[2]! } : undefined;
}

/** Appends to an item's audit trail. */
export function addAudit(
	sql: SqlStorage,
	key: string,
	action: AuditEntry["action"],
	actor: string,
	reason: string | null,
): void {
	sql.exec(
		"INSERT INTO audit (creative_key, action, actor, reason, at) VALUES (?, ?, ?, ?, ?)",
		key,
		action,
		actor,
		reason,
		Date.now(),
	);
}

/** An item's audit trail, oldest first. */
export function auditOf(sql: SqlStorage, key: string): AuditEntry[] {
	return sql
		.exec<AuditEntry>(
			"SELECT action, actor, reason, at FROM audit WHERE creative_key = ? ORDER BY id",
			key,
		)
		.toArray();
}

/** A page of items: pending oldest first (a queue), decided ones most recent first. */
export function pageRows(
	sql: SqlStorage,
	status: ApprovalStatus,
	cursor: { at: number; key: string } | undefined,
	limit: number,
): DeskRow[] {
	if (status === "pending") {
		return sql
			.exec<DeskRow>(
				`SELECT * FROM creatives WHERE status = 'pending'
				 AND (first_seen > ? OR (first_seen = ? AND creative_key > ?))
				 ORDER BY first_seen, creative_key LIMIT ?`,
				cursor?.at ?? -1,
				cursor?.at ?? -1,
				cursor?.key ?? "",
				limit,
			)
			.toArray();
	}
	return sql
		.exec<DeskRow>(
			`SELECT * FROM creatives WHERE status = ?
			 AND (updated_at < ? OR (updated_at = ? AND creative_key > ?))
			 ORDER BY updated_at DESC, creative_key LIMIT ?`,
			status,
			cursor?.at ?? Number.MAX_SAFE_INTEGER,
			cursor?.at ?? Number.MAX_SAFE_INTEGER,
			cursor?.key ?? "",
			limit,
		)
		.toArray();
}
