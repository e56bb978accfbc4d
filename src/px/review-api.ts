// The review desk API's bodies and items as schemas: the routes validate with the bodies, the
// OpenAPI document publishes all of them (src/worker/openapi checks the items against the desk).
import { z } from "zod";
import { ApprovalStatus } from "./approval";

export const RejectBody = z.object({ reason: z.string().trim().min(3).max(500) });
export const ApproveBody = z.object({ reason: z.string().trim().max(500).optional() });

export const ReviewItemSchema = z.object({
	/** bidder:crid:<SHA-256 of the asset URL>: the unit of approval. */
	creative_key: z.string(),
	bidder: z.string(),
	crid: z.string(),
	adomain: z.array(z.string()),
	asset_url: z.string(),
	mime: z.string(),
	w: z.number().int(),
	h: z.number().int(),
	duration_s: z.number().nullable(),
	status: ApprovalStatus,
	reason: z.string().nullable(),
	first_seen: z.number().int(),
	updated_at: z.number().int(),
});

export const DecidedItemSchema = ReviewItemSchema.extend({
	/** Whether the replica auctions read already has the decision. */
	replica: z.enum(["published", "pending"]),
});

export const AuditEntrySchema = z.object({
	action: z.enum(["intake", "approve", "reject"]),
	actor: z.string(),
	reason: z.string().nullable(),
	at: z.number().int(),
});

export const ReviewList = z.object({
	status: ApprovalStatus,
	items: z.array(ReviewItemSchema),
	counts: z.record(ApprovalStatus, z.number().int()),
	/** Pass as `after` for the next page; absent on the last page. */
	next: z.string().optional(),
});

export const ReviewItemWithAudit = z.object({
	item: ReviewItemSchema,
	audit: z.array(AuditEntrySchema),
});
