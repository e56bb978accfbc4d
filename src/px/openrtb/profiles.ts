// One bid request, each bidder's dialect. The auction builds one OpenRTB 2.6 request (translate.ts)
// and judges every bid against it; what goes on the wire to a bidder is this pure function of
// that request and the bidder's profile:
//
// - "2.6" (default): the request as built.
// - "2.5": whatever OpenRTB 2.5 cannot express moves into the `ext` of the object that holds it,
//   under its 2.6 name, the way the 2.5-era extensions (and Prebid Server's ConvertDownTo25) did:
//   source.schain → source.ext.schain, regs.gdpr/gpp/gpp_sid → regs.ext.*, user.eids →
//   user.ext.eids, imp.qty (the DOOH multiplier) and imp.dt → imp.ext.*, video.plcmt and
//   video.rqddurs → video.ext.* (rqddurs also as minduration/maxduration, which 2.5 has),
//   the per-second floors video.mincpmpersec/durfloors and pmp.deals[].mincpmpersec/durfloors →
//   their object's ext,
//   cattax → ext.cattax, dooh → ext.dooh; list values newer than 2.5's lists (pos 8 partial
//   screen, creative attributes above 17) → the object's ext.pos / ext.battr.
// - `dooh_aliases`: also `venuetypeid` (the leaf venue id, a number) and `venuetax` next to
//   venuetype/venuetypetax, the names the OpenRTB 2.6 DOOH examples (§7.9.6) use and some
//   intermediaries read.
// - `profile: "bidswitch"`: the multiplier also where BidSwitch's DOOH protocol reads it,
//   `device.ext.dooh.impmultiply`.
import type { BidRequest } from "iab-openrtb/v26";
import { isObject } from "../model/json";

export type OpenRtbVersion = "2.6" | "2.5";

export interface WireProfile {
	openrtb: OpenRtbVersion;
	dooh_aliases?: boolean;
	profile?: "bidswitch";
}

type Json = Record<string, unknown>;

/** Highest Placement Position and Creative Attribute in OpenRTB 2.5's own lists (§5.4, §5.3). */
const MAX_POS_25 = 7;
const MAX_ATTR_25 = 17;

const asJson = (value: unknown): Json | undefined => (isObject(value) ? value : undefined);

/** `obj` without `keys`, and those keys (when set) in its ext, merged over what ext holds. */
function intoExt(obj: Json, keys: readonly string[], extra: Json = {}): Json {
	const moved: Json = {};
	const rest: Json = {};
	for (const [k, v] of Object.entries(obj)) {
		if (keys.includes(k)) moved[k] = v;
		else rest[k] = v;
	}
	const ext = { ...asJson(obj.ext), ...moved, ...extra };
	return Object.keys(ext).length === 0 ? rest : { ...rest, ext };
}

/** Moves list values 2.5 does not know (pos, battr) into the object's ext. */
function newerValuesIntoExt(obj: Json): Json {
	const extra: Json = {};
	let out = obj;
	if (typeof obj.pos === "number" && obj.pos > MAX_POS_25) {
		extra.pos = obj.pos;
		const { pos: _, ...rest } = out;
		out = rest;
	}
	if (Array.isArray(obj.battr)) {
		const attrs = obj.battr as number[];
		const newer = attrs.filter((a) => a > MAX_ATTR_25);
		if (newer.length > 0) {
			extra.battr = newer;
			const older = attrs.filter((a) => a <= MAX_ATTR_25);
			const { battr: _, ...rest } = out;
			out = older.length > 0 ? { ...rest, battr: older } : rest;
		}
	}
	return Object.keys(extra).length === 0 ? out : intoExt(out, [], extra);
}

function video25(video: Json): Json {
	const rqddurs = video.rqddurs as number[] | undefined;
	const bounds = rqddurs?.length
		? { minduration: Math.min(...rqddurs), maxduration: Math.max(...rqddurs) }
		: {};
	return newerValuesIntoExt(
		intoExt({ ...video, ...bounds }, ["plcmt", "rqddurs", ...PER_SECOND_FLOORS]),
	);
}

/** OpenRTB 2.6's floors by the second, which 2.5 has no field for. */
const PER_SECOND_FLOORS = ["mincpmpersec", "durfloors"];

function pmp25(pmp: Json): Json {
	const deals = pmp.deals as Json[] | undefined;
	return deals ? { ...pmp, deals: deals.map((d) => intoExt(d, PER_SECOND_FLOORS)) } : pmp;
}

function imp25(imp: Json): Json {
	const banner = asJson(imp.banner);
	const video = asJson(imp.video);
	const pmp = asJson(imp.pmp);
	return intoExt(
		{
			...imp,
			...(banner ? { banner: newerValuesIntoExt(banner) } : {}),
			...(video ? { video: video25(video) } : {}),
			...(pmp ? { pmp: pmp25(pmp) } : {}),
		},
		["qty", "dt"],
	);
}

function to25(request: Json): Json {
	const out: Json = { ...request, imp: (request.imp as Json[]).map(imp25) };
	const source = asJson(request.source);
	if (source) out.source = intoExt(source, ["schain"]);
	const regs = asJson(request.regs);
	if (regs) out.regs = intoExt(regs, ["gdpr", "us_privacy", "gpp", "gpp_sid"]);
	const user = asJson(request.user);
	if (user) out.user = intoExt(user, ["eids", "consent"]);
	return intoExt(out, ["dooh", "cattax"]);
}

function withAliases(dooh: Json): Json {
	const venuetype = dooh.venuetype as string[] | undefined;
	const leaf = venuetype?.at(-1);
	return {
		...dooh,
		...(leaf === undefined ? {} : { venuetypeid: Number(leaf) }),
		...(dooh.venuetypetax === undefined ? {} : { venuetax: dooh.venuetypetax }),
	};
}

function withBidswitchMultiplier(request: Json): Json {
	const imps = request.imp as Json[];
	const multiplier = asJson(imps[0]?.qty)?.multiplier;
	if (typeof multiplier !== "number") return request;
	const device = asJson(request.device) ?? {};
	const ext = asJson(device.ext) ?? {};
	const dooh = { ...asJson(ext.dooh), impmultiply: multiplier };
	return { ...request, device: { ...device, ext: { ...ext, dooh } } };
}

/** The body one bidder is sent: `request` (OpenRTB 2.6) in that bidder's profile. */
export function toWire(request: BidRequest, profile: WireProfile): Json {
	let out: Json = { ...(request as unknown as Json) };
	const dooh = asJson(out.dooh);
	if (profile.dooh_aliases && dooh) out.dooh = withAliases(dooh);
	if (profile.profile === "bidswitch") out = withBidswitchMultiplier(out);
	return profile.openrtb === "2.5" ? to25(out) : out;
}

/** The `x-openrtb-version` header value for a profile (OpenRTB §2.5: major.minor). */
export const openRtbHeader = (profile: Pick<WireProfile, "openrtb">): string => profile.openrtb;
