// The review desk: source of truth for creative approval (SQLite, one object for the exchange,
// never on the hot path). Every decision is audited and published to the APPROVALS KV replica
// that auctions read, through an outbox: the decision, its version and the pending publication
// are written in one synchronous step, then published one at a time in version order, and a
// publication KV refused is retried from the alarm with backoff until it lands. So the replica
// can lag the desk but never disagree with it for good, and never go back to an older verdict.
import { DurableObject } from "cloudflare:workers";
import type {
	AuditEntry,
	CappedDsp,
	DecidedItem,
	DeskPage,
	DeskStats,
	ReviewItem,
	StaleItem,
} from "../px/api/review-api";
import { type ApprovalRecord, type ApprovalStatus, approvalKvKey } from "../px/auction/approval";
import type { HostedAsset } from "../px/auction/hosted-asset";
import type { CreativeSeenEvent } from "../px/events/events";
import { retryDelayMs } from "../px/pacing/retry";
import type { DecisionHolder } from "../px/screen/holders";
import { withinBudget } from "../services/budget";
import { log } from "../services/log";
import { DeskHolders } from "./desk-holders";
import { admit, cappedDsps, PENDING_CAP_PER_DSP } from "./desk-intake";
import {
	addAudit,
	auditOf,
	type DeskRow,
	deskStats,
	migrateDesk,
	pageRows,
	parseCursor,
	recordVerdict,
	setItemVersion,
	staleAmong,
} from "./desk-tables";

/** A KV write that has not answered by then counts as failed and is retried. */
const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;

type Row = DeskRow;

const toItem = (row: Row): ReviewItem => ({ ...row, adomain: JSON.parse(row.adomain) as string[] });

