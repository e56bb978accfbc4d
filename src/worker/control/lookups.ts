// What the rest of the worker asks of the configuration: the publisher a key hash belongs to,
// the bidders, whether a key hash holds a role. All of it comes from the control snapshot
// (snapshot.ts), the one source of truth; nothing here reads configuration from env.

import type { SubmittedAd } from "../../px/auction/ad-management";
import type { BidderConfig } from "../../px/auction/bidders";
import { publisherByKeyHash, type Role, registeredAdKey } from "../../px/control/control";
import type { Publisher, PublisherAccount } from "../../px/model/model";
import type { ExchangeRates } from "../../px/pricing/currency";
import { config } from "../config";
import { controlSnapshot, heldSnapshot } from "./snapshot";

type Waiter = ((p: Promise<unknown>) => void) | undefined;

export async function publisherForKeyHash(
	env: Env,
	hash: string,
	waitUntil: Waiter,
	now = Date.now(),
): Promise<Publisher | undefined> {
	return publisherByKeyHash(await controlSnapshot(env, waitUntil), hash, now);
}

/** Every publisher account: the sellers this exchange discloses. */
export async function allPublishers(env: Env, waitUntil: Waiter): Promise<PublisherAccount[]> {
	return [...(await controlSnapshot(env, waitUntil)).publishers.values()];
}

/**
 * The bidders of the snapshot this request already loaded (requirePublisher loads it first): the
 * auction reads its configuration without waiting on anything.
 */
export function configuredBidders(env: Env): BidderConfig[] {
	return heldSnapshot(env)?.bidders ?? [];
}

/** The pre-registered ad `bidder` names by `adid`, from the snapshot this request loaded. */
export function registeredAd(env: Env, bidder: string, adid: string): SubmittedAd | undefined {
	return heldSnapshot(env)?.ads.get(registeredAdKey(bidder, adid));
}

/** The exchange rates of the snapshot this request loaded, and how old one may be to convert. */
export function exchangeRates(env: Env): ExchangeRates {
	return {
		table: heldSnapshot(env)?.rates ?? new Map(),
		maxAgeMs: config(env).FX_RATE_MAX_AGE_HOURS * 3_600_000,
	};
}

/** Whether `hash` (SHA-256 hex of a presented key) is a key of `role`. */
export async function hasRoleKey(
	env: Env,
	role: Role,
	hash: string,
	waitUntil?: Waiter,
): Promise<boolean> {
	return (await controlSnapshot(env, waitUntil)).roleKeys[role].has(hash.toLowerCase());
}
