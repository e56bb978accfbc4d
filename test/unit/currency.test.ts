// Exchange rates (issue 25): converting a CPM between currencies through USD, refusing a bid's
// currency with no rate or a stale one, and the currencies a publisher can accept.
import { describe, expect, it } from "vitest";
import {
	acceptedCurrencies,
	asOfProblem,
	CurrencyRate,
	convertCpm,
	fxRateAge,
	isFresh,
	rateTable,
} from "../../src/px/pricing/currency";
import { ratesFromSource, replaces } from "../../src/px/pricing/fx-source";

const NOW = Date.parse("2026-12-07T09:00:00Z");
const HOUR = 3_600_000;
const MAX_AGE = 72 * HOUR;
const friday = "2026-12-04T23:59:59Z";

const table = rateTable([
	{ currency: "EUR", per_usd: 0.8, as_of: friday, source: "ecb" },
	{ currency: "GBP", per_usd: 0.5, as_of: "2026-12-06T12:00:00Z", source: "ecb" },
	{ currency: "JPY", per_usd: 150, as_of: "2026-12-01T00:00:00Z", source: "ecb" },
]);

describe("convertCpm", () => {
	it("converts through USD both ways and across two rated currencies", () => {
		expect(convertCpm(10, "USD", "EUR", table, NOW, MAX_AGE)).toEqual({
			ok: true,
			price: 8,
			rate: 0.8,
			asOf: Date.parse(friday),
		});
		expect(convertCpm(8, "EUR", "USD", table, NOW, MAX_AGE)).toMatchObject({
			ok: true,
			price: 10,
			rate: 1.25,
		});
		// 1 GBP = 2 USD = 1.6 EUR; the older of the two rates dates the conversion.
		expect(convertCpm(5, "GBP", "EUR", table, NOW, MAX_AGE)).toEqual({
			ok: true,
			price: 8,
			rate: 1.6,
			asOf: Date.parse(friday),
		});
	});

	it("needs no rate for the same currency, in any case", () => {
		expect(convertCpm(3.21, "eur", "EUR", new Map(), NOW, MAX_AGE)).toEqual({
			ok: true,
			price: 3.21,
			rate: 1,
		});
		expect(convertCpm(10, "usd", "eur", table, NOW, MAX_AGE)).toMatchObject({ ok: true, price: 8 });
	});

	it("rounds the converted price as every CPM is (4 decimals, half up)", () => {
		const third = rateTable([{ currency: "XXX", per_usd: 3, as_of: friday, source: "t" }]);
		expect(convertCpm(1, "XXX", "USD", third, NOW, MAX_AGE)).toMatchObject({ price: 0.3333 });
		expect(convertCpm(2, "XXX", "USD", third, NOW, MAX_AGE)).toMatchObject({ price: 0.6667 });
		const half = rateTable([{ currency: "XXX", per_usd: 2, as_of: friday, source: "t" }]);
		expect(convertCpm(0.00015, "XXX", "USD", half, NOW, MAX_AGE)).toMatchObject({
			price: 0.0001,
		});
		expect(convertCpm(0.00025, "USD", "XXX", half, NOW, MAX_AGE)).toMatchObject({
			price: 0.0005,
		});
	});

	it("refuses a currency without a rate, and prefers that reason over a stale rate", () => {
		expect(convertCpm(5, "CHF", "USD", table, NOW, MAX_AGE)).toEqual({
			ok: false,
			reason: "no_rate",
		});
		expect(convertCpm(5, "EUR", "CHF", table, NOW, MAX_AGE)).toEqual({
			ok: false,
			reason: "no_rate",
		});
		expect(convertCpm(5, "JPY", "CHF", table, NOW, MAX_AGE)).toEqual({
			ok: false,
			reason: "no_rate",
		});
		expect(convertCpm(5, "bogus", "USD", table, NOW, MAX_AGE)).toMatchObject({ reason: "no_rate" });
	});

	it("a rate exactly at the maximum age converts; a millisecond older is stale", () => {
		const asOf = Date.parse(friday);
		expect(convertCpm(5, "EUR", "USD", table, asOf + MAX_AGE, MAX_AGE).ok).toBe(true);
		expect(convertCpm(5, "EUR", "USD", table, asOf + MAX_AGE + 1, MAX_AGE)).toEqual({
			ok: false,
			reason: "stale_rate",
		});
		// Either side being stale is enough.
		expect(convertCpm(5, "GBP", "JPY", table, NOW, MAX_AGE)).toEqual({
			ok: false,
			reason: "stale_rate",
		});
	});
});

