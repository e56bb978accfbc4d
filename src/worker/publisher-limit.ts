// Per-publisher rate limits in front of the per-screen token buckets. Screen ids are the
// publisher's to choose, so a bucket per screen alone lets rotating ids multiply the allowance.
// Uses the Workers Rate Limiting binding: counted per Cloudflare location, no round trip to a
// central object on the hot path.
import { createMiddleware } from "hono/factory";
import { errorText, log } from "../services/log";
import type { AppEnv } from "./context";
import { HttpProblem, problem } from "./problem";

/** PUBLISHER_LIMITER counts over 10 s (wrangler.toml): a limited publisher may retry after that. */
const RETRY_AFTER_S = 10;

/**
 * `scope` separates what is counted (ad requests, telemetry, play batches) under one binding. A
 * limiter that fails open: rate limiting protects the edge, and an outage of it must not stop
 * every ad.
 */
export async function publisherAllowed(
	env: Pick<Env, "PUBLISHER_LIMITER">,
	scope: string,
	publisherId: string,
): Promise<boolean> {
	try {
		return (await env.PUBLISHER_LIMITER.limit({ key: `${scope}:${publisherId}` })).success;
	} catch (err) {
		log("warn", "rate_limiter_failed", { error: errorText(err) });
		return true;
	}
}

/**
 * Charges `units` more against the publisher's `scope` budget (one binding call each: the binding
 * counts calls); false when any was refused. A request for several placements pays per placement.
 */
export async function publisherAllowedUnits(
	env: Pick<Env, "PUBLISHER_LIMITER">,
	scope: string,
	publisherId: string,
	units: number,
): Promise<boolean> {
	const taken = await Promise.all(
		Array.from({ length: Math.max(0, units) }, () => publisherAllowed(env, scope, publisherId)),
	);
	return taken.every(Boolean);
}

export const publisherLimited = () =>
	new HttpProblem(
		problem("publisher-rate-limited", `Retry after ${RETRY_AFTER_S} s`, {
			headers: { "retry-after": String(RETRY_AFTER_S) },
		}),
	);

/** The scope ad requests (and their placements) are counted under. */
export const AD_SCOPE = "ad";

export const limitPublisher = (scope: string) =>
	createMiddleware<AppEnv>(async (c, next) => {
		if (!(await publisherAllowed(c.env, scope, c.get("publisher").id))) throw publisherLimited();
		await next();
	});

/** Whether the publisher may start another unregistered (inline) screen now. */
export async function mayStartNewScreen(env: Env, publisherId: string): Promise<boolean> {
	try {
		return (await env.NEW_SCREEN_LIMITER.limit({ key: publisherId })).success;
	} catch (err) {
		log("warn", "rate_limiter_failed", { error: errorText(err) });
		return true;
	}
}
