// A client of the Workers Analytics Engine SQL API: POST the SQL as the body to
// /client/v4/accounts/<account>/analytics_engine/sql with an API token (Account Analytics: Read).
// The answer is ClickHouse's JSON format: `data` is one object per row, 64-bit integers and
// DateTimes come as strings ("12", "2026-11-20 08:01:00", UTC).
//
// The same client runs under `npm run dev`, against scripts/ae-local.ts (AE_SQL_API_URL), which
// answers the same SQL from the events of the local run: one code path, two data sources.

import { errorText } from "../../services/log";
import { config } from "../config";

/** The console must not hang on a slow API: it shows the last figures as stale instead. */
const TIMEOUT_MS = 8_000;

export type AeRow = Record<string, unknown>;

class AnalyticsError extends Error {
	constructor(
		message: string,
		readonly status?: number,
	) {
		super(message);
		this.name = "AnalyticsError";
	}
}

/** The SQL API's URL: AE_SQL_API_URL when set (local stand-in, a proxy), else the account's. */
export function sqlApiUrl(env: Env): string | undefined {
	const { AE_SQL_API_URL, CF_ACCOUNT_ID } = config(env);
	if (AE_SQL_API_URL) return AE_SQL_API_URL;
	if (!CF_ACCOUNT_ID) return undefined;
	return `https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(CF_ACCOUNT_ID)}/analytics_engine/sql`;
}

export async function queryAnalytics(
	env: Env,
	sql: string,
	fetcher: typeof fetch = fetch,
): Promise<AeRow[]> {
	const url = sqlApiUrl(env);
	const token = config(env).AE_API_TOKEN;
	if (!url || !token) {
		throw new AnalyticsError(
			"Analytics Engine is not configured: set CF_ACCOUNT_ID and the AE_API_TOKEN secret",
		);
	}
	let res: Response;
	try {
		res = await fetcher(url, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
			body: sql,
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
	} catch (err) {
		throw new AnalyticsError(`Analytics Engine SQL API unreachable: ${errorText(err)}`);
	}
	const text = await res.text();
	if (!res.ok) {
		// The API's own message (never our token) helps an operator fix a query or a permission.
		throw new AnalyticsError(
			`Analytics Engine SQL API answered ${res.status}: ${text.slice(0, 300)}`,
			res.status,
		);
	}
	try {
		const body = JSON.parse(text) as { data?: unknown };
		if (!Array.isArray(body.data)) throw new Error("no data array");
		return body.data.filter((r): r is AeRow => typeof r === "object" && r !== null);
	} catch (err) {
		throw new AnalyticsError(
			`Analytics Engine SQL API sent an unreadable answer: ${errorText(err)}`,
		);
	}
}

/** A number from an AE cell (numbers, and 64-bit integers as strings); NaN-free: 0 otherwise. */
export function num(value: unknown): number {
	const n =
		typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
	return Number.isFinite(n) ? n : 0;
}

/** A number or null (an average over no rows, a ratio without denominator). */
export function numOrNull(value: unknown): number | null {
	if (value === null || value === undefined || value === "") return null;
	const n = typeof value === "number" ? value : Number(value);
	return Number.isFinite(n) ? n : null;
}

/** Epoch ms of an AE DateTime ("2026-11-20 08:01:00", UTC) or ISO string; NaN when unreadable. */
export function aeTime(value: unknown): number {
	if (typeof value === "number") return value;
	if (typeof value !== "string") return Number.NaN;
	const iso = value.includes("T") ? value : `${value.replace(" ", "T")}Z`;
	return Date.parse(iso);
}
