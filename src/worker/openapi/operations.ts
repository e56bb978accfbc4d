// Every route of the edge, described with the zod schemas the routes validate with. The OpenAPI
// document is generated from this list at build time (`npm run generate`), never on a request;
// test/integration/openapi.test.ts fails when this list and the routes Hono has registered differ.
// Only zod and src/px are imported here, so the generator runs in plain Node.
import { z } from "zod";
import { AdAnswer, ScheduleAnswer } from "../../px/answer-schema";
import { VistarAdRequest } from "../../px/dialects/vistar";
import { AdRequest, Screen } from "../../px/model";
import {
	ExpiryRecorded,
	MAX_BATCH_REPORTS,
	PlayAccepted,
	PlayBatchRequest,
	PlayBatchResult,
	PlayReport,
} from "../../px/play-report";
import { Problem } from "../../px/problem-schema";
import {
	ApproveBody,
	DecidedItemSchema,
	RejectBody,
	ReviewItemWithAudit,
	ReviewList,
} from "../../px/review-api";
import { AssetsQuery, ScreenAssets } from "../../px/screen-assets";
import { TelemetryAccepted, TelemetryBatch } from "../../px/telemetry";

export type Method = "get" | "put" | "post" | "patch" | "head";

/** A schema published under components/schemas; `io` picks its request or response form. */
export interface Named {
	name: string;
	schema: z.ZodType;
	io: "input" | "output";
}

export interface Parameter {
	name: string;
	in: "query" | "path";
	description: string;
	schema: z.ZodType;
	required?: boolean;
}

export interface Response {
	description: string;
	content?: { type: string; schema?: Named | z.ZodType };
	headers?: Record<string, string>;
}

export interface Operation {
	method: Method;
	/** OpenAPI form: /v1/plays/{token}. */
	path: string;
	operationId: string;
	summary: string;
	description?: string;
	tag: string;
	security?: "publisher" | "reviewer";
	parameters?: Parameter[];
	body?: { required: boolean; schema: Named; description?: string };
	responses: Record<string, Response>;
}

const input = (name: string, schema: z.ZodType): Named => ({ name, schema, io: "input" });
const output = (name: string, schema: z.ZodType): Named => ({ name, schema, io: "output" });

export const schemas = {
	Problem: output("Problem", Problem),
	AdRequest: input("AdRequest", AdRequest),
	VistarAdRequest: input("VistarAdRequest", VistarAdRequest),
	AdAnswer: output("AdAnswer", z.union([AdAnswer, ScheduleAnswer])),
	VistarAnswer: output(
		"VistarAnswer",
		z.object({
			advertisement: z.array(
				z.object({
					id: z.string(),
					proof_of_play_url: z.string(),
					expiration_url: z.string(),
					display_time: z.number().int().describe("epoch seconds"),
					lease_expiry: z.number().int().describe("epoch seconds"),
					display_area_id: z.string(),
					creative_id: z.string(),
					asset_id: z.string(),
					asset_url: z.string(),
					mime_type: z.string(),
					width: z.number().int(),
					height: z.number().int(),
					length_in_seconds: z.number().int(),
					length_in_milliseconds: z.number().int(),
					advertiser: z.string().optional(),
				}),
			),
		}),
	),
	ScreenInput: input("ScreenInput", Screen),
	Screen: output("Screen", Screen),
	ScreenPatch: input(
		"ScreenPatch",
		z.looseObject({}).describe("JSON Merge Patch (RFC 7396) of a Screen; null removes a field"),
	),
	ScreenAssets: output("ScreenAssets", ScreenAssets),
	PlayReport: input("PlayReport", PlayReport),
	PlayAccepted: output("PlayAccepted", PlayAccepted),
	ExpiryRecorded: output("ExpiryRecorded", ExpiryRecorded),
	PlayBatchRequest: input("PlayBatchRequest", PlayBatchRequest),
	PlayBatchResult: output("PlayBatchResult", PlayBatchResult),
	TelemetryBatch: input("TelemetryBatch", TelemetryBatch),
	TelemetryAccepted: output("TelemetryAccepted", TelemetryAccepted),
	ReviewList: output("ReviewList", ReviewList),
	ReviewItemWithAudit: output("ReviewItemWithAudit", ReviewItemWithAudit),
	DecidedItem: output("DecidedItem", DecidedItemSchema),
	ApproveBody: input("ApproveBody", ApproveBody),
	RejectBody: input("RejectBody", RejectBody),
} satisfies Record<string, Named>;

