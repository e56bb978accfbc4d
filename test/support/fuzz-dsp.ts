// Generated DSP answers for the fuzz suite (runs in the Node DSP server). `/dsp/fuzz?seed=N`
// answers deterministically from its seed: arbitrary JSON, OpenRTB-shaped responses whose every
// field may be hostile, and mutations of a valid answer. A few bids carry the fuzz pool's approved
// creative (FUZZ_CRID at its asset), so auctions can fill and the suite can check that whatever
// fills was approved.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import type { BidRequest } from "iab-openrtb/v26";
import { staticAssetUrl, videoAssetUrl } from "../../demo/dsps";
import { vast } from "../../demo/vast";
import { FUZZ_ADOMAIN, FUZZ_CRID } from "./fuzz-pool";

const vastDir = new URL("../fixtures/bids/vast/", import.meta.url);
const fixtureVast = readdirSync(vastDir).map((f) => readFileSync(new URL(f, vastDir), "utf8"));

export interface FuzzAnswer {
	status: number;
	body?: string;
}

/** The approved asset for this request's slot: a video for video slots, else an image. */
function approvedMarkup(req: BidRequest, base: string): { adm: string; w: number; h: number } {
	const imp = req.imp?.[0];
	const video = imp?.video;
	if (video?.w && video?.h && video.h > video.w) {
		const adm = vast({
			adId: FUZZ_CRID,
			mediaUrl: videoAssetUrl(base, true),
			mime: "video/mp4",
			w: 1080,
			h: 1920,
			durationS: 15,
		});
		return { adm, w: 1080, h: 1920 };
	}
	const w = imp?.banner?.w ?? video?.w ?? 1400;
	const h = imp?.banner?.h ?? video?.h ?? 400;
	const adm = vast({
		adId: FUZZ_CRID,
		mediaUrl: staticAssetUrl(base, FUZZ_CRID, { w, h }),
		mime: "image/png",
		w,
		h,
		durationS: 10,
	});
	return { adm, w, h };
}

const hostileString = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.constantFrom("", " ", "\u0000", "<", "]]>", "$" + "{AUCTION_PRICE}", "x".repeat(3000)),
	fc.string({ unit: "grapheme", maxLength: 20 }),
);
const hostileNumber = fc.oneof(
	fc.double(),
	fc.integer(),
	fc.constantFrom(0, -1, 1e17, 1e308, -0, 0.00001, 999.9999, 1000.01, Number.MAX_SAFE_INTEGER),
);
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, hostileNumber);

/** One field of a bid: usually sane, sometimes anything at all, sometimes missing. */
function field<T>(sane: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
	return fc.oneof(
		{ weight: 6, arbitrary: sane },
		{ weight: 2, arbitrary: anyValue },
		{ weight: 1, arbitrary: fc.constant(undefined) },
	);
}

function bidArbitrary(req: BidRequest, base: string): fc.Arbitrary<Record<string, unknown>> {
	const approved = approvedMarkup(req, base);
	const notice = (kind: string) =>
		`${base}/notices/fuzz/${kind}?p=\${AUCTION_PRICE}&l=\${AUCTION_LOSS}`;
	const video = req.imp?.[0]?.video !== undefined && approved.h > approved.w;
	// A bid the edge should accept, so that auctions fill and approval can be checked.
	const valid = fc.record({
		id: fc.string({ minLength: 1, maxLength: 12 }),
		impid: fc.constant("1"),
		price: fc.double({ min: 2.5, max: 40, noNaN: true }),
		crid: fc.constant(FUZZ_CRID),
		adm: fc.constant(approved.adm),
		adomain: fc.constant([FUZZ_ADOMAIN]),
		cat: fc.constant(["IAB8"]),
		w: fc.constant(approved.w),
		h: fc.constant(approved.h),
		dur: fc.constant(video ? 15 : 10),
		mtype: fc.constant(video ? 2 : 1),
		nurl: fc.constant(notice("nurl")),
		lurl: fc.constant(notice("lurl")),
		burl: fc.constant(notice("burl")),
	});
	// ...then some of its fields replaced by anything at all (or deleted).
	const mutated = fc
		.tuple(
			valid,
			fc.array(
				fc.tuple(
					fc.constantFrom(
						"id",
						"impid",
						"price",
						"crid",
						"adm",
						"adomain",
						"cat",
						"w",
						"h",
						"dur",
						"mtype",
						"exp",
						"dealid",
						"nurl",
						"lurl",
						"burl",
					),
					fc.oneof(anyValue, fc.constant(undefined)),
				),
				{ minLength: 1, maxLength: 4 },
			),
		)
		.map(([bid, changes]) => {
			const out: Record<string, unknown> = { ...bid };
			for (const [key, value] of changes) {
				if (value === undefined) delete out[key];
				else out[key] = value;
			}
			return out;
		});
	const markup = fc.oneof(
		{ weight: 2, arbitrary: fc.constantFrom(...fixtureVast) },
		{
			weight: 2,
			arbitrary: fc
				.tuple(fc.nat(approved.adm.length), fc.string({ maxLength: 30 }))
				.map(([at, text]) => approved.adm.slice(0, at) + text + approved.adm.slice(at)),
		},
		{ weight: 1, arbitrary: anyValue },
	);
	const wild = fc.record(
		{
			id: field(fc.string({ minLength: 1, maxLength: 12 })),
			impid: field(fc.constantFrom("1", "2")),
			price: field(hostileNumber),
			crid: field(fc.constantFrom(FUZZ_CRID, "other-crid")),
			adm: markup,
			adomain: field(fc.constantFrom([FUZZ_ADOMAIN], ["blocked.example"], [""], [])),
			cat: field(fc.constantFrom(["IAB8"], ["IAB25-3"], [])),
			dur: field(fc.constantFrom(10, 15, 0, 9999)),
			exp: field(fc.integer({ min: -10, max: 90_000 })),
			mtype: field(fc.constantFrom(1, 2, 3, 4)),
			dealid: fc.option(fc.constantFrom("unknown-deal", ""), { nil: undefined }),
		},
		{ requiredKeys: [] },
	);
	return fc.oneof(
		{ weight: 3, arbitrary: valid },
		{ weight: 4, arbitrary: mutated },
		{ weight: 3, arbitrary: wild },
	);
}

function answerArbitrary(req: BidRequest, base: string): fc.Arbitrary<FuzzAnswer> {
	const json = (body: unknown): FuzzAnswer => ({ status: 200, body: JSON.stringify(body) });
	const openRtb = fc
		.record({
			id: fc.oneof(
				{ weight: 8, arbitrary: fc.constant(req.id) },
				{ weight: 1, arbitrary: anyValue },
			),
			cur: fc.option(fc.constantFrom("USD", "usd", "EUR", "US", ""), { nil: undefined }),
			seatbid: fc.array(
				fc.record({
					seat: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
					bid: fc.array(bidArbitrary(req, base), { minLength: 0, maxLength: 14 }),
				}),
				{ minLength: 0, maxLength: 3 },
			),
			nbr: fc.option(anyValue, { nil: undefined }),
		})
		.map(json);
	return fc.oneof(
		{ weight: 12, arbitrary: openRtb },
		{ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
		{ weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((body) => ({ status: 200, body })) },
		{
			weight: 1,
			arbitrary: fc.constantFrom<FuzzAnswer>({ status: 204 }, { status: 500, body: "no" }),
		},
	);
}

export function fuzzAnswer(seed: number, req: BidRequest, base: string): FuzzAnswer {
	return fc.sample(answerArbitrary(req, base), { seed, numRuns: 1 })[0]!;
}
