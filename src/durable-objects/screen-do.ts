import { DurableObject } from "cloudflare:workers";

/** Per-screen state: profile, token bucket, decision cache, separation memory, PoP ledger. */
export class ScreenDO extends DurableObject<Env> {
	async ping(): Promise<string> {
		return "pong";
	}
}
