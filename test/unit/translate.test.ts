import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BidderConfig } from "../../src/px/auction/bidders";
import {
	AdRequest,
	type AdRequestInput,
	Publisher,
	type PublisherInput,
	Screen,
	type ScreenInput,
} from "../../src/px/model/model";
import { toWire } from "../../src/px/openrtb/profiles";
import { type TranslateInput, toBidRequest } from "../../src/px/openrtb/translate";
import { resolveAdRequest } from "../../src/px/screen/resolve";
import { checkBidRequest } from "../support/bid-request-schema";

// Golden files: input PX + expected OpenRTB. `UPDATE_GOLDEN=1` rewrites "expected" from the
// current translation; review the diff before committing it.
const GOLDEN_DIR = new URL("../fixtures/golden/", import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const REQUIRED_CASES = ["static-billboard", "video-lobby", "elevator-short", "touch-kiosk"];

interface GoldenInput {
	id: string;
	now: number;
	tmax: number;
	exchange: { asi: string; tid?: string };
	publisher: PublisherInput;
	profile?: ScreenInput;
	request: AdRequestInput;
	/**
	 * The bidder's dialect settings (BidderConfig `openrtb`, `dooh_aliases`, `profile`): the
	 * expected output is then what that bidder is sent.
	 */
	bidder?: { openrtb?: "2.6" | "2.5"; dooh_aliases?: boolean; profile?: "bidswitch" };
}
interface Golden {
	description: string;
	input: GoldenInput;
	expected?: unknown;
}

function translate(input: GoldenInput, over: Partial<TranslateInput> = {}) {
	const profile = input.profile ? Screen.parse(input.profile) : undefined;
	const resolved = resolveAdRequest(AdRequest.parse(input.request), profile, input.now);
	if (!resolved.ok) throw new Error(JSON.stringify(resolved.error));
	return toBidRequest({
		id: input.id,
		resolved: resolved.value,
		publisher: Publisher.parse(input.publisher),
		exchange: input.exchange,
		tmax: input.tmax,
		now: input.now,
		...over,
	});
}

function emptyValues(value: unknown, path = "#"): string[] {
	if (value === undefined || value === null) return [path];
	if (typeof value !== "object") return [];
	return Object.entries(value).flatMap(([k, v]) => emptyValues(v, `${path}/${k}`));
}

const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".json"));
const golden = (name: string): Golden =>
	JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN_DIR), "utf8")) as Golden;

describe("golden PX → OpenRTB translations", () => {
	it("covers the required screen kinds", () => {
		expect(files.map((f) => f.replace(/\.json$/, ""))).toEqual(
			expect.arrayContaining(REQUIRED_CASES),
		);
	});

	for (const file of files) {
		const name = file.replace(/\.json$/, "");
		it(name, () => {
			const g = golden(name);
			const bidder = BidderConfig.parse({
				name: "golden",
				endpoint: "https://dsp.example/bid",
				...g.input.bidder,
			});
			const actual = toWire(translate(g.input), bidder);
			if (UPDATE) {
				const next = { description: g.description, input: g.input, expected: actual };
				writeFileSync(new URL(file, GOLDEN_DIR), `${JSON.stringify(next, null, "\t")}\n`);
				return;
			}
			expect(g.expected, "no expected output yet: run with UPDATE_GOLDEN=1").toBeDefined();
			// Strict: an `undefined`-valued key would pass a loose comparison.
			expect(actual).toStrictEqual(g.expected);
			expect(emptyValues(actual)).toEqual([]);
			expect(checkBidRequest(g.expected, bidder)).toEqual([]);
		});
	}
});

