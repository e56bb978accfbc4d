// The OpenAPI document's vocabulary: the shapes of an operation, the named schemas, and the
// parameters and responses many routes share, so operations.ts reads as the list of routes.
// Only zod and src/px are imported here, so the generator runs in plain Node.
import { z } from "zod";
import { AdAnswer, ScheduleAnswer } from "../../px/api/answer-schema";
import {
	ExpiryRecorded,
	PlayAccepted,
	PlayBatchRequest,
	PlayBatchResult,
	PlayReport,
} from "../../px/api/play-report";
import { Problem } from "../../px/api/problem-schema";
import {
	ApproveBody,
	DecidedItemSchema,
	RejectBody,
	ReviewItemWithAudit,
	ReviewList,
} from "../../px/api/review-api";
import { ScreenAssets } from "../../px/api/screen-assets";
import { TelemetryAccepted, TelemetryBatch } from "../../px/api/telemetry";
import { AdWithAudit, SubmittedAd } from "../../px/auction/ad-management";
import { BidderConfig } from "../../px/auction/bidders";
import {
	ControlAuditPage,
	ControlDeal,
	CreatedPublisherKey,
	NewPublisherKey,
	PublisherKeys,
	SnapshotStatus,
} from "../../px/control/control";
import { SellersJson } from "../../px/control/sellers";
import { VistarAdRequest } from "../../px/dialects/vistar";
import { AdRequest, PublisherAccount, Screen } from "../../px/model/model";
import { CurrencyRate, CurrencyRateInput, CurrencyRateList } from "../../px/pricing/currency";
import { FloorRule } from "../../px/pricing/floor-rules";

type Method = "get" | "put" | "post" | "patch" | "head" | "delete";

/** A schema published under components/schemas; `io` picks its request or response form. */
export interface Named {
	name: string;
	schema: z.ZodType;
	io: "input" | "output";
}

export interface Parameter {
	name: string;
	in: "query" | "path" | "header";
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
	security?: "publisher" | "reviewer" | "admin" | "dsp";
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
	SellersJson: output("SellersJson", SellersJson),
	BidderConfigInput: input("BidderConfigInput", BidderConfig),
	BidderConfig: output("BidderConfig", BidderConfig),
	PublisherAccountInput: input("PublisherAccountInput", PublisherAccount),
	PublisherAccount: output("PublisherAccount", PublisherAccount),
	ControlDealInput: input("ControlDealInput", ControlDeal),
	ControlDeal: output("ControlDeal", ControlDeal),
	FloorRuleInput: input("FloorRuleInput", FloorRule),
	FloorRule: output("FloorRule", FloorRule),
	FloorRules: output(
		"FloorRules",
		z.object({
			floor_rules: z.array(
				z.object({
					etag: z.string().describe("The rule's ETag, for If-Match"),
					rule: FloorRule,
				}),
			),
		}),
	),
	CurrencyRateInput: input("CurrencyRateInput", CurrencyRateInput),
	CurrencyRate: output("CurrencyRate", CurrencyRate),
	CurrencyRates: output("CurrencyRates", CurrencyRateList),
	Keys: output("Keys", PublisherKeys),
	NewKey: input("NewKey", NewPublisherKey),
	CreatedKey: output("CreatedKey", CreatedPublisherKey),
	SubmittedAd: input("SubmittedAd", SubmittedAd),
	AdWithAudit: output("AdWithAudit", AdWithAudit),
	AuditPage: output("AuditPage", ControlAuditPage),
	SnapshotStatus: output("SnapshotStatus", SnapshotStatus),
} satisfies Record<string, Named>;

export const json = (schema: Named | z.ZodType) => ({ type: "application/json", schema });
export const problem = (description: string, headers?: Record<string, string>): Response => ({
	description,
	content: { type: "application/problem+json", schema: schemas.Problem },
	...(headers ? { headers } : {}),
});
export const RETRY_AFTER = { "retry-after": "Seconds to wait before asking again" };

export const badRequest = problem(
	"Invalid input: `errors` names every offending field (JSON pointer)",
);
export const unauthorized = problem("Missing or unknown key");
export const tokenParam: Parameter = {
	name: "token",
	in: "path",
	description: "The token of a proof_of_play_url",
	schema: z.string(),
	required: true,
};
export const screenIdParam: Parameter = {
	name: "screenId",
	in: "path",
	description: "The publisher's screen id (1–128 of A-Z a-z 0-9 . _ : -)",
	schema: z.string(),
	required: true,
};
export const keyParam: Parameter = {
	name: "key",
	in: "path",
	description: "The creative's key: bidder:crid:<SHA-256 of the asset URL>",
	schema: z.string(),
	required: true,
};

/** What every single play report can answer besides 200 (the batch gives the same per report). */
export const playOutcomes: Record<string, Response> = {
	"400": badRequest,
	"403": problem("Forged or tampered token"),
	"404": problem("No such decision for this screen"),
	"409": problem("Already reported: a proof of play counts once"),
	"410": problem("Too late, expired, or its creative was rejected since the auction; never billed"),
	"425": problem("Reported before not_before; nothing recorded", RETRY_AFTER),
	"503": problem("The creative's approval cannot be confirmed now; nothing recorded", RETRY_AFTER),
};

/** What an expiry report (POST or GET on the expiry_url) can be answered with besides 200. */
export const expiryOutcomes: Record<string, Response> = {
	"403": problem("Forged or tampered token"),
	"404": problem("No such decision for this screen"),
	"409": problem("The ad was already reported played"),
};

export const html = (description: string): Response => ({
	description,
	content: { type: "text/html" },
});
