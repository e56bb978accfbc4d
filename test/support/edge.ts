// Calling the edge from workerd tests with per-test configuration (bidders), and waiting for
// its ctx.waitUntil work so that notices, DO writes and events can be asserted.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { app } from "../../src/worker/app";
import { approvalKvKey } from "../../src/worker/approvals";
import { authHeaders, BASE } from "./fixtures";
import "./provided-context";

export const dspBase = () => inject("dspBase");

export interface TestBidder {
	name: string;
	behaviour: string;
	query?: Record<string, string | number>;
	priority?: number;
	timeout_ms?: number;
	media?: ("banner" | "video")[];
	venue_types?: number[];
	enabled?: boolean;
}

export function biddersJson(tag: string, bidders: TestBidder[]): string {
	return JSON.stringify(
		bidders.map(({ behaviour, query, ...rest }) => {
			const q = new URLSearchParams({
				tag,
				...Object.fromEntries(Object.entries(query ?? {}).map(([k, v]) => [k, String(v)])),
			});
			return { ...rest, endpoint: `${dspBase()}/dsp/${behaviour}?${q}` };
		}),
	);
}

export async function callEdge(
	path: string,
	init: RequestInit = {},
	overrides: Partial<Env> = {},
): Promise<{ res: Response; settled: Promise<void> }> {
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`${BASE}${path}`, init),
		{ ...env, ...overrides } as Env,
		ctx,
	);
	return { res, settled: waitOnExecutionContext(ctx) };
}

export function adRequest(body: unknown, bidders: string, query = "") {
	return callEdge(
		`/v1/ad-requests${query}`,
		{ method: "POST", headers: authHeaders(), body: JSON.stringify(body) },
		{ BIDDERS: bidders },
	);
}

export async function approve(...creativeKeys: string[]) {
	await Promise.all(
		creativeKeys.map((k) =>
			env.APPROVALS.put(approvalKvKey(k), JSON.stringify({ status: "approved" })),
		),
	);
}

export async function dspLog(tag: string): Promise<string[]> {
	return (await (await fetch(`${dspBase()}/log?tag=${tag}`)).json()) as string[];
}