describe("toBidRequest", () => {
	const billboard = golden("static-billboard").input;
	const lobby = golden("video-lobby").input;
	const kiosk = golden("touch-kiosk").input;
	const elevator = golden("elevator-short").input;

	it("never sends site or app, and always the DOOH device basics", () => {
		for (const input of [billboard, lobby, kiosk, elevator]) {
			const req = translate(input);
			expect(req).not.toHaveProperty("site");
			expect(req).not.toHaveProperty("app");
			expect(req.device?.devicetype).toBe(8);
			expect(req.device?.ifa).toBe(req.dooh?.id);
			expect(req.device?.ext).toEqual({ ifa_type: "ppid" });
			expect(req.dooh?.venuetypetax).toBe(5);
			expect(req.imp).toHaveLength(1);
			expect(req.imp[0]?.id).toBe("1");
			expect(req.source?.schain?.nodes).toEqual([
				{ asi: input.exchange.asi, sid: input.publisher.id, hp: 1 },
			]);
		}
	});

	it("sends rqddurs or minduration/maxduration, never both", () => {
		expect(translate(kiosk).imp[0]?.video).toMatchObject({ rqddurs: [15, 30] });
		expect(translate(kiosk).imp[0]?.video).not.toHaveProperty("minduration");
		expect(translate(kiosk).imp[0]?.video).not.toHaveProperty("maxduration");
		const lobbyVideo = translate(lobby).imp[0]?.video;
		expect(lobbyVideo).toMatchObject({ minduration: 5, maxduration: 30 });
		expect(lobbyVideo).not.toHaveProperty("rqddurs");
		expect(translate(elevator).imp[0]?.video).not.toHaveProperty("minduration");
	});

	it("forbids letterboxing only when the aspect must match exactly", () => {
		const exact = structuredClone(lobby);
		exact.request.screen!.slots[0]!.exact_aspect = true;
		expect(translate(exact).imp[0]?.video?.boxingallowed).toBe(0);
		expect(translate(lobby).imp[0]?.video).not.toHaveProperty("boxingallowed");
	});

	it("maps the audience source to qty.sourcetype, with vendor only for vendors", () => {
		expect(translate(billboard).imp[0]?.qty).toEqual({
			multiplier: 85.3,
			sourcetype: 1,
			vendor: "geopath.org",
		});
		expect(translate(lobby).imp[0]?.qty).toEqual({ multiplier: 6.2, sourcetype: 2 });
		expect(translate(elevator).imp[0]?.qty).toEqual({ multiplier: 3.5, sourcetype: 3 });
		expect(translate(kiosk).imp[0]).not.toHaveProperty("qty");
	});

	it("takes the slot floor over the publisher floor and leaves out a zero floor", () => {
		expect(translate(billboard).imp[0]).toMatchObject({ bidfloor: 12.5, bidfloorcur: "USD" });
		expect(translate(lobby).imp[0]).toMatchObject({ bidfloor: 4, bidfloorcur: "EUR" });
		expect(translate(elevator).imp[0]).not.toHaveProperty("bidfloor");
		expect(translate(elevator).imp[0]).not.toHaveProperty("bidfloorcur");
	});

	it("plans the play time in ms and counts imp.exp from the auction", () => {
		const imp = translate(billboard).imp[0];
		expect(imp?.dt).toBe(billboard.request.play_at);
		expect(imp?.exp).toBe(600 + 3600);
		expect(translate(billboard, { now: undefined }).imp[0]?.exp).toBe(3600);
		expect(translate(elevator).imp[0]).toMatchObject({ dt: elevator.now, exp: 900 });
	});

	it("offers banner for stills and HTML, video only for video", () => {
		const bb = translate(billboard).imp[0];
		expect(bb?.banner).toMatchObject({ w: 1400, h: 400, format: [{ w: 1400, h: 400 }] });
		expect(bb).not.toHaveProperty("video");
		// HTML5 is not played (only an HTML snippet's one <img> is), so text/html is never offered.
		expect(translate(kiosk).imp[0]?.banner?.mimes).toEqual(["image/png"]);
		expect(translate(kiosk).imp[0]?.video?.mimes).toEqual(["video/mp4"]);
	});

	it("blocks creatives that need a touch on screens nobody can touch", () => {
		expect(translate(lobby).imp[0]?.video?.battr).toEqual([2, 4, 5, 7, 13]);
		expect(translate(kiosk).imp[0]?.banner).not.toHaveProperty("battr");
		expect(translate(kiosk).imp[0]?.video).not.toHaveProperty("battr");
	});

	it("signals sound on or off through the playback method", () => {
		expect(translate(kiosk).imp[0]?.video?.playbackmethod).toEqual([1]);
		expect(translate(lobby).imp[0]?.video?.playbackmethod).toEqual([2]);
	});

	it("keeps keywords as one comma-separated string and omits empty block lists", () => {
		expect(translate(billboard).dooh?.keywords).toBe("roadside,I-95 northbound");
		expect(translate(lobby).dooh).not.toHaveProperty("keywords");
		expect(translate(billboard)).toMatchObject({
			bcat: ["IAB7-39", "IAB26"],
			badv: ["rival-outdoor.example"],
		});
		expect(translate(lobby)).not.toHaveProperty("bcat");
		expect(translate(lobby)).not.toHaveProperty("badv");
	});

	it("puts an IPv6 address in ipv6, not ip", () => {
		expect(translate(kiosk).device).toMatchObject({ ipv6: "2001:db8::42" });
		expect(translate(kiosk).device).not.toHaveProperty("ip");
		expect(translate(lobby).device).toMatchObject({ ip: "203.0.113.27" });
	});

	it("marks test requests and uses the request id when no transaction id is given", () => {
		expect(translate(elevator).test).toBe(1);
		expect(translate(billboard)).not.toHaveProperty("test");
		expect(translate(lobby).source?.tid).toBe("auc-lobby-1");
	});
});

