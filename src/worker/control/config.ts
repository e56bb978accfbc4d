// What the rest of the worker asks of the configuration: the publisher a key hash belongs to,
// the bidders, whether a key hash holds a role. Answered from the control snapshot; the env
// variables (PUBLISHERS, BIDDERS, *_KEYS_SHA256) are still read beside it until every caller and
// test has moved to D1, and win on a clash (the same publisher key, the same bidder name).

import { z } from "zod";
import { type BidderConfig, parseBidders } from "../../px/bidders";
import { type ControlSnapshot, publisherByKeyHash, type Role } from "../../px/control";
import {
	type Publisher,
	type PublisherAccount,
	Publisher as PublisherSchema,
} from "../../px/model";
import { memoByString } from "../memo";
import { controlSnapshot, heldSnapshot } from "./snapshot";

const envPublishers = memoByString((raw) =>
	z.array(PublisherSchema).parse(JSON.parse(raw || "[]")),
);
const envPublishersByHash = memoByString(
	(raw) => new Map(envPublishers(raw).map((p) => [p.key_sha256, p])),
);
const envBidders = memoByString((raw) => {
	const parsed = parseBidders(raw || "[]");
	if (!parsed.ok) throw new Error(`BIDDERS is invalid: ${JSON.stringify(parsed.issues)}`);
	return parsed.bidders;
});
const envKeyHashes = memoByString(
	(raw) =>
		new Set(
			raw
				.split(",")
				.map((h) => h.trim().toLowerCase())
				.filter(Boolean),
		),
);

type Waiter = ((p: Promise<unknown>) => void) | undefined;

export async function publisherForKeyHash(
	env: Env,
	hash: string,
	waitUntil: Waiter,
	now = Date.now(),
): Promise<Publisher | undefined> {
	const snapshot = await controlSnapshot(env, waitUntil);
	return (
		envPublishersByHash(env.PUBLISHERS ?? "").get(hash) ?? publisherByKeyHash(snapshot, hash, now)
	);
}

/** Every publisher account: the sellers this exchange discloses. */
export async function allPublishers(env: Env, waitUntil: Waiter): Promise<PublisherAccount[]> {
	const snapshot = await controlSnapshot(env, waitUntil);
	const fromEnv = envPublishers(env.PUBLISHERS ?? "");
	const ids = new Set(fromEnv.map((p) => p.id));
	return [
		...fromEnv.map(({ key_sha256: _, ...account }) => account),
		...[...snapshot.publishers.values()].filter((p) => !ids.has(p.id)),
	];
}

function merged(env: Env, snapshot: ControlSnapshot | undefined): BidderConfig[] {
	const fromEnv = envBidders(env.BIDDERS ?? "");
	if (!snapshot || snapshot.bidders.length === 0) return fromEnv;
	const names = new Set(fromEnv.map((b) => b.name));
	return [...fromEnv, ...snapshot.bidders.filter((b) => !names.has(b.name))];
}

/**
 * The bidders of the snapshot this request already loaded (requirePublisher loads it): the
 * auction reads configuration without waiting on anything.
 */
export function configuredBidders(env: Env): BidderConfig[] {
	return merged(env, heldSnapshot(env));
}

const ROLE_VARS: Record<Role, "REVIEWER_KEYS_SHA256" | "OPERATOR_KEYS_SHA256" | undefined> = {
	reviewer: "REVIEWER_KEYS_SHA256",
	operator: "OPERATOR_KEYS_SHA256",
	admin: undefined,
};

/** Whether `hash` (SHA-256 hex of a presented key) is a key of `role`. */
export async function hasRoleKey(
	env: Env,
	role: Role,
	hash: string,
	waitUntil?: Waiter,
): Promise<boolean> {
	const h = hash.toLowerCase();
	const envVar = ROLE_VARS[role];
	if (envVar && envKeyHashes(env[envVar] ?? "").has(h)) return true;
	return (await controlSnapshot(env, waitUntil)).roleKeys[role].has(h);
}
