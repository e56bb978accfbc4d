// A screen's rate limit: a token bucket of `burst` tokens refilling at `per_minute`.
import type { RateLimit } from "../screen/ledger";

export interface TokenBucket {
	tokens: number;
	at: number;
}

/** Takes a token; `retryAfterSeconds` is 0 when one was taken, else when one will be there. */
export function takeToken(
	last: TokenBucket | undefined,
	limit: RateLimit,
	now: number,
): { bucket: TokenBucket; retryAfterSeconds: number } {
	const perMs = limit.per_minute / 60_000;
	const from = last ?? { tokens: limit.burst, at: now };
	const tokens = Math.min(limit.burst, from.tokens + (now - from.at) * perMs);
	if (tokens < 1) {
		const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
		return { bucket: { tokens, at: now }, retryAfterSeconds };
	}
	return { bucket: { tokens: tokens - 1, at: now }, retryAfterSeconds: 0 };
}
