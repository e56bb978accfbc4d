// A screen's tables and the queries over them. The statements that move a decision (check-and-set)
// stay in screen-do.ts beside the rules that order them; what is here reads, declares, or inserts
// new rows, so the object's file keeps to its state machine.
import type { PxAnswer } from "../px/api/answer";
import type { Screen } from "../px/model/model";
import type { CachedDecision } from "../px/screen/decision";
import type { DecisionMeta, DecisionRecord, LedgerAssets } from "../px/screen/ledger";
import { SettlementOutbox } from "./settlement-outbox";

/** Bumped with every change to the tables below, so an object migrates once and then starts fast. */
export const SCHEMA_VERSION = 4;
export const SCHEMA_KEY = "schema_version";

/**
 * WITHOUT ROWID: a table with a TEXT primary key and a rowid keeps the key in an index of its
 * own, and every insert and delete writes both (2 billed rows); here the row is the index entry.
 */
const decisionsTable = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
	decision_id TEXT PRIMARY KEY,
	slot_id TEXT NOT NULL,
	play_at INTEGER NOT NULL,
	not_before INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	report_until INTEGER NOT NULL,
	purge_at INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('issued', 'played', 'expired')),
	answer TEXT NOT NULL,
	adomain TEXT NOT NULL,
	notices TEXT NOT NULL,
	meta TEXT NOT NULL
) WITHOUT ROWID;`;

export const SCREEN_SCHEMA = `
CREATE TABLE IF NOT EXISTS profile (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, updated_at INTEGER NOT NULL);
${decisionsTable("decisions")}
-- No secondary indexes: a screen holds at most a few hundred decisions, and an index entry
-- is a billed row written on every insert and state change (rows read cost 1/1000 of that).
DROP INDEX IF EXISTS decisions_slot;
DROP INDEX IF EXISTS decisions_purge;
DROP TABLE IF EXISTS bucket;
${SettlementOutbox.SCHEMA}
`;

/**
 * Schema 3 → 4, once per object, before SCREEN_SCHEMA: decisions become WITHOUT ROWID (1 billed
 * row per insert and delete instead of 2) and the outbox loses AUTOINCREMENT (which wrote its
 * sqlite_sequence row on every insert; ids are only ordered and deleted by the one delivery
 * loop, so a reused id is never one still referenced). Each table is rebuilt as it is.
 */
export function migrateTables(sql: SqlStorage): void {
	const ddl = (name: string) =>
		sql
			.exec<{ sql: string }>(
				"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
				name,
			)
			.toArray()[0]?.sql;
	const decisions = ddl("decisions");
	if (decisions && !/WITHOUT ROWID/i.test(decisions)) {
		sql.exec(`DROP TABLE IF EXISTS decisions_v4; ${decisionsTable("decisions_v4")}
			INSERT INTO decisions_v4 SELECT decision_id, slot_id, play_at, not_before, not_after, report_until, purge_at, state, answer, adomain, notices, meta FROM decisions;
			DROP TABLE decisions;
			ALTER TABLE decisions_v4 RENAME TO decisions;`);
	}
	const outbox = ddl("outbox");
	if (outbox && /AUTOINCREMENT/i.test(outbox)) {
		sql.exec(`DROP TABLE IF EXISTS outbox_v4; ${SettlementOutbox.schemaOf("outbox_v4")}
			INSERT INTO outbox_v4 (id, kind, body, attempts, next_at) SELECT id, kind, body, attempts, next_at FROM outbox;
			DROP TABLE outbox;
			ALTER TABLE outbox_v4 RENAME TO outbox;`);
	}
}

/** Whether this object has ever stored anything (tables are created on the first write). */
export function hasTables(sql: SqlStorage): boolean {
	return (
		sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").toArray()
			.length > 0
	);
}

export function readProfile(sql: SqlStorage): Screen | null {
	const row = sql.exec<{ json: string }>("SELECT json FROM profile WHERE id = 1").toArray()[0];
	return row ? (JSON.parse(row.json) as Screen) : null;
}

export function writeProfile(sql: SqlStorage, screen: Screen, now: number): void {
	sql.exec(
		"INSERT OR REPLACE INTO profile (id, json, updated_at) VALUES (1, ?, ?)",
		JSON.stringify(screen),
		now,
	);
}

/** New issued decisions; one already stored under the same id is left as it is. */
export function insertDecisions(sql: SqlStorage, records: ReadonlyArray<DecisionRecord>): void {
	for (const d of records) {
		const purgeAt = Math.max(d.reportUntil, d.playAt + d.separationSeconds * 1000);
		sql.exec(
			`INSERT OR IGNORE INTO decisions
			 (decision_id, slot_id, play_at, not_before, not_after, report_until, purge_at, state, answer, adomain, notices, meta)
			 VALUES (?, ?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?)`,
			d.decisionId,
			d.slotId,
			d.playAt,
			d.notBefore,
			d.notAfter,
			d.reportUntil,
			purgeAt,
			JSON.stringify(d.answer),
			JSON.stringify(d.advertiserDomains),
			JSON.stringify(d.notices),
			JSON.stringify(d.meta),
		);
	}
}

/** Decisions still to play before `until` (and not expired at `now`) or played since `since`. */
export function assetRows(
	sql: SqlStorage,
	now: number,
	since: number,
	until: number,
): LedgerAssets["decisions"] {
	const rows = sql
		.exec<{
			slot_id: string;
			state: "issued" | "played";
			play_at: number;
			not_after: number;
			answer: string;
			meta: string;
		}>(
			`SELECT slot_id, state, play_at, not_after, answer, meta FROM decisions
			 WHERE (state = 'issued' AND not_after >= ? AND not_before <= ?)
			    OR (state = 'played' AND play_at >= ?)
			 ORDER BY state = 'played', CASE WHEN state = 'played' THEN -play_at ELSE play_at END
			 LIMIT 200`,
			now,
			until,
			since,
		)
		.toArray();
	return rows.map((r) => ({
		slotId: r.slot_id,
		state: r.state,
		playAt: r.play_at,
		notAfter: r.not_after,
		creative: (JSON.parse(r.answer) as PxAnswer).creative,
		approvalKey: (JSON.parse(r.meta) as Partial<DecisionMeta>).approvalKey ?? null,
	}));
}

export function countByState(sql: SqlStorage): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const row of sql.exec<{ state: string; n: number }>(
		"SELECT state, COUNT(*) AS n FROM decisions GROUP BY state",
	)) {
		counts[row.state] = row.n;
	}
	return counts;
}

export function stateOf(sql: SqlStorage, decisionId: string): string | undefined {
	return sql
		.exec<{ state: string }>("SELECT state FROM decisions WHERE decision_id = ?", decisionId)
		.toArray()[0]?.state;
}

/** When the alarm is next needed: a purge, a reporting window closing, or an outbox retry. */
export function nextAlarmAt(sql: SqlStorage): number | null | undefined {
	return sql
		.exec<{ at: number | null }>(
			`SELECT MIN(at) AS at FROM (
			   SELECT MIN(purge_at) AS at FROM decisions
			   UNION ALL SELECT MIN(report_until) + 1 FROM decisions WHERE state = 'issued'
			   UNION ALL SELECT MIN(next_at) FROM outbox)`,
		)
		.toArray()[0]?.at;
}

/**
 * Issued decisions of these slots that are still open and whose play window overlaps [from, to],
 * by planned play time: what a request may serve again instead of a fresh auction.
 */
export function cachedDecisions(
	sql: SqlStorage,
	q: { slotIds: string[]; from: number; to: number; now: number; limit: number },
): CachedDecision[] {
	if (q.slotIds.length === 0) return [];
	return sql
		.exec<{
			decision_id: string;
			slot_id: string;
			not_before: number;
			not_after: number;
			answer: string;
			meta: string;
		}>(
			`SELECT decision_id, slot_id, not_before, not_after, answer, meta FROM decisions
			 WHERE slot_id IN (${q.slotIds.map(() => "?").join(", ")})
			   AND state = 'issued' AND not_after > ? AND not_before <= ? AND ? <= not_after
			 ORDER BY play_at LIMIT ${Math.floor(q.limit)}`,
			...q.slotIds,
			q.now,
			q.to,
			q.from,
		)
		.toArray()
		.map((row) => ({
			decisionId: row.decision_id,
			slotId: row.slot_id,
			notBefore: row.not_before,
			notAfter: row.not_after,
			answer: JSON.parse(row.answer) as PxAnswer,
			approvalKey: (JSON.parse(row.meta) as Partial<DecisionMeta>).approvalKey ?? null,
		}));
}

/** The advertisers of every decision not expired that is planned strictly between two times. */
export function plannedAdvertisers(
	sql: SqlStorage,
	after: number,
	before: number,
): { decisionId: string; domains: string[] }[] {
	return sql
		.exec<{ decision_id: string; adomain: string }>(
			`SELECT decision_id, adomain FROM decisions
			 WHERE state != 'expired' AND play_at > ? AND play_at < ?`,
			after,
			before,
		)
		.toArray()
		.map((row) => ({ decisionId: row.decision_id, domains: JSON.parse(row.adomain) as string[] }));
}

/** Deletes the decisions still issued among `ids` (voided by the edge); how many were. */
export function deleteIssued(sql: SqlStorage, ids: ReadonlyArray<string>): number {
	let n = 0;
	for (const id of ids) {
		n += sql.exec(
			"DELETE FROM decisions WHERE decision_id = ? AND state = 'issued'",
			id,
		).rowsWritten;
	}
	return n;
}

/** Marks expired the issued decisions whose reporting window closed before `now` (check-and-set). */
export function expireOverdue(sql: SqlStorage, now: number) {
	return sql
		.exec<{ decision_id: string; notices: string; meta: string }>(
			`UPDATE decisions SET state = 'expired' WHERE state = 'issued' AND report_until < ?
			 RETURNING decision_id, notices, meta`,
			now,
		)
		.toArray();
}

export function purgeDecisions(sql: SqlStorage, now: number): void {
	sql.exec("DELETE FROM decisions WHERE purge_at <= ?", now);
}

/** What a play report needs of its decision. */
export function playRow(sql: SqlStorage, decisionId: string) {
	return sql
		.exec<{ state: string; meta: string; answer: string; not_before: number; not_after: number }>(
			"SELECT state, meta, answer, not_before, not_after FROM decisions WHERE decision_id = ?",
			decisionId,
		)
		.toArray()[0];
}
