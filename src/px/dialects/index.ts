// The dialect registry. Adding a dialect: one module implementing `Dialect`, one line below.

import { type FieldIssue, issuesFromZod } from "../model/field-issues";
import { AdRequest } from "../model/model";
import { px } from "./px";
import type { Dialect } from "./types";
import { vistar } from "./vistar";

export const dialects = { px, vistar } as const;
export type DialectName = keyof typeof dialects;

export type ParseDialectResult =
	| { ok: true; request: AdRequest }
	| { ok: false; issues: FieldIssue[]; unknownDialect?: true };

const registry: Readonly<Record<string, Dialect<unknown>>> = dialects;

export function dialectByName(name: string): Dialect<unknown> | undefined {
	return Object.hasOwn(registry, name) ? registry[name] : undefined;
}

/**
 * Validates a body in the named dialect and maps it into a PX ad request. Every issue's pointer
 * is relative to the body as the publisher sent it, also when the PX model is what rejects it.
 */
export function parseDialectRequest(name: string, raw: unknown): ParseDialectResult {
	const dialect = dialectByName(name);
	if (!dialect) {
		return {
			ok: false,
			unknownDialect: true,
			issues: [
				{
					pointer: "#",
					detail: `unknown dialect "${name}"; known: ${Object.keys(registry).join(", ")}`,
				},
			],
		};
	}
	const parsed = dialect.schema.safeParse(raw);
	if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error, raw) };
	const candidate = dialect.toPx(parsed.data);
	const request = AdRequest.safeParse(candidate);
	if (!request.success) {
		const toDialect = dialect.toDialectPointer?.bind(dialect);
		return { ok: false, issues: issuesFromZod(request.error, candidate, toDialect) };
	}
	return { ok: true, request: request.data };
}

export type { FieldIssue } from "../model/field-issues";
export type { Dialect } from "./types";
