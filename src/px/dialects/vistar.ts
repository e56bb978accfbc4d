// The "player" dialect, shaped like the Vistar Media get-ad API (vistarmedia/client-api
// api.proto): players that already speak it can switch endpoints without new firmware logic.
// Differences on purpose: no api_key in the body (auth is a header, keys never reach body
// logs). As in Vistar, every display area gets its own ad (one OpenRTB imp each, one advertiser
// never in two areas at once); `display_area_id` narrows a request to one area. `loop_end_time`
// fills each area's loop with spots until then, in one call.
import { z } from "zod";
import type { Decided, PlacementOutcome } from "../api/answer";
import { formatOfMime } from "../model/format";
import { type AdRequestInput, type AdSlot, Geo, Screen, type ScreenInput } from "../model/model";
import { checkRange } from "../model/range-check";
import { isKnownVenueType } from "../model/venues";
import { SupplyChain } from "../openrtb/schain";
import type { Dialect } from "./types";

const MIME = /^[a-z]+\/[a-z0-9.+-]+$/i;
const seconds = z.number().int().positive().max(3600);

const DisplayArea = z
	.object({
		id: z.string().min(1).max(128),
		width: z.number().int().positive().max(16384),
		height: z.number().int().positive().max(16384),
		allow_audio: z.boolean(),
		supported_media: z
			.array(z.string().regex(MIME, "must be a MIME type such as video/mp4"))
			.min(1)
			.max(32),
		min_duration: z.number().int().nonnegative().max(3600).optional(),
		max_duration: seconds.optional(),
		/** How long a still image is shown, seconds. */
		static_duration: seconds.optional(),
		cpm_floor_cents: z.number().int().nonnegative().optional(),
	})
	.superRefine((area, ctx) => {
		if (!area.supported_media.some((mime) => formatOfMime(mime))) {
			ctx.addIssue({
				code: "custom",
				path: ["supported_media"],
				message: "none of these media types can be served (image/*, video/*, text/html)",
			});
		}
		checkRange(area, ctx, "min_duration", "max_duration");
	});
type DisplayArea = z.infer<typeof DisplayArea>;

const BOOLEANS = new Map([
	["true", true],
	["1", true],
	["false", false],
	["0", false],
]);

function zodProblem(schema: z.ZodType, value: unknown): string | undefined {
	const result = schema.safeParse(value);
	return result.success ? undefined : result.error.issues[0]?.message;
}

// Device attributes are Vistar's free-form grab bag; these names carry what the PX screen
// needs when the device is not registered. Other names are accepted and ignored.
const ATTRIBUTE_CHECKS = new Map<string, (value: string) => string | undefined>([
	[
		"venue_type",
		(v) =>
			/^\d{1,7}$/.test(v) && isKnownVenueType(Number(v))
				? undefined
				: "unknown OpenOOH 1.1 venue type id",
	],
	["screen_name", (v) => zodProblem(z.string().min(1).max(256), v)],
	["interactive", (v) => (BOOLEANS.has(v) ? undefined : 'must be "true" or "false"')],
	["connectivity", (v) => zodProblem(Screen.shape.connectivity, v)],
	["timezone", (v) => zodProblem(Screen.shape.timezone, v)],
	[
		"audience_per_play",
		(v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? undefined : "must be a positive number"),
	],
	["country", (v) => zodProblem(Geo.shape.country, v)],
	["region", (v) => zodProblem(Geo.shape.region, v)],
	["city", (v) => zodProblem(Geo.shape.city, v)],
	["zip", (v) => zodProblem(Geo.shape.zip, v)],
	["keywords", (v) => zodProblem(z.string().min(1).max(2048), v)],
]);

const DeviceAttribute = z
	.object({ name: z.string().min(1).max(64), value: z.string().max(2048) })
	.superRefine((attr, ctx) => {
		const problem = ATTRIBUTE_CHECKS.get(attr.name)?.(attr.value);
		if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
	});

