// The control plane's configuration as the edge holds it: one versioned snapshot of publishers
// (with the hashes of their keys), bidders, deals, floor rules and role keys, built from the stored rows with
// the same schemas the admin API validates with. Pure: the worker loads rows and hands them here.
import { z } from "zod";
import { SubmittedAd } from "../auction/ad-management";
import { BidderConfig } from "../auction/bidders";
import { type DealTerms, type Publisher, PublisherAccount } from "../model/model";
import { MAX_CPM } from "../model/money";
import { CurrencyRate, type RateTable, rateTable } from "../pricing/currency";
import { FloorRule } from "../pricing/floor-rules";
import { perSecondFloors } from "../pricing/floors";

const slug = z
	.string()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only");

/** Deals in one publisher's pmp.deals beyond this are left out (lowest priority first). */
const MAX_DEALS_PER_REQUEST = 64;

/**
 * A private marketplace deal managed on its own (PUT /v1/admin/deals/{id}): the OpenRTB terms plus
 * whose inventory it sells, when it runs and which screens it covers. Outside its flight it is
 * not offered; `priority` orders a publisher's deals (lower first).
 */
export const ControlDeal = z
	.object({
		id: slug,
		publisher_id: slug,
		bidfloor: z.number().nonnegative().max(MAX_CPM).default(0),
		...perSecondFloors,
		at: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
		wseat: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
		wadomain: z.array(z.string().min(1).max(256)).min(1).max(100).optional(),
		/** ISO 8601 instants; absent means open-ended. */
		flight_start: z.iso.datetime({ offset: true }).optional(),
		flight_end: z.iso.datetime({ offset: true }).optional(),
		/** Screens whose tags include one of these; absent means all the publisher's screens. */
		screen_tags: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
		priority: z.number().int().min(0).max(10_000).default(100),
	})
	.strict()
	.refine(
		(d) =>
			!d.flight_start || !d.flight_end || Date.parse(d.flight_start) < Date.parse(d.flight_end),
		{ path: ["flight_end"], message: "must be after flight_start" },
	);
export type ControlDeal = z.infer<typeof ControlDeal>;

export type Role = "reviewer" | "operator" | "admin";

export interface ConfigRow {
	key: string;
	body: string;
	version: number;
}

export interface KeyRow {
	key_sha256: string;
	publisher_id: string;
}

export interface RoleKeyRow {
	key_sha256: string;
	role: string;
}

export interface ControlRows {
	version: number;
	publishers: ConfigRow[];
	publisherKeys: KeyRow[];
	bidders: ConfigRow[];
	deals: ConfigRow[];
	floorRules: ConfigRow[];
	roleKeys: RoleKeyRow[];
	/** Live (unrevoked) DSP keys. */
	bidderKeys: { key_sha256: string; bidder: string }[];
	/** Ads DSPs pre-registered (/v1/dsp/ads); a bid may name one by `adid` instead of sending adm. */
	ads: { bidder: string; id: string; body: string }[];
	/** Exchange rates against USD, keyed by currency. */
	rates: ConfigRow[];
}

export interface ControlSnapshot {
	/** The control version it reflects: every write bumps it. */
	version: number;
	publishers: Map<string, PublisherAccount>;
	/** Live (unrevoked) key hash → its publisher's id. */
	keyHashes: Map<string, string>;
	bidders: BidderConfig[];
	/** By publisher id, lowest priority first. */
	deals: Map<string, ControlDeal[]>;
	/** By publisher id, by rule id (matching does not depend on the order). */
	floorRules: Map<string, FloorRule[]>;
	roleKeys: Record<Role, Set<string>>;
	/** Live DSP key hash → its bidder's name (DSP accounts: /v1/dsp/*). */
	bidderKeys: Map<string, string>;
	/** Pre-registered ads by `registeredAdKey(bidder, id)`. */
	ads: Map<string, SubmittedAd>;
	/** Exchange rates against USD (pricing/currency.ts): bids in other currencies convert by them. */
	rates: RateTable;
	/** Stored rows the schemas now refuse (written under an older schema): left out, logged. */
	invalid: string[];
}

