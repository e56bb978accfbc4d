import { readFileSync } from "node:fs";
import type { Bid } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import {
	type Creative,
	extractCreative,
	type MediaPreference,
	parseVastDuration,
	sameAspect,
} from "../../src/px/auction/creative";
import { Reason } from "../../src/px/auction/reasons";

function vast(name: string): string {
	return readFileSync(new URL(`../fixtures/bids/vast/${name}`, import.meta.url), "utf8");
}

function bid(fields: Partial<Bid>): Bid {
	return { id: "b1", impid: "1", price: 5, crid: "cr-1", ...fields };
}

function creativeOf(b: Bid, prefer?: MediaPreference): Creative {
	const result = extractCreative(b, prefer);
	if (!result.ok) throw new Error(`expected a creative, got ${result.reason}: ${result.detail}`);
	return result.creative;
}

function reasonOf(b: Bid, prefer?: MediaPreference): Reason {
	const result = extractCreative(b, prefer);
	if (result.ok) throw new Error(`expected a rejection, got ${result.creative.asset_url}`);
	return result.reason;
}

const SLOT_1080P: MediaPreference = {
	mimes: ["video/mp4", "image/jpeg", "image/png"],
	w: 1920,
	h: 1080,
};

describe("extractCreative: VAST", () => {
	it("VAST 2: takes the progressive 1080p mp4 over the streaming one, with its Duration", () => {
		expect(creativeOf(bid({ adm: vast("vast2-inline.xml") }), SLOT_1080P)).toEqual({
			id: "cr-1",
			asset_url: "https://cdn.acme-dsp.example/coffee_1080.mp4",
			mime: "video/mp4",
			w: 1920,
			h: 1080,
			duration_s: 15,
			markup_type: "vast",
			// The buyer's counter, with its macro kept for substitution on the billable play.
			trackers: {
				impressions: [`https://track.acme-dsp.example/imp?b=601364&p=\${AUCTION_PRICE}`],
				errors: [],
			},
		});
	});

	it("VAST 2: prefers a mime the slot accepts over a better-sized one", () => {
		const c = creativeOf(bid({ adm: vast("vast2-inline.xml") }), { mimes: ["video/x-flv"] });
		expect(c.asset_url).toBe("https://cdn.acme-dsp.example/coffee_360.flv");
	});

	it("VAST 3: skips VPAID, reads multi-line single-quoted attributes and decodes entities", () => {
		const c = creativeOf(bid({ adm: vast("vast3-inline.xml") }), SLOT_1080P);
		expect(c.asset_url).toBe("https://cdn.shoes.example/run_1080p.mp4?sig=a1&v=2");
		expect(c.mime).toBe("video/mp4");
		expect(c.duration_s).toBe(20.5);
		const webm = creativeOf(bid({ adm: vast("vast3-inline.xml") }), { mimes: ["video/webm"] });
		expect(webm.asset_url).toBe("https://cdn.shoes.example/run_1080p.webm");
	});

	it("VAST 4: ignores Mezzanine, HLS and InteractiveCreativeFile; matches the slot size", () => {
		const adm = vast("vast4-inline.xml");
		expect(creativeOf(bid({ adm }), SLOT_1080P)).toMatchObject({
			asset_url: "https://cdn.cars.example/launch_1080.mp4",
			w: 1920,
			h: 1080,
			duration_s: 10,
		});
		expect(creativeOf(bid({ adm }), { mimes: ["video/mp4"], w: 1280, h: 720 }).asset_url).toBe(
			"https://cdn.cars.example/launch_720.mp4",
		);
		// Unknown slot: the highest resolution.
		expect(creativeOf(bid({ adm })).asset_url).toBe("https://cdn.cars.example/launch_2160.mp4");
		// A slot that is neither size nor aspect: the closest resolution.
		expect(creativeOf(bid({ adm }), { w: 1000, h: 1000 }).asset_url).toBe(
			"https://cdn.cars.example/launch_720.mp4",
		);
	});

	it("VAST 4 static image: an image MediaFile with the Linear duration", () => {
		const adm = vast("vast4-image.xml");
		expect(creativeOf(bid({ adm }), SLOT_1080P)).toEqual({
			id: "cr-1",
			asset_url: "https://cdn.dooh-dsp.example/summer_1920x1080.jpg",
			mime: "image/jpeg",
			w: 1920,
			h: 1080,
			duration_s: 10,
			markup_type: "vast",
			trackers: { impressions: ["https://dooh-dsp.example/imp/77"], errors: [] },
		});
		const portrait = creativeOf(bid({ adm }), {
			mimes: ["image/jpeg", "image/png"],
			w: 1080,
			h: 1920,
		});
		expect(portrait.asset_url).toBe("https://cdn.dooh-dsp.example/summer_1080x1920.png");
	});

	it("is not fooled by comments, CDATA holding markup, '>' in attributes or namespace prefixes", () => {
		const c = creativeOf(bid({ adm: vast("vast-tricky.xml") }), SLOT_1080P);
		expect(c.asset_url).toBe("https://cdn.tricky.example/real_1080.mp4?a=1&b=%3C2%3E");
		expect(c.duration_s).toBe(12);
	});

	it("takes the first ad of a pod by sequence, not by document order", () => {
		const c = creativeOf(bid({ adm: vast("vast-pod.xml") }), SLOT_1080P);
		expect(c.asset_url).toBe("https://cdn.pod.example/first.mp4");
		expect(c.duration_s).toBe(15);
	});

	it("refuses wrappers, malformed XML and VPAID-only ads", () => {
		expect(extractCreative(bid({ adm: vast("vast-wrapper.xml") }))).toMatchObject({
			ok: false,
			reason: Reason.CreativeFormat,
			detail: "VAST wrappers are not followed",
		});
		expect(reasonOf(bid({ adm: vast("vast-malformed.xml") }))).toBe(Reason.CreativeFormat);
		expect(reasonOf(bid({ adm: vast("vast-vpaid-only.xml") }))).toBe(Reason.CreativeFormat);
		expect(reasonOf(bid({ adm: vast("vast2-inline.xml").slice(0, 900) }))).toBe(
			Reason.CreativeFormat,
		);
	});

	it("gives the same answer whatever the attribute order", () => {
		const attrs = [
			'type="video/mp4"',
			'width="1920"',
			'height="1080"',
			'delivery="progressive"',
			"bitrate='3000'",
		];
		const results = permutations(attrs).map((order) =>
			creativeOf(bid({ adm: inlineVast({ mediaFile: `<MediaFile ${order.join(" ")}>` }) })),
		);
		expect(results).toHaveLength(120);
		for (const r of results) {
			expect(r).toMatchObject({ mime: "video/mp4", w: 1920, h: 1080, duration_s: 15 });
		}
	});

	it("falls back to bid.w/h when a MediaFile has no size, and fails without any size", () => {
		const adm = inlineVast({ mediaFile: '<MediaFile type="video/mp4" delivery="progressive">' });
		expect(creativeOf(bid({ adm, w: 1080, h: 1920 }))).toMatchObject({ w: 1080, h: 1920 });
		expect(reasonOf(bid({ adm }))).toBe(Reason.CreativeFormat);
	});

	it("reads a type with codec parameters as its plain mime", () => {
		const adm = inlineVast({
			mediaFile: '<MediaFile type=\'video/MP4; codecs="avc1.640028"\' width="1920" height="1080">',
		});
		expect(creativeOf(bid({ adm }), SLOT_1080P).mime).toBe("video/mp4");
	});

	it("requires a valid Duration on the Linear", () => {
		expect(reasonOf(bid({ adm: inlineVast({ duration: "" }) }))).toBe(Reason.CreativeFormat);
		expect(reasonOf(bid({ adm: inlineVast({ duration: "<Duration>15</Duration>" }) }))).toBe(
			Reason.CreativeFormat,
		);
	});

	it("rejects MediaFile URLs that are not http(s)", () => {
		const adm = inlineVast({ url: "javascript:alert(1)" });
		expect(reasonOf(bid({ adm }))).toBe(Reason.CreativeFormat);
	});
});

