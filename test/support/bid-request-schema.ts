// An OpenRTB 2.6 DOOH bid request as a zod schema, written from the spec (§3.2 objects, §7.9
// DOOH notes) and AdCOM 1.0 lists; and the same request in the 2.5 profile (the 2.5 spec's
// objects and lists, with each 2.6 addition in the `ext` of the object that holds it in 2.6, the
// 2.5-era locations: source.ext.schain, regs.ext.gdpr, user.ext.eids, imp.ext.qty...). Only the tests use it: they hold every request the
// translation builds to it, so the edge does not pay to re-validate its own output per auction. Objects we
// fill are strict, so a misspelt field (`venuetax`, `long`) fails here instead of being silently
// ignored by every DSP; objects we never fill are only checked to be objects.
import { z } from "zod";
import { checkRange } from "../../src/px/model/range-check";

const int = z.number().int();
const nonNegInt = int.nonnegative();
const flag = z.literal([0, 1]);
const str = z.string();
const strings = z.array(str);
const ext = z.record(z.string(), z.unknown()).optional();
const anyObject = z.looseObject({});
/** AdCOM lists reserve 500+ for exchange-specific values. */
const adcom = (...values: number[]) =>
	int.refine((v) => values.includes(v) || v >= 500, {
		message: `must be one of ${values.join(", ")} or an exchange-specific value (500+)`,
	});

const Format = z.strictObject({
	w: nonNegInt.optional(),
	h: nonNegInt.optional(),
	wratio: nonNegInt.optional(),
	hratio: nonNegInt.optional(),
	wmin: nonNegInt.optional(),
	ext,
});

export type OpenRtbVersion = "2.6" | "2.5";

const range = (from: number, to: number) =>
	Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** A 2.5 `ext` that holds 2.6 fields: those are checked, anything else is the exchange's. */
const extWith = (shape: Record<string, z.ZodType>) => z.looseObject(shape).optional();
/** The 2.6 lists, for values the 2.5 profile moves into ext. */
const Position26 = adcom(...range(0, 17));
const Attribute26 = adcom(...range(1, 23));

function exclusive(
	ctx: z.RefinementCtx,
	present: Record<string, unknown>,
	a: string,
	b: string,
	message: string,
) {
	if (present[a] !== undefined && present[b] !== undefined) {
		ctx.addIssue({ code: "custom", path: [b], message });
	}
}

