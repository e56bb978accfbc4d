// Bidder-test style (as in Prebid Server's adapter tests): every JSON file in
// test/fixtures/bids/responses holds a mocked HTTP answer and the expected parse.
import { readdirSync, readFileSync } from "node:fs";
import type { BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import { Reason, type ReasonName } from "../../src/px/auction/reasons";
import { parseBidResponse } from "../../src/px/openrtb/response";

const fixtures = new URL("../fixtures/bids/", import.meta.url);

interface ResponseFixture {
	description: string;
	request: string;
	bidder: string;
	mockResponse: { status: number; body: unknown };
	expected:
		| { kind: "bids"; cur: string; bids: { id: string; seat?: string }[] }
		| { kind: "no_bid"; nbr?: number }
		| { kind: "invalid"; reason: ReasonName };
}

function readJson<T>(path: string): T {
	return JSON.parse(readFileSync(new URL(path, fixtures), "utf8")) as T;
}

const files = readdirSync(new URL("responses/", fixtures)).filter((f) => f.endsWith(".json"));
const request = readJson<BidRequest>("request.json");

describe("parseBidResponse fixtures", () => {
	it("has fixtures to run", () => {
		expect(files.length).toBeGreaterThanOrEqual(15);
	});

	for (const file of files) {
		const fixture = readJson<ResponseFixture>(`responses/${file}`);
		it(`${file}: ${fixture.description}`, () => {
			const req = readJson<BidRequest>(fixture.request);
			const result = parseBidResponse(fixture.mockResponse.body, req, fixture.bidder);
			const expected = fixture.expected;
			if (expected.kind === "invalid") {
				expect(result).toMatchObject({ kind: "invalid", reason: Reason[expected.reason] });
				if (result.kind === "invalid") expect(result.detail).not.toBe("");
			} else if (expected.kind === "no_bid") {
				expect(result).toEqual(expected);
			} else {
				expect(result.kind).toBe("bids");
				if (result.kind !== "bids") return;
				expect(result.cur).toBe(expected.cur);
				expect(
					result.bids.map((c) => ({ id: c.bid.id, ...(c.seat ? { seat: c.seat } : {}) })),
				).toEqual(expected.bids);
				for (const candidate of result.bids) {
					expect(candidate.bidder).toBe(fixture.bidder);
					expect(candidate.cur).toBe(expected.cur);
				}
			}
		});
	}
});

describe("parseBidResponse edge cases", () => {
	it("keeps each bid's raw fields untouched for the filter", () => {
		const body = {
			id: request.id,
			seatbid: [{ seat: "s", bid: [{ id: "x", impid: "1", price: "1.5", ext: { k: 1 } }] }],
		};
		const result = parseBidResponse(body, request, "alpha");
		expect(result.kind === "bids" && result.bids[0]?.bid).toEqual({
			id: "x",
			impid: "1",
			price: "1.5",
			ext: { k: 1 },
		});
	});

	it("decodes a string body; an empty one is a no-bid, garbage is invalid", () => {
		expect(parseBidResponse("", request, "a")).toEqual({ kind: "no_bid" });
		expect(parseBidResponse("  \n", request, "a")).toEqual({ kind: "no_bid" });
		expect(parseBidResponse("<html>502</html>", request, "a")).toMatchObject({
			kind: "invalid",
			reason: Reason.InvalidBidResponse,
		});
		const text = JSON.stringify({ id: request.id, seatbid: [{ bid: [{ id: "x", impid: "1" }] }] });
		expect(parseBidResponse(text, request, "a").kind).toBe("bids");
	});

	it("treats null and scalars as invalid, undefined as no-bid", () => {
		expect(parseBidResponse(undefined, request, "a")).toEqual({ kind: "no_bid" });
		expect(parseBidResponse(null, request, "a")).toMatchObject({
			reason: Reason.InvalidBidResponse,
		});
		expect(parseBidResponse(42, request, "a")).toMatchObject({ reason: Reason.InvalidBidResponse });
	});

	it("ignores a non-integer nbr", () => {
		expect(parseBidResponse({ id: request.id, nbr: "2" }, request, "a")).toEqual({
			kind: "no_bid",
		});
	});

	it("does not blame a no-bid for a mismatched id", () => {
		expect(parseBidResponse({ id: "other", seatbid: [] }, request, "a")).toEqual({
			kind: "no_bid",
		});
	});
});