describe("extractCreative: HTML <img> snippets", () => {
	it("takes the image, ignoring the click wrapper and the tracking pixel", () => {
		const adm =
			'<a href="https://brand.example/go"><img alt="Sale" width="1920" height="1080" ' +
			'src="https://cdn.brand.example/sale_1920x1080.JPG?v=3#x"></a>' +
			'<img src="https://track.example/px.gif" width="1" height="1" style="display:none">';
		expect(creativeOf(bid({ adm, w: 1920, h: 1080, dur: 8 }))).toEqual({
			id: "cr-1",
			asset_url: "https://cdn.brand.example/sale_1920x1080.JPG?v=3#x",
			mime: "image/jpeg",
			w: 1920,
			h: 1080,
			duration_s: 8,
			markup_type: "image",
			trackers: { impressions: ["https://track.example/px.gif"], errors: [] },
		});
	});

	it("maps each supported extension to its mime", () => {
		const cases: [string, string][] = [
			["a.jpg", "image/jpeg"],
			["a.jpeg", "image/jpeg"],
			["a.png", "image/png"],
			["a.gif", "image/gif"],
			["a.webp", "image/webp"],
		];
		for (const [file, mime] of cases) {
			const adm = `<img src="https://cdn.example/${file}">`;
			expect(creativeOf(bid({ adm, w: 10, h: 10 })).mime).toBe(mime);
		}
		expect(reasonOf(bid({ adm: '<img src="https://cdn.example/a.svg">', w: 1, h: 1 }))).toBe(
			Reason.CreativeFormat,
		);
		expect(reasonOf(bid({ adm: '<img src="https://cdn.example/image">', w: 1, h: 1 }))).toBe(
			Reason.CreativeFormat,
		);
	});

	it("ignores images inside comments and scripts", () => {
		const adm =
			'<!-- <img src="https://old.example/old.png" width="1920" height="1080"> -->' +
			"<script>document.write('<img src=\"https://evil.example/x.png\">');</script>" +
			"<IMG SRC='https://cdn.example/real.png' WIDTH=1920 HEIGHT=1080>";
		expect(creativeOf(bid({ adm })).asset_url).toBe("https://cdn.example/real.png");
	});

	it("reads unquoted attributes, protocol-relative URLs and '>' inside quoted values", () => {
		const adm = '<img title="a > b" src=//cdn.example/u.webp width=300 height=250>';
		expect(creativeOf(bid({ adm }))).toMatchObject({
			asset_url: "https://cdn.example/u.webp",
			mime: "image/webp",
			w: 300,
			h: 250,
			duration_s: 0,
		});
	});

	it("prefers bid.w/h over the tag's attributes; fails without any size", () => {
		const adm = '<img src="https://cdn.example/a.png" width="300" height="250">';
		expect(creativeOf(bid({ adm, w: 1920, h: 1080 }))).toMatchObject({ w: 1920, h: 1080 });
		expect(reasonOf(bid({ adm: '<img src="https://cdn.example/a.png">' }))).toBe(
			Reason.CreativeFormat,
		);
	});

	it("rejects ambiguous, empty or script-only markup", () => {
		const two = '<img src="https://cdn.example/a.png"><img src="https://cdn.example/b.png">';
		expect(reasonOf(bid({ adm: two, w: 10, h: 10 }))).toBe(Reason.CreativeFormat);
		expect(reasonOf(bid({ adm: "<div>Hello</div>", w: 10, h: 10 }))).toBe(Reason.CreativeFormat);
		expect(reasonOf(bid({ adm: "<script src='https://x.example/tag.js'></script>" }))).toBe(
			Reason.CreativeFormat,
		);
		expect(reasonOf(bid({ adm: '<img src="data:image/png;base64,AAAA">', w: 1, h: 1 }))).toBe(
			Reason.CreativeFormat,
		);
		expect(reasonOf(bid({ adm: "<!-- unterminated <img src='https://a.example/a.png'>" }))).toBe(
			Reason.CreativeFormat,
		);
	});

	it("ignores a non-positive or non-numeric bid.dur", () => {
		const adm = '<img src="https://cdn.example/a.png">';
		expect(creativeOf(bid({ adm, w: 1, h: 1, dur: 0 })).duration_s).toBe(0);
		expect(creativeOf(bid({ adm, w: 1, h: 1, dur: "9" as unknown as number })).duration_s).toBe(0);
	});
});