export const VistarAdRequest = z
	.object({
		network_id: z.string().min(1).max(128).optional(),
		api_key: z
			.undefined({ error: "send the API key in the Authorization header, never in the body" })
			.optional(),
		device_id: z.string().min(1).max(128),
		venue_id: z.string().min(1).max(256).optional(),
		/** Planned display time, epoch seconds. */
		display_time: z
			.number()
			.int()
			.positive()
			.max(9_999_999_999, "must be epoch seconds (this looks like milliseconds)"),
		number_of_screens: z.number().int().positive().max(64).optional(),
		direct_connection: z.boolean().optional(),
		latitude: z.number().min(-90).max(90).optional(),
		longitude: z.number().min(-180).max(180).optional(),
		device_attribute: z.array(DeviceAttribute).max(64).default([]),
		display_area: z.array(DisplayArea).min(1).max(16),
		/** Which display area this request is for; every one of them when absent. */
		display_area_id: z.string().min(1).max(128).optional(),
		/** Loop mode: fill each area with spots from display_time until this, epoch seconds. */
		loop_end_time: z
			.number()
			.int()
			.positive()
			.max(9_999_999_999, "must be epoch seconds (this looks like milliseconds)")
			.optional(),
		/** Not in Vistar's API: a CMS or reseller in front sends the supply chain so far. */
		schain: SupplyChain.optional(),
	})
	.superRefine((req, ctx) => {
		const seen = new Set<string>();
		req.display_area.forEach((area, i) => {
			if (seen.has(area.id)) {
				ctx.addIssue({
					code: "custom",
					path: ["display_area", i, "id"],
					message: "duplicate display area id",
				});
			}
			seen.add(area.id);
		});
		if (req.display_area_id !== undefined && !seen.has(req.display_area_id)) {
			ctx.addIssue({
				code: "custom",
				path: ["display_area_id"],
				message: "matches no display_area id",
			});
		}
		if ((req.latitude === undefined) !== (req.longitude === undefined)) {
			ctx.addIssue({
				code: "custom",
				path: [req.latitude === undefined ? "latitude" : "longitude"],
				message: "latitude and longitude come together",
			});
		}
	});
export type VistarAdRequest = z.infer<typeof VistarAdRequest>;

function toSlot(area: DisplayArea): z.input<typeof AdSlot> {
	const mimes = area.supported_media.filter((mime) => formatOfMime(mime));
	const formats = [
		...new Set(mimes.map((mime) => formatOfMime(mime)).filter((f) => f !== undefined)),
	];
	// PX has one duration rule per slot; a still-only area's rule is its static duration.
	const stillOnly = !formats.includes("video");
	return {
		id: area.id,
		w: area.width,
		h: area.height,
		formats,
		mimes,
		audio: area.allow_audio,
		...(stillOnly && area.static_duration !== undefined
			? { durations: [area.static_duration] }
			: {
					...(area.min_duration ? { min_duration: area.min_duration } : {}),
					...(area.max_duration !== undefined ? { max_duration: area.max_duration } : {}),
				}),
		...(area.cpm_floor_cents !== undefined ? { floor_cpm: area.cpm_floor_cents / 100 } : {}),
	};
}

/** Only when the device says where it is and what venue it is in; otherwise it must be registered. */
function describeScreen(req: VistarAdRequest): ScreenInput | undefined {
	const attrs = new Map(req.device_attribute.map((a) => [a.name, a.value]));
	const venueType = attrs.get("venue_type");
	if (req.latitude === undefined || req.longitude === undefined || venueType === undefined) {
		return undefined;
	}
	const optional = <K extends string, V>(key: K, value: V | undefined) =>
		value === undefined ? {} : ({ [key]: value } as Record<K, V>);
	const interactive = attrs.get("interactive");
	const audience = attrs.get("audience_per_play");
	const keywords = attrs.get("keywords");
	return {
		id: req.device_id,
		...optional("name", attrs.get("screen_name")),
		venue: { type: Number(venueType), ...optional("name", req.venue_id) },
		geo: {
			lat: req.latitude,
			lon: req.longitude,
			...optional("country", attrs.get("country")),
			...optional("region", attrs.get("region")),
			...optional("city", attrs.get("city")),
			...optional("zip", attrs.get("zip")),
		},
		// The panel size is not in the request; the display areas' bounding box is the best
		// lower bound.
		resolution: {
			w: Math.max(...req.display_area.map((a) => a.width)),
			h: Math.max(...req.display_area.map((a) => a.height)),
		},
		slots: req.display_area.map(toSlot),
		...optional("interactive", interactive === undefined ? undefined : BOOLEANS.get(interactive)),
		...optional(
			"connectivity",
			attrs.get("connectivity") as ScreenInput["connectivity"] | undefined,
		),
		...optional("timezone", attrs.get("timezone")),
		...optional(
			"audience",
			audience === undefined
				? undefined
				: { multiplier: Number(audience), source: "publisher" as const },
		),
		...optional(
			"keywords",
			keywords
				?.split(",")
				.map((k) => k.trim())
				.filter((k) => k.length > 0),
		),
	};
}

