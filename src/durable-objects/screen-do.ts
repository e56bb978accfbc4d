// ScreenDO: one per screen (idFromName(publisher:screen)). State changes are single synchronous
// SQLite statements (check-and-set), so each one is atomic even where a method awaits I/O before
// it (the approval lookup in redeemPlay): of N concurrent calls exactly one moves a decision.
import { DurableObject } from "cloudflare:workers";
import type { PxAnswer } from "../px/api/answer";
import { judgePlay, type PlayReport } from "../px/api/play-report";
import type { Screen } from "../px/model/model";
import type { Settlement } from "../px/notices/settlement";
import { type TokenBucket, takeToken } from "../px/pacing/token-bucket";
import {
	type AdmitResult,
	type DecisionMeta,
	type DecisionNotices,
	type DecisionRecord,
	type ExpiryResult,
	type LedgerAssets,
	type LedgerWrite,
	type PlayCheck,
	type PlayResult,
	type ProfileUpdate,
	patchedProfile,
	type RateLimit,
	tooLateToRecord,
} from "../px/screen/ledger";
import { lookupApprovals } from "../services/approvals";
import { errorText, log } from "../services/log";
import { playCheck } from "./play-check";
import {
	assetRows,
	cachedDecisions,
	countByState,
	deleteIssued,
	expireOverdue,
	hasTables,
	insertDecisions,
	migrateTables,
	nextAlarmAt,
	plannedAdvertisers,
	playRow,
	purgeDecisions,
	readProfile,
	SCHEMA_KEY,
	SCHEMA_VERSION,
	SCREEN_SCHEMA,
	stateOf,
	writeProfile,
} from "./screen-tables";
import { type Owed, SettlementOutbox } from "./settlement-outbox";
import { countingSql, type SqlUsage } from "./sql-usage";

/** How long a play report waits for the creative's approval before asking the player to retry. */
const PLAY_APPROVAL_BUDGET_MS = 2_000;
/** Most issued decisions admit hands back for reuse: more than one request's worth of spots. */
const MAX_ISSUED_RETURNED = 32;

