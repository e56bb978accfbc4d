// Publisher, reviewer and operator authentication. Keys are never stored: only their SHA-256
// hashes are (the control plane, src/worker/control), and a presented key is hashed and looked up.
import { createMiddleware } from "hono/factory";
import { config } from "./config";
import type { AppContext, AppEnv } from "./context";
import { hasRoleKey, publisherForKeyHash } from "./control/lookups";
import { sha256Hex } from "./crypto";
import { HttpProblem, problems } from "./problem";

/** Background work of a request (the control snapshot's re-check), where there is a context. */
export function waiterOf(c: AppContext): ((p: Promise<unknown>) => void) | undefined {
	try {
		const ctx = c.executionCtx;
		return (p) => ctx.waitUntil(p);
	} catch {
		return undefined;
	}
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key`; never from the URL, which is logged. */
export function presentedKey(c: AppContext): string | undefined {
	const auth = c.req.header("authorization");
	if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || undefined;
	return c.req.header("x-api-key")?.trim() || undefined;
}

export const requirePublisher = createMiddleware<AppEnv>(async (c, next) => {
	const key = presentedKey(c);
	if (!key)
		throw new HttpProblem(problems.unauthorized("Send the publisher key as a Bearer token"));
	const publisher = await publisherForKeyHash(c.env, await sha256Hex(key), waiterOf(c));
	if (!publisher) throw new HttpProblem(problems.unauthorized("Unknown publisher key"));
	c.set("publisher", publisher);
	await next();
});

export const requireReviewer = createMiddleware<AppEnv>(async (c, next) => {
	const key = presentedKey(c);
	if (!key) throw new HttpProblem(problems.unauthorized("Send the reviewer key as a Bearer token"));
	if (!(await hasRoleKey(c.env, "reviewer", await sha256Hex(key), waiterOf(c)))) {
		throw new HttpProblem(problems.unauthorized("Unknown reviewer key"));
	}
	await next();
});

/**
 * Whether this request may see the auction's debug trace (other bidders' prices, seats and
 * creatives): where DEBUG_TRACES is "true" (local development), or for an operator key sent as
 * `X-Operator-Key`.
 */
export async function debugAllowed(c: AppContext): Promise<boolean> {
	if (config(c.env).DEBUG_TRACES) return true;
	const key = c.req.header("x-operator-key")?.trim();
	if (!key) return false;
	return hasRoleKey(c.env, "operator", await sha256Hex(key), waiterOf(c));
}