/** The key of a pre-registered ad in the snapshot: its bidder and its id. */
export const registeredAdKey = (bidder: string, id: string) => `${bidder}\u0000${id}`;

export const emptySnapshot = (): ControlSnapshot =>
	buildSnapshot({
		version: 0,
		publishers: [],
		publisherKeys: [],
		bidders: [],
		deals: [],
		floorRules: [],
		roleKeys: [],
		bidderKeys: [],
		ads: [],
		rates: [],
	});

function parseRows<S extends z.ZodType>(
	kind: string,
	rows: ConfigRow[],
	schema: S,
	invalid: string[],
): z.infer<S>[] {
	const out: z.infer<S>[] = [];
	for (const row of rows) {
		let raw: unknown;
		try {
			raw = JSON.parse(row.body);
		} catch {
			invalid.push(`${kind} ${row.key}: not JSON`);
			continue;
		}
		const parsed = schema.safeParse(raw);
		if (parsed.success) out.push(parsed.data);
		else invalid.push(`${kind} ${row.key}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
	}
	return out;
}

export function buildSnapshot(rows: ControlRows): ControlSnapshot {
	const invalid: string[] = [];
	const publishers = parseRows("publisher", rows.publishers, PublisherAccount, invalid);
	const byId = new Map(publishers.map((p) => [p.id, p]));
	const keyHashes = new Map<string, string>();
	for (const k of rows.publisherKeys) {
		if (byId.has(k.publisher_id)) keyHashes.set(k.key_sha256.toLowerCase(), k.publisher_id);
	}
	const deals = new Map<string, ControlDeal[]>();
	for (const deal of parseRows("deal", rows.deals, ControlDeal, invalid)) {
		const list = deals.get(deal.publisher_id) ?? [];
		list.push(deal);
		deals.set(deal.publisher_id, list);
	}
	for (const list of deals.values()) list.sort((a, b) => a.priority - b.priority);
	const floorRules = new Map<string, FloorRule[]>();
	for (const rule of parseRows("floor rule", rows.floorRules, FloorRule, invalid)) {
		const list = floorRules.get(rule.publisher_id) ?? [];
		list.push(rule);
		floorRules.set(rule.publisher_id, list);
	}
	const roleKeys: Record<Role, Set<string>> = {
		reviewer: new Set(),
		operator: new Set(),
		admin: new Set(),
	};
	for (const k of rows.roleKeys) {
		if (k.role in roleKeys) roleKeys[k.role as Role].add(k.key_sha256.toLowerCase());
	}
	const bidders = parseRows("bidder", rows.bidders, BidderConfig, invalid);
	const names = new Set(bidders.map((b) => b.name));
	const bidderKeys = new Map<string, string>();
	for (const k of rows.bidderKeys) {
		if (names.has(k.bidder)) bidderKeys.set(k.key_sha256.toLowerCase(), k.bidder);
	}
	const ads = new Map<string, SubmittedAd>();
	for (const row of rows.ads) {
		if (!names.has(row.bidder)) continue;
		const [ad] = parseRows(
			"ad",
			[{ key: `${row.bidder}/${row.id}`, body: row.body, version: 0 }],
			SubmittedAd,
			invalid,
		);
		if (ad) ads.set(registeredAdKey(row.bidder, row.id), ad);
	}
	const rates = rateTable(parseRows("currency_rate", rows.rates, CurrencyRate, invalid));
	return {
		version: rows.version,
		publishers: byId,
		keyHashes,
		bidderKeys,
		ads,
		rates,
		bidders,
		deals,
		floorRules,
		roleKeys,
		invalid,
	};
}

/**
 * Whether a deal is in flight at `now`. Its `screen_tags` are judged per screen when the bid
 * request is built (px/openrtb/translate.ts screenPmp), where the screen is known.
 */
export function dealApplies(deal: ControlDeal, now: number): boolean {
	if (deal.flight_start && now < Date.parse(deal.flight_start)) return false;
	return !(deal.flight_end && now >= Date.parse(deal.flight_end));
}

const dealTerms = (d: ControlDeal): DealTerms => ({
	id: d.id,
	bidfloor: d.bidfloor,
	...(d.mincpmpersec !== undefined ? { mincpmpersec: d.mincpmpersec } : {}),
	...(d.durfloors ? { durfloors: d.durfloors } : {}),
	...(d.at ? { at: d.at } : {}),
	...(d.wseat ? { wseat: d.wseat } : {}),
	...(d.wadomain ? { wadomain: d.wadomain } : {}),
	...(d.screen_tags ? { screen_tags: d.screen_tags } : {}),
});

/**
 * The publisher a key hash authenticates, as requests see it at `now`: its account with the
 * control plane's deals in flight after the account's own (same id: the managed deal wins), and
 * its floor rules when it has any.
 */
export function publisherByKeyHash(
	snapshot: ControlSnapshot,
	hash: string,
	now: number,
): Publisher | undefined {
	const id = snapshot.keyHashes.get(hash);
	const account = id === undefined ? undefined : snapshot.publishers.get(id);
	if (!account) return undefined;
	const rules = snapshot.floorRules.get(account.id);
	const publisher: Publisher = {
		...account,
		key_sha256: hash,
		...(rules ? { floor_rules: rules } : {}),
	};
	const managed = (snapshot.deals.get(account.id) ?? []).filter((d) => dealApplies(d, now));
	if (managed.length === 0) return publisher;
	const byId = new Map(account.deals.map((d) => [d.id, d]));
	for (const d of managed) byId.set(d.id, dealTerms(d));
	return { ...publisher, deals: [...byId.values()].slice(0, MAX_DEALS_PER_REQUEST) };
}

/** The body of POST /v1/admin/publishers/{id}/keys (optional). */
export const NewPublisherKey = z
	.object({ label: z.string().max(128).default("").describe("Where the key is used") })
	.strict();

const KeyInfo = z.object({
	key_id: z.string(),
	publisher_id: z.string().optional().describe("A publisher's key: whose"),
	bidder: z.string().optional().describe("A bidder's (DSP account) key: whose"),
	label: z.string(),
	created_at: z.number().int().describe("epoch ms"),
	revoked_at: z.number().int().nullable().describe("epoch ms; null while it is live"),
});

export const PublisherKeys = z.object({ keys: z.array(KeyInfo) });

export const CreatedPublisherKey = KeyInfo.extend({
	key: z.string().describe("The key itself: shown only in this answer"),
});

export const ControlAuditPage = z.object({
	records: z.array(
		z.object({
			seq: z.number().int(),
			at: z.number().int().describe("epoch ms"),
			actor: z.string().describe("The Access identity and/or the admin key's hash prefix"),
			action: z.enum(["create", "update", "delete", "revoke"]),
			kind: z.enum([
				"bidder",
				"publisher",
				"deal",
				"floor_rule",
				"currency_rate",
				"publisher_key",
				"bidder_key",
			]),
			key: z.string().describe("The resource's id (publisher/key_id for keys)"),
			version: z.number().int().describe("The control version this write made"),
			before: z.unknown().describe("The resource before; null when it was created"),
			after: z.unknown().describe("The resource after; null when it was deleted"),
		}),
	),
	next: z.string().optional().describe("`after` for the next page"),
});

export const SnapshotStatus = z.object({
	version: z.number().int().nullable(),
	age_ms: z
		.number()
		.nullable()
		.describe("Since D1 last confirmed this isolate's snapshot; null before the first load"),
	max_age_ms: z.number().int().describe("The propagation bound"),
	last_error: z.string().nullable().describe("Why the last refresh failed, if it did"),
});
export type SnapshotStatus = z.infer<typeof SnapshotStatus>;
