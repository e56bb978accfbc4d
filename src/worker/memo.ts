/**
 * Parse-once cache keyed by the raw string: env vars are the same string for the life of an
 * isolate, so config is validated once, yet a changed value (tests, redeploys) is never stale.
 */
export function memoByString<T>(parse: (raw: string) => T): (raw: string) => T {
	let lastRaw: string | undefined;
	let last: T;
	return (raw) => {
		if (raw !== lastRaw) {
			last = parse(raw);
			lastRaw = raw;
		}
		return last;
	};
}
