// DSPs as accounts (/v1/dsp/*): a DSP's key (POST /v1/admin/bidders/{name}/keys) lets it submit
// ads before it bids and read their audit status, the IAB Ad Management API 1.1 subset in
// px/auction/ad-management.ts. A submitted ad goes onto the same review desk as the same approval unit
// (bidder, crid = the ad's id, asset, advertiser) a bid carrying it would create, so approving it
// there approves that creative's bids; nothing about review changes.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { type AdWithAudit, auditStatusOf, SubmittedAd } from "../../px/auction/ad-management";
import { ApprovalRecord, approvalKey, approvalKvKey } from "../../px/auction/approval";
import { newEvent } from "../../px/events/events";
import { errorText, log } from "../../services/log";
import { enqueueNotices } from "../../services/notices";
import { reviewDesk } from "../../services/stubs";
import { presentedKey, waiterOf } from "../auth";
import { readJson } from "../body";
import type { AppContext, AppEnv } from "../context";
import { sha256Hex } from "../crypto";
import { HttpProblem, problems } from "../problem";
import { controlSnapshot } from "./snapshot";

type DspEnv = AppEnv & { Variables: { bidder: string } };

export const dsp = new Hono<DspEnv>();

dsp.use(
	createMiddleware<DspEnv>(async (c, next) => {
		const key = presentedKey(c as unknown as AppContext);
		if (!key) throw new HttpProblem(problems.unauthorized("Send the DSP key as a Bearer token"));
		const snapshot = await controlSnapshot(c.env, waiterOf(c as unknown as AppContext));
		const bidder = snapshot.bidderKeys.get(await sha256Hex(key));
		if (!bidder) throw new HttpProblem(problems.unauthorized("Unknown DSP key"));
		c.set("bidder", bidder);
		await next();
	}),
);

interface AdRow {
	body: string;
	creative_key: string;
	created_at: number;
	updated_at: number;
}

/** The ad with its audit status as the approvals replica has it now. */
async function withAudit(env: Env, row: AdRow): Promise<AdWithAudit> {
	const raw = await env.APPROVALS.get(approvalKvKey(row.creative_key), "json");
	const record = ApprovalRecord.safeParse(raw);
	const status = record.success ? record.data.status : undefined;
	const reason = record.success ? record.data.reason : undefined;
	return {
		...(SubmittedAd.parse(JSON.parse(row.body)) as SubmittedAd),
		init: Math.floor(row.created_at / 1000),
		lastmod: Math.floor(row.updated_at / 1000),
		audit: {
			status: auditStatusOf(status),
			...(status === "rejected" && reason ? { feedback: [reason] } : {}),
		},
	};
}

const readAd = (env: Env, bidder: string, id: string) =>
	env.CONTROL.prepare(
		"SELECT body, creative_key, created_at, updated_at FROM dsp_ads WHERE bidder = ? AND id = ?",
	)
		.bind(bidder, id)
		.first<AdRow>();

dsp.post("/ads", async (c) => {
	const bidder = c.get("bidder");
	const ad = await readJson(c as unknown as AppContext, SubmittedAd);
	const unit = { bidder, crid: ad.id, asset_url: ad.asset_url, adomain: ad.adomain };
	const creative_key = await approvalKey(unit);
	const now = Date.now();
	const before = await readAd(c.env, bidder, ad.id);
	// The version bump makes every edge isolate reload: a bid may name the ad by adid within 30 s.
	await c.env.CONTROL.batch([
		c.env.CONTROL.prepare(
			`INSERT INTO dsp_ads (bidder, id, body, creative_key, created_at, updated_at)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
			 ON CONFLICT (bidder, id) DO UPDATE SET body = ?3, creative_key = ?4, updated_at = ?5`,
		).bind(bidder, ad.id, JSON.stringify(ad), creative_key, now),
		c.env.CONTROL.prepare("UPDATE control_version SET version = version + 1"),
	]);
	// The desk takes it as it takes a creative first seen in a bid; a pre-registered ad has no
	// screen yet, so the sighting names none.
	await reviewDesk(c.env).intake([
		newEvent("creative_seen", {
			publisher_id: "-",
			screen_id: "-",
			venue_type: 1,
			bidder,
			crid: ad.id,
			creative_key,
			adomain: ad.adomain,
			asset_url: ad.asset_url,
			mime: ad.mime,
			w: ad.w,
			h: ad.h,
			...(ad.duration_s ? { duration_s: ad.duration_s } : {}),
		}),
	]);
	const row = {
		body: JSON.stringify(ad),
		creative_key,
		created_at: before?.created_at ?? now,
		updated_at: now,
	};
	return c.json(await withAudit(c.env, row), before ? 200 : 201);
});

dsp.get("/ads/:id", async (c) => {
	const row = await readAd(c.env, c.get("bidder"), c.req.param("id"));
	if (!row) throw new HttpProblem(problems.notFound(`No ad ${c.req.param("id")}`));
	return c.json(await withAudit(c.env, row));
});

/** A decision the review desk just made, as the routes get it back. */
interface Decided {
	creative_key: string;
	bidder: string;
	crid: string;
	status: string;
	version?: number;
}

/**
 * The webhook of a DSP account: for each decided item that is an ad the DSP submitted (same unit)
 * and whose bidder has an `ad_audit_url`, one notice on the notices queue, so it is retried with
 * backoff like the buyers' other notices and a slow DSP never holds the reviewer's answer.
 */
export async function auditWebhooks(env: Env, decided: readonly Decided[]): Promise<void> {
	try {
		await enqueueAuditWebhooks(env, decided);
	} catch (err) {
		log("error", "ad_audit_webhook_failed", { error: errorText(err) });
	}
}

async function enqueueAuditWebhooks(env: Env, decided: readonly Decided[]): Promise<void> {
	const bidders = new Map((await controlSnapshot(env)).bidders.map((b) => [b.name, b]));
	for (const item of decided) {
		const base = bidders.get(item.bidder)?.ad_audit_url;
		if (!base || (item.status !== "approved" && item.status !== "rejected")) continue;
		const submitted = await env.CONTROL.prepare(
			"SELECT 1 FROM dsp_ads WHERE bidder = ? AND id = ? AND creative_key = ?",
		)
			.bind(item.bidder, item.crid, item.creative_key)
			.first();
		if (!submitted) continue;
		const url = new URL(base);
		url.searchParams.set("ad_id", item.crid);
		url.searchParams.set("audit_status", String(auditStatusOf(item.status)));
		const id = `audit:${item.creative_key}:${item.version ?? 0}`.slice(0, 400);
		await enqueueNotices(env.NOTICES, {
			v: 1,
			auction_id: `ad-audit:${item.crid}`.slice(0, 128),
			notices: [{ kind: "audit", url: url.toString(), bidder: item.bidder, id }],
			attempt: 0,
		});
	}
}
