// The scheduled exchange-rate refresh (wrangler.toml [triggers], src/index.ts): reads FX_RATES_URL,
// validates it, and writes the rates that are newer than the stored ones as one control-plane
// write (one version, one audit record by "scheduler"). Any failure leaves the stored rates as
// they are and is logged: they age, and once stale the bids in those currencies are filtered,
// which is the intended fail-closed behaviour rather than pricing bids by a guess.
import { CurrencyRate } from "../../px/pricing/currency";
import { ratesFromSource, replaces } from "../../px/pricing/fx-source";
import { readCapped } from "../../services/asset-hosting";
import { errorText, log } from "../../services/log";
import { config } from "../config";
import { markChanged } from "./snapshot";
import { readRowsAt, writeRowsAt } from "./store";

export const FX_FETCH_TIMEOUT_MS = 10_000;
/** A full ECB table is about 1 KiB; anything near this is not a rates document. */
const FX_MAX_BYTES = 256 * 1024;
/** Another control write between this job's read and write makes it read again, this often. */
const WRITE_ATTEMPTS = 3;

export type RefreshResult =
	| { status: "skipped" }
	| { status: "failed"; error: string }
	| { status: "unchanged" | "updated"; rates: number; updated: string[]; version?: number };

async function fetchSource(url: URL, timeoutMs: number): Promise<unknown> {
	const res = await fetch(url, {
		signal: AbortSignal.timeout(timeoutMs),
		headers: { accept: "application/json" },
	});
	if (res.status !== 200) {
		await res.body?.cancel();
		throw new Error(`answered ${res.status}`);
	}
	const bytes = await readCapped(res.body, FX_MAX_BYTES);
	if (bytes === "too-large") throw new Error(`body over ${FX_MAX_BYTES} bytes`);
	return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * One refresh from FX_RATES_URL at `now`. A source that fails is a result (and a log line), not an
 * exception; a D1 error propagates, so the invocation shows as failed.
 */
export async function refreshRates(
	env: Env,
	{ now = Date.now(), timeoutMs = FX_FETCH_TIMEOUT_MS } = {},
): Promise<RefreshResult> {
	const { FX_RATES_URL } = config(env);
	if (!FX_RATES_URL) {
		log("info", "fx_refresh_skipped", { why: "FX_RATES_URL is empty" });
		return { status: "skipped" };
	}
	const url = new URL(FX_RATES_URL);
	const failed = (error: string): RefreshResult => {
		log("error", "fx_refresh_failed", { source: url.host, error });
		return { status: "failed", error };
	};
	let raw: unknown;
	try {
		raw = await fetchSource(url, timeoutMs);
	} catch (err) {
		return failed(errorText(err));
	}
	const fresh = ratesFromSource(raw, url.host, now);
	if (!fresh.ok) return failed(fresh.error);
	for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
		const stored = await readRowsAt(env.CONTROL, "currency_rate");
		const current = new Map(stored.rows.map((r) => [r.key, r]));
		const changes = fresh.rates.flatMap((rate) => {
			const before = current.get(rate.currency);
			const parsed = CurrencyRate.safeParse(before?.body);
			return replaces(rate, parsed.success ? parsed.data : undefined)
				? [{ key: rate.currency, body: rate, before }]
				: [];
		});
		const summary = { rates: fresh.rates.length, updated: changes.map((c) => c.key) };
		if (changes.length === 0) {
			log("info", "fx_rates_unchanged", { source: url.host, ...summary });
			return { status: "unchanged", ...summary };
		}
		const version = await writeRowsAt(
			env.CONTROL,
			"currency_rate",
			changes,
			stored.version,
			{ name: "scheduler" },
			now,
		);
		if (version !== undefined) {
			markChanged(env);
			log("info", "fx_rates_refreshed", { source: url.host, version, ...summary });
			return { status: "updated", version, ...summary };
		}
	}
	return failed(`the control plane kept changing: ${WRITE_ATTEMPTS} attempts`);
}

/** The cron trigger's entry (src/index.ts). */
export async function refreshRatesOnSchedule(
	_controller: ScheduledController,
	env: Env,
): Promise<void> {
	await refreshRates(env);
}