const json = (schema: Named | z.ZodType) => ({ type: "application/json", schema });
const problem = (description: string, headers?: Record<string, string>): Response => ({
	description,
	content: { type: "application/problem+json", schema: schemas.Problem },
	...(headers ? { headers } : {}),
});
const RETRY_AFTER = { "retry-after": "Seconds to wait before asking again" };

const badRequest = problem("Invalid input: `errors` names every offending field (JSON pointer)");
const unauthorized = problem("Missing or unknown key");
const tokenParam: Parameter = {
	name: "token",
	in: "path",
	description: "The token of a proof_of_play_url",
	schema: z.string(),
	required: true,
};
const screenIdParam: Parameter = {
	name: "screenId",
	in: "path",
	description: "The publisher's screen id (1–128 of A-Z a-z 0-9 . _ : -)",
	schema: z.string(),
	required: true,
};
const keyParam: Parameter = {
	name: "key",
	in: "path",
	description: "The creative's key: bidder:crid:<SHA-256 of the asset URL>",
	schema: z.string(),
	required: true,
};

/** What every single play report can answer besides 200 (the batch gives the same per report). */
const playOutcomes: Record<string, Response> = {
	"400": badRequest,
	"403": problem("Forged or tampered token"),
	"404": problem("No such decision for this screen"),
	"409": problem("Already reported: a proof of play counts once"),
	"410": problem("Too late, expired, or its creative was rejected since the auction; never billed"),
	"425": problem("Reported before not_before; nothing recorded", RETRY_AFTER),
	"503": problem("The creative's approval cannot be confirmed now; nothing recorded", RETRY_AFTER),
};

const html = (description: string): Response => ({
	description,
	content: { type: "text/html" },
});

