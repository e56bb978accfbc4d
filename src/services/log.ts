// Structured JSON lines: Workers Logs indexes the fields, so never interpolate into msg.
type LogLevel = "debug" | "info" | "warn" | "error";

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
	const line = JSON.stringify({ level, msg, ...fields });
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}

/** An error as a log field: its message, clipped (a stack or a huge body helps no one there). */
export function errorText(error: unknown): string {
	return error instanceof Error ? error.message.slice(0, 512) : String(error).slice(0, 512);
}
