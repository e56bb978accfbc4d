// What a deploy to Cloudflare must not carry: the top level of wrangler.toml is local development
// (demo keys, debug traces for any publisher, a player page with an embedded key, loopback DSPs),
// and the named environments ship with placeholder ids until someone fills them in. Each problem
// is named, so one run tells the whole list.
import { createHash } from "node:crypto";
import { unstable_readConfig } from "wrangler";

/** Keys printed in README for local development: their hashes must never reach a real deploy. */
const DEMO_KEYS = [
	"demo-publisher-key",
	"demo-reviewer-key",
	"demo-operator-key",
	"demo-admin-key",
	"second-publisher-key",
];
const DEMO_HASHES = new Map(
	DEMO_KEYS.map((k) => [createHash("sha256").update(k).digest("hex"), k] as const),
);

/** `wrangler kv namespace create` prints 32 hex digits; the repo's stand-ins are 0…0N. */
const PLACEHOLDER_ID = /^0+[0-9]?$/;
const LOOPBACK = /\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:|\/|$)/i;

type Config = ReturnType<typeof unstable_readConfig>;

export function deployProblems(config: Config): string[] {
	const problems: string[] = [];
	const vars = (config.vars ?? {}) as Record<string, unknown>;
	const text = (name: string) => (typeof vars[name] === "string" ? (vars[name] as string) : "");
	if (text("ENVIRONMENT") === "development") {
		problems.push('ENVIRONMENT is "development" (the demo player key is served there)');
	}
	if (text("DEBUG_TRACES") === "true") {
		problems.push('DEBUG_TRACES is "true": every publisher would see every bidder\'s prices');
	}
	if (text("PLAYER_DEMO_KEY") !== "") {
		problems.push("PLAYER_DEMO_KEY is set: the /player page would embed a publisher key");
	}
	if (text("REQUIRE_SECURE_CREATIVES") === "false") {
		problems.push('REQUIRE_SECURE_CREATIVES is "false": screens would be sent http assets');
	}
	for (const [name, value] of Object.entries(vars)) {
		const raw = typeof value === "string" ? value : JSON.stringify(value);
		for (const [hash, key] of DEMO_HASHES) {
			if (raw.includes(hash)) problems.push(`${name} holds the hash of the demo key "${key}"`);
		}
		if (LOOPBACK.test(raw)) problems.push(`${name} points at a loopback address`);
	}
	const account = text("CF_ACCOUNT_ID");
	if ("CF_ACCOUNT_ID" in vars && (account === "" || account === "local")) {
		problems.push(`CF_ACCOUNT_ID is a placeholder ("${account}")`);
	}
	if (text("EXCHANGE_ASI").endsWith(".example")) {
		problems.push(`EXCHANGE_ASI is a placeholder domain (${text("EXCHANGE_ASI")})`);
	}
	for (const kv of config.kv_namespaces ?? []) {
		if (!kv.id || PLACEHOLDER_ID.test(kv.id)) {
			problems.push(`KV namespace ${kv.binding} has the placeholder id "${kv.id ?? ""}"`);
		}
	}
	for (const d1 of config.d1_databases ?? []) {
		if (!d1.database_id || PLACEHOLDER_ID.test(d1.database_id.replaceAll("-", ""))) {
			problems.push(`D1 database ${d1.binding} has the placeholder id "${d1.database_id ?? ""}"`);
		}
	}
	return problems;
}

/** The problems of every Worker config the deploy would ship, each prefixed with its file. */
export function deployProblemsFor(configPaths: string[], env: string | undefined): string[] {
	const problems = configPaths.flatMap((path) =>
		deployProblems(unstable_readConfig({ config: path, ...(env ? { env } : {}) })).map(
			(p) => `${path}${env ? ` [env.${env}]` : ""}: ${p}`,
		),
	);
	return env
		? problems
		: [
				"no environment: the top level of the configs is local development; deploy with -e staging or -e production",
				...problems,
			];
}
