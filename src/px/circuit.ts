// A circuit breaker per DSP: a bidder that keeps timing out or failing is not called for a while
// (its slot and our subrequests go to bidders that answer), then one request probes it; a good
// answer closes the circuit, another failure opens it again for twice as long. No-bids are
// answers, not failures. State is per isolate: each isolate finds out on its own, so a dead DSP
// sees at most `threshold` calls per isolate per cool-down.

export interface CircuitOptions {
	/** Consecutive failures that open the circuit. */
	threshold: number;
	coolDownMs: number;
	maxCoolDownMs: number;
}

interface State {
	failures: number;
	openUntil: number;
	coolDownMs: number;
	probing: boolean;
}

export type CircuitVerdict = "call" | "probe" | "skip";

export class CircuitBreakers {
	private readonly states = new Map<string, State>();

	constructor(private readonly options: CircuitOptions) {}

	verdict(bidder: string, now: number): CircuitVerdict {
		const s = this.states.get(bidder);
		if (!s || s.failures < this.options.threshold) return "call";
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
		const s = this.states.get(bidder) ?? {
			failures: 0,
			openUntil: 0,
			coolDownMs: this.options.coolDownMs,
			probing: false,
		};
		if (ok) {
			this.states.delete(bidder);
			return;
		}
		const wasOpen = s.failures >= this.options.threshold;
		s.failures++;
		if (wasOpen) s.coolDownMs = Math.min(this.options.maxCoolDownMs, s.coolDownMs * 2);
		if (s.failures >= this.options.threshold) s.openUntil = now + s.coolDownMs;
		s.probing = false;
		this.states.set(bidder, s);
	}

	/** Bidders whose circuit is open now, for operators. */
	open(now: number): string[] {
		return [...this.states]
			.filter(([, s]) => s.failures >= this.options.threshold && now < s.openUntil)
			.map(([name]) => name);
	}
}
