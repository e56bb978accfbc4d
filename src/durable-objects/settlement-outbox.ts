// The screen's outbox for what a settled decision owes the world: its play or expiry event and
// the buyer's notice (burl bills a play; lurl says a won ad never ran). Rows are written in the
// same synchronous step as the ledger's state change, so a settlement can never be recorded
// without them; delivery retries with backoff from the screen's alarm until the queues have taken
// each one. From there the notices consumer retries the buyer's server (backoff, dead letters):
// billing notices are at least once, and the screen's object never waits on a DSP.
import type { PxEvent } from "../px/events";
import type { NoticeMessage } from "../px/notice-message";
import { publishEvents } from "../worker/emit";
import { log } from "../worker/log";
import { enqueueNotices, sendable } from "../worker/notices";
import {
	type Settled,
	type Settlement,
	settlementEvent,
	settlementNotice,
} from "../worker/settlement";

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60 * 60_000;
/** About two days of hourly retries: a buyer's billing endpoint down that long is an incident. */
const MAX_ATTEMPTS = 60;

type Row = { kind: "event"; body: PxEvent } | { kind: "notice"; body: NoticeMessage };

export class SettlementOutbox {
	/** Created with the screen's other tables (ScreenDO creates them on its first write). */
	static readonly SCHEMA = `
		CREATE TABLE IF NOT EXISTS outbox (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			kind TEXT NOT NULL CHECK (kind IN ('event', 'notice')),
			body TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			next_at INTEGER NOT NULL
		);`;

	private draining: Promise<void> | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private env: Env,
	) {}

	/** Synchronous: call it in the same step as the state change it belongs to. */
	add(settled: Settled, how: Settlement): void {
		const rows: Row[] = [{ kind: "event", body: settlementEvent(settled, how) }];
		const notice = settlementNotice(settled.notices, how);
		if (sendable(notice.url)) {
			rows.push({
				kind: "notice",
				body: {
					v: 1,
					auction_id: settled.meta.auctionId,
					decision_id: settled.decisionId,
					notices: [{ kind: notice.kind, url: notice.url, bidder: settled.meta.bidder }],
					attempt: 0,
				},
			});
		}
		const now = Date.now();
		for (const row of rows) {
			this.sql.exec(
				"INSERT INTO outbox (kind, body, next_at) VALUES (?, ?, ?)",
				row.kind,
				JSON.stringify(row.body),
				now,
			);
		}
	}

	/** When the next undelivered row is due, for the screen's alarm; null when empty. */
	nextDue(): number | null {
		return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox").one().at;
	}

	size(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
	}

	/** Delivers what is due; one delivery at a time, so no row is sent twice concurrently. */
	deliver(): Promise<void> {
		this.draining ??= this.deliverDue().finally(() => {
			this.draining = undefined;
		});
		return this.draining;
	}

	private async deliverDue(): Promise<void> {
		const due = this.sql
			.exec<{ id: number; kind: Row["kind"]; body: string; attempts: number }>(
				"SELECT id, kind, body, attempts FROM outbox WHERE next_at <= ? ORDER BY id LIMIT 100",
				Date.now(),
			)
			.toArray();
		if (due.length === 0) return;
		const events = due.filter((r) => r.kind === "event");
		const notices = due.filter((r) => r.kind === "notice");
		const byEventId = new Map(events.map((r) => [(JSON.parse(r.body) as PxEvent).event_id, r]));
		const [{ failed }, noticeResults] = await Promise.all([
			publishEvents(
				this.env,
				events.map((r) => JSON.parse(r.body) as PxEvent),
			),
			Promise.all(
				notices.map(async (r) => ({
					row: r,
					ok: await enqueueNotices(this.env.NOTICES, noticeMessage(JSON.parse(r.body))),
				})),
			),
		]);
		const failedIds = new Set(failed.map((e) => e.event_id));
		const outcomes = [
			...[...byEventId].map(([eventId, row]) => ({ row, ok: !failedIds.has(eventId) })),
			...noticeResults,
		];
		for (const { row, ok } of outcomes) {
			const attempts = row.attempts + 1;
			if (ok || attempts >= MAX_ATTEMPTS) {
				if (!ok) log("error", "outbox_abandoned", { kind: row.kind, attempts });
				this.sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
				continue;
			}
			this.sql.exec(
				"UPDATE outbox SET attempts = ?, next_at = ? WHERE id = ?",
				attempts,
				Date.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1)),
				row.id,
			);
		}
	}
}

/** Rows written before notices went through the queue held just { kind, url }. */
function noticeMessage(
	body: NoticeMessage | { kind: "burl" | "lurl"; url: string },
): NoticeMessage {
	if ("v" in body) return body;
	return { v: 1, auction_id: "", notices: [{ ...body, bidder: "" }], attempt: 0 };
}
