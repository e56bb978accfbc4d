-- Exchange rates (issue 25): one row per currency, units of it per 1 USD, with the date its
-- source gave it, in the body as the other configuration rows are (px/pricing/currency.ts
-- CurrencyRate), so the store's versioned, audited writes and the snapshot's reads apply as they
-- are. USD is the implicit base and never stored. Writes audit as kind 'currency_rate': the audit
-- table has no CHECK on kind (ControlAuditPage in px/control/control.ts lists the kinds), so no table
-- rebuild is needed.
CREATE TABLE currency_rates (
	currency TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	version INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
