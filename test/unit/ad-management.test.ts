// A pre-registered ad (DSP accounts) named by a bid's adid plays as the markup it registered, or
// as markup made from its asset that the bid path reads like any other.
import { describe, expect, it } from "vitest";
import {
	completeFromRegistered,
	registeredMarkup,
	type SubmittedAd,
} from "../../src/px/auction/ad-management";
import { extractCreative } from "../../src/px/auction/creative";

const video: SubmittedAd = {
	id: "ad-1",
	adomain: ["brand.example"],
	asset_url: "https://cdn.example/spot.mp4?a=1&b=2",
	mime: "video/mp4",
	w: 1920,
	h: 1080,
	duration_s: 15,
};

describe("registered ads", () => {
	it("a video ad without markup plays as an inline VAST of its asset, read like any bid's", () => {
		const bid = completeFromRegistered({ id: "b", impid: "1", price: 5, adid: "ad-1" }, video);
		expect(bid).toMatchObject({ crid: "ad-1", adomain: ["brand.example"] });
		const extracted = extractCreative(bid as never);
		expect(extracted).toMatchObject({
			ok: true,
			creative: { asset_url: video.asset_url, mime: "video/mp4", duration_s: 15 },
		});
	});

	it("an image ad plays as an <img> of its asset; registered markup wins; the bid's own advertiser stays", () => {
		const image = {
			...video,
			mime: "image/png",
			asset_url: "https://cdn.example/a.png",
			duration_s: undefined,
		};
		expect(registeredMarkup(image)).toBe(
			'<img src="https://cdn.example/a.png" width="1920" height="1080">',
		);
		expect(registeredMarkup({ ...image, adm: "<img src=x>" })).toBe("<img src=x>");
		expect(completeFromRegistered({ adomain: ["own.example"] }, image).adomain).toEqual([
			"own.example",
		]);
	});
});
