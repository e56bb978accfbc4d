// A circuit breaker per DSP: a bidder that keeps timing out or failing is not called for a while
// (its slot and our subrequests go to bidders that answer), then one request probes it; a good
// answer closes the circuit, another failure opens it again for twice as long. No-bids are
// answers, not failures. It opens on the share of failed calls in a window, not on a run of
// consecutive ones: outcomes are recorded as calls complete, and timeouts all complete last, so
// under concurrency a DSP that times out on half its calls would show runs of failures.
// Only a call that is really made may take the probe (ask at the moment of calling), and a probe
// expires on its own: a probe whose outcome never comes back must not keep the circuit open for
// the isolate's life.
// State is per isolate: each isolate finds out on its own.

interface CircuitOptions {
	/** Calls in the window before its failure share counts. */
	minCalls: number;
	/** Share of failed calls in the window that opens the circuit. */
	failureShare: number;
	windowMs: number;
	coolDownMs: number;
	maxCoolDownMs: number;
	/** A probe whose outcome was not recorded by then is forgotten: the next call may probe. */
	probeExpiryMs: number;
}

interface State {
	/** What operators see: the bidder's name (the key may carry its endpoint too). */
	name: string;
	windowStart: number;
	calls: number;
	failures: number;
	open: boolean;
	openedAt: number;
	openUntil: number;
	coolDownMs: number;
	/** When the probe handed out expires; 0 when none is out. */
	probeUntil: number;
	/** Why it opened: the window's figures then, or the failed probe. */
	why: string;
}

type CircuitVerdict = "call" | "probe" | "skip";

/** An open circuit as operators see it (/ops). */
export interface OpenCircuit {
	bidder: string;
	opened_at: number;
	/** Not called before this, epoch ms; then one request probes it. */
	until: number;
	cool_down_ms: number;
	probing: boolean;
	why: string;
}

export class CircuitBreakers {
	private readonly states = new Map<string, State>();

	constructor(private readonly options: CircuitOptions) {}

	/**
	 * Whether to call `bidder` now. Ask only for a call that will be made: "probe" hands out the
	 * circuit's one probe, which its recorded outcome (or its expiry) ends.
	 */
	verdict(bidder: string, now: number): CircuitVerdict {
		const s = this.states.get(bidder);
		if (!s?.open) return "call";
		if (now < s.openUntil || now < s.probeUntil) return "skip";
		s.probeUntil = now + this.options.probeExpiryMs;
		return "probe";
	}

	/**
	 * An outcome that says nothing about the bidder (it timed out while our own event loop was
	 * late, or within a budget the caller cut short): counts neither way, but ends a probe so that
	 * the next request may probe again.
	 */
	inconclusive(bidder: string): void {
		const s = this.states.get(bidder);
		if (s) s.probeUntil = 0;
	}

	record(bidder: string, ok: boolean, now: number, name = bidder): void {
		const { minCalls, failureShare, windowMs, coolDownMs, maxCoolDownMs } = this.options;
		const s = this.states.get(bidder) ?? {
			name,
			windowStart: now,
			calls: 0,
			failures: 0,
			open: false,
			openedAt: 0,
			openUntil: 0,
			coolDownMs,
			probeUntil: 0,
			why: "",
		};
		if (s.open) {
			// The probe's answer (or a call that was in flight when the circuit opened).
			if (ok) this.states.delete(bidder);
			else if (s.probeUntil > 0) {
				s.coolDownMs = Math.min(maxCoolDownMs, s.coolDownMs * 2);
				s.openUntil = now + s.coolDownMs;
				s.probeUntil = 0;
				s.why = "the probe failed";
			}
			return;
		}
		if (now - s.windowStart > windowMs) {
			s.windowStart = now;
			s.calls = 0;
			s.failures = 0;
		}
		s.calls++;
		if (!ok) s.failures++;
		if (s.calls >= minCalls && s.failures / s.calls >= failureShare) {
			s.open = true;
			s.openedAt = now;
			s.openUntil = now + s.coolDownMs;
			s.why = `${s.failures} of ${s.calls} calls failed within ${windowMs / 1000} s`;
		}
		this.states.set(bidder, s);
	}

	/** Circuits open now (cooling down or probing), for operators. */
	open(now: number): OpenCircuit[] {
		return [...this.states.values()]
			.filter((s) => s.open)
			.map((s) => ({
				bidder: s.name,
				opened_at: s.openedAt,
				until: s.openUntil,
				cool_down_ms: s.coolDownMs,
				probing: now < s.probeUntil,
				why: s.why,
			}));
	}
}
