// OpenRTB 2.6 substitution macros (§4.4) in win/billing/loss notice URLs and markup. Values are
// URL-encoded because they land inside URLs. Any ${AUCTION_...} macro we have no value for
// (absent, or a name we do not support) becomes the empty string, as OpenRTB asks, so a DSP never
// receives a literal "${AUCTION_PRICE}". Bidders sometimes URL-encode their templates, so the
// encoded form %24%7BAUCTION_...%7D is substituted too. Substitution is one pass: a value can
// never introduce a macro that is then expanded.

export const MACRO_NAMES = [
	"AUCTION_ID",
	"AUCTION_BID_ID",
	"AUCTION_IMP_ID",
	"AUCTION_SEAT_ID",
	"AUCTION_AD_ID",
	"AUCTION_PRICE",
	"AUCTION_CURRENCY",
	"AUCTION_MBR",
	"AUCTION_LOSS",
	"AUCTION_MIN_TO_WIN",
	"AUCTION_MULTIPLIER",
	"AUCTION_IMP_TS",
] as const;
type MacroName = (typeof MACRO_NAMES)[number];
export type MacroValues = Partial<Record<MacroName, string | number>>;

const KNOWN = new Set<string>(MACRO_NAMES);
// Names are case-sensitive; the percent-encoding hex digits are not.
const MACRO = /\$\{(AUCTION_[A-Z0-9_]+)\}|%24%7[Bb](AUCTION_[A-Z0-9_]+)%7[Dd]/g;

export function substituteMacros(url: string, values: MacroValues): string {
	return url.replace(MACRO, (_whole, plain: string | undefined, encoded: string | undefined) => {
		const name = plain ?? encoded ?? "";
		if (!KNOWN.has(name)) return "";
		const value = values[name as MacroName];
		return value === undefined ? "" : encodeURIComponent(formatValue(value));
	});
}

/** Numbers in plain decimal notation (never "1e-7"); non-finite numbers are unknown values. */
function formatValue(value: string | number): string {
	if (typeof value === "string") return value;
	if (!Number.isFinite(value)) return "";
	const text = String(value);
	if (!text.includes("e")) return text;
	return value.toFixed(10).replace(/\.?0+$/, "");
}
