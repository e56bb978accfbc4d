// Calling the edge from workerd tests with per-test configuration (bidders), and waiting for
// its ctx.waitUntil work so that notices, DO writes and events can be asserted. Bidders reach the
// edge as in production, through the control plane (D1 CONTROL): a call that names its bidders
// writes them there first and the isolate's snapshot reloads before it runs.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject, vi } from "vitest";
import { DEMO_KEYS } from "../../demo/control";
import { staticAssetUrl, videoAssetUrl } from "../../demo/dsps";
import { type ApprovalUnit, approvalKey, approvalKvKey } from "../../src/px/auction/approval";
import type { BidderConfigInput } from "../../src/px/auction/bidders";
import {
	type HostedAsset,
	hostedAssetUrl,
	hostedObjectKey,
} from "../../src/px/auction/hosted-asset";
import type { ScreenInput } from "../../src/px/model/model";
import { hostAsset } from "../../src/services/asset-hosting";
import { app } from "../../src/worker/app";
import { controlSnapshot, heldSnapshot, markChanged } from "../../src/worker/control/snapshot";
import { authHeaders, BASE, billboardScreen } from "./fixtures";
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
	openrtb?: "2.6" | "2.5";
	dooh_aliases?: boolean;
	max_response_bytes?: number;
	network_allowance_ms?: number;
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

/** Env overrides for one call; BIDDERS (a JSON bidder list) is written to the control plane. */
export type EdgeOverrides = Partial<Env> & { BIDDERS?: string };

/**
 * Makes the control plane's bidders exactly `json` (a JSON array of bidder configs) and reloads
 * this isolate's snapshot: configuration as an admin would write it. Writing the list that is
 * already in force (same list, no write since) is skipped, so a test that times a request can
 * configure first and time only the request.
 */
export async function useBidders(json: string): Promise<void> {
	if (applied?.json === json && heldSnapshot(env)?.version === applied.version) return;
	const bidders = JSON.parse(json) as BidderConfigInput[];
	const next = "(SELECT version + 1 FROM control_version)";
	const results = await env.CONTROL.batch([
		env.CONTROL.prepare("DELETE FROM bidders"),
		...bidders.map((b) =>
			env.CONTROL.prepare(
				`INSERT INTO bidders (name, body, version, updated_at) VALUES (?, ?, ${next}, 0)`,
			).bind(b.name, JSON.stringify(b)),
		),
		env.CONTROL.prepare("UPDATE control_version SET version = version + 1"),
		env.CONTROL.prepare("SELECT version FROM control_version"),
	]);
	markChanged(env);
	await controlSnapshot(env);
	const version = (results.at(-1)?.results[0] as { version: number } | undefined)?.version;
	applied = version === undefined ? undefined : { json, version };
}

let applied: { json: string; version: number } | undefined;

/**
 * Calls naming their bidders run one at a time, each from writing its bidders until its answer:
 * the bidder list is the isolate's, and two calls with their own lists at once would mix them.
 */
let configured: Promise<unknown> = Promise.resolve();

export async function callEdge(
	path: string,
	init: RequestInit = {},
	overrides: EdgeOverrides = {},
): Promise<{ res: Response; settled: Promise<void> }> {
	const { BIDDERS: bidders, ...rest } = overrides;
	const run = async () => {
		if (bidders !== undefined) await useBidders(bidders);
		const ctx = createExecutionContext();
		const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...rest }, ctx);
		return { res, settled: waitOnExecutionContext(ctx) };
	};
	if (bidders === undefined) return run();
	const turn = configured.then(run, run);
	configured = turn.catch(() => undefined);
	return turn;
}