export const operations: Operation[] = [
	{
		method: "get",
		path: "/healthz",
		operationId: "health",
		summary: "Liveness and the environment's name",
		tag: "operations",
		responses: {
			"200": {
				description: "Up",
				content: json(z.object({ status: z.literal("ok"), environment: z.string() })),
			},
		},
	},
	{
		method: "post",
		path: "/v1/ad-requests",
		operationId: "requestAd",
		summary: "Ask for ads for a screen's slots: one spot, several display areas, or a loop",
		description:
			"The edge runs an auction within `timeout_ms` and answers with what to play, its play window and a signed proof-of-play URL. A no fill is a 200 with `filled: false`. `slot_ids` asks for several display areas at once (one OpenRTB imp each, one decision each, one advertiser never in two areas at once); `until` fills the slots with back-to-back spots until then (loop mode, at most 16 placements); both answer `decisions`, one per placement in schedule order. With `?dialect=vistar` the body and the answer follow the Vistar-style player API (every display_area gets an ad; `loop_end_time` for loops).",
		tag: "ad requests",
		security: "publisher",
		parameters: [
			{
				name: "dialect",
				in: "query",
				description: "px (default) or vistar",
				schema: z.enum(["px", "vistar"]),
			},
			{
				name: "debug",
				in: "query",
				description: "1 adds every bidder's outcome where traces are allowed",
				schema: z.enum(["1"]),
			},
		],
		body: {
			required: true,
			schema: schemas.AdRequest,
			description: "px dialect; the vistar dialect takes a VistarAdRequest",
		},
		responses: {
			"200": {
				description:
					"An ad to play or no fill; with slot_ids or until, one decision per placement (px dialect; vistar: VistarAnswer)",
				content: json(schemas.AdAnswer),
			},
			"400": badRequest,
			"401": unauthorized,
			"404": problem("Unknown screen, neither registered nor described inline"),
			"413": problem("Body over 64 KiB"),
			"429": problem("The screen or publisher is over its rate limit", RETRY_AFTER),
			"503": problem(
				"Shed at capacity (edge-overloaded) or the screen's state cannot be reached (screen-state-unavailable); no auction ran",
				RETRY_AFTER,
			),
		},
	},
	{
		method: "post",
		path: "/v1/plays",
		operationId: "reportPlays",
		summary: "Report many plays or expiries at once",
		description: `Up to ${MAX_BATCH_REPORTS} reports, each with the token of its proof_of_play_url. Every report gets the status and body the single route would have given it (200, 409 for a replay, 410, …), in order; a report that fails validation fails alone. No key is needed: each token is its own credential.`,
		tag: "proof of play",
		body: { required: true, schema: schemas.PlayBatchRequest },
		responses: {
			"200": { description: "One result per report", content: json(schemas.PlayBatchResult) },
			"400": problem("The envelope is invalid (no reports, or more than 100)"),
		},
	},
	{
		method: "post",
		path: "/v1/plays/{token}",
		operationId: "reportPlay",
		summary: "Report that the ad played",
		description:
			"Billing happens here: the buyer's burl fires once. With `displayed_ms`, a play under 75 % of the spot is recorded but not billed (`billable: false`, the buyer gets lurl with loss code 2).",
		tag: "proof of play",
		parameters: [tokenParam],
		body: { required: false, schema: schemas.PlayReport },
		responses: {
			"200": { description: "Accepted", content: json(schemas.PlayAccepted) },
			...playOutcomes,
		},
	},
	{
		method: "get",
		path: "/v1/plays/{token}",
		operationId: "reportPlayPixel",
		summary: "Report a play as a 1×1 pixel (players that can only fire an image)",
		tag: "proof of play",
		parameters: [
			tokenParam,
			{
				name: "displayed_at",
				in: "query",
				description: "When the spot started on screen, epoch ms",
				schema: z.number().int(),
			},
			{
				name: "displayed_ms",
				in: "query",
				description: "How long it was on screen, ms",
				schema: z.number().int(),
			},
		],
		responses: {
			"200": { description: "Accepted: a transparent GIF", content: { type: "image/gif" } },
			...playOutcomes,
		},
	},
	{
		method: "head",
		path: "/v1/plays/{token}",
		operationId: "checkPlayToken",
		summary: "Whether a token is genuine; records nothing",
		tag: "proof of play",
		parameters: [tokenParam],
		responses: {
			"200": { description: "Genuine" },
			"403": { description: "Forged or tampered" },
		},
	},
	{
		method: "post",
		path: "/v1/plays/{token}/expired",
		operationId: "reportExpired",
		summary: "Report that the ad could not be played (never billed)",
		tag: "proof of play",
		parameters: [tokenParam],
		responses: {
			"200": {
				description: "Recorded (also when already expired)",
				content: json(schemas.ExpiryRecorded),
			},
			"403": problem("Forged or tampered token"),
			"404": problem("No such decision for this screen"),
			"409": problem("The ad was already reported played"),
		},
	},
	{
		method: "put",
		path: "/v1/screens/{screenId}",
		operationId: "putScreen",
		summary: "Register or replace a screen",
		tag: "screens",
		security: "publisher",
		parameters: [screenIdParam],
		body: { required: true, schema: schemas.ScreenInput },
		responses: {
			"200": { description: "Replaced", content: json(schemas.Screen) },
			"201": { description: "Registered", content: json(schemas.Screen) },
			"400": badRequest,
			"401": unauthorized,
		},
	},
	{
		method: "get",
		path: "/v1/screens/{screenId}",
		operationId: "getScreen",
		summary: "Read a registered screen",
		tag: "screens",
		security: "publisher",
		parameters: [screenIdParam],
		responses: {
			"200": { description: "The screen", content: json(schemas.Screen) },
			"401": unauthorized,
			"404": problem("Not registered"),
		},
	},
	{
		method: "patch",
		path: "/v1/screens/{screenId}",
		operationId: "patchScreen",
		summary: "Update part of a screen (JSON Merge Patch)",
		tag: "screens",
		security: "publisher",
		parameters: [screenIdParam],
		body: { required: true, schema: schemas.ScreenPatch },
		responses: {
			"200": { description: "The updated screen", content: json(schemas.Screen) },
			"400": badRequest,
			"401": unauthorized,
			"404": problem("Not registered"),
		},
	},
	{
		method: "get",
		path: "/v1/screens/{screenId}/assets",
		operationId: "screenAssets",
		summary: "Assets a screen should pre-cache",
		description:
			"Surest first: assets of the screen's decisions still to play (scheduled), of its plays within the horizon (recent), then assets the review desk approved that fit one of its slots, from bidders its auctions call (eligible). Only approved assets; at most 100.",
		tag: "screens",
		security: "publisher",
		parameters: [
			screenIdParam,
			{
				name: "hours",
				in: "query",
				description: "Horizon in hours (1–72, default 24)",
				schema: AssetsQuery.shape.hours,
			},
		],
		responses: {
			"200": { description: "The assets", content: json(schemas.ScreenAssets) },
			"400": badRequest,
			"401": unauthorized,
			"404": problem("Not registered"),
		},
	},
	{
		method: "post",
		path: "/v1/telemetry",
		operationId: "sendTelemetry",
		summary: "Player telemetry, batched (ad requested, played, error)",
		tag: "telemetry",
		security: "publisher",
		body: { required: true, schema: schemas.TelemetryBatch },
		responses: {
			"202": { description: "Queued", content: json(schemas.TelemetryAccepted) },
			"400": badRequest,
			"401": unauthorized,
			"429": problem("The publisher is over its rate limit", RETRY_AFTER),
		},
	},
	{
		method: "get",
		path: "/v1/review/creatives",
		operationId: "listCreatives",
		summary: "Creatives on the review desk, by status",
		tag: "review desk",
		security: "reviewer",
		parameters: [
			{
				name: "status",
				in: "query",
				description: "pending (default), approved or rejected",
				schema: z.enum(["pending", "approved", "rejected"]),
			},
			{ name: "limit", in: "query", description: "1–200, default 50", schema: z.number().int() },
			{
				name: "after",
				in: "query",
				description: "`next` of the previous page",
				schema: z.string(),
			},
		],
		responses: {
			"200": { description: "A page of items", content: json(schemas.ReviewList) },
			"400": badRequest,
			"401": unauthorized,
		},
	},
	{
		method: "get",
		path: "/v1/review/creatives/{key}",
		operationId: "getCreative",
		summary: "One creative with its audit trail",
		tag: "review desk",
		security: "reviewer",
		parameters: [keyParam],
		responses: {
			"200": { description: "The item", content: json(schemas.ReviewItemWithAudit) },
			"401": unauthorized,
			"404": problem("No such creative"),
		},
	},
	{
		method: "post",
		path: "/v1/review/creatives/{key}/approve",
		operationId: "approveCreative",
		summary: "Approve a creative (reason optional)",
		tag: "review desk",
		security: "reviewer",
		parameters: [keyParam],
		body: { required: false, schema: schemas.ApproveBody },
		responses: {
			"200": { description: "Decided", content: json(schemas.DecidedItem) },
			"400": badRequest,
			"401": unauthorized,
			"404": problem("No such creative"),
		},
	},
	{
		method: "post",
		path: "/v1/review/creatives/{key}/reject",
		operationId: "rejectCreative",
		summary: "Reject a creative (reason required)",
		tag: "review desk",
		security: "reviewer",
		parameters: [keyParam],
		body: { required: true, schema: schemas.RejectBody },
		responses: {
			"200": { description: "Decided", content: json(schemas.DecidedItem) },
			"400": badRequest,
			"401": unauthorized,
			"404": problem("No such creative"),
		},
	},
	{
		method: "get",
		path: "/openapi.json",
		operationId: "openapi",
		summary: "This document",
		tag: "documentation",
		responses: { "200": { description: "OpenAPI 3.1", content: { type: "application/json" } } },
	},
	{
		method: "get",
		path: "/docs",
		operationId: "docs",
		summary: "This document as a web page",
		tag: "documentation",
		responses: { "200": html("The operations, their parameters and schemas") },
	},
	{
		method: "get",
		path: "/player",
		operationId: "player",
		summary: "The demo web player",
		description:
			"Plays a screen's ads full screen in a loop through the player SDK. In local development it embeds the demo publisher key (PLAYER_DEMO_KEY); elsewhere open it once as /player?screen=<id>#key=<publisher key> (the fragment never reaches a server) and it keeps the key on the device.",
		tag: "player",
		parameters: [
			{
				name: "screen",
				in: "query",
				description: "The screen id",
				schema: z.string(),
				required: true,
			},
			{
				name: "slot",
				in: "query",
				description: "The slot (default: the screen's first)",
				schema: z.string(),
			},
		],
		responses: { "200": html("The player page") },
	},
	{
		method: "get",
		path: "/player/player.js",
		operationId: "playerScript",
		summary: "The player SDK and demo page, bundled for browsers",
		tag: "player",
		responses: { "200": { description: "An ES module", content: { type: "text/javascript" } } },
	},
];
