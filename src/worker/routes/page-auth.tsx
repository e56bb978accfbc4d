/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// Signing in and out of the review desk (/review) and the operator console (/ops), and the
// guards their pages and actions use. Pages without a session redirect to the sign-in form;
// script calls and posts get a problem+json (401, or 403 for a failed CSRF/origin check).
import type { Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { log } from "../../services/log";
import type { ActiveSession, AppEnv, Role } from "../context";
import { page } from "../pages/layout";
import { SignInPage } from "../pages/sign-in";
import { HttpProblem, problems } from "../problem";
import {
	checkKey,
	clearSessionCookie,
	currentSession,
	endSession,
	sameOrigin,
	sameText,
	startSession,
} from "../session";

export type PageEnv = AppEnv;

const AREA_PATH: Record<Role, string> = { reviewer: "/review", operator: "/ops" };

/** Whether the caller is a script that wants JSON back (review.js, ops.js), not a page load. */
export function wantsJson(c: Context): boolean {
	return (c.req.header("accept") ?? "").includes("application/json");
}

/** A page or call of `role`'s area: its session, or a redirect to sign in / a 401 problem. */
export function requireSession(role: Role) {
	return createMiddleware<PageEnv>(async (c, next) => {
		const session = await currentSession(c, role);
		if (!session) {
			if (c.req.method === "GET" && !wantsJson(c)) {
				return c.redirect(`${AREA_PATH[role]}/sign-in`, 303);
			}
			throw new HttpProblem(
				problems.unauthorized(
					`Sign in at ${AREA_PATH[role]}/sign-in; the session is missing or expired`,
				),
			);
		}
		c.set("session", session);
		await next();
	});
}

/**
 * A state-changing request of a signed-in page: from this origin, with the session's CSRF token
 * (form field `csrf` or header `X-CSRF-Token`). Returns the parsed form.
 */
export async function checkedForm(
	c: Context<PageEnv>,
	session: ActiveSession = c.get("session"),
): Promise<Record<string, string | File | (string | File)[]>> {
	if (!sameOrigin(c)) {
		throw new HttpProblem(problems.forbidden("Cross-origin request refused"));
	}
	const form = await c.req.parseBody({ all: true });
	const sent = c.req.header("x-csrf-token") ?? (typeof form.csrf === "string" ? form.csrf : "");
	if (!sameText(sent, session.csrf)) {
		throw new HttpProblem(problems.forbidden("Missing or wrong CSRF token; reload the page"));
	}
	return form;
}

/**
 * Sign-in attempts per client address and role (SIGN_IN_LIMITER, wrangler.toml), counted before
 * the key is checked so that a refusal says nothing about the key. Cloudflare always sets
 * CF-Connecting-IP; without it (local tools) every caller shares one allowance.
 */
async function mayTrySignIn(c: Context<PageEnv>, role: Role): Promise<boolean> {
	const client = c.req.header("cf-connecting-ip") ?? "unknown";
	return (await c.env.SIGN_IN_LIMITER.limit({ key: `${role}:${client}` })).success;
}

/** What SIGN_IN_LIMITER's period is (wrangler.toml): a refused address may try again after it. */
const SIGN_IN_RETRY_AFTER_S = 60;

/** GET/POST <area>/sign-in and POST <area>/sign-out on `app` (mounted at the area's path). */
export function signInRoutes(app: Hono<AppEnv>, role: Role): void {
	const home = AREA_PATH[role];

	app.get("/sign-in", async (c) => {
		if (await currentSession(c, role)) return c.redirect(home, 303);
		const notice = c.req.query("signed-out") !== undefined ? "Signed out." : undefined;
		return page(c, <SignInPage role={role} notice={notice} />);
	});

	app.post("/sign-in", async (c) => {
		// A login form posted from another site would sign the victim in as the attacker.
		if (!sameOrigin(c)) {
			return page(
				c,
				<SignInPage
					role={role}
					error="Sign in from this page: cross-origin requests are refused."
				/>,
				403,
			);
		}
		if (!(await mayTrySignIn(c, role))) {
			log("warn", "sign_in_limited", { role, request_id: c.get("requestId") });
			c.header("retry-after", String(SIGN_IN_RETRY_AFTER_S));
			return page(
				c,
				<SignInPage
					role={role}
					error={`Too many sign-in attempts from this address: try again in ${SIGN_IN_RETRY_AFTER_S} seconds.`}
				/>,
				429,
			);
		}
		const form = await c.req.parseBody();
		const key = typeof form.key === "string" ? form.key.trim() : "";
		const hash = key && key.length <= 512 ? await checkKey(c.env, role, key) : undefined;
		if (!hash) {
			// Never the key itself: only that an attempt failed.
			log("warn", "sign_in_refused", { role, request_id: c.get("requestId") });
			return page(
				c,
				<SignInPage
					role={role}
					error={`That is not ${role === "reviewer" ? "a reviewer" : "an operator"} key.`}
				/>,
				401,
			);
		}
		await startSession(c, role, hash);
		return c.redirect(home, 303);
	});

	// Signing out is a state change like any other: this origin and the session's CSRF token, so
	// another site cannot sign a reviewer out. Without a live session there is nothing to end.
	app.post("/sign-out", async (c) => {
		if (!sameOrigin(c)) throw new HttpProblem(problems.forbidden("Cross-origin request refused"));
		const session = await currentSession(c, role);
		if (session) {
			await checkedForm(c, session);
			await endSession(c, session);
		} else {
			clearSessionCookie(c, role);
		}
		return c.redirect(`${home}/sign-in?signed-out`, 303);
	});
}
