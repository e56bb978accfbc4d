// The admin API (src/worker/control/admin.ts), listed in operations.ts.
import { z } from "zod";
import {
	badRequest,
	json,
	type Operation,
	type Parameter,
	problem,
	schemas,
	unauthorized,
} from "./schemas";

const tag = "admin";
const ETAG = { etag: "The resource's version; send it back as If-Match to update or delete it" };
const stale = problem(
	"If-Match is not the resource's current ETag (or If-None-Match: * and it exists): someone changed it since you read it. Nothing was changed; `current_etag` is its ETag now",
);
const header = (name: string, description: string): Parameter => ({
	name,
	in: "header",
	description,
	schema: z.string(),
});
const ifMatch = header(
	"If-Match",
	'The ETag you read ("*": it must exist); a stale one is refused with 412',
);
const ifNoneMatch = header("If-None-Match", '"*": create only, 412 if it exists');
const pathParam = (name: string, description: string): Parameter => ({
	name,
	in: "path",
	description,
	schema: z.string(),
	required: true,
});

interface Kind {
	segment: string;
	/** In operation ids: getAdmin<name>. */
	name: string;
	param: string;
	noun: string;
	input: (typeof schemas)[keyof typeof schemas];
	output: (typeof schemas)[keyof typeof schemas];
	effect: string;
}

const kinds: Kind[] = [
	{
		segment: "bidders",
		name: "Bidder",
		param: "name",
		noun: "bidder (DSP)",
		input: schemas.BidderConfigInput,
		output: schemas.BidderConfig,
		effect: "The next ad requests call it (within the propagation bound, README).",
	},
	{
		segment: "publishers",
		name: "Publisher",
		param: "id",
		noun: "publisher account",
		input: schemas.PublisherAccountInput,
		output: schemas.PublisherAccount,
		effect: "Its keys are managed under /keys; sellers.json lists it.",
	},
	{
		segment: "deals",
		name: "Deal",
		param: "id",
		noun: "deal",
		input: schemas.ControlDealInput,
		output: schemas.ControlDeal,
		effect: "Offered in imp.pmp.deals on the publisher's ad requests during its flight.",
	},
	{
		segment: "floor-rules",
		name: "FloorRule",
		param: "id",
		noun: "floor rule",
		input: schemas.FloorRuleInput,
		output: schemas.FloorRule,
		effect:
			"Competes with the publisher's other rules on its ad requests: the most specific rule that covers a bid sets its floor.",
	},
	{
		segment: "currency-rates",
		name: "CurrencyRate",
		param: "currency",
		noun: "exchange rate",
		input: schemas.CurrencyRateInput,
		output: schemas.CurrencyRate,
		effect:
			"Bids in this currency convert by it while it is younger than FX_RATE_MAX_AGE_HOURS; the scheduled refresh replaces it with a newer rate from FX_RATES_URL.",
	},
];

const crud = (k: Kind): Operation[] => {
	const path = `/v1/admin/${k.segment}/{${k.param}}`;
	const id = pathParam(k.param, `The ${k.noun}'s ${k.param}`);
	const cap = k.name;
	return [
		{
			method: "get",
			path,
			operationId: `getAdmin${cap}`,
			summary: `One ${k.noun}`,
			tag,
			security: "admin",
			parameters: [id],
			responses: {
				"200": { description: k.noun, content: json(k.output), headers: ETAG },
				"401": unauthorized,
				"404": problem(`No such ${k.noun}`),
			},
		},
		{
			method: "put",
			path,
			operationId: `putAdmin${cap}`,
			summary: `Create or replace a ${k.noun}`,
			description: `Validated with the schema the edge reads it with; recorded in the audit log. ${k.effect}`,
			tag,
			security: "admin",
			parameters: [id, ifMatch, ifNoneMatch],
			body: { required: true, schema: k.input },
			responses: {
				"200": { description: "Replaced", content: json(k.output), headers: ETAG },
				"201": { description: "Created", content: json(k.output), headers: ETAG },
				"400": badRequest,
				"401": unauthorized,
				"412": stale,
			},
		},
		{
			method: "delete",
			path,
			operationId: `deleteAdmin${cap}`,
			summary: `Delete a ${k.noun}`,
			tag,
			security: "admin",
			parameters: [id, ifMatch],
			responses: {
				"204": { description: "Deleted" },
				"401": unauthorized,
				"404": problem(`No such ${k.noun}`),
				"412": stale,
			},
		},
	];
};

