import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevVars, parseDevVars } from "../../scripts/dev-vars";

const dir = mkdtempSync(join(tmpdir(), "px-dev-vars-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(".dev.vars for npm run dev", () => {
	it("creates every local secret once, random, readable only by its owner, and keeps them", () => {
		const path = join(dir, "fresh.dev.vars");
		const first = ensureDevVars(path);
		expect(first.created).toEqual(["POP_SIGNING_KEY", "SESSION_SIGNING_KEY", "AE_API_TOKEN"]);
		expect(first.secrets.SESSION_SIGNING_KEY).toMatch(/^[0-9a-f]{64}$/);
		expect(statSync(path).mode & 0o077).toBe(0);
		const again = ensureDevVars(path);
		expect(again.created).toEqual([]);
		expect(again.secrets).toEqual(first.secrets);
	});

	it("adds what an older .dev.vars lacks and leaves the rest as it was", () => {
		const path = join(dir, "old.dev.vars");
		writeFileSync(path, 'POP_SIGNING_KEY="kept"\nBIDDERS=[]');
		const { created, secrets } = ensureDevVars(path);
		expect(created).toEqual(["SESSION_SIGNING_KEY", "AE_API_TOKEN"]);
		expect(secrets.POP_SIGNING_KEY).toBe("kept");
		const vars = parseDevVars(readFileSync(path, "utf8"));
		expect(vars).toMatchObject({ POP_SIGNING_KEY: "kept", BIDDERS: "[]" });
		expect(vars.SESSION_SIGNING_KEY).toBe(secrets.SESSION_SIGNING_KEY);
	});
});
