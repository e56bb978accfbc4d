// Money, in one place because the filter (floors, bid prices), the auction (clearing prices) and
// the bidders' price adjustments must round the same way, or a bid could clear a floor in one
// place and miss it in another: CPM in the request currency, rounded to 4 decimals, half up (away
// from zero for the positive amounts used here), on the decimal value as written
// (1.00005 → 1.0001), not on its binary approximation.

/** No floor or price cap above this CPM is accepted anywhere in configuration or the model. */
export const MAX_CPM = 10_000;

/** One bid increment for second price, CPM. */
export const PRICE_INCREMENT = 0.01;

/**
 * Rounds a CPM to 4 decimals, half up, on its shortest decimal representation. Finite in, finite
 * out; non-finite input gives 0, so no price can turn into NaN further down.
 */
export function roundCpm(value: number): number {
	if (!Number.isFinite(value)) return 0;
	const abs = Math.abs(value);
	const text = String(abs);
	// Shifting the decimal point in the string avoids 1.00005 * 1e4 = 10000.499999999998.
	const whole = Math.round(text.includes("e") ? abs * 1e4 : Number(`${text}e4`));
	// Past 2^53 no fourth decimal is left to round, and `${whole}` may read "1e+21" (→ NaN).
	const rounded = Number.isSafeInteger(whole) ? Number(`${whole}e-4`) : abs;
	return value < 0 ? -rounded : rounded;
}
