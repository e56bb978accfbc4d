// The demo's control plane: the demo publisher, its key, the demo DSPs, the reviewer, operator
// and admin keys and exchange rates, as SQL for the CONTROL database. `npm run dev` and the e2e edge apply it after
// `wrangler d1 migrations apply` (demo/seed.ts); nothing outside local development ever runs it,
// so the demo keys never reach a deployed database. Only key hashes are written.

import type { z } from "zod";
import type { BidderConfigInput } from "../src/px/auction/bidders";
import type { PublisherAccount } from "../src/px/model/model";
import type { CurrencyRate } from "../src/px/pricing/currency";

type AccountInput = z.input<typeof PublisherAccount>;

/** Keys printed in README for local development, and their SHA-256. */
export const DEMO_KEYS = {
	publisher: {
		key: "demo-publisher-key",
		sha256: "d4855cd1d0bfdbb5e2b8dbd12e661b002ed4c8a431ddc94906b24a2a34724b2f",
	},
	reviewer: {
		key: "demo-reviewer-key",
		sha256: "32dc90f8d497d0e9c2feb824612a5bd35883a01ba25a4555e173b3a31909a2f2",
	},
	operator: {
		key: "demo-operator-key",
		sha256: "4a7c449d22a99026fac16a47621ff68792ff589f72334ea3950ce186a5615e9a",
	},
	admin: {
		key: "demo-admin-key",
		sha256: "ac5bb3526d3be432ba19fb1fc0712d350c160bd2169cd24401c9fcaeaac2d860",
	},
} as const;

/** The demo DSPs (demo/server.ts) at `base`; the newcomer buys the billboard and the lobby only. */
export function demoBidders(base: string): BidderConfigInput[] {
	const dsp = (name: string, priority: number, extra: Partial<BidderConfigInput> = {}) => ({
		name: `demo-${name}`,
		endpoint: `${base}/dsp/${name}`,
		priority,
		...extra,
	});
	return [
		dsp("video", 10, { media: ["video"] }),
		dsp("static", 20, { media: ["banner"] }),
		dsp("sometimes", 30),
		dsp("newcomer", 40, { venue_types: [30101, 70102] }),
	];
}

/**
 * The demo network. Separation is 30 s so that the demo player (/player) loops through the three
 * demo advertisers; a real network sets minutes.
 */
export const demoPublisher: AccountInput = {
	id: "demo-pub",
	name: "Demo Outdoor Network",
	domain: "demo-outdoor.example",
	auction_type: 2,
	floor_cpm: 2.0,
	bcat: ["IAB25", "IAB26"],
	badv: [],
	separation_seconds: 30,
};

export interface ControlSeed {
	bidders: BidderConfigInput[];
	publishers: { account: AccountInput; keySha256s: string[] }[];
	roleKeys: { role: "reviewer" | "operator" | "admin"; sha256: string; label: string }[];
	/** Exchange rates against USD; none when absent. */
	rates?: CurrencyRate[];
}

const text = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Statements that make the CONTROL database hold exactly `seed` (configuration rows replaced;
 * the audit log untouched), then bump the control version so every edge isolate reloads.
 */
export function controlSeedStatements(seed: ControlSeed, now = Date.now()): string[] {
	const next = "(SELECT version + 1 FROM control_version)";
	const row = (table: string, col: string, key: string, body: unknown) =>
		`INSERT INTO ${table} (${col}, body, version, updated_at) VALUES (${text(key)}, ${text(JSON.stringify(body))}, ${next}, ${now})`;
	return [
		"DELETE FROM bidders",
		"DELETE FROM publishers",
		"DELETE FROM publisher_keys",
		"DELETE FROM role_keys",
		"DELETE FROM currency_rates",
		...seed.bidders.map((b) => row("bidders", "name", b.name, b)),
		...seed.publishers.flatMap(({ account, keySha256s }) => [
			row("publishers", "id", account.id, account),
			...keySha256s.map(
				(h, i) =>
					`INSERT INTO publisher_keys (key_sha256, key_id, publisher_id, label, created_at) VALUES (${text(h)}, ${text(h.slice(0, 16))}, ${text(account.id)}, ${text(`seed ${i + 1}`)}, ${now})`,
			),
		]),
		...(seed.rates ?? []).map((r) => row("currency_rates", "currency", r.currency, r)),
		...seed.roleKeys.map(
			(k) =>
				`INSERT INTO role_keys (key_sha256, role, label, created_at) VALUES (${text(k.sha256)}, ${text(k.role)}, ${text(k.label)}, ${now})`,
		),
		"UPDATE control_version SET version = version + 1",
	];
}

/**
 * Rates for bids in euros, pounds and Canadian dollars, dated when the demo is seeded: the local
 * edge has no FX_RATES_URL, so nothing refreshes them (they go stale after FX_RATE_MAX_AGE_HOURS,
 * as a real source that stopped answering would leave them).
 */
export function demoRates(now = Date.now()): CurrencyRate[] {
	const as_of = new Date(now).toISOString();
	return [
		{ currency: "CAD", per_usd: 1.39, as_of, source: "demo" },
		{ currency: "EUR", per_usd: 0.94, as_of, source: "demo" },
		{ currency: "GBP", per_usd: 0.79, as_of, source: "demo" },
	];
}

/** The local demo: its publisher, DSPs at `dspBase`, the README's role keys and demo rates. */
export function demoControlSeed(dspBase: string): ControlSeed {
	return {
		rates: demoRates(),
		bidders: demoBidders(dspBase),
		publishers: [{ account: demoPublisher, keySha256s: [DEMO_KEYS.publisher.sha256] }],
		roleKeys: (["reviewer", "operator", "admin"] as const).map((role) => ({
			role,
			sha256: DEMO_KEYS[role].sha256,
			label: `demo ${role}`,
		})),
	};
}
