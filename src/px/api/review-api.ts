// The review desk API's bodies and items as schemas: the routes validate with the bodies, the
// OpenAPI document publishes all of them (src/worker/openapi checks the items against the desk).
import { z } from "zod";
import { ApprovalStatus } from "../auction/approval";

// The desk's records are the schemas below, so the API, the OpenAPI document and the object
// cannot drift apart; the desk keeps one field the API does not publish.
export interface ReviewItem extends z.infer<typeof ReviewItemSchema> {
	/**
	 * Auctions this asset bid in and was filtered from while it was not approved (201): one per
	 * creative_seen event, which the hot path sends for every such auction. Queue delivery is at
	 * least once, so a redelivered event can count an auction twice.
	 */
	held_back: number;
}

/** A decision and whether the replica auctions read already has it. */
export interface DecidedItem extends ReviewItem {
	replica: z.infer<typeof DecidedItemSchema>["replica"];
}

export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** One page of the desk for the review page: items with their audit trails, and the counts. */
export interface DeskPage {
	items: (ReviewItem & { audit: AuditEntry[] })[];
	counts: Record<ApprovalStatus, number>;
	capped_dsps: CappedDsp[];
	/** Pass as `after` for the next page; absent on the last one. */
	next?: string;
}

export type CappedDsp = z.infer<typeof CappedDspSchema>;

/** What the operator console shows about the desk: the backlog and how long decisions take. */
export interface DeskStats {
	pending: number;
	/** first_seen of the oldest pending item, epoch ms; null when nothing is pending. */
	oldest_pending: number | null;
	/** Auctions the pending items were held back from, in total. */
	pending_held_back: number;
	/** Decisions of the last 24 hours and their lag (first seen → decided), ms. */
	decided_24h: number;
	lag_p50_ms: number | null;
	lag_max_ms: number | null;
	/** Decisions not yet in the auctions' replica (the outbox). */
	unpublished: number;
}

/**
 * The item's `version` the reviewer decided on. When given and the item has been decided since,
 * the decision is refused (409 stale-decision) rather than silently overturning that decision.
 */
const ExpectedVersion = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional();

export const RejectBody = z.object({
	reason: z.string().trim().min(3).max(500),
	expected_version: ExpectedVersion,
});
export const ApproveBody = z.object({
	reason: z.string().trim().max(500).optional(),
	expected_version: ExpectedVersion,
});

/** An item decided since the reviewer saw it: what it is now. */
export interface StaleItem {
	creative_key: string;
	status: ApprovalStatus;
	version: number;
}

const ReviewItemSchema = z.object({
	/** bidder:crid:<SHA-256 of the asset URL, "\n", its normalized adomain>: the unit of approval. */
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
	/**
	 * The version of the item's latest verdict, from one desk-wide sequence: its intake as
	 * pending, then each decision (the version its replica record carries). A decision may name
	 * it as `expected_version`.
	 */
	version: z.number().int(),
	/**
	 * SHA-256 (hex) and size in bytes of the file the last approval fetched and copied; screens
	 * download that copy from GET /v1/assets/{asset_sha256}. Null until approved.
	 */
	asset_sha256: z.string().nullable(),
	asset_size: z.number().int().nullable(),
});

export const DecidedItemSchema = ReviewItemSchema.extend({
	/** Whether the replica auctions read already has the decision. */
	replica: z.enum(["published", "pending"]),
});

const AuditEntrySchema = z.object({
	action: z.enum(["intake", "approve", "reject"]),
	actor: z.string(),
	reason: z.string().nullable(),
	at: z.number().int(),
});

/**
 * A DSP with as many pending items as the desk takes from one DSP: its new creatives are not
 * added (they stay unapproved, so auctions hold them back) until reviewers decide some of its
 * items; each auction they bid in submits them again.
 */
const CappedDspSchema = z.object({
	bidder: z.string(),
	/** Its pending items: at least `cap`. */
	pending: z.number().int(),
	/** Pending items the desk takes from one DSP. */
	cap: z.number().int(),
	/** Submissions of new creatives refused because it was at its cap, since the desk began. */
	refused: z.number().int(),
	/** When the last one was refused, epoch ms; null when none was. */
	last_refused_at: z.number().int().nullable(),
});

export const ReviewList = z.object({
	status: ApprovalStatus,
	items: z.array(ReviewItemSchema),
	counts: z.record(ApprovalStatus, z.number().int()),
	/** DSPs at their cap of pending items, by name. */
	capped_dsps: z.array(CappedDspSchema),
	/** Pass as `after` for the next page; absent on the last page. */
	next: z.string().optional(),
});

export const ReviewItemWithAudit = z.object({
	item: ReviewItemSchema,
	audit: z.array(AuditEntrySchema),
});
