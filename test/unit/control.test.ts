// The control plane's snapshot as requests see it: managed deals in flight, with the packages
// (screen_tags) they are for, the publisher's floor rules, and the ads DSPs pre-registered.
import { describe, expect, it } from "vitest";
import { buildSnapshot, publisherByKeyHash, registeredAdKey } from "../../src/px/control/control";

const rows = (
	deals: object[],
	ads: { bidder: string; id: string; body: string }[] = [],
	floorRules: object[] = [],
) =>
	buildSnapshot({
		version: 3,
		publishers: [{ key: "pub", body: JSON.stringify({ id: "pub", name: "Pub" }), version: 1 }],
		publisherKeys: [{ key_sha256: "ab", publisher_id: "pub" }],
		bidders: [
			{
				key: "dsp",
				body: JSON.stringify({ name: "dsp", endpoint: "https://dsp.example/" }),
				version: 1,
			},
		],
		deals: deals.map((d, i) => ({ key: `d${i}`, body: JSON.stringify(d), version: 1 })),
		floorRules: floorRules.map((r, i) => ({ key: `r${i}`, body: JSON.stringify(r), version: 1 })),
		roleKeys: [],
		bidderKeys: [],
		ads,
		rates: [],
	});

describe("control snapshot", () => {
	it("a managed deal in flight keeps its screen_tags for the bid request to match per screen", () => {
		const snapshot = rows([
			{ id: "tagged", publisher_id: "pub", bidfloor: 4, screen_tags: ["mall"] },
			{ id: "later", publisher_id: "pub", flight_start: "2999-01-01T00:00:00Z" },
		]);
		const publisher = publisherByKeyHash(snapshot, "ab", Date.parse("2026-12-02T12:00:00Z"));
		expect(publisher?.deals).toEqual([{ id: "tagged", bidfloor: 4, screen_tags: ["mall"] }]);
	});

	it("holds the DSPs' pre-registered ads of known bidders, by bidder and id", () => {
		const ad = {
			id: "ad-1",
			adomain: ["brand.example"],
			asset_url: "https://cdn.example/a.png",
			mime: "image/png",
			w: 100,
			h: 50,
		};
		const snapshot = rows(
			[],
			[
				{ bidder: "dsp", id: "ad-1", body: JSON.stringify(ad) },
				{ bidder: "gone", id: "ad-2", body: JSON.stringify({ ...ad, id: "ad-2" }) },
			],
		);
		expect(snapshot.ads.get(registeredAdKey("dsp", "ad-1"))).toEqual(ad);
		expect(snapshot.ads.size).toBe(1);
	});

	it("gives a publisher its floor rules, leaves out the ones the schema refuses, and no others", () => {
		const snapshot = rows(
			[],
			[],
			[
				{ id: "night", publisher_id: "pub", floor_cpm: 6, hours: { from: 22, to: 6 } },
				{ id: "broken", publisher_id: "pub", days: [0] },
				{ id: "theirs", publisher_id: "other", floor_cpm: 1 },
			],
		);
		const publisher = publisherByKeyHash(snapshot, "ab", Date.now());
		expect(publisher?.floor_rules).toEqual([
			{ id: "night", publisher_id: "pub", floor_cpm: 6, hours: { from: 22, to: 6 }, priority: 100 },
		]);
		expect(snapshot.invalid).toEqual([expect.stringMatching(/^floor rule r1: /)]);
		expect(publisherByKeyHash(rows([]), "ab", Date.now())).not.toHaveProperty("floor_rules");
	});
});
