// The edge's environment (wrangler.toml [vars] and secrets), parsed and validated once per env
// object, with every problem named: a missing signing key or a misspelt flag fails every request
// with the variable's name in the log, instead of "true" !== "True" quietly serving http
// creatives. Code reads config(env), never a raw string of env. `.dev.vars.example` documents
// each one; the business configuration (publishers, bidders, keys) is not here.
import { z } from "zod";

const flag = (fallback: "true" | "false") =>
	z
		.enum(["true", "false"], { error: 'must be "true" or "false"' })
		.default(fallback)
		.transform((v) => v === "true");
const optionalText = z.string().default("");
/** Signing keys: long enough that guessing one is not the cheapest attack. */
const signingKey = (min: number) =>
	z.string({ error: "is not set" }).min(min, `must be at least ${min} characters`);

const EdgeConfig = z.object({
	ENVIRONMENT: z.enum(["development", "staging", "production"]),
	/** bid requests carry imp.secure = 1 and http assets are filtered, except in local development. */
	REQUIRE_SECURE_CREATIVES: flag("true"),
	/** ?debug=1 traces for any publisher key: local development only. */
	DEBUG_TRACES: flag("false"),
	EXCHANGE_ASI: z.string().min(1, "must name the exchange's domain (schain asi)"),
	EXCHANGE_TAG_ID: optionalText,
	SELLERS_CONTACT_EMAIL: optionalText,
	SELLERS_CONTACT_ADDRESS: optionalText,
	/** The demo web player's embedded key: served only where ENVIRONMENT is development. */
	PLAYER_DEMO_KEY: optionalText,
	METRICS_DATASET: z
		.string()
		.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a dataset name")
		.default("px_metrics"),
	CF_ACCOUNT_ID: optionalText,
	/** Empty: the Cloudflare API for CF_ACCOUNT_ID. */
	AE_SQL_API_URL: z.union([z.literal(""), z.url()]).default(""),
	AE_API_TOKEN: optionalText,
	/**
	 * Where the scheduled job reads exchange rates: JSON `{base, date, rates}` (Frankfurter, ECB
	 * reference rates). Empty: no refresh; rates come only from the admin API.
	 */
	FX_RATES_URL: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
	/**
	 * A rate older than this cannot price a bid. 72: the ECB publishes on working days only, so on
	 * Monday morning Friday's rate is the latest there is.
	 */
	FX_RATE_MAX_AGE_HOURS: z.coerce
		.number({ error: "must be a number of hours" })
		.positive()
		.max(24 * 31)
		.default(72),
	POP_SIGNING_KEY: signingKey(16),
	/** Signs the pages' session cookies and CSRF tokens; an HMAC key as long as its output. */
	SESSION_SIGNING_KEY: signingKey(32),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

/** Every variable and secret read here: `.dev.vars.example` documents each one (a test checks). */
export const CONFIG_NAMES = Object.keys(EdgeConfig.shape) as (keyof EdgeConfig)[];

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`invalid environment: ${problems.join("; ")}`);
		this.name = "ConfigError";
	}
}

const parsed = new WeakMap<object, EdgeConfig>();

/** The validated configuration of `env` (the Worker's Env); throws ConfigError naming each bad one. */
export function config(env: object): EdgeConfig {
	const known = parsed.get(env);
	if (known) return known;
	const result = EdgeConfig.safeParse(env);
	if (!result.success) {
		throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
	}
	parsed.set(env, result.data);
	return result.data;
}