function keyOperations(
	segment: string,
	param: string,
	noun: string,
	name: string,
	uses: string,
): Operation[] {
	const path = `/v1/admin/${segment}/{${param}}/keys`;
	const owner = pathParam(param, `The ${noun}'s ${param}`);
	return [
		{
			method: "get",
			path,
			operationId: `list${name}Keys`,
			summary: `A ${noun}'s keys (ids and labels; never the keys)`,
			tag,
			security: "admin",
			parameters: [owner],
			responses: {
				"200": { description: "Its keys, revoked ones too", content: json(schemas.Keys) },
				"401": unauthorized,
				"404": problem(`No such ${noun}`),
			},
		},
		{
			method: "post",
			path,
			operationId: `create${name}Key`,
			summary: `A new ${noun} key, shown once`,
			description: `The answer is the only place the key appears: only its SHA-256 is stored. ${uses} accept it within the propagation bound.`,
			tag,
			security: "admin",
			parameters: [owner],
			body: { required: false, schema: schemas.NewKey },
			responses: {
				"201": { description: "The key and its id", content: json(schemas.CreatedKey) },
				"400": badRequest,
				"401": unauthorized,
				"404": problem(`No such ${noun}`),
			},
		},
		{
			method: "delete",
			path: `${path}/{key_id}`,
			operationId: `revoke${name}Key`,
			summary: `Revoke a ${noun} key`,
			description: `${uses} refuse it (401) within the propagation bound.`,
			tag,
			security: "admin",
			parameters: [owner, pathParam("key_id", "The key's id (from the list or creation)")],
			responses: {
				"204": { description: "Revoked (or already was)" },
				"401": unauthorized,
				"404": problem("No such key"),
			},
		},
	];
}

export const adminOperations: Operation[] = [
	...kinds.flatMap(crud),
	{
		method: "get",
		path: "/v1/admin/floor-rules",
		operationId: "listAdminFloorRules",
		summary: "A publisher's floor rules, by id",
		tag,
		security: "admin",
		parameters: [
			{
				name: "publisher_id",
				in: "query",
				description: "Whose rules",
				schema: z.string(),
				required: true,
			},
		],
		responses: {
			"200": { description: "Its rules, each with its ETag", content: json(schemas.FloorRules) },
			"400": badRequest,
			"401": unauthorized,
		},
	},
	...keyOperations("publishers", "id", "publisher", "Publisher", "Ad requests"),
	...keyOperations("bidders", "name", "bidder (DSP)", "Bidder", "The DSP account API (/v1/dsp/*)"),
	{
		method: "get",
		path: "/v1/admin/currency-rates",
		operationId: "listAdminCurrencyRates",
		summary: "Every exchange rate, its age and whether it is stale",
		description:
			"Rates are units of a currency per 1 USD (USD itself is implicit). A stale rate (older than `max_age_s`) no longer converts bids: they are filtered until a newer rate arrives.",
		tag,
		security: "admin",
		responses: {
			"200": { description: "The rates", content: json(schemas.CurrencyRates) },
			"401": unauthorized,
		},
	},
	{
		method: "get",
		path: "/v1/admin/audit",
		operationId: "adminAudit",
		summary: "The audit log: who changed what, when, before and after",
		description: "Append-only, oldest first; page with `after` = the previous page's `next`.",
		tag,
		security: "admin",
		parameters: [
			{
				name: "after",
				in: "query",
				description: "Records after this seq",
				schema: z.number().int(),
			},
			{ name: "limit", in: "query", description: "1–500, default 100", schema: z.number().int() },
		],
		responses: {
			"200": { description: "A page of records", content: json(schemas.AuditPage) },
			"400": badRequest,
			"401": unauthorized,
		},
	},
	{
		method: "get",
		path: "/v1/admin/status",
		operationId: "adminStatus",
		summary: "This isolate's control snapshot: its version and age",
		tag,
		security: "admin",
		responses: {
			"200": { description: "Snapshot status", content: json(schemas.SnapshotStatus) },
			"401": unauthorized,
		},
	},
	{
		method: "post",
		path: "/v1/dsp/ads",
		operationId: "submitAd",
		summary: "Submit an ad for review before bidding on it (Ad Management API 1.1 subset)",
		description:
			"With a DSP key. The ad goes onto the review desk as the approval unit its bids would make (this bidder, crid = `id`, the asset, the advertiser); once approved there, bids carrying it serve without waiting for review. Submitting the same `id` again replaces it (a new asset or advertiser is a new unit to review).",
		tag: "dsp",
		security: "dsp",
		body: { required: true, schema: schemas.SubmittedAd },
		responses: {
			"201": { description: "Submitted", content: json(schemas.AdWithAudit) },
			"200": { description: "Resubmitted", content: json(schemas.AdWithAudit) },
			"400": badRequest,
			"401": unauthorized,
		},
	},
	{
		method: "get",
		path: "/v1/dsp/ads/{id}",
		operationId: "getAd",
		summary: "A submitted ad and its audit status (AdCOM: 1 pending, 3 approved, 4 denied)",
		tag: "dsp",
		security: "dsp",
		parameters: [pathParam("id", "The ad's id (its crid)")],
		responses: {
			"200": { description: "The ad and its audit", content: json(schemas.AdWithAudit) },
			"401": unauthorized,
			"404": problem("No such ad of this DSP"),
		},
	},
];
