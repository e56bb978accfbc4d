// One backoff for every retry the exchange schedules itself (outboxes, dead letters, notices):
// `baseMs` doubling per attempt (the first retry waits `baseMs`), never past `maxMs`.
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
	return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
