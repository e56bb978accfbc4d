// Checks on untrusted JSON (bid responses, merge patches, bids), in one place so every reader
// agrees on what counts as an object: arrays and null do not.

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
