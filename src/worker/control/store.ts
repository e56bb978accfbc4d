// The control plane's D1 tables (migrations/0001_control_plane.sql): reads for the snapshot and
// the admin API, and writes that change a row, append its audit record and bump the control
// version in one transaction (a D1 batch), or do nothing at all when the row is not at the
// version the writer saw (optimistic concurrency: the chain is gated on changes()).
import type { ControlRows } from "../../px/control/control";

export type ConfigKind = "bidder" | "publisher" | "deal" | "floor_rule" | "currency_rate";

const TABLES: Record<ConfigKind, { table: string; key: string }> = {
	bidder: { table: "bidders", key: "name" },
	publisher: { table: "publishers", key: "id" },
	deal: { table: "deals", key: "id" },
	floor_rule: { table: "floor_rules", key: "id" },
	currency_rate: { table: "currency_rates", key: "currency" },
};

export interface StoredRow {
	key: string;
	body: unknown;
	/** The control version of its last write: its ETag. */
	version: number;
	updated_at: number;
}

export interface Actor {
	/** Who, as the audit log names them: a key's label or hash prefix, or the Access identity. */
	name: string;
}

interface RawRow {
	key: string;
	body: string;
	version: number;
	updated_at: number;
}

const toStored = (r: RawRow): StoredRow => ({ ...r, body: JSON.parse(r.body) as unknown });

export async function readRow(
	db: D1Database,
	kind: ConfigKind,
	key: string,
): Promise<StoredRow | undefined> {
	const { table, key: col } = TABLES[kind];
	const row = await db
		.prepare(`SELECT ${col} AS key, body, version, updated_at FROM ${table} WHERE ${col} = ?`)
		.bind(key)
		.first<RawRow>();
	return row ? toStored(row) : undefined;
}

/**
 * The one read of a kind's rows, by key; with `publisherId`, only that publisher's (floor rules:
 * the index on the column their body's publisher_id fills).
 */
function selectRows(db: D1Database, kind: ConfigKind, publisherId?: string): D1PreparedStatement {
	const { table, key: col } = TABLES[kind];
	const where = publisherId === undefined ? "" : " WHERE publisher_id = ?";
	const query = db.prepare(
		`SELECT ${col} AS key, body, version, updated_at FROM ${table}${where} ORDER BY ${col}`,
	);
	return publisherId === undefined ? query : query.bind(publisherId);
}

export async function listRows(
	db: D1Database,
	kind: ConfigKind,
	publisherId?: string,
): Promise<StoredRow[]> {
	const { results } = await selectRows(db, kind, publisherId).all<RawRow>();
	return results.map(toStored);
}

/**
 * Writes `body` (or deletes the row when it is null) if the row is at `expected` (undefined: the
 * row must not exist). Returns the new control version, or undefined when the row moved on.
 */
export async function writeRow(
	db: D1Database,
	kind: ConfigKind,
	key: string,
	change: { body: unknown | null; before: StoredRow | undefined; expected: number | undefined },
	actor: Actor,
	at = Date.now(),
): Promise<number | undefined> {
	const { table, key: col } = TABLES[kind];
	const { body, before, expected } = change;
	const json = body === null ? null : JSON.stringify(body);
	let first: D1PreparedStatement;
	let action: string;
	if (body === null) {
		action = "delete";
		first = db
			.prepare(`DELETE FROM ${table} WHERE ${col} = ?1 AND version = ?2`)
			.bind(key, expected ?? -1);
	} else if (expected === undefined) {
		action = "create";
		first = db
			.prepare(
				`INSERT INTO ${table} (${col}, body, version, updated_at)
				 SELECT ?1, ?2, version + 1, ?3 FROM control_version
				 WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE ${col} = ?1)`,
			)
			.bind(key, json, at);
	} else {
		action = "update";
		first = db
			.prepare(
				`UPDATE ${table} SET body = ?2, updated_at = ?3,
				 version = (SELECT version + 1 FROM control_version)
				 WHERE ${col} = ?1 AND version = ?4`,
			)
			.bind(key, json, at, expected);
	}
	return audited(db, first, {
		at,
		actor,
		action,
		kind,
		key,
		before: before ? JSON.stringify(before.body) : null,
		after: json,
	});
}

