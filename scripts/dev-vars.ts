// The local secrets `npm run dev` needs, in .dev.vars (git-ignored): each is created once with a
// random value and kept, and one missing from an older .dev.vars is added. Nothing here is ever a
// real secret: they sign local proof-of-play tokens and sessions, and the AE token only opens the
// local stand-in of the Analytics Engine SQL API (scripts/ae-local.ts).
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_SECRETS = ["POP_SIGNING_KEY", "SESSION_SIGNING_KEY", "AE_API_TOKEN"] as const;
export type DevSecrets = Record<(typeof DEV_SECRETS)[number], string>;

/** KEY=value lines; quotes around a value are dropped. */
export function parseDevVars(text: string): Record<string, string> {
	const vars: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
		if (!match || line.trimStart().startsWith("#")) continue;
		vars[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, "$2");
	}
	return vars;
}

/** Reads `path`, adds the secrets it lacks, returns them all; `created` names the new ones. */
export function ensureDevVars(path = ".dev.vars"): { secrets: DevSecrets; created: string[] } {
	const existing = existsSync(path) ? parseDevVars(readFileSync(path, "utf8")) : {};
	const created: string[] = [];
	const lines: string[] = [];
	const secrets = {} as DevSecrets;
	for (const name of DEV_SECRETS) {
		const value = existing[name] || randomBytes(32).toString("hex");
		if (!existing[name]) {
			created.push(name);
			lines.push(`${name}=${value}`);
		}
		secrets[name] = value;
	}
	if (lines.length > 0) {
		if (existsSync(path)) {
			const text = readFileSync(path, "utf8");
			appendFileSync(
				path,
				`${text.endsWith("\n") || text === "" ? "" : "\n"}${lines.join("\n")}\n`,
			);
		} else writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
	}
	return { secrets, created };
}
