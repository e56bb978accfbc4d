// The admin API (/v1/admin/*): the control plane's publishers, publisher keys, bidders, deals and
// floor rules and exchange rates, each write validated with the schema the edge parses with,
// guarded by ETag / If-Match and recorded in the append-only audit log. An admin key (role_keys,
// role "admin") is sent as `Authorization: Bearer`; in production Cloudflare Access sits in front
// (README "Admin API") and the identity it asserts is what the audit log names.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { BidderConfig } from "../../px/auction/bidders";
import { ControlDeal, NewPublisherKey } from "../../px/control/control";
import { PublisherAccount } from "../../px/model/model";
import { asOfProblem, CurrencyRate, CurrencyRateInput, listRates } from "../../px/pricing/currency";
import { FloorRule } from "../../px/pricing/floor-rules";
import { presentedKey } from "../auth";
import { readJson } from "../body";
import { config } from "../config";
import type { AppContext, AppEnv } from "../context";
import { base64url, sha256Hex } from "../crypto";
import { fieldsProblem, HttpProblem, problems, validationProblem } from "../problem";
import { controlSnapshot, markChanged, snapshotStatus } from "./snapshot";
import {
	type Actor,
	type ConfigKind,
	createKey,
	type KeyOwner,
	listKeys,
	listRows,
	readAudit,
	readRow,
	revokeKey,
	writeRow,
} from "./store";

type AdminEnv = AppEnv & { Variables: { actor: Actor } };

export const admin = new Hono<AdminEnv>();

const requireAdmin = createMiddleware<AdminEnv>(async (c, next) => {
	const key = presentedKey(c as unknown as AppContext);
	if (!key) throw new HttpProblem(problems.unauthorized("Send an admin key as a Bearer token"));
	const hash = await sha256Hex(key);
	const snapshot = await controlSnapshot(c.env, (p) => c.executionCtx.waitUntil(p));
	if (!snapshot.roleKeys.admin.has(hash)) {
		throw new HttpProblem(problems.unauthorized("Unknown admin key"));
	}
	// Cloudflare Access asserts who is behind the key; the key's hash prefix names it otherwise.
	const person = c.req.header("cf-access-authenticated-user-email");
	const keyName = `admin-key:${hash.slice(0, 12)}`;
	c.set("actor", { name: person ? `${person} (${keyName})` : keyName });
	await next();
});
admin.use(requireAdmin);

const PathId = z
	.string()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9._-]+$/);

function pathId(raw: string, name: string): string {
	if (!PathId.safeParse(raw).success) {
		throw new HttpProblem(
			fieldsProblem(
				[{ pointer: `#/${name}`, detail: "1-128 of A-Z a-z 0-9 . _ -" }],
				"Invalid path",
			),
		);
	}
	return raw;
}

/** The version an If-Match / If-None-Match names: a number, "*" (any), or undefined (absent). */
function etagOf(header: string | undefined): number | "*" | undefined {
	if (header === undefined) return undefined;
	const value = header.trim();
	if (value === "*") return "*";
	const m = /^(?:W\/)?"(\d+)"$/.exec(value);
	return m ? Number(m[1]) : -1;
}

const etag = (version: number) => `"${version}"`;

interface Resource {
	kind: ConfigKind;
	/** The path segment, e.g. "bidders". */
	segment: string;
	/** The body's field that must equal the path id. */
	idField: string;
	schema: z.ZodType;
	title: string;
	/** The stored key for the path's id, when it is not the id as given. */
	key?: (id: string) => string;
}

/**
 * A rate as the admin API takes it: `as_of` defaults to the write's time; one far ahead of the
 * clock is refused, as it would never go stale.
 */
const RateBody = CurrencyRateInput.transform((r, ctx) => {
	const now = Date.now();
	const as_of = r.as_of ?? new Date(now).toISOString();
	const ahead = asOfProblem(as_of, now);
	if (ahead) ctx.addIssue({ code: "custom", path: ["as_of"], message: ahead });
	return { currency: r.currency, per_usd: r.per_usd, as_of, source: r.source };
});