describe("the signals a DOOH buyer reads", () => {
	const billboard = golden("static-billboard").input;
	const lobby = golden("video-lobby").input;
	const loop = golden("multi-area-loop").input;
	const taxi = golden("moving-taxi").input;
	const JAN_1 = Date.UTC(2026, 0, 15, 12);
	const JUL_1 = Date.UTC(2026, 6, 15, 12);
	const at = (input: GoldenInput, t: number) => ({
		...input,
		now: t,
		request: { ...input.request, play_at: t },
	});

	it("offers video as inline VAST 2/3/4, progressive, linear", () => {
		expect(translate(lobby).imp[0]?.video).toMatchObject({
			protocols: [2, 3, 7],
			delivery: [2],
			linearity: 1,
		});
	});

	it("marks a slot that fills the panel fullscreen (pos 7, instl 1), any other partial (8, 0)", () => {
		const full = translate(billboard).imp[0];
		expect(full).toMatchObject({ instl: 1, banner: { pos: 7 } });
		const imps = translate(loop).imp;
		const ad = imps.find((i) => i.tagid === "ad");
		expect(ad).toMatchObject({ instl: 0, banner: { pos: 8 }, video: { pos: 8 } });
	});

	it("sends utcoffset from the screen's time zone at imp.dt, DST included", () => {
		expect(translate(at(lobby, JAN_1)).device?.geo?.utcoffset).toBe(60);
		expect(translate(at(lobby, JUL_1)).device?.geo?.utcoffset).toBe(120);
		// The change happens at the play time, not at the auction: asked in March for April.
		const march = Date.UTC(2026, 2, 28, 12);
		const april = Date.UTC(2026, 2, 29, 12);
		const ahead = { ...at(lobby, march), request: { ...lobby.request, play_at: april } };
		expect(translate(ahead).device?.geo?.utcoffset).toBe(120);
		expect(translate(at(taxi, JUL_1)).device?.geo?.utcoffset).toBe(-240);
	});

	it("sends no utcoffset for a screen without a time zone", () => {
		const noZone = structuredClone(lobby);
		delete noZone.request.screen!.timezone;
		expect(translate(noZone).device?.geo).not.toHaveProperty("utcoffset");
	});

	it("sends a reported position as a GPS fix and drops the registered address", () => {
		const geo = translate(taxi).device?.geo;
		expect(geo).toEqual({
			lat: 40.7484,
			lon: -73.9857,
			type: 1,
			accuracy: 8,
			lastfix: 3,
			country: "USA",
			utcoffset: -300,
		});
		const parked = { ...taxi, request: { ...taxi.request, position: undefined } };
		expect(translate(parked).device?.geo).toMatchObject({
			type: 3,
			region: "NY",
			city: "New York",
		});
	});

	it("names the venue with its OpenOOH lineage and the screen with its publisher", () => {
		const req = translate(billboard);
		expect(req.dooh?.venuetype).toEqual(["3", "301", "30101"]);
		expect(req.dooh?.id).toBe("pub-roadside:bb-i95-nb-12");
		expect(req.device?.ifa).toBe(req.dooh?.id);
	});

	it("blocks the motion attributes where motion is not allowed", () => {
		expect(translate(billboard).imp[0]?.banner?.battr).toEqual([2, 4, 5, 7, 13, 22, 23]);
		expect(translate(lobby).imp[0]?.video?.battr).toEqual([2, 4, 5, 7, 13]);
	});

	it("strips a country prefix a screen registered before regions were validated", () => {
		const input = structuredClone(billboard);
		const stored = Screen.parse(input.profile);
		stored.geo.region = "US-NJ"; // as stored before registration validated it
		const resolved = resolveAdRequest(AdRequest.parse(input.request), stored, input.now);
		if (!resolved.ok) throw new Error(JSON.stringify(resolved.error));
		const req = toBidRequest({
			id: "x",
			resolved: resolved.value,
			publisher: Publisher.parse(input.publisher),
			exchange: input.exchange,
			tmax: 100,
		});
		expect(req.device?.geo?.region).toBe("NJ");
	});
});