export class ReviewDesk extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	private readonly holders: DeskHolders;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		migrateDesk(this.sql);
		this.holders = new DeskHolders(this.sql, env, () => this.scheduleAlarm());
	}

	/** Queue intake of wins: which screens hold decisions of which asset (desk-holders.ts). */
	hold(holders: DecisionHolder[]): { revoked: number } {
		return { revoked: this.holders.hold(holders) };
	}

	private draining: Promise<void> | undefined;
	/** Keys whose last write timed out: it may still land, after a newer one. */
	private readonly maybeLate = new Set<string>();

	/**
	 * Queue intake: unknown creatives become pending, within each DSP's cap (desk-intake.ts); each
	 * sighting of a pending one counts an auction it was held back from.
	 */
	async intake(seen: CreativeSeenEvent[]): Promise<{ added: number }> {
		const added = admit(this.sql, seen, PENDING_CAP_PER_DSP);
		// "pending" in the replica tells auctions the desk has it (the page shows it as queued).
		for (const key of added) this.enqueue(key, "pending");
		await this.drain();
		return { added: added.length };
	}

	/** DSPs at their cap of pending items: the desk takes no new creative from them for now. */
	cappedDsps(): CappedDsp[] {
		return cappedDsps(this.sql, PENDING_CAP_PER_DSP);
	}

	/**
	 * Approved assets of these bidders, most recently decided first: candidates a screen may
	 * pre-cache (GET /v1/screens/{id}/assets). Read-only, off the hot path.
	 */
	approvedOf(bidders: string[], limit = 500): ReviewItem[] {
		if (bidders.length === 0) return [];
		const names = bidders.slice(0, 50);
		return this.sql
			.exec<Row>(
				`SELECT * FROM creatives WHERE status = 'approved' AND bidder IN (${names.map(() => "?").join(", ")})
				 ORDER BY updated_at DESC LIMIT ?`,
				...names,
				limit,
			)
			.toArray()
			.map(toItem);
	}

	list(status: ApprovalStatus, limit = 50, after?: string): ReviewItem[] {
		return this.sql
			.exec<Row>(
				`SELECT * FROM creatives WHERE status = ? AND creative_key > ? ORDER BY creative_key LIMIT ?`,
				status,
				after ?? "",
				limit,
			)
			.toArray()
			.map(toItem);
	}

	get(key: string): { item: ReviewItem; audit: AuditEntry[] } | null {
		const row = this.sql
			.exec<Row>("SELECT * FROM creatives WHERE creative_key = ?", key)
			.toArray()[0];
		if (!row) return null;
		return { item: toItem(row), audit: auditOf(this.sql, key) };
	}

	/**
	 * A page for the review page: pending items oldest first (a queue), decided ones most recent
	 * first, each with its audit trail; `after` is the previous page's `next`.
	 */
	page(status: ApprovalStatus, limit = 50, after?: string): DeskPage {
		const cursor = parseCursor(after);
		const rows = pageRows(this.sql, status, cursor, limit + 1);
		const items = rows.slice(0, limit).map((row) => ({
			...toItem(row),
			audit: auditOf(this.sql, row.creative_key),
		}));
		const last = items.at(-1);
		return {
			items,
			counts: this.counts(),
			capped_dsps: this.cappedDsps(),
			...(rows.length > limit && last
				? {
						next: `${status === "pending" ? last.first_seen : last.updated_at}:${last.creative_key}`,
					}
				: {}),
		};
	}

	/**
	 * The same decision for several items (bulk approve on the review page): each recorded and
	 * audited like `decide`, then published together. Unknown keys are skipped. When an item of
	 * `expected` (key → version seen) was decided since, nothing is decided: a stale page must not
	 * overturn a colleague's decision, nor half of a selection go through.
	 */
	async decideMany(input: {
		keys: string[];
		action: "approve" | "reject";
		actor: string;
		reason: string | null;
		expected?: Record<string, number>;
		/** Approvals: the copy of each key's bytes the approval is of (asset-hosting.ts). */
		hosted?: Record<string, HostedAsset>;
	}): Promise<DecidedItem[] | { stale: StaleItem[] }> {
		const keys = new Set(input.keys);
		const expected = Object.entries(input.expected ?? {}).filter(([key]) => keys.has(key));
		const stale = staleAmong(this.sql, expected);
		if (stale.length > 0) return { stale };
		const decided: { row: Row; version: number }[] = [];
		for (const key of keys) {
			const recorded = this.record(key, input, input.hosted?.[key]);
			if (recorded) decided.push(recorded);
		}
		await this.drain();
		return decided.map(({ row, version }) => ({
			...toItem(row),
			version,
			replica: this.isPublished(row.creative_key, version) ? "published" : "pending",
		}));
	}

	stats(now = Date.now()): DeskStats {
		return deskStats(this.sql, now, this.outboxSize());
	}

	/**
	 * A reviewer's decision: recorded and audited first, then published to the replica. An item
	 * decided since `expected_version` (the version the reviewer saw) is left as it is.
	 */
	async decide(input: {
		key: string;
		action: "approve" | "reject";
		actor: string;
		reason: string | null;
		expected_version?: number;
		/**
		 * An approval's copy of the bytes (asset-hosting.ts). Without it an approval is recorded
		 * but auctions treat it as pending (services/approvals.ts): the routes always host first.
		 */
		hosted?: HostedAsset;
	}): Promise<DecidedItem | { stale: StaleItem } | null> {
		// In the same synchronous step as the write below: nothing can decide in between.
		if (input.expected_version !== undefined) {
			const [stale] = staleAmong(this.sql, [[input.key, input.expected_version]]);
			if (stale) return { stale };
		}
		const recorded = this.record(input.key, input, input.hosted);
		if (!recorded) return null;
		const { row, version } = recorded;
		await this.drain();
		return {
			...toItem(row),
			version,
			replica: this.isPublished(input.key, version) ? "published" : "pending",
		};
	}

	/**
	 * One verdict, synchronously: the row, its audit entry, its replica record (with the approved
	 * bytes' copy) and, for a rejection, a revocation for every screen holding it.
	 */
	private record(
		key: string,
		input: { action: "approve" | "reject"; actor: string; reason: string | null },
		hosted: HostedAsset | undefined,
	): { row: Row; version: number } | undefined {
		const status: ApprovalStatus = input.action === "approve" ? "approved" : "rejected";
		const asset = input.action === "approve" ? hosted : undefined;
		const row = recordVerdict(this.sql, key, status, input.reason, asset);
		if (!row) return undefined;
		addAudit(this.sql, key, input.action, input.actor, input.reason);
		const version = this.enqueue(key, status, input.reason ?? undefined, asset);
		if (status === "rejected") this.holders.revokeAll(key);
		return { row, version };
	}

	counts(): Record<ApprovalStatus, number> {
		const counts: Record<ApprovalStatus, number> = { pending: 0, approved: 0, rejected: 0 };
		for (const r of this.sql.exec<{ status: ApprovalStatus; n: number }>(
			"SELECT status, COUNT(*) AS n FROM creatives GROUP BY status",
		)) {
			counts[r.status] = r.n;
		}
		return counts;
	}

	/** Retries the publications KV refused so far, and the revocations screens did not take. */
	override async alarm(): Promise<void> {
		await Promise.all([this.drain(), this.holders.pushSoon()]);
	}

	/** Publications not yet in the replica (for operators and tests). */
	outboxSize(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
	}

	/**
	 * Records the next version of `key`'s verdict for publication, replacing any older one still
	 * waiting (only the newest verdict matters), and makes it the item's version. Synchronous, so
	 * it commits with the decision.
	 */
	private enqueue(
		key: string,
		status: ApprovalStatus,
		reason?: string,
		asset?: HostedAsset,
	): number {
		const version = this.sql
			.exec<{ v: number }>(
				`INSERT INTO version_seq (id, v) VALUES (1, 1)
				 ON CONFLICT (id) DO UPDATE SET v = v + 1 RETURNING v`,
			)
			.one().v;
		const record: ApprovalRecord = {
			status,
			...(reason ? { reason } : {}),
			decided_at: Date.now(),
			version,
			...(asset ? { asset } : {}),
		};
		setItemVersion(this.sql, key, version);
		this.sql.exec(
			`INSERT OR REPLACE INTO outbox (creative_key, version, record, attempts, next_at)
			 VALUES (?, ?, ?, 0, ?)`,
			key,
			version,
			JSON.stringify(record),
			Date.now(),
		);
		return version;
	}

	private isPublished(key: string, version: number): boolean {
		return (
			this.sql
				.exec("SELECT 1 FROM outbox WHERE creative_key = ? AND version <= ?", key, version)
				.toArray().length === 0
		);
	}

	/** One drain at a time: KV sees each key's versions in order, never two racing writes. */
	private drain(): Promise<void> {
		this.draining ??= this.drainDue().finally(() => {
			this.draining = undefined;
		});
		return this.draining;
	}

	private async drainDue(): Promise<void> {
		for (;;) {
			const row = this.sql
				.exec<{ creative_key: string; version: number; record: string; attempts: number }>(
					`SELECT creative_key, version, record, attempts FROM outbox
					 WHERE next_at <= ? ORDER BY version LIMIT 1`,
					Date.now(),
				)
				.toArray()[0];
			if (!row) break;
			const put = await withinBudget(
				this.env.APPROVALS.put(approvalKvKey(row.creative_key), row.record),
				PUBLISH_TIMEOUT_MS,
			);
			if (put.ok && this.maybeLate.delete(row.creative_key)) {
				// An earlier write of this key timed out and may still land after this one: write
				// the newest verdict once more when that one can no longer be in flight.
				this.sql.exec(
					"UPDATE outbox SET next_at = ? WHERE creative_key = ? AND version = ?",
					Date.now() + 2 * PUBLISH_TIMEOUT_MS,
					row.creative_key,
					row.version,
				);
			} else if (put.ok) {
				// A newer verdict enqueued meanwhile has a higher version and stays for the next turn.
				this.sql.exec(
					"DELETE FROM outbox WHERE creative_key = ? AND version = ?",
					row.creative_key,
					row.version,
				);
			} else {
				if (put.why === "timeout") this.maybeLate.add(row.creative_key);
				const attempts = row.attempts + 1;
				log("warn", "approval_publish_failed", {
					creative_key: row.creative_key,
					version: row.version,
					attempts,
					error:
						put.why === "timeout"
							? `no answer within ${PUBLISH_TIMEOUT_MS} ms`
							: put.error instanceof Error
								? put.error.message
								: String(put.error),
				});
				this.sql.exec(
					"UPDATE outbox SET attempts = ?, next_at = ? WHERE creative_key = ? AND version = ?",
					attempts,
					Date.now() + retryDelayMs(attempts, RETRY_BASE_MS, RETRY_MAX_MS),
					row.creative_key,
					row.version,
				);
			}
		}
		await this.scheduleAlarm();
	}

	/** One alarm for the replica's outbox and the revocations to push: the sooner one. */
	private async scheduleAlarm(): Promise<void> {
		const outbox = this.sql
			.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox")
			.one().at;
		const next = Math.min(outbox ?? Infinity, this.holders.nextAt() ?? Infinity);
		if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
	}
}