export class ScreenDO extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	private readonly sqlUsage: () => SqlUsage;
	private readonly outbox: SettlementOutbox;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const counted = countingSql(ctx.storage.sql);
		this.sql = counted.sql;
		this.sqlUsage = counted.usage;
		this.outbox = new SettlementOutbox(this.sql, env);
		// Tables are created on the first write, so ids nobody registered (a typo, a scan of
		// made-up screen ids) never leave storage behind. An object at the current schema starts
		// with one read (it is activated again after every idle eviction); one stored by an earlier
		// version gets the tables added since (CREATE … IF NOT EXISTS) once.
		this.ready = ctx.storage.kv.get<number>(SCHEMA_KEY) === SCHEMA_VERSION;
		if (this.ready) return;
		if (hasTables(this.sql)) this.ensureSchema();
	}

	private ready: boolean;

	private ensureSchema(): void {
		if (this.ready) return;
		this.ctx.storage.transactionSync(() => {
			migrateTables(this.sql);
			this.sql.exec(SCREEN_SCHEMA);
		});
		this.ctx.storage.kv.put(SCHEMA_KEY, SCHEMA_VERSION);
		this.ready = true;
	}

	// --- profile (data collection API) ---

	getProfile(): Screen | null {
		if (!this.ready) return null;
		return readProfile(this.sql);
	}

	/** Stores the profile; `created` tells a first registration from a replacement. */
	putProfile(screen: Screen): { screen: Screen; created: boolean } {
		const created = this.getProfile() === null;
		this.ensureSchema();
		writeProfile(this.sql, screen, Date.now());
		return { screen, created };
	}

	/** JSON Merge Patch on the stored profile, validated as a whole before it is written. */
	patchProfile(patch: unknown): ProfileUpdate | null {
		const current = this.getProfile();
		if (!current) return null;
		const update = patchedProfile(current, patch);
		return update.ok ? { ok: true, screen: this.putProfile(update.screen).screen } : update;
	}

	// --- the hot path: one call per ad request ---

	admit(input: {
		slotIds: string[];
		/** The planned play times asked about: from the first spot to the last (a loop's end). */
		from: number;
		to: number;
		rateLimit: RateLimit;
		separationSeconds: number;
		/** The request describes the screen inline (an unregistered screen). */
		inline?: boolean;
		/** Create state for an unregistered screen seen for the first time. */
		acceptNew?: boolean;
	}): AdmitResult {
		if (!this.ready) {
			if (!input.inline) return { kind: "unknown" };
			if (!input.acceptNew) return { kind: "new" };
			this.ensureSchema();
		}
		const now = Date.now();
		const retryAfter = this.takeToken(input.rateLimit, now);
		if (retryAfter > 0) return { kind: "limited", retryAfterSeconds: retryAfter };

		const cached = cachedDecisions(this.sql, {
			slotIds: input.slotIds,
			from: input.from,
			to: input.to,
			now,
			limit: MAX_ISSUED_RETURNED,
		});
		const window = input.separationSeconds * 1000;
		const recent =
			window > 0 ? plannedAdvertisers(this.sql, input.from - window, input.to + window) : [];
		return { kind: "admitted", profile: this.getProfile(), cached, recent };
	}

	/** In memory: a stored bucket is a billed row per request; an evicted object refills anyway. */
	private bucket: TokenBucket | undefined;

	private takeToken(limit: RateLimit, now: number): number {
		const taken = takeToken(this.bucket, limit, now);
		this.bucket = taken.bucket;
		return taken.retryAfterSeconds;
	}

	/**
	 * The ledger entries of one request's winners (cache + PoP ledger + separation memory), in one
	 * call and one transaction: awaited before the answer, since a token without its entry could
	 * never be billed. Refused, writing nothing, once the edge has stopped waiting (`until`, its
	 * clock): a write that lands is always one whose answer the screen got.
	 */
	async recordDecisions(records: DecisionRecord[], until: number): Promise<LedgerWrite> {
		const now = Date.now();
		if (tooLateToRecord(now, until)) return { kind: "refused", lateMs: now - until };
		this.ensureSchema();
		this.ctx.storage.transactionSync(() => insertDecisions(this.sql, records));
		await this.scheduleAlarm();
		return { kind: "recorded" };
	}

	/**
	 * Decisions the edge gave up on (their write failed or answered late): the buyer was told it
	 * lost (lurl 1), so they go without a trace (no event, no notice), never served or billed, and
	 * their token finds nothing. Idempotent. Calls on one stub arrive in order (E-order), so the
	 * write this follows is never applied after it.
	 */
	voidDecisions(decisionIds: string[]): number {
		return this.ready ? deleteIssued(this.sql, decisionIds) : 0;
	}

	/** What the edge's sends could not hand to the queues: delivered from the alarm. */
	async keepUndelivered(owed: Owed): Promise<void> {
		this.ensureSchema();
		this.outbox.keep(owed);
		await this.scheduleAlarm();
	}

	// --- proof of play ---

	/**
	 * Billing follows proof and approval: the creative must still be approved when the play is
	 * reported (a rejection since the auction revokes the decision: never billed, lurl 202). The
	 * check-and-set is one synchronous statement: of N concurrent reports exactly one wins.
	 */
	async redeemPlay(
		decisionId: string,
		requestId?: string,
		report: PlayReport = {},
	): Promise<PlayResult> {
		if (!this.ready) return { kind: "unknown" };
		const row = playRow(this.sql, decisionId);
		if (!row) return { kind: "unknown" };
		if (row.state === "issued") {
			const key = (JSON.parse(row.meta) as Partial<DecisionMeta>).approvalKey;
			const status = key
				? (await lookupApprovals(this.env.APPROVALS, [key], PLAY_APPROVAL_BUDGET_MS))(key)
				: undefined;
			if (status === "rejected") {
				await this.revoke(decisionId);
				return { kind: "revoked" };
			}
			if (status !== "approved") return { kind: "approval_unknown" };
		}
		const now = Date.now();
		// A play that is not billable still spends the token (it was reported once).
		const { billable, share, reason } = judgePlay(report, {
			durationS: (JSON.parse(row.answer) as PxAnswer).creative.duration_s,
			spotMs: (JSON.parse(row.meta) as Partial<DecisionMeta>).spotMs,
			notBefore: row.not_before,
			notAfter: row.not_after,
			now,
		});
		const won = this.settle(decisionId, "played", now, {
			how: {
				kind: "play",
				playedAt: now,
				...(report.displayed_at !== undefined ? { displayedAt: report.displayed_at } : {}),
				...(report.displayed_ms !== undefined ? { displayedMs: report.displayed_ms } : {}),
				...(report.measured_audience ? { measuredAudience: report.measured_audience } : {}),
				...(share !== undefined ? { share } : {}),
				billable,
				...(reason ? { reason } : {}),
			},
			requestId,
		});
		if (won) {
			await this.scheduleAlarm();
			this.deliverSoon();
			return {
				kind: "accepted",
				billable,
				...(share !== undefined ? { share } : {}),
				...(reason ? { reason } : {}),
			};
		}
		const state = this.stateOf(decisionId);
		// Still "issued" here means the reporting window closed before this report.
		return state === "played" ? { kind: "replay" } : { kind: "expired" };
	}

	/**
	 * A decision whose creative was rejected after the auction: expired at once (never served from
	 * cache again, never billed), the buyer told with lurl 202. False when it was already settled.
	 */
	async revoke(decisionId: string): Promise<boolean> {
		if (!this.ready) return false;
		const won = this.settle(decisionId, "expired", Number.NEGATIVE_INFINITY, {
			how: { kind: "expiry", reason: "revoked", reportedAt: Date.now() },
		});
		if (!won) return false;
		await this.deliver();
		return true;
	}

	/** HEAD on a proof-of-play URL: whether the spot may still start. Records nothing. */
	async checkPlay(decisionId: string): Promise<PlayCheck> {
		return this.ready ? playCheck(this.sql, this.env.APPROVALS, decisionId) : { kind: "unknown" };
	}

	async reportExpired(decisionId: string, requestId?: string): Promise<ExpiryResult> {
		if (!this.ready) return { kind: "unknown" };
		const won = this.settle(decisionId, "expired", Number.NEGATIVE_INFINITY, {
			how: { kind: "expiry", reason: "reported", reportedAt: Date.now() },
			requestId,
		});
		if (won) {
			await this.scheduleAlarm();
			this.deliverSoon();
			return { kind: "recorded" };
		}
		const state = this.stateOf(decisionId);
		if (!state) return { kind: "unknown" };
		return state === "played" ? { kind: "already_played" } : { kind: "already_expired" };
	}

	/**
	 * Delivers right after the answer, from inside the object: the caller does not wait for it,
	 * and it costs no second Durable Object request (the object stays up while it runs; whatever
	 * fails is retried from the alarm).
	 */
	private deliverSoon(): void {
		this.deliver().catch((err: unknown) =>
			log("error", "outbox_delivery_failed", {
				error: errorText(err),
			}),
		);
	}

	/** Sends what settled decisions owe (events, burl/lurl), retrying from the alarm. */
	async deliver(): Promise<void> {
		if (!this.ready) return;
		await this.outbox.deliver();
		await this.scheduleAlarm();
	}

	/**
	 * Moves an issued decision still reportable at `reportableAt` to its final state and, in the
	 * same synchronous step, puts its event and notice in the outbox.
	 */
	private settle(
		decisionId: string,
		state: "played" | "expired",
		reportableAt: number,
		settlement: { how: Settlement; requestId?: string | undefined },
	): boolean {
		// A revocation is marked in the same row write, so a pre-play check can say why it ended.
		const revoked = settlement.how.kind === "expiry" && settlement.how.reason === "revoked";
		const row = this.sql
			.exec<{ notices: string; meta: string }>(
				`UPDATE decisions SET state = ?, meta = CASE WHEN ? THEN json_set(meta, '$.revoked', json('true')) ELSE meta END
				 WHERE decision_id = ? AND state = 'issued' AND report_until >= ?
				 RETURNING notices, meta`,
				state,
				revoked ? 1 : 0,
				decisionId,
				reportableAt,
			)
			.toArray()[0];
		if (!row) return false;
		const settled = { notices: JSON.parse(row.notices), meta: JSON.parse(row.meta) };
		this.outbox.add(
			{
				decisionId,
				...settled,
				...(settlement.requestId ? { requestId: settlement.requestId } : {}),
			},
			settlement.how,
		);
		return true;
	}

	private stateOf(decisionId: string): string | undefined {
		return stateOf(this.sql, decisionId);
	}

	// --- expiry ---

	/**
	 * Alarms are at-least-once, so everything here is idempotent: decisions whose reporting window
	 * closed without a play are marked expired (check-and-set, before any I/O) and reported as
	 * inferred expiries; rows past their purge time are deleted; the next alarm is re-armed.
	 */
	override async alarm(): Promise<void> {
		if (!this.ready) return;
		const now = Date.now();
		for (const row of expireOverdue(this.sql, now)) {
			this.outbox.add(
				{
					decisionId: row.decision_id,
					notices: JSON.parse(row.notices) as DecisionNotices,
					meta: JSON.parse(row.meta) as DecisionMeta,
				},
				{ kind: "expiry", reason: "inferred", reportedAt: now },
			);
		}
		purgeDecisions(this.sql, now);
		await this.deliver();
	}

	private async scheduleAlarm(): Promise<void> {
		const next = nextAlarmAt(this.sql);
		if (next == null) {
			await this.ctx.storage.deleteAlarm();
			return;
		}
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > next) await this.ctx.storage.setAlarm(next);
	}

	/** Billed storage rows this object read and wrote since it started (for cost measurements). */
	usage(): SqlUsage {
		return this.sqlUsage();
	}

	/**
	 * For GET /v1/screens/{id}/assets: the profile and the creatives of decisions still to play
	 * before `until` or played since `since`, soonest first. Null when nothing is stored.
	 */
	ledgerAssets(since: number, until: number): LedgerAssets | null {
		if (!this.ready) return null;
		return { profile: this.getProfile(), decisions: assetRows(this.sql, Date.now(), since, until) };
	}

	/** For tests and operators: decisions by state, and undelivered outbox rows. */
	stats(): { decisions: Record<string, number>; outbox: number } {
		if (!this.ready) return { decisions: {}, outbox: 0 };
		return { decisions: countByState(this.sql), outbox: this.outbox.size() };
	}
}