describe("Screen registration: region and time zone", () => {
	const profile = golden("static-billboard").input.profile!;
	const issues = (over: Record<string, unknown>, geo: Record<string, unknown> = {}) =>
		Screen.safeParse({ ...profile, ...over, geo: { ...profile.geo, ...geo } }).error?.issues.map(
			(i) => `${i.path.join("/")}: ${i.message}`,
		) ?? [];

	it("takes a US state as its 2-letter code and refuses anything else", () => {
		expect(issues({}, { region: "NJ" })).toEqual([]);
		expect(issues({}, { region: "US-NJ" })[0]).toMatch(/^geo\/region: .*"NJ", not "US-NJ"/);
		expect(issues({}, { region: "ZZ" })[0]).toMatch(/^geo\/region: must be a 2-letter US state/);
		expect(issues({}, { region: "New Jersey" })[0]).toMatch(/^geo\/region/);
	});

	it("takes another country's ISO 3166-2 subdivision code", () => {
		expect(issues({}, { country: "DEU", region: "BY" })).toEqual([]);
		expect(issues({}, { country: "GBR", region: "LND" })).toEqual([]);
		expect(issues({}, { country: "JPN", region: "13" })).toEqual([]);
		expect(issues({}, { country: "DEU", region: "by" })[0]).toMatch(/^geo\/region/);
	});

	it("refuses a time zone Intl does not know", () => {
		expect(issues({ timezone: "Europe/Berlin" })).toEqual([]);
		expect(issues({ timezone: "Mars/Olympus" })).toEqual(["timezone: unknown IANA time zone"]);
	});
});

