// The control plane on the hot path: each isolate holds one snapshot per D1 database and never
// queries D1 for an ad request in the common case. A snapshot checked less than REFRESH_AFTER_MS
// ago is served as is; an older one is still served while one background query (ctx.waitUntil)
// asks D1 whether the control version moved, and reloads everything only when it did. Past
// MAX_AGE_MS the request waits for that check, so a change reaches every ad request within
// MAX_AGE_MS (README "Configuration"). When D1 cannot be read, the last good snapshot keeps
// serving (checks retry every RETRY_AFTER_MS) and status() says how old it is.
import { buildSnapshot, type ControlSnapshot, type SnapshotStatus } from "../../px/control/control";
import { errorText, log } from "../../services/log";
import { readAll, readVersion } from "./store";

/** After this, a snapshot is re-checked in the background. */
export const REFRESH_AFTER_MS = 10_000;
/** After this, a request waits for the re-check: the propagation bound stated in README. */
export const MAX_AGE_MS = 30_000;
/** D1 failed: serve the last good snapshot and try again only after this. */
const RETRY_AFTER_MS = 5_000;

interface Held {
	snapshot?: ControlSnapshot;
	/** When D1 last confirmed the snapshot's version (ms). */
	checkedAt: number;
	/** Set by a write in this isolate: the next request reloads first. */
	dirty: boolean;
	failedAt?: number;
	lastError?: string;
	inflight?: Promise<void>;
}

const held = new WeakMap<D1Database, Held>();

function heldFor(db: D1Database): Held {
	let h = held.get(db);
	if (!h) {
		h = { checkedAt: 0, dirty: false };
		held.set(db, h);
	}
	return h;
}

function refresh(db: D1Database, h: Held): Promise<void> {
	h.inflight ??= (async () => {
		try {
			const current = h.snapshot && !h.dirty ? await readVersion(db) : undefined;
			if (current === undefined || current !== h.snapshot?.version) {
				const snapshot = buildSnapshot(await readAll(db));
				if (snapshot.invalid.length > 0)
					log("warn", "control_rows_invalid", { rows: snapshot.invalid });
				h.snapshot = snapshot;
			}
			h.checkedAt = Date.now();
			h.dirty = false;
			h.failedAt = undefined;
			h.lastError = undefined;
		} catch (err) {
			h.failedAt = Date.now();
			h.lastError = errorText(err);
			log("error", "control_refresh_failed", { error: h.lastError });
		} finally {
			h.inflight = undefined;
		}
	})();
	return h.inflight;
}

/**
 * The control snapshot for this request. `waitUntil` runs the background re-check; without it
 * (no execution context) a stale snapshot is re-checked inline.
 */
export async function controlSnapshot(
	env: Pick<Env, "CONTROL">,
	waitUntil?: (p: Promise<unknown>) => void,
): Promise<ControlSnapshot> {
	const db = env.CONTROL;
	const h = heldFor(db);
	const now = Date.now();
	const age = now - h.checkedAt;
	const retrying = h.failedAt !== undefined && now - h.failedAt < RETRY_AFTER_MS;
	if (!h.snapshot || h.dirty || age >= MAX_AGE_MS) {
		if (!retrying || !h.snapshot) await refresh(db, h);
	} else if (age >= REFRESH_AFTER_MS && !retrying) {
		const p = refresh(db, h);
		if (waitUntil) waitUntil(p);
		else await p;
	}
	if (!h.snapshot) throw new Error(`control plane unavailable: ${h.lastError ?? "not loaded"}`);
	return h.snapshot;
}

/** The snapshot this request already loaded (the publisher middleware loads it first). */
export function heldSnapshot(env: Pick<Env, "CONTROL">): ControlSnapshot | undefined {
	return held.get(env.CONTROL)?.snapshot;
}

/** A write in this isolate: its own next request sees it at once. */
export function markChanged(env: Pick<Env, "CONTROL">): void {
	heldFor(env.CONTROL).dirty = true;
}

export function snapshotStatus(env: Pick<Env, "CONTROL">, now = Date.now()): SnapshotStatus {
	const h = held.get(env.CONTROL);
	return {
		version: h?.snapshot?.version ?? null,
		age_ms: h?.snapshot ? now - h.checkedAt : null,
		max_age_ms: MAX_AGE_MS,
		last_error: h?.lastError ?? null,
	};
}

/** Tests: pretend the snapshot was confirmed `ms` earlier than it was (another isolate's view). */
export function ageSnapshot(env: Pick<Env, "CONTROL">, ms: number): void {
	const h = held.get(env.CONTROL);
	if (h) {
		h.checkedAt -= ms;
		if (h.failedAt !== undefined) h.failedAt -= ms;
	}
}
