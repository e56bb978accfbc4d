-- The control plane: the exchange's business configuration (README "Configuration"). Each
-- configuration row holds its validated JSON body and the control version of its last write,
-- which is its ETag. control_version is bumped by every write, so an edge isolate learns that
-- nothing changed from one single-row read (src/worker/control/snapshot.ts).
CREATE TABLE control_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
INSERT INTO control_version (id, version) VALUES (1, 0);

CREATE TABLE publishers (
	id TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	version INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- Keys are stored as SHA-256 hashes only; key_id is a public handle to revoke one by.
CREATE TABLE publisher_keys (
	key_sha256 TEXT PRIMARY KEY,
	key_id TEXT NOT NULL UNIQUE,
	publisher_id TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX publisher_keys_by_publisher ON publisher_keys (publisher_id);

CREATE TABLE bidders (
	name TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	version INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE deals (
	id TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	version INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- Reviewer, operator and admin keys (hashes only). Added with `wrangler d1 execute` (README).
CREATE TABLE role_keys (
	key_sha256 TEXT PRIMARY KEY,
	role TEXT NOT NULL CHECK (role IN ('reviewer', 'operator', 'admin')),
	label TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

-- Append-only: no route updates or deletes a row; the triggers make the database refuse it too.
CREATE TABLE audit (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	kind TEXT NOT NULL,
	key TEXT NOT NULL,
	version INTEGER NOT NULL,
	before TEXT,
	after TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
