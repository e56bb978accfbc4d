// Proof of play: the screen reports that the ad ran (billing happens here, via burl) or that it
// could not run it (never billed; the buyer gets lurl with loss code 2).
import { Hono } from "hono";
import type { DecisionMeta } from "../../durable-objects/screen-do";
import { newEvent } from "../../px/events";
import type { AppContext, AppEnv } from "../context";
import { publishEvents } from "../emit";
import { billingUrl, expiryLossUrl, fireNotice } from "../notices";
import { type PopClaims, verifyPopToken } from "../pop-token";
import { HttpProblem, problems } from "../problem";
import { screenStub } from "../screens";

export const plays = new Hono<AppEnv>();

/** A transparent 1×1 GIF, for players that can only fire an image pixel. */
const PIXEL = Uint8Array.from(
	atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
	(ch) => ch.charCodeAt(0),
);

const alreadyReported = (detail: string) =>
	new HttpProblem({ status: 409, type: "already-reported", title: "Already reported", detail });

async function claimsOf(c: AppContext): Promise<PopClaims> {
	const claims = await verifyPopToken(c.req.param("token") ?? "", c.env.POP_SIGNING_KEY);
	if (!claims) throw new HttpProblem(problems.forbidden("The proof-of-play token is not valid"));
	return claims;
}

/** The buyer's notice and the play/expiry event, after the ledger recorded the outcome. */
function settle(
	c: AppContext,
	claims: PopClaims,
	meta: DecisionMeta,
	notice: { kind: "burl" | "lurl"; url: string | undefined },
	event:
		| { type: "play"; played_at: number }
		| { type: "expiry"; reported_at: number; reason: "reported" },
) {
	const common = {
		publisher_id: claims.p,
		screen_id: claims.s,
		venue_type: meta.venueType,
		request_id: c.get("requestId"),
		decision_id: claims.d,
		auction_id: meta.auctionId,
		bidder: meta.bidder,
		crid: meta.crid,
	};
	const record =
		event.type === "play"
			? newEvent("play", {
					...common,
					price_cpm: meta.priceCpm,
					multiplier: meta.multiplier,
					played_at: event.played_at,
				})
			: newEvent("expiry", { ...common, reported_at: event.reported_at, reason: event.reason });
	c.executionCtx.waitUntil(
		Promise.all([
			notice.url ? fireNotice(notice.kind, notice.url) : undefined,
			publishEvents(c.env, [record]),
		]),
	);
}

async function recordPlay(c: AppContext): Promise<{ decision_id: string; played_at: number }> {
	const claims = await claimsOf(c);
	const now = Date.now();
	if (now > claims.ru) {
		throw new HttpProblem({
			status: 410,
			type: "play-window-closed",
			title: "Too late to report this play",
			detail: "The play window and its reporting grace have passed; the play is not billed",
		});
	}
	const result = await screenStub(c.env, claims.p, claims.s).redeemPlay(claims.d);
	switch (result.kind) {
		case "replay":
			throw alreadyReported("A proof of play counts once");
		case "expired":
			throw new HttpProblem({
				status: 410,
				type: "decision-expired",
				title: "This decision expired",
				detail: "The ad was reported expired or its window closed; the play is not billed",
			});
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		case "accepted":
			settle(
				c,
				claims,
				result.meta,
				{ kind: "burl", url: billingUrl(result.notices, now) },
				{ type: "play", played_at: now },
			);
			return { decision_id: claims.d, played_at: now };
	}
}

plays.post("/:token", async (c) => c.json({ status: "accepted", ...(await recordPlay(c)) }));

plays.get("/:token", async (c) => {
	await recordPlay(c);
	return c.body(PIXEL, 200, { "content-type": "image/gif", "cache-control": "no-store" });
});

plays.post("/:token/expired", async (c) => {
	const claims = await claimsOf(c);
	const result = await screenStub(c.env, claims.p, claims.s).reportExpired(claims.d);
	switch (result.kind) {
		case "already_played":
			throw alreadyReported("A played ad cannot expire");
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		case "recorded":
			settle(
				c,
				claims,
				result.meta,
				{ kind: "lurl", url: expiryLossUrl(result.notices) },
				{ type: "expiry", reported_at: Date.now(), reason: "reported" },
			);
			return c.json({ status: "expired", decision_id: claims.d });
		case "already_expired":
			return c.json({ status: "expired", decision_id: claims.d });
	}
});
