// The edge's environment: one typed module reads it (src/worker/config.ts), and
// .dev.vars.example documents every variable and secret it reads.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_NAMES, ConfigError, config } from "../../src/worker/config";

const valid = {
	ENVIRONMENT: "staging",
	EXCHANGE_ASI: "px.example",
	POP_SIGNING_KEY: "p".repeat(16),
	SESSION_SIGNING_KEY: "s".repeat(32),
};

describe("config", () => {
	it("parses flags into booleans with safe defaults", () => {
		const c = config({ ...valid });
		expect(c.REQUIRE_SECURE_CREATIVES).toBe(true);
		expect(c.DEBUG_TRACES).toBe(false);
		expect(c.METRICS_DATASET).toBe("px_metrics");
		const dev = config({ ...valid, REQUIRE_SECURE_CREATIVES: "false" });
		expect(dev.REQUIRE_SECURE_CREATIVES).toBe(false);
	});

	it("reads the exchange-rate source and the rates' maximum age in hours", () => {
		expect(config({ ...valid })).toMatchObject({ FX_RATES_URL: "", FX_RATE_MAX_AGE_HOURS: 72 });
		const set = {
			...valid,
			FX_RATES_URL: "https://fx.example/latest",
			FX_RATE_MAX_AGE_HOURS: "96",
		};
		expect(config(set)).toMatchObject({ FX_RATE_MAX_AGE_HOURS: 96 });
		for (const bad of [{ FX_RATE_MAX_AGE_HOURS: "" }, { FX_RATES_URL: "ftp://fx.example/" }]) {
			expect(() => config({ ...valid, ...bad })).toThrow(ConfigError);
		}
	});

	it("names every bad variable at once", () => {
		const bad = { ...valid, DEBUG_TRACES: "yes", POP_SIGNING_KEY: "short", METRICS_DATASET: "a b" };
		try {
			config(bad);
			expect.unreachable();
		} catch (err) {
			expect(err).toBeInstanceOf(ConfigError);
			const names = (err as ConfigError).problems.map((p) => p.split(" ")[0]);
			expect(names.sort()).toEqual(["DEBUG_TRACES", "METRICS_DATASET", "POP_SIGNING_KEY"]);
		}
	});

	it(".dev.vars.example documents every variable and secret the edge reads", () => {
		const example = readFileSync(resolve(import.meta.dirname, "../../.dev.vars.example"), "utf8");
		const documented = new Set(
			[...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]),
		);
		expect(CONFIG_NAMES.filter((name) => !documented.has(name))).toEqual([]);
	});
});
