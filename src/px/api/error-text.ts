// An error as text for a log field, a trace or a player's report: its message, clipped (a stack
// or a huge body helps no one there). The one copy: src/services/log.ts, the tools and the SDK
// all use it.
export function errorText(error: unknown, max = 512): string {
	return (error instanceof Error ? error.message : String(error)).slice(0, max);
}