describe("checkBidRequest", () => {
	const valid = () => structuredClone(golden("video-lobby").expected);
	const REMOVE = Symbol("remove");

	/** Sets (or removes) the value at a slash-separated path of a JSON document. */
	function edit(doc: unknown, path: string, value: unknown): unknown {
		const keys = path.split("/");
		const last = keys.pop() ?? "";
		let node = doc as Record<string, unknown>;
		for (const key of keys) node = node[key] as Record<string, unknown>;
		if (value === REMOVE) delete node[last];
		else node[last] = value;
		return doc;
	}

	it("accepts a golden request", () => {
		expect(checkBidRequest(valid())).toEqual([]);
	});

	const cases: Array<[string, string, unknown, string]> = [
		["dooh with site", "site", { id: "s" }, "#/site"],
		["dooh with app", "app", { id: "a" }, "#/app"],
		["no imp id", "imp/0/id", REMOVE, "#/imp/0/id"],
		["no imp", "imp", [], "#/imp"],
		["no id", "id", REMOVE, "#/id"],
		["rqddurs with min/max", "imp/0/video/rqddurs", [10], "#/imp/0/video/rqddurs"],
		["min above max", "imp/0/video/minduration", 60, "#/imp/0/video/minduration"],
		["vendor missing for sourcetype 1", "imp/0/qty/sourcetype", 1, "#/imp/0/qty/vendor"],
		["unknown sourcetype", "imp/0/qty/sourcetype", 7, "#/imp/0/qty/sourcetype"],
		["not an OOH device", "device/devicetype", 4, "#/device/devicetype"],
		["unknown devicetype", "device/devicetype", 9, "#/device/devicetype"],
		["unknown venuetypetax", "dooh/venuetypetax", 9, "#/dooh/venuetypetax"],
		["unknown auction type", "at", 3, "#/at"],
		["misspelt dooh field", "dooh/venuetax", 1, "#/dooh/venuetax"],
		["geo without lat", "device/geo/lat", REMOVE, "#/device/geo"],
		["venuetype as a number", "dooh/venuetype", [70102], "#/dooh/venuetype/0"],
		["keywords as an array", "dooh/keywords", ["a", "b"], "#/dooh/keywords"],
		["imp without a format", "imp/0", { id: "1" }, "#/imp/0"],
	];
	for (const [name, path, value, pointer] of cases) {
		it(`flags ${name} at ${pointer}`, () => {
			const problems = checkBidRequest(edit(valid(), path, value));
			expect(
				problems.some((p) => p.startsWith(`${pointer}:`)),
				problems.join("\n"),
			).toBe(true);
		});
	}
});

describe("deals: imp.pmp from the publisher and the screen", () => {
	const base = golden("static-billboard").input;

	it("sends no pmp without deals", () => {
		expect(translate(base).imp[0]).not.toHaveProperty("pmp");
	});

	it("sends the publisher's deals with the screen's on top, floors in the publisher's currency", () => {
		const publisher = {
			...base.publisher,
			deals: [
				{ id: "pub-a", bidfloor: 5 },
				{ id: "shared", bidfloor: 6, wseat: ["seat-1"] },
			],
		};
		const profile = {
			...(base.profile ?? base.request.screen!),
			deals: [{ id: "shared", bidfloor: 9, at: 3 as const, wadomain: ["brand.example"] }],
			private_auction: true,
		};
		const request = translate({ ...base, publisher, profile });
		expect(request.imp[0]?.pmp).toEqual({
			private_auction: 1,
			deals: [
				{ id: "pub-a", bidfloor: 5, bidfloorcur: "USD" },
				{ id: "shared", bidfloor: 9, bidfloorcur: "USD", at: 3, wadomain: ["brand.example"] },
			],
		});
		expect(checkBidRequest(request)).toEqual([]);
	});

	it("a deal for some packages (screen_tags) goes only to screens tagged with one of them", () => {
		const publisher = {
			...base.publisher,
			deals: [
				{ id: "everywhere", bidfloor: 5 },
				{ id: "malls-only", bidfloor: 8, screen_tags: ["mall", "airport"] },
			],
		};
		const screen = base.profile ?? base.request.screen!;
		const ids = (tags?: string[]) =>
			translate({
				...base,
				publisher,
				profile: { ...screen, ...(tags ? { tags } : {}) },
			}).imp[0]?.pmp?.deals?.map((d) => d.id);
		expect(ids()).toEqual(["everywhere"]);
		expect(ids(["roadside"])).toEqual(["everywhere"]);
		expect(ids(["roadside", "airport"])).toEqual(["everywhere", "malls-only"]);
	});
});

