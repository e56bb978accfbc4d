// Per-bidder QPS caps (a DSP contract term) through the Workers Rate Limiting binding. A binding
// has one fixed limit, so BIDDER_LIMITER allows 10 calls per 10 s per key (1 call per second) and
// a bidder with `qps_cap` N is counted on N keys, `<name>#0` … `<name>#N-1`: each call takes a
// random one, and a second one if that key is spent, so N keys together admit about N calls per
// second. Like the binding itself this is per Cloudflare location and approximate, never a hard
// global count; it fails open (an outage of rate limiting must not silence every bidder).
import type { BidderConfig } from "../../px/auction/bidders";
import { errorText, log } from "../../services/log";

type Limiter = Pick<RateLimit, "limit">;

/** Whether `bidder` may be called now; always true without a `qps_cap`. */
export async function withinQpsCap(
	limiter: Limiter,
	bidder: Pick<BidderConfig, "name" | "qps_cap">,
	random: () => number = Math.random,
): Promise<boolean> {
	const units = bidder.qps_cap;
	if (units === undefined) return true;
	const first = Math.floor(random() * units);
	const tries = units > 1 ? [first, (first + 1 + Math.floor(random() * (units - 1))) % units] : [0];
	try {
		for (const unit of tries) {
			if ((await limiter.limit({ key: `${bidder.name}#${unit}` })).success) return true;
		}
		return false;
	} catch (err) {
		log("warn", "rate_limiter_failed", { limiter: "BIDDER_LIMITER", error: errorText(err) });
		return true;
	}
}
