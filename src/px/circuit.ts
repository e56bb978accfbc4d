// A circuit breaker per DSP: a bidder that keeps timing out or failing is not called for a while
// (its slot and our subrequests go to bidders that answer), then one request probes it; a good
// answer closes the circuit, another failure opens it again for twice as long. No-bids are
// answers, not failures. It opens on the share of failed calls in a window, not on a run of
// consecutive ones: outcomes are recorded as calls complete, and timeouts all complete last, so
// under concurrency a DSP that times out on half its calls would show runs of failures.
// State is per isolate: each isolate finds out on its own.

interface CircuitOptions {
	/** Calls in the window before its failure share counts. */
	minCalls: number;
	/** Share of failed calls in the window that opens the circuit. */
	failureShare: number;
	windowMs: number;
	coolDownMs: number;
	maxCoolDownMs: number;
}

interface State {
	windowStart: number;
	calls: number;
	failures: number;
	open: boolean;
	openUntil: number;
	coolDownMs: number;
	probing: boolean;
}

type CircuitVerdict = "call" | "probe" | "skip";

export class CircuitBreakers {
	private readonly states = new Map<string, State>();

	constructor(private readonly options: CircuitOptions) {}

	verdict(bidder: string, now: number): CircuitVerdict {
		const s = this.states.get(bidder);
		if (!s?.open) return "call";
		if (now < s.openUntil || s.probing) return "skip";
		s.probing = true;
		return "probe";
	}

	/**
	 * An outcome that says nothing about the bidder (it timed out while our own event loop was
	 * late): counts neither way, but ends a probe so that the next request may probe again.
	 */
	inconclusive(bidder: string): void {
		const s = this.states.get(bidder);
		if (s) s.probing = false;
	}

	record(bidder: string, ok: boolean, now: number): void {
		const { minCalls, failureShare, windowMs, coolDownMs, maxCoolDownMs } = this.options;
		const s = this.states.get(bidder) ?? {
			windowStart: now,
			calls: 0,
			failures: 0,
			open: false,
			openUntil: 0,
			coolDownMs,
			probing: false,
		};
		if (s.open) {
			// The probe's answer (or a call that was in flight when the circuit opened).
			if (ok) this.states.delete(bidder);
			else if (s.probing) {
				s.coolDownMs = Math.min(maxCoolDownMs, s.coolDownMs * 2);
				s.openUntil = now + s.coolDownMs;
				s.probing = false;
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
			s.openUntil = now + s.coolDownMs;
		}
		this.states.set(bidder, s);
	}

	/** Bidders whose circuit is open now, for operators. */
	open(now: number): string[] {
		return [...this.states].filter(([, s]) => s.open && now < s.openUntil).map(([name]) => name);
	}
}