describe("rate age", () => {
	it("counts from the rate's own date, and a rate dated ahead of the clock is 0 old", () => {
		const rate = table.get("GBP")!;
		expect(fxRateAge(rate, NOW)).toBe(21 * HOUR);
		expect(fxRateAge(rate, rate.asOf - HOUR)).toBe(0);
		expect(isFresh(rate, NOW, 21 * HOUR)).toBe(true);
		expect(isFresh(rate, NOW, 21 * HOUR - 1)).toBe(false);
	});

	it("refuses an as_of more than a day ahead", () => {
		expect(asOfProblem("2026-12-08T09:00:00Z", NOW)).toBeUndefined();
		expect(asOfProblem("2026-12-09T09:00:00Z", NOW)).toMatch(/ahead/);
	});
});

describe("acceptedCurrencies", () => {
	it("lists the publisher's currency first, then every one that converts into it now", () => {
		expect(acceptedCurrencies("USD", table, NOW, MAX_AGE)).toEqual(["USD", "EUR", "GBP"]);
		expect(acceptedCurrencies("eur", table, NOW, MAX_AGE)).toEqual(["EUR", "GBP", "USD"]);
	});

	it("a publisher whose own currency has no fresh rate accepts only its own", () => {
		expect(acceptedCurrencies("JPY", table, NOW, MAX_AGE)).toEqual(["JPY"]);
		expect(acceptedCurrencies("CHF", table, NOW, MAX_AGE)).toEqual(["CHF"]);
	});
});

describe("CurrencyRate", () => {
	it("validates a stored rate and refuses USD, lower case and a non-positive rate", () => {
		const ok = { currency: "EUR", per_usd: 0.94, as_of: "2026-12-01T00:00:00Z", source: "ecb" };
		expect(CurrencyRate.safeParse(ok).success).toBe(true);
		for (const bad of [
			{ ...ok, currency: "USD" },
			{ ...ok, currency: "eur" },
			{ ...ok, per_usd: 0 },
			{ ...ok, as_of: "2026-12-01" },
		]) {
			expect(CurrencyRate.safeParse(bad).success).toBe(false);
		}
	});
});

describe("ratesFromSource", () => {
	it("reads Frankfurter's shape, any case, dating a day's rate the end of that day", () => {
		const raw = { amount: 1, base: "usd", date: "2026-12-04", rates: { eur: 0.94, GBP: 0.79 } };
		expect(ratesFromSource(raw, "fx.example", NOW)).toEqual({
			ok: true,
			rates: [
				{ currency: "EUR", per_usd: 0.94, as_of: friday, source: "fx.example" },
				{ currency: "GBP", per_usd: 0.79, as_of: friday, source: "fx.example" },
			],
		});
	});

	it("converts another base through its USD rate, to 10 significant digits", () => {
		const raw = { base: "EUR", date: "2026-12-04T15:00:00Z", rates: { USD: 1.08, JPY: 162 } };
		const result = ratesFromSource(raw, "ecb", NOW);
		expect(result.ok && result.rates.map((r) => [r.currency, r.per_usd, r.as_of])).toEqual([
			["EUR", 0.9259259259, "2026-12-04T15:00:00Z"],
			["JPY", 150, "2026-12-04T15:00:00Z"],
		]);
	});

	it("says why a source cannot be used", () => {
		const refusals = [
			[{ base: "EUR", date: "2026-12-04", rates: { GBP: 0.85 } }, /USD/],
			[{ base: "USD", date: "2026-12-20", rates: { EUR: 0.9 } }, /ahead/],
			[{ base: "USD", date: "2026-12-04", rates: { EUR: "0.9" } }, /rates\.EUR/],
			[[], /body|base/],
		] as const;
		for (const [raw, why] of refusals) {
			const result = ratesFromSource(raw, "fx", NOW);
			expect(result.ok ? "" : result.error).toMatch(why);
		}
	});

	it("replaces a stored rate only with a newer one or a correction of the same date", () => {
		const rate = { currency: "EUR", per_usd: 0.9, as_of: friday, source: "ecb" };
		expect(replaces(rate, undefined)).toBe(true);
		expect(replaces(rate, rate)).toBe(false);
		expect(replaces({ ...rate, per_usd: 0.91 }, rate)).toBe(true);
		expect(replaces(rate, { ...rate, as_of: "2026-12-05T08:00:00Z", source: "admin" })).toBe(false);
		expect(replaces({ ...rate, as_of: "2026-12-05T23:59:59Z" }, rate)).toBe(true);
	});
});
