// Exchange rates and CPM conversion between currencies. Rates live in the control plane, each as
// units of its currency per 1 USD with the date the source gave it; USD itself is the implicit
// base (rate 1, never stale), so any two currencies convert through it. A bid in a currency with
// no rate, or whose rate is older than the configured age, cannot be priced: the caller filters
// it with the reason returned here rather than guessing.
import { z } from "zod";
import { roundCpm } from "../model/money";

export const BASE_CURRENCY = "USD";

/**
 * How far ahead of the clock a rate's `as_of` may be: a daily rate is dated the end of its day
 * (UTC) and clocks drift, but a rate dated further out would never go stale.
 */
export const MAX_AS_OF_AHEAD_MS = 26 * 3_600_000;

const Iso4217 = z.string().regex(/^[A-Z]{3}$/, "three capital letters (ISO 4217)");
/** A currency that can hold a stored rate: USD is the base and cannot. */
const RatedCurrency = Iso4217.refine((c) => c !== BASE_CURRENCY, {
	message: "USD is the base currency: its rate is always 1",
});
const PerUsd = z
	.number()
	.positive()
	.max(1e9)
	.describe("Units of this currency per 1 USD (EUR 0.94 means 1 USD = 0.94 EUR)");
const AsOf = z.iso
	.datetime({ offset: true })
	.describe("ISO 8601: the rate's own date, as its source gave it");
const Source = z.string().min(1).max(256);

/** A stored rate (PUT /v1/admin/currency-rates/{currency}, the scheduled refresh). */
export const CurrencyRate = z
	.object({ currency: RatedCurrency, per_usd: PerUsd, as_of: AsOf, source: Source })
	.strict();
export type CurrencyRate = z.infer<typeof CurrencyRate>;

/** The admin API's body: the currency comes from the path, `as_of` defaults to the write's time. */
export const CurrencyRateInput = z
	.object({
		currency: RatedCurrency.optional().describe("If given, the path's currency"),
		per_usd: PerUsd,
		as_of: AsOf.optional().describe("ISO 8601: the rate's own date; default: now"),
		source: Source.default("admin").describe("Where the rate comes from"),
	})
	.strict();

/** A rate as the edge holds it. */
export interface Rate {
	perUsd: number;
	/** The rate's own date, epoch ms. */
	asOf: number;
	source: string;
}

/** Currency (upper case) → its rate against USD. USD is never in it: it is implicit. */
export type RateTable = ReadonlyMap<string, Rate>;

export function rateTable(rates: readonly CurrencyRate[]): RateTable {
	return new Map(
		rates.map((r) => [
			r.currency,
			{ perUsd: r.per_usd, asOf: Date.parse(r.as_of), source: r.source },
		]),
	);
}

/** How old a rate is at `now`, ms; a rate dated ahead of the clock is 0 old, not negative. */
export const fxRateAge = (rate: Rate, now: number): number => Math.max(0, now - rate.asOf);

/** A rate exactly `maxAgeMs` old is still fresh; one millisecond more and it is stale. */
export const isFresh = (rate: Rate, now: number, maxAgeMs: number): boolean =>
	fxRateAge(rate, now) <= maxAgeMs;

/** Why a stored `as_of` is refused at `now`, if it is. */
export function asOfProblem(asOf: string, now: number): string | undefined {
	return Date.parse(asOf) > now + MAX_AS_OF_AHEAD_MS
		? `must not be more than ${MAX_AS_OF_AHEAD_MS / 3_600_000} h ahead of now`
		: undefined;
}

/** The rates an auction converts bids by, and the oldest a rate may be to be used. */
export interface ExchangeRates {
	table: RateTable;
	maxAgeMs: number;
}

export type FxRefusal = "no_rate" | "stale_rate";

export type Conversion =
	| {
			ok: true;
			price: number;
			/** Units of `to` per 1 unit of `from`. */
			rate: number;
			/** The older date of the rates used; absent when none was (same currency, or USD). */
			asOf?: number;
	  }
	| { ok: false; reason: FxRefusal };

type Leg = { ok: true; rate?: Rate } | { ok: false; reason: FxRefusal };

function leg(currency: string, table: RateTable, now: number, maxAgeMs: number): Leg {
	if (currency === BASE_CURRENCY) return { ok: true };
	const rate = table.get(currency);
	if (!rate) return { ok: false, reason: "no_rate" };
	return isFresh(rate, now, maxAgeMs) ? { ok: true, rate } : { ok: false, reason: "stale_rate" };
}

/**
 * `price` (a CPM in `from`) in `to`, through USD, rounded as every CPM is (roundCpm). Currency
 * codes are compared case-insensitively. A missing rate wins over a stale one as the reason:
 * refreshing would not help a currency nobody quotes.
 */
export function convertCpm(
	price: number,
	from: string,
	to: string,
	table: RateTable,
	now: number,
	maxAgeMs: number,
): Conversion {
	const source = from.toUpperCase();
	const target = to.toUpperCase();
	if (source === target) return { ok: true, price: roundCpm(price), rate: 1 };
	const a = leg(source, table, now, maxAgeMs);
	const b = leg(target, table, now, maxAgeMs);
	if (!a.ok || !b.ok) {
		const reasons = [a, b].flatMap((l) => (l.ok ? [] : [l.reason]));
		return { ok: false, reason: reasons.includes("no_rate") ? "no_rate" : "stale_rate" };
	}
	const rate = (b.rate?.perUsd ?? 1) / (a.rate?.perUsd ?? 1);
	const dates = [a.rate?.asOf, b.rate?.asOf].filter((d): d is number => d !== undefined);
	return {
		ok: true,
		price: roundCpm(price * rate),
		rate,
		...(dates.length > 0 ? { asOf: Math.min(...dates) } : {}),
	};
}

/**
 * The currencies a bid may be in (OpenRTB `cur`): the publisher's first, then every one that
 * converts into it now, alphabetically. A publisher whose own currency has no fresh rate gets
 * only its own: nothing else could be converted into it. Runs per auction, so it only checks the
 * rates' freshness and does no price arithmetic.
 */
export function acceptedCurrencies(
	publisherCur: string,
	table: RateTable,
	now: number,
	maxAgeMs: number,
): string[] {
	const own = publisherCur.toUpperCase();
	if (!leg(own, table, now, maxAgeMs).ok) return [own];
	const others = [BASE_CURRENCY, ...table.keys()]
		.filter((c) => c !== own && leg(c, table, now, maxAgeMs).ok)
		.sort();
	return [own, ...others];
}

/** GET /v1/admin/currency-rates: every stored rate, how old it is and whether it still prices bids. */
export const CurrencyRateList = z.object({
	rates: z.array(
		CurrencyRate.extend({
			age_s: z.number().int().describe("Seconds since as_of (0 when as_of is ahead)"),
			stale: z.boolean().describe("Older than max_age_s: bids in this currency are filtered"),
		}),
	),
	max_age_s: z.number().describe("FX_RATE_MAX_AGE_HOURS in seconds"),
});
export type CurrencyRateList = z.infer<typeof CurrencyRateList>;

export function listRates(
	rates: readonly CurrencyRate[],
	now: number,
	maxAgeMs: number,
): CurrencyRateList {
	const table = rateTable(rates);
	return {
		rates: rates.map((r) => {
			const rate = table.get(r.currency)!;
			return {
				...r,
				age_s: Math.floor(fxRateAge(rate, now) / 1000),
				stale: !isFresh(rate, now, maxAgeMs),
			};
		}),
		max_age_s: maxAgeMs / 1000,
	};
}
