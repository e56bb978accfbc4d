// Every route of the edge, described with the zod schemas the routes validate with. The OpenAPI
// document is generated from this list at build time (`npm run generate`), never on a request;
// test/integration/openapi.test.ts fails when this list and the routes Hono has registered differ.
// Only zod and src/px are imported here, so the generator runs in plain Node.
import { z } from "zod";
import { MAX_BATCH_REPORTS } from "../../px/api/play-report";
import { AssetsQuery } from "../../px/api/screen-assets";
import { adminOperations } from "./admin-operations";
import { assetOperation } from "./asset-operation";
import { reviewOperations } from "./review-operations";
import {
	badRequest,
	expiryOutcomes,
	html,
	json,
	type Operation,
	playOutcomes,
	problem,
	RETRY_AFTER,
	schemas,
	screenIdParam,
	tokenParam,
	unauthorized,
} from "./schemas";
import { supplyChainOperations } from "./supply-chain-operations";

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
		description: `Up to ${MAX_BATCH_REPORTS} reports, each with the token of its proof_of_play_url. Every report gets the status and body the single route would have given it (200, 409 for a replay, 410, …), in order; a report that fails validation fails alone. A token repeated in the batch reaches its screen once: the repeats answer 409 when the first report was recorded, else the first one's result. No key is needed: each token is its own credential; the batch counts against the rate limit of each publisher its tokens name.`,
		tag: "proof of play",
		body: { required: true, schema: schemas.PlayBatchRequest },
		responses: {
			"200": { description: "One result per report", content: json(schemas.PlayBatchResult) },
			"400": problem("The envelope is invalid (no reports, or more than 100)"),
			"429": problem(
				"A publisher the tokens name is over its rate limit (publisher-rate-limited); nothing was recorded",
				RETRY_AFTER,
			),
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
		summary: "Pre-play check: may this spot still start? Records nothing",
		description:
			"Players ask before each spot starts. 410 once the decision can no longer play: its creative was rejected (creative-revoked; within 90 s of the reviewer's click), it was reported expired or its window closed (decision-expired), or it was already played (already-reported). A player skips the spot only on 410; any other answer, or none in its bounded wait, plays it.",
		tag: "proof of play",
		parameters: [tokenParam],
		responses: {
			"200": { description: "Playable: genuine, open in the ledger, creative approved" },
			"403": { description: "Forged or tampered" },
			"404": { description: "No such decision for this screen" },
			"410": { description: "No longer playable (problem type in the content-type only: no body)" },
			"503": { description: "The creative's approval cannot be confirmed now; Retry-After" },
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
			...expiryOutcomes,
		},
	},
	{
		method: "get",
		path: "/v1/plays/{token}/expired",
		operationId: "reportExpiredPixel",
		summary: "Report that the ad could not be played, by firing the URL (never billed)",
		description:
			"For players that fire URLs: records the expiry once, like the POST (a second GET or POST records nothing more). A HEAD records nothing.",
		tag: "proof of play",
		parameters: [tokenParam],
		responses: {
			"200": {
				description: "Recorded (also when already expired): a transparent GIF",
				content: { type: "image/gif" },
			},
			...expiryOutcomes,
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
			"Surest first: assets of the screen's decisions still to play (scheduled), of its plays within the horizon (recent), then assets the review desk approved that fit one of its slots, from bidders its auctions call (eligible), only those whose advertisers this publisher's auctions admit there (not in its badv; on a private auction, admitted by a deal's wadomain). Only approved assets; at most 100.",
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
	...reviewOperations,
	assetOperation,
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
	...supplyChainOperations,
	...adminOperations,
];
