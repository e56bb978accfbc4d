// The exchange-rate source the scheduled refresh reads (FX_RATES_URL): JSON in the shape
// Frankfurter serves the ECB's reference rates, `{ "base": "USD", "date": "2026-12-01", "rates":
// { "EUR": 0.94, … } }` (units of each currency per 1 `base`). Turned into stored rates against
// USD here, pure, so the worker only fetches and writes.
import { z } from "zod";
import { asOfProblem, BASE_CURRENCY, CurrencyRate } from "./currency";

const Code = z
	.string()
	.regex(/^[A-Za-z]{3}$/, "three letters (ISO 4217)")
	.transform((c) => c.toUpperCase());

export const FxSource = z.looseObject({
	base: Code,
	date: z.union([z.iso.date(), z.iso.datetime({ offset: true })]),
	rates: z
		.record(Code, z.number().positive().max(1e9))
		.refine((r) => Object.keys(r).length <= 500, "more than 500 rates"),
});

/**
 * A date without a time is the rate's day: it holds for the whole of it, so it is dated the end
 * of that day (UTC). Dated its start, Friday's ECB rate would be stale (72 h) at the start of
 * Monday, hours before Monday's is published.
 */
export const sourceAsOf = (date: string): string =>
	/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T23:59:59Z` : date;

/** Cross rates keep 10 significant digits: more is float noise, not precision the source had. */
const significant = (n: number) => Number(n.toPrecision(10));

export type SourceRates = { ok: true; rates: CurrencyRate[] } | { ok: false; error: string };

/** The rates against USD in a source's answer, named `source`, as of its date; or why not. */
export function ratesFromSource(raw: unknown, source: string, now: number): SourceRates {
	const parsed = FxSource.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		return { ok: false, error: `${issue?.path.join(".") || "body"}: ${issue?.message}` };
	}
	const { base, date, rates } = parsed.data;
	// Units of USD per 1 base: every rate is divided by it to be per 1 USD instead.
	const usdPerBase = base === BASE_CURRENCY ? 1 : rates[BASE_CURRENCY];
	if (usdPerBase === undefined) {
		return { ok: false, error: `base ${base} without a USD rate: cannot convert to USD` };
	}
	const as_of = sourceAsOf(date);
	const ahead = asOfProblem(as_of, now);
	if (ahead) return { ok: false, error: `date ${date} ${ahead}` };
	const perBase = new Map(Object.entries(rates));
	if (base !== BASE_CURRENCY) perBase.set(base, 1);
	const out: CurrencyRate[] = [];
	for (const [currency, units] of perBase) {
		if (currency === BASE_CURRENCY) continue;
		const rate = CurrencyRate.safeParse({
			currency,
			per_usd: significant(units / usdPerBase),
			as_of,
			source,
		});
		if (!rate.success) return { ok: false, error: `${currency}: ${rate.error.issues[0]?.message}` };
		out.push(rate.data);
	}
	return { ok: true, rates: out.sort((a, b) => a.currency.localeCompare(b.currency)) };
}

/**
 * Whether `next` should replace `current`: only a newer rate, or a correction of the same day's.
 * An older one (an admin's override dated now, a source lagging behind) is kept.
 */
export function replaces(next: CurrencyRate, current: CurrencyRate | undefined): boolean {
	if (!current) return true;
	const [a, b] = [Date.parse(next.as_of), Date.parse(current.as_of)];
	return a > b || (a === b && next.per_usd !== current.per_usd);
}
