import { describe, expect, it } from "vitest";
import { substituteVastMacros, trackerNotices } from "../../src/px/notices/trackers";
import type { DecisionNotices } from "../../src/px/screen/ledger";

const notices: DecisionNotices = {
	burl: "https://b.example/burl",
	impressions: [
		`https://imp.example/i?p=\${AUCTION_PRICE}&t=[TIMESTAMP]&cb=[CACHEBUSTING]`,
		`https://imp.example/two?a=\${AUCTION_ID}`,
	],
	errors: [`https://err.example/e?code=[ERRORCODE]&p=\${AUCTION_PRICE}&x=[CONTENTPLAYHEAD]`],
	macros: { AUCTION_ID: "auc-1", AUCTION_PRICE: 4.2 },
};
const playedAt = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

describe("trackerNotices: the tracker calls a settlement owes", () => {
	it("a billable play calls each impression tracker, OpenRTB and VAST macros filled", () => {
		const sent = trackerNotices(notices, { billed: true, at: playedAt, errorCode: 900 });
		expect(sent).toEqual([
			{
				kind: "imp",
				url: expect.stringMatching(
					/^https:\/\/imp\.example\/i\?p=4\.2&t=2026-01-02T03%3A04%3A05\.678Z&cb=\d{8}$/,
				),
			},
			{ kind: "imp", url: "https://imp.example/two?a=auc-1" },
		]);
	});

	it("a won ad that never ran calls the error trackers only, with its VAST error code", () => {
		const expired = trackerNotices(notices, { billed: false, at: playedAt, errorCode: 900 });
		const revoked = trackerNotices(notices, { billed: false, at: playedAt, errorCode: 200 });
		// Unknown VAST macros stay as written: the edge is not a VAST player.
		const error = (code: number) => ({
			kind: "error",
			url: `https://err.example/e?code=${code}&p=4.2&x=[CONTENTPLAYHEAD]`,
		});
		expect(expired).toEqual([error(900)]);
		expect(revoked).toEqual([error(200)]);
	});

	it("a decision without trackers (older ledger rows too) calls none", () => {
		const bare: DecisionNotices = { burl: "https://b.example/burl", macros: {} };
		expect(trackerNotices(bare, { billed: true, at: playedAt, errorCode: 900 })).toEqual([]);
		expect(trackerNotices(bare, { billed: false, at: playedAt, errorCode: 900 })).toEqual([]);
	});
});

describe("substituteVastMacros", () => {
	it("fills the bracketed and the percent-encoded forms; [ERRORCODE] only on error URLs", () => {
		const url = "https://x.example/?e=[ERRORCODE]&t=%5BTIMESTAMP%5D&c=[CACHEBUSTING]";
		expect(substituteVastMacros(url, { at: 0, cacheBusting: "00000042" })).toBe(
			"https://x.example/?e=[ERRORCODE]&t=1970-01-01T00%3A00%3A00.000Z&c=00000042",
		);
		expect(substituteVastMacros(url, { at: 0, cacheBusting: "1", errorCode: 900 })).toMatch(
			/^https:\/\/x\.example\/\?e=900&/,
		);
	});
});
