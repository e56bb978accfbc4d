// The review desk's intake of creatives the auctions held back, and the cap on what one DSP may
// leave waiting. Sending a new creative costs a DSP nothing but puts work on human reviewers, so
// a hostile or broken DSP could bury every other DSP's items in the queue. Past its cap a new
// creative from that DSP is not added: it is counted as refused, and it stays unapproved (the
// replica does not know it, which auctions treat as pending: fail closed). Nothing is lost: every
// auction it bids in sends it again (src/worker/decide/events.ts), so once reviewers have decided some of
// that DSP's items it comes back on its own.

import type { CappedDsp } from "../px/api/review-api";
import type { CreativeSeenEvent } from "../px/events/events";
import { addAudit } from "./desk-tables";

/** Pending items one DSP may have on the desk; its further new creatives wait outside. */
export const PENDING_CAP_PER_DSP = 200;

/**
 * Puts the unknown creatives among `seen` on the desk as pending, within each DSP's cap, and
 * counts each sighting of a pending one as an auction it was held back from. Approved or rejected
 * ones are left as they are (a sighting can trail a decision while the replica catches up).
 * Synchronous; returns the keys added.
 */
export function admit(sql: SqlStorage, seen: CreativeSeenEvent[], cap: number): string[] {
	const added: string[] = [];
	const pending = new Map<string, number>();
	const pendingOf = (bidder: string) =>
		pending.get(bidder) ??
		sql
			.exec<{ n: number }>(
				"SELECT COUNT(*) AS n FROM creatives WHERE bidder = ? AND status = 'pending'",
				bidder,
			)
			.one().n;
	for (const c of seen) {
		const known = sql
			.exec<{ status: string }>(
				"SELECT status FROM creatives WHERE creative_key = ?",
				c.creative_key,
			)
			.toArray()[0];
		if (known) {
			if (known.status === "pending") {
				sql.exec(
					"UPDATE creatives SET held_back = held_back + 1 WHERE creative_key = ?",
					c.creative_key,
				);
			}
			continue;
		}
		const waiting = pendingOf(c.bidder);
		if (waiting >= cap) {
			refuse(sql, c.bidder);
			continue;
		}
		sql.exec(
			`INSERT INTO creatives
			 (creative_key, bidder, crid, adomain, asset_url, mime, w, h, duration_s, status, first_seen, updated_at, held_back)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 1)`,
			c.creative_key,
			c.bidder,
			c.crid,
			JSON.stringify(c.adomain),
			c.asset_url,
			c.mime,
			c.w,
			c.h,
			c.duration_s ?? null,
			c.ts,
			c.ts,
		);
		addAudit(sql, c.creative_key, "intake", `bidder:${c.bidder}`, null);
		pending.set(c.bidder, waiting + 1);
		added.push(c.creative_key);
	}
	return added;
}

/** One submission of a new creative refused because its DSP is at its cap. */
function refuse(sql: SqlStorage, bidder: string, now = Date.now()): void {
	sql.exec(
		`INSERT INTO dsp_refusals (bidder, refused, last_refused_at) VALUES (?, 1, ?)
		 ON CONFLICT (bidder) DO UPDATE SET refused = refused + 1, last_refused_at = excluded.last_refused_at`,
		bidder,
		now,
	);
}

/** The DSPs at their cap now, with their pending items and the submissions refused so far. */
export function cappedDsps(sql: SqlStorage, cap: number): CappedDsp[] {
	return sql
		.exec<Omit<CappedDsp, "cap">>(
			`SELECT c.bidder AS bidder, COUNT(*) AS pending,
			        COALESCE(r.refused, 0) AS refused, r.last_refused_at AS last_refused_at
			 FROM creatives c LEFT JOIN dsp_refusals r ON r.bidder = c.bidder
			 WHERE c.status = 'pending'
			 GROUP BY c.bidder HAVING COUNT(*) >= ? ORDER BY c.bidder`,
			cap,
		)
		.toArray()
		.map((row) => ({ ...row, cap }));
}
