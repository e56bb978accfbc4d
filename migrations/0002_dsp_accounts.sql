-- DSPs as accounts: a bidder's keys (hashes only) and the ads it pre-registers for review
-- (the IAB Ad Management API 1.1 subset in README "DSP accounts").
CREATE TABLE bidder_keys (
	key_sha256 TEXT PRIMARY KEY,
	key_id TEXT NOT NULL UNIQUE,
	bidder TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX bidder_keys_by_bidder ON bidder_keys (bidder);

-- One row per (bidder, ad id): the ad as submitted and the review desk's key for its approval
-- unit (bidder, crid = ad id, asset, advertiser), where its audit status is read.
CREATE TABLE dsp_ads (
	bidder TEXT NOT NULL,
	id TEXT NOT NULL,
	body TEXT NOT NULL,
	creative_key TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (bidder, id)
);