const resources: Resource[] = [
	{
		kind: "bidder",
		segment: "bidders",
		idField: "name",
		schema: BidderConfig,
		title: "Invalid bidder",
	},
	{
		kind: "publisher",
		segment: "publishers",
		idField: "id",
		schema: PublisherAccount,
		title: "Invalid publisher",
	},
	{ kind: "deal", segment: "deals", idField: "id", schema: ControlDeal, title: "Invalid deal" },
	{
		kind: "floor_rule",
		segment: "floor-rules",
		idField: "id",
		schema: FloorRule,
		title: "Invalid floor rule",
	},
	{
		kind: "currency_rate",
		segment: "currency-rates",
		idField: "currency",
		schema: RateBody,
		title: "Invalid currency rate",
		key: (id) => id.toUpperCase(),
	},
];

function resourceId(r: Resource, raw: string): string {
	const id = pathId(raw, r.idField);
	return r.key ? r.key(id) : id;
}

function preconditions(c: AppContext, current: number | undefined): void {
	const ifMatch = etagOf(c.req.header("if-match"));
	const ifNoneMatch = etagOf(c.req.header("if-none-match"));
	const stale = (detail: string) =>
		new HttpProblem(problems.preconditionFailed(detail, current ?? null));
	if (ifMatch === "*" && current === undefined) throw stale("It does not exist (If-Match: *)");
	if (typeof ifMatch === "number" && ifMatch !== current) {
		throw stale(
			current === undefined
				? "It was deleted since the version you sent in If-Match"
				: `It is at ${etag(current)} now, not the If-Match you sent`,
		);
	}
	if (ifNoneMatch === "*" && current !== undefined) throw stale("It exists (If-None-Match: *)");
}

for (const r of resources) {
	admin.get(`/${r.segment}/:${r.idField}`, async (c) => {
		const id = resourceId(r, c.req.param(r.idField));
		const row = await readRow(c.env.CONTROL, r.kind, id);
		if (!row) throw new HttpProblem(problems.notFound(`No ${r.kind} ${id}`));
		return c.json(row.body as object, 200, { etag: etag(row.version) });
	});

	admin.put(`/${r.segment}/:${r.idField}`, async (c) => {
		const id = resourceId(r, c.req.param(r.idField));
		const body = await readJson(c as unknown as AppContext, z.looseObject({}));
		const parsed = r.schema.safeParse({ ...body, [r.idField]: body[r.idField] ?? id });
		if (!parsed.success) throw new HttpProblem(validationProblem(parsed.error.issues, r.title));
		if ((parsed.data as Record<string, unknown>)[r.idField] !== id) {
			throw new HttpProblem(
				fieldsProblem(
					[{ pointer: `#/${r.idField}`, detail: "must equal the id in the path" }],
					r.title,
				),
			);
		}
		const before = await readRow(c.env.CONTROL, r.kind, id);
		preconditions(c as unknown as AppContext, before?.version);
		const version = await writeRow(
			c.env.CONTROL,
			r.kind,
			id,
			{ body: parsed.data, before, expected: before?.version },
			c.get("actor"),
		);
		if (version === undefined) {
			throw new HttpProblem(
				problems.preconditionFailed("It was changed by another write meanwhile", null),
			);
		}
		markChanged(c.env);
		return c.json(parsed.data as object, before ? 200 : 201, { etag: etag(version) });
	});

	admin.delete(`/${r.segment}/:${r.idField}`, async (c) => {
		const id = resourceId(r, c.req.param(r.idField));
		const before = await readRow(c.env.CONTROL, r.kind, id);
		if (!before) throw new HttpProblem(problems.notFound(`No ${r.kind} ${id}`));
		preconditions(c as unknown as AppContext, before.version);
		const version = await writeRow(
			c.env.CONTROL,
			r.kind,
			id,
			{ body: null, before, expected: before.version },
			c.get("actor"),
		);
		if (version === undefined) {
			throw new HttpProblem(
				problems.preconditionFailed("It was changed by another write meanwhile", null),
			);
		}
		markChanged(c.env);
		return c.body(null, 204);
	});
}

