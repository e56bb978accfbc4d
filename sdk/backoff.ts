// Exponential backoff with jitter, for reports a player keeps retrying for days: the delay
// doubles per failed attempt up to a cap, and a random part keeps a fleet of screens that lost
// the network together from coming back in lockstep.

export interface BackoffOptions {
	/** First retry after about this long. */
	baseMs: number;
	/** Never wait longer than this between attempts. */
	maxMs: number;
	/** 0..1: the share of each delay that is random (0.5 = between half and the full delay). */
	jitter: number;
	random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
	baseMs: 1_000,
	maxMs: 5 * 60_000,
	jitter: 0.5,
	random: Math.random,
};

/** Delay before attempt `attempt + 1`, after `attempt` (≥ 1) failed attempts. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
	const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
	const random = exp * options.jitter * options.random();
	return Math.round(exp - random);
}

/**
 * Retry-After in ms from a header value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const date = Date.parse(trimmed);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
