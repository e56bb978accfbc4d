// Publisher and reviewer authentication. Keys are never stored: only their SHA-256 hashes are
// configured (PUBLISHERS, REVIEWER_KEYS_SHA256), and a presented key is hashed and looked up.
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { Publisher } from "../px/model";
import { config } from "./config";
import type { AppContext, AppEnv } from "./context";
import { sha256Hex } from "./crypto";
import { memoByString } from "./memo";
import { HttpProblem, problems } from "./problem";

const publishersOf = memoByString((raw) => z.array(Publisher).parse(JSON.parse(raw || "[]")));

const publishersByHash = memoByString(
	(raw) => new Map(publishersOf(raw).map((p) => [p.key_sha256, p])),
);

/** Every configured publisher: the sellers this exchange discloses. */
export const configuredPublishers = (env: Env): Publisher[] => publishersOf(env.PUBLISHERS);

const keyHashes = memoByString(
	(raw) =>
		new Set(
			raw
				.split(",")
				.map((h) => h.trim().toLowerCase())
				.filter(Boolean),
		),
);

/** Whether `hash` (SHA-256 hex) is in a comma-separated list of key hashes. */
export function isConfiguredKeyHash(list: string, hash: string): boolean {
	return keyHashes(list).has(hash.toLowerCase());
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key`; never from the URL, which is logged. */
export function presentedKey(c: AppContext): string | undefined {
	const auth = c.req.header("authorization");
	if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || undefined;
	return c.req.header("x-api-key")?.trim() || undefined;
}

async function findPublisher(env: Env, key: string): Promise<Publisher | undefined> {
	return publishersByHash(env.PUBLISHERS).get(await sha256Hex(key));
}

export const requirePublisher = createMiddleware<AppEnv>(async (c, next) => {
	const key = presentedKey(c);
	if (!key)
		throw new HttpProblem(problems.unauthorized("Send the publisher key as a Bearer token"));
	const publisher = await findPublisher(c.env, key);
	if (!publisher) throw new HttpProblem(problems.unauthorized("Unknown publisher key"));
	c.set("publisher", publisher);
	await next();
});

export const requireReviewer = createMiddleware<AppEnv>(async (c, next) => {
	const key = presentedKey(c);
	if (!key) throw new HttpProblem(problems.unauthorized("Send the reviewer key as a Bearer token"));
	if (!keyHashes(c.env.REVIEWER_KEYS_SHA256).has(await sha256Hex(key))) {
		throw new HttpProblem(problems.unauthorized("Unknown reviewer key"));
	}
	await next();
});

/**
 * Whether this request may see the auction's debug trace (other bidders' prices, seats and
 * creatives): where DEBUG_TRACES is "true" (local development), or for an operator key sent as
 * `X-Operator-Key` (its SHA-256 in OPERATOR_KEYS_SHA256).
 */
export async function debugAllowed(c: AppContext): Promise<boolean> {
	if (config(c.env).DEBUG_TRACES) return true;
	const key = c.req.header("x-operator-key")?.trim();
	if (!key) return false;
	return keyHashes(c.env.OPERATOR_KEYS_SHA256 ?? "").has(await sha256Hex(key));
}