/** Key routes of publishers (ad requests) and bidders (the DSP account API, /v1/dsp/*). */
const keyOwners: { owner: KeyOwner; segment: string; idField: string; kind: ConfigKind }[] = [
	{ owner: "publisher", segment: "publishers", idField: "id", kind: "publisher" },
	{ owner: "bidder", segment: "bidders", idField: "name", kind: "bidder" },
];

for (const o of keyOwners) {
	const ownerOf = async (c: { env: Env; req: { param(name: string): string } }) => {
		const id = pathId(c.req.param(o.idField), o.idField);
		if (!(await readRow(c.env.CONTROL, o.kind, id)))
			throw new HttpProblem(problems.notFound(`No ${o.kind} ${id}`));
		return id;
	};

	admin.get(`/${o.segment}/:${o.idField}/keys`, async (c) => {
		const id = await ownerOf(c);
		return c.json({ keys: await listKeys(c.env.CONTROL, id, o.owner) });
	});

	/** A new key: shown once in this answer; only its SHA-256 is stored. */
	admin.post(`/${o.segment}/:${o.idField}/keys`, async (c) => {
		const text = await c.req.text();
		const { label } = text.trim()
			? await readJson(c as unknown as AppContext, NewPublisherKey)
			: NewPublisherKey.parse({});
		const id = await ownerOf(c);
		const prefix = o.owner === "publisher" ? "pk" : "dk";
		const key = `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
		const key_sha256 = await sha256Hex(key);
		const info = {
			key_id: key_sha256.slice(0, 16),
			[o.owner === "publisher" ? "publisher_id" : "bidder"]: id,
			label,
			created_at: Date.now(),
			revoked_at: null,
		};
		await createKey(c.env.CONTROL, o.owner, id, { ...info, key_sha256 }, c.get("actor"));
		markChanged(c.env);
		return c.json({ ...info, key }, 201, { "cache-control": "no-store" });
	});

	admin.delete(`/${o.segment}/:${o.idField}/keys/:key_id`, async (c) => {
		const id = pathId(c.req.param(o.idField), o.idField);
		const keyId = c.req.param("key_id");
		const key = (await listKeys(c.env.CONTROL, id, o.owner)).find((k) => k.key_id === keyId);
		if (!key) throw new HttpProblem(problems.notFound(`No key ${keyId} of ${o.kind} ${id}`));
		if (key.revoked_at === null) {
			await revokeKey(c.env.CONTROL, o.owner, id, key, c.get("actor"));
			markChanged(c.env);
		}
		return c.body(null, 204);
	});
}

const FloorRulesQuery = z.object({ publisher_id: PathId });

/** One publisher's floor rules, each with its ETag, so an admin sees what competes to match. */
admin.get("/floor-rules", async (c) => {
	const query = FloorRulesQuery.safeParse(c.req.query());
	if (!query.success) throw new HttpProblem(validationProblem(query.error.issues, "Invalid query"));
	const rows = await listRows(c.env.CONTROL, "floor_rule", query.data.publisher_id);
	return c.json({
		floor_rules: rows.map((r) => ({ etag: etag(r.version), rule: r.body })),
	});
});

/** Every rate with its age against FX_RATE_MAX_AGE_HOURS (GET/PUT/DELETE one are above). */
admin.get("/currency-rates", async (c) => {
	const rows = await listRows(c.env.CONTROL, "currency_rate");
	const rates = rows.flatMap((row) => {
		const parsed = CurrencyRate.safeParse(row.body);
		return parsed.success ? [parsed.data] : [];
	});
	return c.json(listRates(rates, Date.now(), config(c.env).FX_RATE_MAX_AGE_HOURS * 3_600_000));
});

const AuditQuery = z.object({
	after: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(500).default(100),
});

admin.get("/audit", async (c) => {
	const query = AuditQuery.safeParse(c.req.query());
	if (!query.success) throw new HttpProblem(validationProblem(query.error.issues, "Invalid query"));
	const records = await readAudit(c.env.CONTROL, query.data);
	const last = records.at(-1);
	return c.json({
		records,
		...(records.length === query.data.limit && last ? { next: String(last.seq) } : {}),
	});
});

/** How old this isolate's control snapshot is (the same figure /ops shows). */
admin.get("/status", (c) => c.json(snapshotStatus(c.env)));
