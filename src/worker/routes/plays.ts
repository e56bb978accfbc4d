// Proof of play: the screen reports that the ad ran (billing happens here, via burl) or that it
// could not run it (never billed; the buyer gets lurl with loss code 2).
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context";
import { type PopClaims, verifyPopToken } from "../pop-token";
import { HttpProblem, problems } from "../problem";
import { screenStub } from "../screens";

export const plays = new Hono<AppEnv>();

/** A transparent 1×1 GIF, for players that can only fire an image pixel. */
const PIXEL = Uint8Array.from(
	atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
	(ch) => ch.charCodeAt(0),
);
const PIXEL_HEADERS = { "content-type": "image/gif", "cache-control": "no-store" };
/** A play report whose approval cannot be confirmed now is retried by the player after this. */
const APPROVAL_RETRY_AFTER_S = 30;

const alreadyReported = (detail: string) =>
	new HttpProblem({ status: 409, type: "already-reported", title: "Already reported", detail });

async function claimsOf(c: AppContext): Promise<PopClaims> {
	const claims = await verifyPopToken(c.req.param("token") ?? "", c.env.POP_SIGNING_KEY);
	if (!claims) throw new HttpProblem(problems.forbidden("The proof-of-play token is not valid"));
	return claims;
}

async function recordPlay(c: AppContext): Promise<{ decision_id: string; played_at: number }> {
	const claims = await claimsOf(c);
	const now = Date.now();
	// not_before already allows the player's early start; a report before it claims a play that
	// was not allowed to happen yet. Refused without touching the ledger, so it is never billed.
	if (now < claims.nb) {
		throw new HttpProblem({
			status: 425,
			type: "play-too-early",
			title: "Reported before the play window opened",
			detail: `This ad may not play before ${new Date(claims.nb).toISOString()}; nothing was recorded`,
		});
	}
	if (now > claims.ru) {
		throw new HttpProblem({
			status: 410,
			type: "play-window-closed",
			title: "Too late to report this play",
			detail: "The play window and its reporting grace have passed; the play is not billed",
		});
	}
	const result = await screenStub(c.env, claims.p, claims.s).redeemPlay(
		claims.d,
		c.get("requestId"),
	);
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
		case "revoked":
			throw new HttpProblem({
				status: 410,
				type: "creative-revoked",
				title: "This creative was rejected",
				detail: "A reviewer rejected the creative after the auction; the play is not billed",
			});
		case "approval_unknown":
			throw new HttpProblem({
				status: 503,
				type: "approval-unavailable",
				title: "Cannot confirm the creative's approval now",
				detail: `Nothing was recorded; report again after ${APPROVAL_RETRY_AFTER_S} s`,
				headers: { "retry-after": String(APPROVAL_RETRY_AFTER_S) },
			});
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		// The screen's object delivers the play's event and burl itself (its alarm retries).
		case "accepted":
			return { decision_id: claims.d, played_at: now };
	}
}

plays.post("/:token", async (c) => c.json({ status: "accepted", ...(await recordPlay(c)) }));

plays.get("/:token", async (c) => {
	// Hono answers HEAD with the GET route. A HEAD (link checkers, proxies, players probing the
	// URL) must have no side effects: it only says whether the token is genuine.
	if (c.req.method === "HEAD") {
		await claimsOf(c);
		return c.body(null, 200, PIXEL_HEADERS);
	}
	await recordPlay(c);
	return c.body(PIXEL, 200, PIXEL_HEADERS);
});

plays.post("/:token/expired", async (c) => {
	const claims = await claimsOf(c);
	const result = await screenStub(c.env, claims.p, claims.s).reportExpired(
		claims.d,
		c.get("requestId"),
	);
	switch (result.kind) {
		case "already_played":
			throw alreadyReported("A played ad cannot expire");
		case "unknown":
			throw new HttpProblem(problems.notFound("No such decision for this screen"));
		case "recorded":
			return c.json({ status: "expired", decision_id: claims.d });
		case "already_expired":
			return c.json({ status: "expired", decision_id: claims.d });
	}
});
