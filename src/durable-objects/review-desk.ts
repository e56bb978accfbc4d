import { DurableObject } from "cloudflare:workers";

/** Source of truth for creative approval (SQLite), with an audit trail. */
export class ReviewDesk extends DurableObject<Env> {
	async ping(): Promise<string> {
		return "pong";
	}
}
