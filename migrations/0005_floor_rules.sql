-- Floors by rule (issue 25, README "Configuration"): a publisher's floors by venue type, daypart,
-- format and duration, one validated JSON body per rule like deals. publisher_id is derived from
-- the body rather than written beside it, so the admin API's per-publisher listing has an index
-- without a second copy that a write could leave out of step. The audit log's kind is free text:
-- these rows are audited as "floor_rule" without a schema change there.
CREATE TABLE floor_rules (
	id TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	version INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	publisher_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.publisher_id')) VIRTUAL
);
CREATE INDEX floor_rules_by_publisher ON floor_rules (publisher_id);
