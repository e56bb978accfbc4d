// The review desk's JSON API (src/worker/routes/review.ts), listed in operations.ts.
import { z } from "zod";
import { ApprovalStatus } from "../../px/auction/approval";
import {
	badRequest,
	json,
	keyParam,
	type Operation,
	problem,
	schemas,
	unauthorized,
} from "./schemas";

/** What approve and reject both answer. */
const decided = {
	"200": { description: "Decided", content: json(schemas.DecidedItem) },
	"400": badRequest,
	"401": unauthorized,
	"404": problem("No such creative"),
	"409": problem(
		"`expected_version` is not the item's version any more: another decision was made since. Nothing was changed; `stale` lists the item's current status and version",
	),
};

export const reviewOperations: Operation[] = [
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
				schema: ApprovalStatus,
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
		summary: "Approve a creative (reason optional; expected_version refuses a stale decision)",
		tag: "review desk",
		security: "reviewer",
		parameters: [keyParam],
		body: { required: false, schema: schemas.ApproveBody },
		description:
			"Approval is of the file: the edge fetches the asset URL (within 20 s; at most 50 MB for video, 5 MB for anything else), keeps its SHA-256 and size with the approval (`asset_sha256`, `asset_size`) and copies the bytes to R2; answers then point screens at that copy (GET /v1/assets/{sha256}). A file that cannot be fetched or is over its cap is not approved (422) and the item stays as it was.",
		responses: {
			...decided,
			"422": problem(
				"asset-unavailable: the file could not be fetched and copied (its detail says why); nothing was approved",
			),
		},
	},
	{
		method: "post",
		path: "/v1/review/creatives/{key}/reject",
		operationId: "rejectCreative",
		summary: "Reject a creative (reason required; expected_version refuses a stale decision)",
		tag: "review desk",
		security: "reviewer",
		parameters: [keyParam],
		body: { required: true, schema: schemas.RejectBody },
		responses: {
			...decided,
		},
	},
];
