// Keeping the promise "an answer within tmax" on a busy isolate. Two small controllers, one per
// isolate, fed by every decision:
// - AdaptiveMargin: how long before tmax the bidders' deadline falls. It follows what our own work
//   after the bidders (approval lookup, auction, signing, the ledger write) plus the event loop's
//   lag actually took lately (p90 of the last samples), instead of a fixed guess.
// - ConcurrencyLimit: how many decisions may be in flight at once. Additive increase while
//   answers are on time, multiplicative decrease when one is late; past the limit a request is
//   shed at once (503 + Retry-After) instead of being answered late for everyone, and a publisher
//   past its fair share of a full isolate is shed before any other.

const SAMPLES = 64;
const PERCENTILE = 0.9;

interface MarginOptions {
	/** Used until enough samples exist, and the floor afterwards stays near it. */
	initialMs: number;
	minMs: number;
	/** Never more than this share of the request's timeout (the bidders need most of it). */
	maxShare: number;
}

export class AdaptiveMargin {
	private readonly samples: number[] = [];
	private next = 0;
	private cached: number | undefined;

	constructor(private readonly options: MarginOptions) {}

	/** Time from the bidders' deadline (or their last answer, if earlier) to the answer. */
	record(ms: number): void {
		if (!Number.isFinite(ms) || ms < 0) return;
		if (this.samples.length < SAMPLES) this.samples.push(ms);
		else this.samples[this.next] = ms;
		this.next = (this.next + 1) % SAMPLES;
		this.cached = undefined;
	}

	/** The margin for a request with this timeout. */
	marginMs(timeoutMs: number): number {
		const learned = this.samples.length < SAMPLES / 4 ? this.options.initialMs : this.p90();
		const wanted = Math.max(this.options.minMs, Math.ceil(learned));
		return Math.min(wanted, Math.floor(timeoutMs * this.options.maxShare));
	}

	private p90(): number {
		if (this.cached === undefined) {
			const sorted = [...this.samples].sort((a, b) => a - b);
			this.cached = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * PERCENTILE))]!;
		}
		return this.cached;
	}
}

interface LimitOptions {
	initial: number;
	min: number;
	max: number;
	/** Share kept on a late answer (multiplicative decrease). */
	backoff: number;
}

export class ConcurrencyLimit {
	private limit: number;
	private inFlight = 0;
	/** In flight per tenant (publisher); a tenant with none is not listed. */
	private readonly byTenant = new Map<string, number>();

	constructor(private readonly options: LimitOptions) {
		this.limit = options.initial;
	}

	/**
	 * Takes a slot for `tenant`, or returns false: the caller sheds the request. Below the limit
	 * anyone may take a slot. At the limit a tenant still gets one while it holds less than its
	 * fair share (the limit split among the tenants in flight, itself included), so one publisher
	 * flooding the isolate cannot hold it down for the others: it is shed instead, and the limit
	 * is overshot by at most the newcomers' shares until its own requests drain.
	 */
	tryAcquire(tenant = ""): boolean {
		const limit = Math.floor(this.limit);
		const mine = this.byTenant.get(tenant) ?? 0;
		if (this.inFlight >= limit) {
			const tenants = this.byTenant.size + (mine === 0 ? 1 : 0);
			if (mine >= Math.max(1, Math.floor(limit / tenants))) return false;
		}
		this.inFlight++;
		this.byTenant.set(tenant, mine + 1);
		return true;
	}

	/**
	 * Gives `tenant`'s slot back, saying whether that answer kept its deadline; undefined when it
	 * says nothing about our pace (a request refused before any work, say).
	 */
	release(onTime: boolean | undefined, tenant = ""): void {
		const mine = this.byTenant.get(tenant) ?? 0;
		if (mine <= 1) this.byTenant.delete(tenant);
		else this.byTenant.set(tenant, mine - 1);
		this.inFlight = Math.max(0, this.inFlight - 1);
		if (onTime === undefined) return;
		const { min, max, backoff } = this.options;
		this.limit = onTime
			? Math.min(max, this.limit + 1 / this.limit)
			: Math.max(min, this.limit * backoff);
	}

	get current(): { limit: number; inFlight: number } {
		return { limit: Math.floor(this.limit), inFlight: this.inFlight };
	}
}
