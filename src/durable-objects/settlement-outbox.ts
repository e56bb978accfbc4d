// The screen's outbox for what a settled decision owes the world: its play or expiry event and
// the buyer's notices (burl and the markup's impression trackers bill a play; lurl and its VAST
// error trackers say a won ad never ran). It also takes what the
// edge could not hand to the queues after its own retries (a request's ad_request, auction and
// win events, an auction's nurl/lurl message), so nothing that is billed or reconciled from is
// lost to a queue outage. Rows are written in the
// same synchronous step as the ledger's state change, so a settlement can never be recorded
// without them; delivery retries with backoff from the screen's alarm until the queues have taken
// each one. From there the notices consumer retries the buyer's server (backoff, dead letters):
// billing notices are at least once, and the screen's object never waits on a DSP.
import type { PxEvent } from "../px/events/events";
import { sendable } from "../px/notices/auction-notices";
import { type Notice, type NoticeMessage, noticeId } from "../px/notices/notice-message";
import {
	type Settled,
	type Settlement,
	settlementEvent,
	settlementNotice,
	settlementTrackers,
} from "../px/notices/settlement";
import { retryDelayMs } from "../px/pacing/retry";
import { publishEvents } from "../services/emit";
import { log } from "../services/log";
import { enqueueNotices } from "../services/notices";

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60 * 60_000;
/** About two days of hourly retries: a buyer's billing endpoint down that long is an incident. */
const MAX_ATTEMPTS = 60;

/**
 * What one settlement (or one request's failed sends) still owes, in one row (each row is a
 * billed write, and so is its delete). Rows written by earlier versions held one `event`, or an
 * event or a notice alone (kinds "event" and "notice"); they are still delivered.
 */
export interface Owed {
	events?: PxEvent[];
	notice?: NoticeMessage;
}

export class SettlementOutbox {
	/** Created with the screen's other tables (ScreenDO creates them on its first write). */
	static readonly SCHEMA = SettlementOutbox.schemaOf("outbox");

	/** No AUTOINCREMENT: it writes a billed sqlite_sequence row with every insert. */
	static schemaOf(name: string): string {
		return `
		CREATE TABLE IF NOT EXISTS ${name} (
			id INTEGER PRIMARY KEY,
			kind TEXT NOT NULL CHECK (kind IN ('event', 'notice')),
			body TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			next_at INTEGER NOT NULL
		);`;
	}

	private draining: Promise<void> | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private env: Env,
	) {}

	/** Synchronous: call it in the same step as the state change it belongs to. */
	add(settled: Settled, how: Settlement): void {
		const owed: Owed = { events: [settlementEvent(settled, how)] };
		const { auctionId, bidder } = settled.meta;
		const { decisionId } = settled;
		const notices: Notice[] = [];
		const notice = settlementNotice(settled.notices, how);
		if (sendable(notice.url)) {
			const id = noticeId(notice.kind, auctionId, { decisionId });
			notices.push({ kind: notice.kind, url: notice.url, bidder, id });
		}
		// Each tracker keeps its place in the markup in its key, so a retry is the same notice.
		for (const [i, tracker] of settlementTrackers(settled.notices, how).entries()) {
			if (!sendable(tracker.url)) continue;
			const id = noticeId(tracker.kind, auctionId, { decisionId: `${decisionId}:${i}` });
			notices.push({ ...tracker, bidder, id });
		}
		if (notices.length > 0) {
			owed.notice = { v: 1, auction_id: auctionId, decision_id: decisionId, notices, attempt: 0 };
		}
		this.keep(owed);
	}

	/** Synchronous, like add: what is owed is stored before this returns. */
	keep(owed: Owed): void {
		if (!owed.events?.length && !owed.notice) return;
		this.sql.exec(
			"INSERT INTO outbox (kind, body, next_at) VALUES ('event', ?, ?)",
			JSON.stringify(owed),
			Date.now(),
		);
	}

	/** When the next undelivered row is due, for the screen's alarm; null when empty. */
	nextDue(): number | null {
		return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox").one().at;
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
			.exec<{ id: number; kind: "event" | "notice"; body: string; attempts: number }>(
				"SELECT id, kind, body, attempts FROM outbox WHERE next_at <= ? ORDER BY id LIMIT 100",
				Date.now(),
			)
			.toArray()
			.map((row) => ({ ...row, owed: owedOf(row.kind, JSON.parse(row.body)) }));
		if (due.length === 0) return;
		const [{ failed }, noticesSent] = await Promise.all([
			publishEvents(
				this.env,
				due.flatMap((r) => r.owed.events ?? []),
			),
			Promise.all(
				due.map((r) =>
					r.owed.notice ? enqueueNotices(this.env.NOTICES, r.owed.notice) : Promise.resolve(true),
				),
			),
		]);
		const failedIds = new Set(failed.map((e) => e.event_id));
		for (const [i, row] of due.entries()) {
			const events = (row.owed.events ?? []).filter((e) => failedIds.has(e.event_id));
			const left: Owed = {
				...(events.length > 0 ? { events } : {}),
				...(row.owed.notice && !noticesSent[i] ? { notice: row.owed.notice } : {}),
			};
			const attempts = row.attempts + 1;
			const done = !left.events && !left.notice;
			if (done || attempts >= MAX_ATTEMPTS) {
				if (!done) log("error", "outbox_abandoned", { owed: Object.keys(left), attempts });
				this.sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
				continue;
			}
			// Only what is still owed stays: a delivered part is never sent again.
			this.sql.exec(
				"UPDATE outbox SET kind = 'event', body = ?, attempts = ?, next_at = ? WHERE id = ?",
				JSON.stringify(left),
				attempts,
				Date.now() + retryDelayMs(attempts, RETRY_BASE_MS, RETRY_MAX_MS),
				row.id,
			);
		}
	}

	/** Undelivered parts (each event, each notice), for the screen's stats. */
	size(): number {
		let n = 0;
		for (const row of this.sql.exec<{ kind: "event" | "notice"; body: string }>(
			"SELECT kind, body FROM outbox",
		)) {
			const owed = owedOf(row.kind, JSON.parse(row.body));
			n += (owed.events?.length ?? 0) + (owed.notice ? 1 : 0);
		}
		return n;
	}
}

function owedOf(kind: "event" | "notice", body: unknown): Owed {
	if (kind === "notice") return { notice: noticeMessage(body as NoticeMessage) };
	if (typeof body === "object" && body !== null && "event_id" in body) {
		return { events: [body as PxEvent] };
	}
	const { event, ...owed } = body as Owed & { event?: PxEvent };
	return event ? { ...owed, events: [event] } : owed;
}

/** Rows written before notices went through the queue held just { kind, url }. */
function noticeMessage(
	body: NoticeMessage | { kind: "burl" | "lurl"; url: string },
): NoticeMessage {
	if ("v" in body) return body;
	return { v: 1, auction_id: "", notices: [{ ...body, bidder: "" }], attempt: 0 };
}
