// The isolate's pacing state, shared by every request it serves: the adaptive deadline margin,
// the concurrency limit that sheds load, and the bidders' circuit breakers (src/px/pacing/deadline.ts,
// src/px/pacing/circuit.ts). Isolates do not share them: each one paces what it is itself doing.
import { CircuitBreakers } from "../../px/pacing/circuit";
import { AdaptiveMargin, ConcurrencyLimit } from "../../px/pacing/deadline";

/** The margin before enough answers were timed; bench/deadline.ts reads it from here. */
export const DEADLINE_MARGIN_MS = 30;

export const deadlineMargin = new AdaptiveMargin({
	initialMs: DEADLINE_MARGIN_MS,
	minMs: 10,
	maxShare: 0.3,
});

export const decisionSlots = new ConcurrencyLimit({ initial: 64, min: 4, max: 256, backoff: 0.9 });

export const bidderCircuits = new CircuitBreakers({
	minCalls: 5,
	failureShare: 0.8,
	windowMs: 10_000,
	coolDownMs: 10_000,
	maxCoolDownMs: 5 * 60_000,
	// Longer than any bidder's timeout (10 s at most) plus our own work after it.
	probeExpiryMs: 15_000,
});

/** A shed request may ask again after this. */
export const SHED_RETRY_AFTER_S = 1;