/** Every row of `kind` and the control version they are at, read in one transaction. */
export async function readRowsAt(
	db: D1Database,
	kind: ConfigKind,
): Promise<{ version: number; rows: StoredRow[] }> {
	const [version, rows] = await db.batch([
		db.prepare("SELECT version FROM control_version"),
		selectRows(db, kind),
	]);
	return {
		version: (version?.results[0] as { version: number } | undefined)?.version ?? 0,
		rows: ((rows?.results ?? []) as RawRow[]).map(toStored),
	};
}

/**
 * Creates or replaces many rows of `kind` as one write (one version, one audit record keyed by
 * their keys), for a job that writes a set (the exchange-rate refresh). Every statement is gated
 * on the control version still being `seen`: a write that landed since the caller read makes the
 * whole batch change nothing (undefined), so it never overwrites a row it did not see.
 */
export async function writeRowsAt(
	db: D1Database,
	kind: ConfigKind,
	rows: { key: string; body: unknown; before: StoredRow | undefined }[],
	seen: number,
	actor: Actor,
	at = Date.now(),
): Promise<number | undefined> {
	const { table, key: col } = TABLES[kind];
	const upserts = rows.map((r) =>
		db
			.prepare(
				`INSERT INTO ${table} (${col}, body, version, updated_at)
				 SELECT ?1, ?2, version + 1, ?3 FROM control_version WHERE version = ?4
				 ON CONFLICT (${col}) DO UPDATE SET body = excluded.body, version = excluded.version,
				 updated_at = excluded.updated_at`,
			)
			.bind(r.key, JSON.stringify(r.body), at, seen),
	);
	const side = (pick: (r: (typeof rows)[number]) => unknown) =>
		JSON.stringify(Object.fromEntries(rows.map((r) => [r.key, pick(r) ?? null])));
	const results = await db.batch([
		...upserts,
		db
			.prepare(
				`INSERT INTO audit (at, actor, action, kind, key, version, before, after)
				 SELECT ?1, ?2, 'update', ?3, ?4, version + 1, ?5, ?6 FROM control_version
				 WHERE version = ?7`,
			)
			.bind(
				at,
				actor.name,
				kind,
				rows.map((r) => r.key).join(","),
				side((r) => r.before?.body),
				side((r) => r.body),
				seen,
			),
		db.prepare("UPDATE control_version SET version = version + 1 WHERE version = ?").bind(seen),
	]);
	return results.at(-1)?.meta.changes === 1 ? seen + 1 : undefined;
}

interface AuditInput {
	at: number;
	actor: Actor;
	action: string;
	kind: string;
	key: string;
	before: string | null;
	after: string | null;
}

/** Runs `change`; only if it changed exactly one row, appends the audit record and bumps the version. */
async function audited(
	db: D1Database,
	change: D1PreparedStatement,
	a: AuditInput,
): Promise<number | undefined> {
	const results = await db.batch([
		change,
		db
			.prepare(
				`INSERT INTO audit (at, actor, action, kind, key, version, before, after)
				 SELECT ?1, ?2, ?3, ?4, ?5, version + 1, ?6, ?7 FROM control_version WHERE changes() = 1`,
			)
			.bind(a.at, a.actor.name, a.action, a.kind, a.key, a.before, a.after),
		db.prepare("UPDATE control_version SET version = version + 1 WHERE changes() = 1"),
		db.prepare("SELECT version FROM control_version"),
	]);
	if (results[0]?.meta.changes !== 1) return undefined;
	return (results[3]?.results[0] as { version: number } | undefined)?.version;
}

/** Whose keys: a publisher's (ad requests) or a bidder's (the DSP account API). */
export type KeyOwner = "publisher" | "bidder";

const KEY_TABLES: Record<KeyOwner, { table: string; col: "publisher_id" | "bidder" }> = {
	publisher: { table: "publisher_keys", col: "publisher_id" },
	bidder: { table: "bidder_keys", col: "bidder" },
};

/** A key as listed: never the key, never its hash. The owner is under `publisher_id` or `bidder`. */
export interface KeyInfo {
	key_id: string;
	label: string;
	created_at: number;
	revoked_at: number | null;
	publisher_id?: string;
	bidder?: string;
}

export async function listKeys(
	db: D1Database,
	ownerId: string,
	owner: KeyOwner = "publisher",
): Promise<KeyInfo[]> {
	const { table, col } = KEY_TABLES[owner];
	const { results } = await db
		.prepare(
			`SELECT key_id, ${col}, label, created_at, revoked_at FROM ${table} WHERE ${col} = ? ORDER BY created_at`,
		)
		.bind(ownerId)
		.all<KeyInfo>();
	return results;
}