const SLOT_FIELDS: Record<string, string> = {
	id: "id",
	w: "width",
	h: "height",
	formats: "supported_media",
	mimes: "supported_media",
	audio: "allow_audio",
	min_duration: "min_duration",
	max_duration: "max_duration",
	durations: "static_duration",
	floor_cpm: "cpm_floor_cents",
};

const FIXED_POINTERS: Record<string, string> = {
	"#/screen_id": "#/device_id",
	"#/screen/id": "#/device_id",
	"#/slot_id": "#/display_area",
	"#/slot_ids": "#/display_area",
	"#/play_at": "#/display_time",
	"#/until": "#/loop_end_time",
	"#/screen/geo/lat": "#/latitude",
	"#/screen/geo/lon": "#/longitude",
	"#/screen/venue/name": "#/venue_id",
	"#/screen/resolution": "#/display_area",
	"#/schain": "#/schain",
};

function toDialectPointer(pxPointer: string): string {
	const fixed = Object.entries(FIXED_POINTERS).find(
		([px]) => pxPointer === px || pxPointer.startsWith(`${px}/`),
	);
	if (fixed) return fixed[1];
	const slot = /^#\/screen\/slots\/(\d+)(?:\/([^/]+))?/.exec(pxPointer);
	if (slot) {
		const field = slot[2] === undefined ? undefined : SLOT_FIELDS[slot[2]];
		return field ? `#/display_area/${slot[1]}/${field}` : `#/display_area/${slot[1]}`;
	}
	if (pxPointer.startsWith("#/screen")) return "#/device_attribute";
	return "#";
}

function advertisement(p: PlacementOutcome & { answer: NonNullable<PlacementOutcome["answer"]> }) {
	const { answer } = p;
	const advertiser = answer.creative.advertiser_domains[0];
	return {
		id: answer.decision_id,
		proof_of_play_url: answer.proof_of_play_url,
		expiration_url: answer.expiry_url,
		display_time: Math.floor(p.play_at / 1000),
		lease_expiry: Math.floor(answer.play.not_after / 1000),
		display_area_id: p.slot_id,
		creative_id: answer.creative.id,
		asset_id: answer.creative.id,
		asset_url: answer.creative.asset_url,
		mime_type: answer.creative.mime,
		width: answer.creative.w,
		height: answer.creative.h,
		length_in_seconds: Math.round(answer.creative.duration_s),
		length_in_milliseconds: Math.round(answer.creative.duration_s * 1000),
		...(advertiser === undefined ? {} : { advertiser }),
	};
}

/** One advertisement per filled placement, in schedule order; an empty list when none is. */
function toDialectAnswer(decided: Decided) {
	return {
		advertisement: decided.placements.flatMap((p) =>
			p.answer ? [advertisement({ ...p, answer: p.answer })] : [],
		),
	};
}

export const vistar: Dialect<VistarAdRequest> = {
	name: "vistar",
	schema: VistarAdRequest,
	toPx(req): AdRequestInput {
		const screen = describeScreen(req);
		const areas = req.display_area_id
			? [req.display_area_id]
			: req.display_area.map((area) => area.id);
		return {
			screen_id: req.device_id,
			...(areas.length === 1 ? { slot_id: areas[0] } : { slot_ids: areas }),
			play_at: req.display_time * 1000,
			...(req.loop_end_time === undefined ? {} : { until: req.loop_end_time * 1000 }),
			...(screen ? { screen } : {}),
			...(req.schain ? { schain: req.schain } : {}),
		};
	},
	toDialectPointer,
	toDialectAnswer,
};