describe("extractCreative: the buyer's trackers", () => {
	it("VAST 3: <Impression> and <Error> of the inline ad, entities decoded, macros as written", () => {
		const c = creativeOf(bid({ adm: vast("vast3-inline.xml") }), SLOT_1080P);
		expect(c.trackers).toEqual({
			impressions: ["https://imp.example/i?x=1&y=2"],
			errors: ["https://err.example/e?code=[ERRORCODE]"],
		});
	});

	it("VAST: only http(s) URLs of at most 2,048 characters, each once, at most 5 of each", () => {
		const imps = [
			"javascript:alert(1)",
			"",
			"//proto.example/rel",
			`https://long.example/${"x".repeat(2_048)}`,
			`https://a.example/1?p=\${AUCTION_PRICE}&t=[TIMESTAMP]`,
			`https://a.example/1?p=\${AUCTION_PRICE}&t=[TIMESTAMP]`,
			...Array.from({ length: 8 }, (_, i) => `https://n.example/${i}`),
		]
			.map((u) => `<Impression><![CDATA[${u}]]></Impression>`)
			.join("");
		const adm = vast("vast4-image.xml").replace(
			/<Impression>.*?<\/Impression>/,
			`${imps}<Error>ftp://no.example/e</Error><Error>https://e.example/[ERRORCODE]</Error>`,
		);
		expect(creativeOf(bid({ adm }), SLOT_1080P).trackers).toEqual({
			impressions: [
				"https://proto.example/rel",
				`https://a.example/1?p=\${AUCTION_PRICE}&t=[TIMESTAMP]`,
				"https://n.example/0",
				"https://n.example/1",
				"https://n.example/2",
			],
			errors: ["https://e.example/[ERRORCODE]"],
		});
	});

	it("HTML: every 1×1 pixel (attributes or inline style) other than the image that plays", () => {
		const adm =
			'<img src="https://cdn.brand.example/sale.png" width="1920" height="1080">' +
			`<img src="https://t1.example/p?c=\${AUCTION_PRICE}" width="1px" height="1">` +
			'<img src="https://t2.example/p" style="width: 1px; height:1px">' +
			'<img src="https://t3.example/p" width="0" height="0">' +
			'<img src="data:image/gif;base64,R0lGOD" width="1" height="1">';
		const c = creativeOf(bid({ adm, w: 1920, h: 1080, dur: 8 }));
		expect(c.asset_url).toBe("https://cdn.brand.example/sale.png");
		expect(c.trackers).toEqual({
			impressions: [
				`https://t1.example/p?c=\${AUCTION_PRICE}`,
				"https://t2.example/p",
				"https://t3.example/p",
			],
			errors: [],
		});
	});
});