export async function createKey(
	db: D1Database,
	owner: KeyOwner,
	ownerId: string,
	info: KeyInfo & { key_sha256: string },
	actor: Actor,
): Promise<number | undefined> {
	const { table, col } = KEY_TABLES[owner];
	const insert = db
		.prepare(
			`INSERT INTO ${table} (key_sha256, key_id, ${col}, label, created_at) VALUES (?, ?, ?, ?, ?)`,
		)
		.bind(info.key_sha256, info.key_id, ownerId, info.label, info.created_at);
	const { key_sha256: _, ...shown } = info;
	return audited(db, insert, {
		at: info.created_at,
		actor,
		action: "create",
		kind: `${owner}_key`,
		key: `${ownerId}/${info.key_id}`,
		before: null,
		after: JSON.stringify(shown),
	});
}

export async function revokeKey(
	db: D1Database,
	owner: KeyOwner,
	ownerId: string,
	key: KeyInfo,
	actor: Actor,
	at = Date.now(),
): Promise<number | undefined> {
	const { table, col } = KEY_TABLES[owner];
	const revoke = db
		.prepare(
			`UPDATE ${table} SET revoked_at = ? WHERE key_id = ? AND ${col} = ? AND revoked_at IS NULL`,
		)
		.bind(at, key.key_id, ownerId);
	return audited(db, revoke, {
		at,
		actor,
		action: "revoke",
		kind: `${owner}_key`,
		key: `${ownerId}/${key.key_id}`,
		before: JSON.stringify(key),
		after: JSON.stringify({ ...key, revoked_at: at }),
	});
}

export interface AuditRecord {
	seq: number;
	at: number;
	actor: string;
	action: string;
	kind: string;
	key: string;
	version: number;
	before: unknown;
	after: unknown;
}

export async function readAudit(
	db: D1Database,
	{ after, limit }: { after: number; limit: number },
): Promise<AuditRecord[]> {
	const { results } = await db
		.prepare("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?")
		.bind(after, limit)
		.all<Omit<AuditRecord, "before" | "after"> & { before: string | null; after: string | null }>();
	return results.map((r) => ({
		...r,
		before: r.before === null ? null : (JSON.parse(r.before) as unknown),
		after: r.after === null ? null : (JSON.parse(r.after) as unknown),
	}));
}

export async function readVersion(db: D1Database): Promise<number> {
	const row = await db.prepare("SELECT version FROM control_version").first<{ version: number }>();
	return row?.version ?? 0;
}

/** Pre-registered ads an isolate holds at most (each a few hundred bytes). */
const MAX_REGISTERED_ADS = 20_000;

/** Everything a snapshot is built from, read in one transaction so it is one consistent version. */
export async function readAll(db: D1Database): Promise<ControlRows> {
	const config = (kind: ConfigKind) => selectRows(db, kind);
	const [version, publishers, keys, bidders, deals, roles, bidderKeys, ads, floorRules, rates] =
		await db.batch([
			db.prepare("SELECT version FROM control_version"),
			config("publisher"),
			db.prepare("SELECT key_sha256, publisher_id FROM publisher_keys WHERE revoked_at IS NULL"),
			config("bidder"),
			config("deal"),
			db.prepare("SELECT key_sha256, role FROM role_keys"),
			db.prepare("SELECT key_sha256, bidder FROM bidder_keys WHERE revoked_at IS NULL"),
			db.prepare(
				`SELECT bidder, id, body FROM dsp_ads ORDER BY bidder, id LIMIT ${MAX_REGISTERED_ADS}`,
			),
			config("floor_rule"),
			config("currency_rate"),
		]);
	const rows = <T>(r: D1Result | undefined) => (r?.results ?? []) as T[];
	return {
		version: rows<{ version: number }>(version)[0]?.version ?? 0,
		publishers: rows(publishers),
		publisherKeys: rows(keys),
		bidders: rows(bidders),
		deals: rows(deals),
		roleKeys: rows(roles),
		bidderKeys: rows(bidderKeys),
		ads: rows(ads),
		floorRules: rows(floorRules),
		rates: rows(rates),
	};
}