function build(version: OpenRtbVersion, aliases: boolean) {
	const v26 = version === "2.6";
	/** Creative Attributes: AdCOM 1–23 (21–23 motion); OpenRTB 2.5 §5.3 stops at 17. */
	const CreativeAttribute = adcom(...range(1, v26 ? 23 : 17));
	/** Placement Positions: AdCOM 0–17 (7 fullscreen, 8 partial screen); 2.5 §5.4 stops at 7. */
	const Position = adcom(...range(0, v26 ? 17 : 7));

	const Banner = z.strictObject({
		format: z.array(Format).optional(),
		w: nonNegInt.optional(),
		h: nonNegInt.optional(),
		btype: z.array(int).optional(),
		battr: z.array(CreativeAttribute).optional(),
		pos: Position.optional(),
		mimes: strings.optional(),
		topframe: flag.optional(),
		expdir: z.array(int).optional(),
		api: z.array(int).optional(),
		id: str.optional(),
		vcm: flag.optional(),
		ext: v26
			? ext
			: extWith({ pos: Position26.optional(), battr: z.array(Attribute26).optional() }),
	});

	const Video = z
		.strictObject({
			mimes: strings.min(1),
			minduration: nonNegInt.optional(),
			maxduration: int.positive().optional(),
			startdelay: int.min(-2).optional(),
			/** AdCOM Creative Subtypes - Audio/Video, 1–16. */
			protocols: z.array(adcom(...range(1, v26 ? 16 : 10))).optional(),
			w: nonNegInt.optional(),
			h: nonNegInt.optional(),
			placement: adcom(1, 2, 3, 4, 5).optional(),
			linearity: adcom(1, 2).optional(),
			skip: flag.optional(),
			skipmin: nonNegInt.optional(),
			skipafter: nonNegInt.optional(),
			sequence: int.optional(),
			battr: z.array(CreativeAttribute).optional(),
			maxextended: int.optional(),
			minbitrate: nonNegInt.optional(),
			maxbitrate: nonNegInt.optional(),
			boxingallowed: flag.optional(),
			playbackmethod: z.array(adcom(1, 2, 3, 4, 5, 6, 7)).optional(),
			playbackend: int.optional(),
			delivery: z.array(adcom(1, 2, 3)).optional(),
			pos: Position.optional(),
			companionad: z.array(anyObject).optional(),
			api: z.array(int).optional(),
			companiontype: z.array(int).optional(),
			...(v26
				? {
						maxseq: nonNegInt.optional(),
						poddur: int.positive().optional(),
						podid: str.optional(),
						podseq: int.optional(),
						rqddurs: z.array(int.positive()).min(1).optional(),
						plcmt: adcom(1, 2, 3, 4).optional(),
						slotinpod: int.optional(),
						mincpmpersec: z.number().nonnegative().optional(),
						poddedupe: z.array(int).optional(),
						durfloors: z.array(anyObject).optional(),
						ext,
					}
				: {
						ext: extWith({
							plcmt: adcom(1, 2, 3, 4).optional(),
							rqddurs: z.array(int.positive()).min(1).optional(),
							pos: Position26.optional(),
							battr: z.array(Attribute26).optional(),
						}),
					}),
		})
		.superRefine((video, ctx) => {
			if (
				"rqddurs" in video &&
				video.rqddurs !== undefined &&
				(video.minduration !== undefined || video.maxduration !== undefined)
			) {
				ctx.addIssue({
					code: "custom",
					path: ["rqddurs"],
					message: "rqddurs and minduration/maxduration are mutually exclusive",
				});
			}
			checkRange(video, ctx, "minduration", "maxduration");
		});

	const Qty = z
		.strictObject({
			multiplier: z.number().positive(),
			sourcetype: adcom(0, 1, 2, 3).optional(),
			vendor: str.min(1).optional(),
			ext,
		})
		.refine((qty) => qty.sourcetype !== 1 || qty.vendor !== undefined, {
			path: ["vendor"],
			message: "vendor is required when sourcetype is 1 (measurement vendor)",
		});

	const Imp = z
		.strictObject({
			id: str.min(1),
			metric: z.array(anyObject).optional(),
			banner: Banner.optional(),
			video: Video.optional(),
			audio: anyObject.optional(),
			native: anyObject.optional(),
			pmp: anyObject.optional(),
			displaymanager: str.optional(),
			displaymanagerver: str.optional(),
			instl: flag.optional(),
			tagid: str.optional(),
			bidfloor: z.number().nonnegative().optional(),
			bidfloorcur: str.regex(/^[A-Z]{3}$/, "ISO-4217 alpha code").optional(),
			clickbrowser: flag.optional(),
			secure: flag.optional(),
			iframebuster: strings.optional(),
			exp: int.positive().optional(),
			...(v26
				? {
						rwdd: flag.optional(),
						ssai: z.literal([0, 1, 2, 3]).optional(),
						qty: Qty.optional(),
						dt: z.number().positive().optional(),
						refresh: anyObject.optional(),
						ext,
					}
				: { ext: extWith({ qty: Qty.optional(), dt: z.number().positive().optional() }) }),
		})
		.refine((imp) => imp.banner || imp.video || imp.audio || imp.native, {
			message: "an imp needs at least one of banner, video, audio, native",
		});

	const Publisher = z.strictObject({
		id: str.optional(),
		name: str.optional(),
		cattax: int.optional(),
		cat: strings.optional(),
		domain: str.optional(),
		ext,
	});

	const Dooh = z.strictObject({
		id: str.optional(),
		name: str.optional(),
		venuetype: strings.min(1).optional(),
		venuetypetax: adcom(0, 1, 2, 3, 4, 5).optional(),
		publisher: Publisher.optional(),
		domain: str.optional(),
		keywords: str.optional(),
		content: anyObject.optional(),
		...(aliases ? { venuetypeid: int.positive().optional(), venuetax: int.optional() } : {}),
		ext,
	});

	const Geo = z.strictObject({
		lat: z.number().min(-90).max(90).optional(),
		lon: z.number().min(-180).max(180).optional(),
		type: adcom(1, 2, 3).optional(),
		accuracy: nonNegInt.optional(),
		lastfix: nonNegInt.optional(),
		ipservice: int.optional(),
		country: str.regex(/^[A-Z]{3}$/, "ISO-3166-1 alpha-3").optional(),
		// ISO 3166-2 subdivision code; a 2-letter state code in the USA.
		region: str.regex(/^[A-Z0-9]{1,3}$/, "ISO 3166-2 subdivision code").optional(),
		regionfips104: str.optional(),
		metro: str.optional(),
		city: str.optional(),
		zip: str.optional(),
		utcoffset: int
			.min(-12 * 60)
			.max(14 * 60)
			.optional(),
		ext,
	});

	const Device = z.strictObject({
		geo: Geo.optional(),
		dnt: flag.optional(),
		lmt: flag.optional(),
		ua: str.optional(),
		ip: z.ipv4().optional(),
		ipv6: z.ipv6().optional(),
		devicetype: adcom(1, 2, 3, 4, 5, 6, 7, 8).optional(),
		make: str.optional(),
		model: str.optional(),
		os: str.optional(),
		osv: str.optional(),
		hwv: str.optional(),
		h: nonNegInt.optional(),
		w: nonNegInt.optional(),
		ppi: int.positive().optional(),
		pxratio: z.number().positive().optional(),
		js: flag.optional(),
		geofetch: flag.optional(),
		flashver: str.optional(),
		language: str.optional(),
		carrier: str.optional(),
		mccmnc: str.optional(),
		connectiontype: adcom(0, 1, 2, 3, 4, 5, 6, 7).optional(),
		ifa: str.optional(),
		...(v26 ? { sua: anyObject.optional(), langb: str.optional() } : {}),
		ext,
	});

	const Eid = z.strictObject({
		inserter: str.optional(),
		source: str.min(1),
		matcher: str.optional(),
		mm: int.optional(),
		uids: z.array(z.strictObject({ id: str.min(1), atype: adcom(1, 2, 3).optional(), ext })).min(1),
		ext,
	});

	const User = z.strictObject({
		id: str.optional(),
		buyeruid: str.optional(),
		keywords: str.optional(),
		customdata: str.optional(),
		geo: anyObject.optional(),
		data: z.array(anyObject).optional(),
		...(v26
			? { kwarray: strings.optional(), consent: str.optional(), eids: z.array(Eid).optional(), ext }
			: { ext: extWith({ consent: str.optional(), eids: z.array(Eid).optional() }) }),
	});

	const privacy = {
		gdpr: flag.optional(),
		us_privacy: str.optional(),
		gpp: str.min(1).optional(),
		gpp_sid: z.array(int.positive()).min(1).optional(),
	};
	const Regs = z.strictObject({
		coppa: flag.optional(),
		...(v26 ? { ...privacy, ext } : { ext: extWith(privacy) }),
	});

	const SupplyChainNode = z.strictObject({
		asi: str.min(1),
		sid: str.min(1),
		rid: str.optional(),
		name: str.optional(),
		domain: str.optional(),
		hp: flag,
		ext,
	});

	const SupplyChain = z.strictObject({
		complete: flag,
		nodes: z.array(SupplyChainNode).min(1),
		ver: str.min(1),
		ext,
	});

	const Source = z.strictObject({
		fd: flag.optional(),
		tid: str.optional(),
		pchain: str.optional(),
		...(v26 ? { schain: SupplyChain.optional(), ext } : { ext: extWith({ schain: SupplyChain }) }),
	});

	/** AdCOM Category Taxonomies 1–9 (8: Ad Product Taxonomy 2.0). */
	const Cattax = adcom(1, 2, 3, 4, 5, 6, 7, 8, 9);

	const Request = z
		.strictObject({
			id: str.min(1),
			imp: z.array(Imp).min(1),
			site: anyObject.optional(),
			app: anyObject.optional(),
			device: Device,
			user: User.optional(),
			test: flag.optional(),
			at: adcom(1, 2).optional(),
			tmax: int.positive().optional(),
			wseat: strings.optional(),
			bseat: strings.optional(),
			allimps: flag.optional(),
			cur: z
				.array(str.regex(/^[A-Z]{3}$/, "ISO-4217 alpha code"))
				.min(1)
				.optional(),
			wlang: z.array(str.regex(/^[a-z]{2}$/, "ISO-639-1-alpha-2")).optional(),
			bcat: strings.optional(),
			badv: strings.optional(),
			bapp: strings.optional(),
			source: Source.optional(),
			regs: Regs.optional(),
			...(v26
				? {
						dooh: Dooh,
						wlangb: strings.optional(),
						acat: strings.optional(),
						cattax: Cattax.optional(),
						ext,
					}
				: { ext: z.looseObject({ dooh: Dooh, cattax: Cattax.optional() }) }),
		})
		.superRefine((req, ctx) => {
			const doohAt = { ...req, dooh: "dooh" in req ? req.dooh : req.ext?.dooh };
			exclusive(ctx, doohAt, "dooh", "site", "a request with dooh must not contain site");
			exclusive(ctx, doohAt, "dooh", "app", "a request with dooh must not contain app");
			exclusive(ctx, req, "wseat", "bseat", "send at most one of wseat and bseat");
			exclusive(ctx, req, "wlang", "wlangb", "send at most one of wlang and wlangb");
			exclusive(ctx, req, "acat", "bcat", "send at most one of acat and bcat");
			// §7.9.2.5: DOOH devices are type 8, and lat/lon are required because ip rarely exists.
			if (req.device.devicetype !== 8) {
				ctx.addIssue({
					code: "custom",
					path: ["device", "devicetype"],
					message: "a DOOH device is devicetype 8",
				});
			}
			if (req.device.geo?.lat === undefined || req.device.geo?.lon === undefined) {
				ctx.addIssue({
					code: "custom",
					path: ["device", "geo"],
					message: "lat and lon are required for DOOH",
				});
			}
			const ids = req.imp.map((imp) => imp.id);
			ids.forEach((id, i) => {
				if (ids.indexOf(id) !== i) {
					ctx.addIssue({ code: "custom", path: ["imp", i, "id"], message: "duplicate imp id" });
				}
			});
		});
	return Request;
}

const pointer = (path: ReadonlyArray<PropertyKey>) =>
	`#${path.map((p) => `/${String(p).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("")}`;

const schemas = new Map<string, ReturnType<typeof build>>();

export interface CheckOptions {
	openrtb?: OpenRtbVersion;
	/** Allow the DOOH aliases `venuetypeid`/`venuetax` some intermediaries read. */
	dooh_aliases?: boolean;
}

/** Every problem as "<JSON pointer>: <message>"; empty when the request is valid. */
export function checkBidRequest(x: unknown, options: CheckOptions = {}): string[] {
	const version = options.openrtb ?? "2.6";
	const aliases = options.dooh_aliases ?? false;
	const key = `${version}${aliases}`;
	let schema = schemas.get(key);
	if (!schema) {
		schema = build(version, aliases);
		schemas.set(key, schema);
	}
	const result = schema.safeParse(x);
	if (result.success) return [];
	return result.error.issues.flatMap((issue) =>
		issue.code === "unrecognized_keys"
			? issue.keys.map((key) => `${pointer([...issue.path, key])}: not an OpenRTB ${version} field`)
			: [`${pointer(issue.path)}: ${issue.message}`],
	);
}
