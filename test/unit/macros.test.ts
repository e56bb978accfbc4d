import { describe, expect, it } from "vitest";
import { MACRO_NAMES, type MacroValues, substituteMacros } from "../../src/px/notices/macros";

/** "${NAME}" without writing a template placeholder in a plain string. */
const m = (name: string) => ["$", "{", name, "}"].join("");

const values: MacroValues = {
	AUCTION_ID: "px-7f3a9c2e-0001",
	AUCTION_BID_ID: "a-1",
	AUCTION_IMP_ID: "1",
	AUCTION_SEAT_ID: "seat a/1",
	AUCTION_AD_ID: "ad-9",
	AUCTION_PRICE: 6.51,
	AUCTION_CURRENCY: "USD",
	AUCTION_MBR: 0.5,
	AUCTION_LOSS: 102,
	AUCTION_MIN_TO_WIN: 7.02,
	AUCTION_MULTIPLIER: 12.5,
	AUCTION_IMP_TS: 1763900000000,
};

describe("substituteMacros", () => {
	it("substitutes every OpenRTB 2.6 macro", () => {
		const url = `https://dsp.example/n?${MACRO_NAMES.map((name) => `${name.toLowerCase()}=${m(name)}`).join("&")}`;
		expect(substituteMacros(url, values)).toBe(
			"https://dsp.example/n?auction_id=px-7f3a9c2e-0001&auction_bid_id=a-1&auction_imp_id=1" +
				"&auction_seat_id=seat%20a%2F1&auction_ad_id=ad-9&auction_price=6.51&auction_currency=USD" +
				"&auction_mbr=0.5&auction_loss=102&auction_min_to_win=7.02&auction_multiplier=12.5" +
				"&auction_imp_ts=1763900000000",
		);
	});

	it("substitutes the percent-encoded form, with either hex case", () => {
		expect(substituteMacros("https://d.example/w?p=%24%7BAUCTION_PRICE%7D", values)).toBe(
			"https://d.example/w?p=6.51",
		);
		expect(substituteMacros("https://d.example/w?p=%24%7bAUCTION_PRICE%7d", values)).toBe(
			"https://d.example/w?p=6.51",
		);
		expect(
			substituteMacros("https://d.example/r?u=https%3A%2F%2Fx%3Fid%3D%24%7BAUCTION_ID%7D", values),
		).toBe("https://d.example/r?u=https%3A%2F%2Fx%3Fid%3Dpx-7f3a9c2e-0001");
	});

	it("replaces absent values and unknown AUCTION_ macros with the empty string", () => {
		expect(
			substituteMacros(
				`https://d.example/l?r=${m("AUCTION_LOSS")}&p=${m("AUCTION_PRICE")}&x=${m("AUCTION_FOO")}`,
				{
					AUCTION_LOSS: 2,
				},
			),
		).toBe("https://d.example/l?r=2&p=&x=");
		expect(substituteMacros("https://d.example/l?x=%24%7BAUCTION_NOPE%7D", {})).toBe(
			"https://d.example/l?x=",
		);
	});

	it("URL-encodes values so they cannot break the URL", () => {
		expect(
			substituteMacros(`https://d.example/w?s=${m("AUCTION_SEAT_ID")}`, {
				AUCTION_SEAT_ID: "a&b=c#d?e é",
			}),
		).toBe("https://d.example/w?s=a%26b%3Dc%23d%3Fe%20%C3%A9");
	});

	it("is one pass: a value that looks like a macro is not expanded", () => {
		expect(
			substituteMacros(`https://d.example/w?a=${m("AUCTION_AD_ID")}&p=${m("AUCTION_PRICE")}`, {
				AUCTION_AD_ID: m("AUCTION_PRICE"),
				AUCTION_PRICE: 1,
			}),
		).toBe("https://d.example/w?a=%24%7BAUCTION_PRICE%7D&p=1");
	});

	it("leaves other templates and lower-case look-alikes alone", () => {
		const url = `https://d.example/w?c=${m("CLICK_URL")}&p=${m("auction_price")}&q=[TIMESTAMP]`;
		expect(substituteMacros(url, values)).toBe(url);
	});

	it("writes numbers in plain decimal notation and drops non-finite ones", () => {
		expect(substituteMacros(m("AUCTION_PRICE"), { AUCTION_PRICE: 1e-7 })).toBe("0.0000001");
		expect(substituteMacros(m("AUCTION_PRICE"), { AUCTION_PRICE: 0 })).toBe("0");
		expect(substituteMacros(m("AUCTION_PRICE"), { AUCTION_PRICE: Number.NaN })).toBe("");
		expect(substituteMacros(m("AUCTION_PRICE"), { AUCTION_PRICE: Number.POSITIVE_INFINITY })).toBe(
			"",
		);
	});

	it("substitutes repeated macros and leaves URLs without macros untouched", () => {
		expect(substituteMacros(`${m("AUCTION_ID")}-${m("AUCTION_ID")}`, values)).toBe(
			"px-7f3a9c2e-0001-px-7f3a9c2e-0001",
		);
		expect(substituteMacros("https://d.example/w?a=1", values)).toBe("https://d.example/w?a=1");
	});
});