/** Calls the admin API (/v1/admin + `path`) with the tests' admin key, a JSON body when given. */
export async function adminCall(
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	const { res } = await callEdge(`/v1/admin${path}`, {
		method,
		headers: {
			authorization: `Bearer ${DEMO_KEYS.admin.key}`,
			"content-type": "application/json",
			...headers,
		},
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return res;
}

/** The JSON pointers a validation problem names. */
export const problemPointers = async (res: Response): Promise<string[]> =>
	((await res.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer);

/**
 * An ad request from an unregistered billboard that describes itself inline (slot face-a), as a
 * publisher's player sends it: a new screen per call unless `screenId` names one. `screen`
 * overrides parts of its description, `body` adds request fields (play_at, until, timeout_ms).
 */
export function billboardAdRequest(
	options: {
		key?: string;
		query?: string;
		screenId?: string;
		screen?: Record<string, unknown>;
		body?: Record<string, unknown>;
		overrides?: EdgeOverrides;
	} = {},
) {
	const screenId = options.screenId ?? `bb-${crypto.randomUUID()}`;
	return callEdge(
		`/v1/ad-requests${options.query ?? ""}`,
		{
			method: "POST",
			headers: authHeaders(options.key),
			body: JSON.stringify({
				screen_id: screenId,
				slot_id: "face-a",
				screen: { ...billboardScreen(screenId), ...options.screen },
				...options.body,
			}),
		},
		options.overrides,
	);
}

export function adRequest(
	body: unknown,
	bidders: string,
	query = "",
	overrides: EdgeOverrides = {},
) {
	return callEdge(
		`/v1/ad-requests${query}`,
		{ method: "POST", headers: authHeaders(), body: JSON.stringify(body) },
		{ ...overrides, BIDDERS: bidders },
	);
}

/** Registers a screen through the data collection API (PUT /v1/screens/{id}), as a publisher does. */
export async function registerScreen(screen: ScreenInput): Promise<void> {
	const { res } = await callEdge(`/v1/screens/${screen.id}`, {
		method: "PUT",
		headers: authHeaders(),
		body: JSON.stringify(screen),
	});
	if (res.status >= 300) throw new Error(`PUT ${screen.id}: ${res.status} ${await res.text()}`);
}

/**
 * Sets a verdict in the approvals replica, as the review desk publishes it. An approval is of
 * bytes, so an approved unit gets its hosted copy as the desk makes it: the test DSP server's
 * assets are fetched and copied; a URL nobody serves (cdn.example) gets its own text as bytes.
 */
export async function setApproval(
	unit: ApprovalUnit,
	status: "approved" | "rejected" | "pending",
	version = 0,
): Promise<string> {
	const key = await approvalKey(unit);
	const asset = status === "approved" ? await hostedCopy(unit.asset_url) : undefined;
	await env.APPROVALS.put(
		approvalKvKey(key),
		JSON.stringify({ status, version, ...(asset ? { asset } : {}) }),
	);
	return key;
}

/** The exchange's copy of an asset, as an approval on the desk makes it. */
export async function hostedCopy(asset_url: string): Promise<HostedAsset> {
	const mime = /\.mp4(\?|$)/.test(asset_url) ? "video/mp4" : "image/png";
	if (asset_url.startsWith(dspBase())) {
		const copied = await hostAsset(env.HOSTED_ASSETS, { asset_url, mime });
		if (!copied.ok) throw new Error(copied.why);
		return copied.asset;
	}
	const bytes = new TextEncoder().encode(asset_url);
	const digest = await crypto.subtle.digest("SHA-256", bytes);
	const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
	await env.HOSTED_ASSETS.put(hostedObjectKey(sha256), bytes, {
		httpMetadata: { contentType: mime },
	});
	return { sha256, size: bytes.byteLength };
}

/** The URL an answer gives for an approved asset: the edge's copy of its bytes. */
export async function hostedUrl(asset_url: string): Promise<string> {
	return hostedAssetUrl(BASE, (await hostedCopy(asset_url)).sha256);
}

export async function approve(...units: ApprovalUnit[]): Promise<void> {
	await Promise.all(units.map((u) => setApproval(u, "approved")));
}

/** The assets the test DSP server (test/support/dsp-server.ts) puts in its bids. */
export const dspAssets = {
	/** Its VAST video for a portrait (lobby) or landscape slot. */
	video: (portrait = true) => videoAssetUrl(dspBase(), portrait),
	/** Its static image, rendered at the slot's size. */
	image: (crid: string, size: { w: number; h: number }) => staticAssetUrl(dspBase(), crid, size),
};

/** The adomain the test DSP server declares when its query names none (test/support/dsp-server.ts). */
export const DSP_ADOMAIN = "advertiser.example";

/**
 * Both assets a test DSP may serve for `crid` on the lobby slot (1080×1920), as approval units for
 * the advertiser its bids declare (approval is per advertiser too).
 */
export function lobbyAssets(bidder: string, crid: string, adomain = DSP_ADOMAIN): ApprovalUnit[] {
	return [dspAssets.video(), dspAssets.image(crid, { w: 1080, h: 1920 })].map((asset_url) => ({
		bidder,
		crid,
		asset_url,
		adomain: [adomain],
	}));
}

export async function dspLog(tag: string): Promise<string[]> {
	return (await (await fetch(`${dspBase()}/log?tag=${tag}`)).json()) as string[];
}

/**
 * The DSP's log once `count` notices of `kind` arrived for `tag` (the notices queue delivers
 * them after the answer), plus a short wait so an extra one would show up too.
 */
export async function dspLogAfter(tag: string, kind: string, count: number): Promise<string[]> {
	await vi.waitFor(
		async () => {
			const seen = (await dspLog(tag)).filter((l) => l.startsWith(kind)).length;
			if (seen < count) throw new Error(`${seen} of ${count} ${kind} notices so far`);
		},
		{ timeout: 10_000, interval: 50 },
	);
	await new Promise((r) => setTimeout(r, 300));
	return dspLog(tag);
}

/**
 * Waits until a spot of `ms` could have run since its window opened: a report that says it ran
 * sooner is implausible and never billed. Tests that bill use 1 s stills (`dur: 1`).
 */
export async function spotRan(answer: { play?: { not_before: number } }, ms = 1_000) {
	const wait = (answer.play?.not_before ?? Date.now()) + ms - Date.now();
	if (wait > 0) await new Promise((r) => setTimeout(r, wait + 50));
}

/** A POST that proves a whole spot of `durationS` ran, sent once it could have. */
export async function fullPlay(
	answer: { play?: { not_before: number } },
	durationS = 1,
): Promise<RequestInit> {
	await spotRan(answer, durationS * 1000);
	return {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ displayed_ms: durationS * 1000 }),
	};
}

/** A won decision on a fresh inline billboard, as a test that reports plays needs it. */
export interface BillboardWin {
	/** The DSP log tag. */
	t: string;
	screenId: string;
	answer: {
		filled: boolean;
		proof_of_play_url: string;
		expiry_url: string;
		decision_id: string;
		play: { not_before: number };
	};
	popPath: string;
	expiryPath: string;
}

/**
 * Wins one auction on a fresh inline billboard with one bidder of `behaviour` "bid" whose query is
 * `query` (a 1 s still by default, so a test that bills waits only a second for the spot to run).
 */
export async function winOnBillboard(
	t: string,
	bidder: { name: string; query: Record<string, string | number> },
	extra: Record<string, unknown> = {},
): Promise<BillboardWin> {
	const screenId = `bb-${t}`;
	const { res, settled } = await adRequest(
		{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId), ...extra },
		biddersJson(t, [{ name: bidder.name, behaviour: "bid", query: { dur: 1, ...bidder.query } }]),
	);
	const answer = (await res.json()) as BillboardWin["answer"];
	if (!answer.filled) throw new Error(`no fill: ${JSON.stringify(answer)}`);
	await settled;
	const path = (url: string) => new URL(url).pathname;
	return {
		t,
		screenId,
		answer,
		popPath: path(answer.proof_of_play_url),
		expiryPath: path(answer.expiry_url),
	};
}
