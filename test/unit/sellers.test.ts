import { describe, expect, it } from "vitest";
import { adsTxtLines, sellersJson } from "../../src/px/control/sellers";
import { Publisher, type PublisherInput } from "../../src/px/model/model";
import { supplyChain } from "../../src/px/openrtb/schain";

const publisher = (extra: Partial<PublisherInput> = {}) =>
	Publisher.parse({ id: "pub-1", name: "Pub One", key_sha256: "b".repeat(64), ...extra });
const exchange = { asi: "px-edge.example" };

describe("adsTxtLines", () => {
	it("an owner's account is DIRECT, with OWNERDOMAIN where it has a domain", () => {
		expect(adsTxtLines(publisher({ domain: "one.example" }), exchange)).toEqual([
			"px-edge.example, pub-1, DIRECT",
			"OWNERDOMAIN=one.example",
		]);
		expect(adsTxtLines(publisher(), exchange)).toEqual(["px-edge.example, pub-1, DIRECT"]);
	});

	it("an intermediary's account is RESELLER and names no owner; a TAG-ID is the fourth field", () => {
		expect(
			adsTxtLines(publisher({ domain: "cms.example", seller_type: "INTERMEDIARY" }), {
				...exchange,
				tagId: "abc123",
			}),
		).toEqual(["px-edge.example, pub-1, RESELLER, abc123"]);
	});
});

describe("sellersJson", () => {
	it("leaves out unset contact fields and identifiers, and lists a TAG-ID when set", () => {
		expect(sellersJson([], { ...exchange, contactEmail: "", contactAddress: "" })).toEqual({
			version: "1.0",
			sellers: [],
		});
		expect(sellersJson([], { ...exchange, tagId: "abc123" }).identifiers).toEqual([
			{ name: "TAG-ID", value: "abc123" },
		]);
	});
});

describe("supplyChain", () => {
	it("starts a complete chain of one without an upstream chain", () => {
		expect(supplyChain(undefined, { asi: "px-edge.example", sid: "pub-1" })).toEqual({
			complete: 1,
			ver: "1.0",
			nodes: [{ asi: "px-edge.example", sid: "pub-1", hp: 1 }],
		});
	});

	it("appends to an upstream chain, keeping its completeness, version and ext", () => {
		const upstream = {
			complete: 0 as const,
			ver: "1.0",
			nodes: [{ asi: "cms.example", sid: "n1", hp: 1 as const }],
			ext: { note: "x" },
		};
		expect(supplyChain(upstream, { asi: "px-edge.example", sid: "pub-1" })).toEqual({
			...upstream,
			nodes: [...upstream.nodes, { asi: "px-edge.example", sid: "pub-1", hp: 1 }],
		});
	});
});