describe("Publisher configuration bounds", () => {
	const valid = golden("static-billboard").input.publisher;
	const issues = (over: Record<string, unknown>) =>
		Publisher.safeParse({ ...valid, ...over }).error?.issues.map((i) => i.path.join("/")) ?? [];

	it("ids cannot hold ':' (the screen DO name is publisher:screen)", () => {
		expect(issues({ id: "pub:a" })).toEqual(["id"]);
		expect(issues({ id: "pub.a_b-c" })).toEqual([]);
	});

	it("floors and the bid cap are finite and bounded; the floor cannot exceed the cap", () => {
		expect(issues({ floor_cpm: 1e17 })).toContain("floor_cpm");
		expect(issues({ floor_cpm: Number.POSITIVE_INFINITY })).toContain("floor_cpm");
		expect(issues({ max_bid_cpm: 0 })).toContain("max_bid_cpm");
		expect(issues({ floor_cpm: 50, max_bid_cpm: 40 })).toEqual(["floor_cpm"]);
		expect(Publisher.parse(valid).max_bid_cpm).toBe(1000);
	});

	it("deal ids are unique", () => {
		expect(
			issues({
				deals: [
					{ id: "d", bidfloor: 1 },
					{ id: "d", bidfloor: 2 },
				],
			}),
		).toEqual(["deals"]);
	});
});

describe("bidder profiles: toWire", () => {
	const lobby = golden("video-lobby.ortb25");
	const v25 = () => structuredClone(lobby.expected) as Record<string, unknown>;

	it("is pure: the 2.6 request the bids are judged against is left as built", () => {
		const request = translate(lobby.input);
		const before = structuredClone(request);
		toWire(request, { openrtb: "2.5", dooh_aliases: true, profile: "bidswitch" });
		expect(request).toStrictEqual(before);
	});

	it("sends the 2.6 request unchanged to a 2.6 bidder without extensions", () => {
		const request = translate(lobby.input);
		expect(toWire(request, { openrtb: "2.6" })).toStrictEqual(request);
	});

	const cases: Array<[string, (doc: Record<string, unknown>) => void, string]> = [
		["dooh at the top", (d) => Object.assign(d, { dooh: { id: "x" } }), "#/dooh"],
		[
			"a 2.6 imp.qty",
			(d) => Object.assign((d.imp as object[])[0]!, { qty: { multiplier: 2 } }),
			"#/imp/0/qty",
		],
		["source.schain", (d) => Object.assign(d.source as object, { schain: {} }), "#/source/schain"],
		["regs.gdpr", (d) => Object.assign(d.regs as object, { gdpr: 1 }), "#/regs/gdpr"],
		[
			"pos 8, a 2.6 list value",
			(d) => Object.assign((d.imp as { banner: object }[])[0]!.banner, { pos: 8 }),
			"#/imp/0/banner/pos",
		],
		[
			"a 2.5 ext multiplier that is not a Qty",
			(d) => Object.assign((d.imp as { ext: object }[])[0]!.ext, { qty: 3 }),
			"#/imp/0/ext/qty",
		],
	];
	for (const [name, change, pointer] of cases) {
		it(`the 2.5 check flags ${name} at ${pointer}`, () => {
			const doc = v25();
			change(doc);
			const problems = checkBidRequest(doc, { openrtb: "2.5" });
			expect(
				problems.some((p) => p.startsWith(`${pointer}:`)),
				problems.join("\n"),
			).toBe(true);
		});
	}

	it("the 2.6 check refuses the aliases unless the profile sends them", () => {
		const aliased = golden("elevator-short.aliases-bidswitch").expected;
		expect(checkBidRequest(aliased)).toContain("#/dooh/venuetypeid: not an OpenRTB 2.6 field");
		expect(checkBidRequest(aliased, { dooh_aliases: true })).toEqual([]);
	});
});