describe("extractCreative: missing fields", () => {
	it("needs a crid and markup", () => {
		expect(reasonOf(bid({ crid: undefined, adm: vast("vast2-inline.xml") }))).toBe(
			Reason.MissingCreativeId,
		);
		expect(reasonOf(bid({ crid: "" }))).toBe(Reason.MissingCreativeId);
		expect(reasonOf(bid({}))).toBe(Reason.MissingMarkup);
		expect(reasonOf(bid({ adm: "   " }))).toBe(Reason.MissingMarkup);
	});
});

describe("parseVastDuration", () => {
	it.each([
		["00:00:15", 15],
		["00:00:15.5", 15.5],
		["00:00:20.500", 20.5],
		["0:00:30.25", 30.25],
		["01:00:00", 3600],
		[" 00:01:05 ", 65],
	])("%s → %s", (text, seconds) => {
		expect(parseVastDuration(text)).toBe(seconds);
	});

	it.each(["00:00:00", "15", "00:60:00", "00:00:15.1234", "", "aa:bb:cc"])(
		"%j is not a duration",
		(text) => {
			expect(parseVastDuration(text)).toBeUndefined();
		},
	);
});

describe("sameAspect", () => {
	it("accepts encoder rounding, rejects other ratios", () => {
		expect(sameAspect({ w: 1280, h: 720 }, { w: 1920, h: 1080 })).toBe(true);
		expect(sameAspect({ w: 854, h: 480 }, { w: 1920, h: 1080 })).toBe(true);
		expect(sameAspect({ w: 1440, h: 1080 }, { w: 1920, h: 1080 })).toBe(false);
		expect(sameAspect({ w: 1080, h: 1920 }, { w: 1920, h: 1080 })).toBe(false);
	});
});

function inlineVast(parts: { mediaFile?: string; duration?: string; url?: string }): string {
	const mediaFile =
		parts.mediaFile ??
		'<MediaFile type="video/mp4" width="1920" height="1080" delivery="progressive">';
	const duration = parts.duration ?? "<Duration>00:00:15</Duration>";
	const url = parts.url ?? "https://cdn.example/spot.mp4";
	return `<VAST version="3.0"><Ad id="1"><InLine><AdSystem>t</AdSystem><AdTitle>t</AdTitle><Creatives><Creative><Linear>${duration}<MediaFiles>${mediaFile}<![CDATA[${url}]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`;
}

function permutations<T>(items: T[]): T[][] {
	if (items.length <= 1) return [items];
	return items.flatMap((item, i) =>
		permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
	);
}
