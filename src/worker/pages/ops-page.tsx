/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The operator console (/ops): what the wall dashboards showed, from Workers Analytics Engine and
// the review desk, over the last hour. Server-rendered SVG charts; /ui/ops.js reloads the panels
// every REFRESH_S seconds, so a wall screen stays current without a page reload.
import type { SnapshotStatus } from "../../px/control/control";
import type { OpsSnapshot } from "../ops/snapshot";
import {
	age,
	BarChart,
	formatCount,
	millis,
	money,
	Panel,
	percent,
	SeriesChart,
	Table,
	Tile,
} from "./charts";
import { Document, SignedIn, utc } from "./layout";
import { MoneyPanel } from "./ops-money";

const REFRESH_S = 15;

const OUTCOME_TONE: Record<string, string> = {
	won: "good",
	lost: "strong",
	timeout: "bad",
	error: "bad",
	no_bid: "muted",
	not_called: "warn",
};

/** The panels: rendered into the page, and alone for the script's refresh (/ops/panels). */
export function OpsPanels({ s }: { s: OpsSnapshot }) {
	const a = s.approvals;
	const queue = s.queues.find((q) => !q.queue.includes("-dlq")) ?? s.queues[0];
	const reasonTone = (code: number) =>
		code === 0 ? "good" : code === 102 || code === 103 ? "strong" : code >= 500 ? "bad" : "";
	return (
		<div id="panels" data-generated={String(s.generated_at)}>
			{s.errors.length > 0 ? (
				<div class="flash error" role="alert">
					{s.errors.map((e) => (
						<div>
							<strong>{e.section}</strong>: {e.message}
						</div>
					))}
				</div>
			) : null}
			<div class="tiles">
				<Tile label="ad requests" value={formatCount(s.requests.total)} hint={`last ${s.window}`} />
				<Tile
					label="fill rate"
					value={percent(s.requests.fill_rate)}
					hint={`${formatCount(s.requests.filled)} filled or cached`}
					tone={s.requests.fill_rate !== null && s.requests.fill_rate > 0 ? "good" : "warn"}
				/>
				<Tile label="answer latency" value={millis(s.requests.avg_latency_ms)} hint="average" />
				<Tile
					label="win rate"
					value={percent(s.totals.win_rate)}
					hint={`${formatCount(s.totals.wins)} wins / ${formatCount(s.totals.bids)} bids`}
				/>
				<Tile label="eCPM" value={money(s.totals.ecpm)} hint="clearing, audience-weighted" />
				<Tile
					label="plays per win"
					value={percent(s.totals.plays_per_win)}
					hint={`${formatCount(s.totals.plays)} plays`}
				/>
				<Tile
					label="expiries"
					value={formatCount(s.totals.expiries)}
					tone={s.totals.expiries > 0 ? "warn" : ""}
				/>
				<Tile
					label="approval backlog"
					value={a ? formatCount(a.pending) : "n/a"}
					hint={
						a?.oldest_pending
							? `oldest waits ${age(s.generated_at - a.oldest_pending)}`
							: "nothing waits"
					}
					tone={a && a.pending > 0 ? "warn" : ""}
				/>
				<Tile
					label="approval lag"
					value={age(a?.lag_p50_ms)}
					hint={a ? `median of ${a.decided_24h} decisions, 24 h` : undefined}
				/>
				<Tile
					label="queue batch"
					value={queue?.avg_batch_size != null ? formatCount(queue.avg_batch_size) : "n/a"}
					hint={queue ? `lag up to ${millis(queue.max_lag_ms)}` : "no batches"}
				/>
			</div>
			<div class="panels">
				<Panel title="Ad requests and fill rate per minute" wide>
					<SeriesChart
						title="Ad requests and fill rate per minute"
						points={s.requests.per_minute}
						bucketMs={60_000}
						buckets={60}
						end={s.generated_at}
						totalLabel="requests"
						partLabel="filled"
					/>
				</Panel>
				<Panel title="Bidder answers by reason">
					<BarChart
						title="Bidder answers by reason"
						rows={s.bids_by_reason.map((b) => ({
							label: `${b.code} ${b.label}`,
							value: b.count,
							tone: reasonTone(b.code),
						}))}
					/>
				</Panel>
				<Panel title="Bidder answers by outcome">
					<BarChart
						title="Bidder answers by outcome"
						rows={Object.entries(s.bids_by_outcome)
							.sort((x, y) => y[1] - x[1])
							.map(([label, value]) => ({ label, value, tone: OUTCOME_TONE[label] }))}
					/>
				</Panel>
				<Panel title="Latency per DSP (p99)">
					<BarChart
						title="Latency per DSP, p99"
						rows={s.bidders
							.filter((b) => b.calls > 0)
							.map((b) => ({
								label: b.bidder,
								value: b.p99_latency_ms ?? 0,
								display: `${millis(b.p99_latency_ms)} (avg ${millis(b.avg_latency_ms)})`,
							}))}
					/>
				</Panel>
				<Panel title="Timeouts and errors per DSP">
					<BarChart
						title="Timeouts and errors per DSP"
						empty="No timeouts and no errors in the last hour"
						rows={s.bidders
							.filter((b) => b.calls > 0)
							.flatMap((b) => [
								{ label: `${b.bidder} timeouts`, value: b.timeouts, tone: "bad" },
								{ label: `${b.bidder} errors`, value: b.errors, tone: "warn" },
							])}
					/>
				</Panel>
				<Panel title="Not called per DSP">
					<BarChart
						title="DSPs selected but not called, by reason"
						empty="Every selected DSP was called in the last hour"
						rows={s.bidders.flatMap((b) =>
							Object.entries(b.not_called_by_reason).map(([reason, value]) => ({
								label: `${b.bidder} ${reason}`,
								value,
								tone: "warn",
							})),
						)}
					/>
				</Panel>
				<Panel title="Open circuits">
					{s.circuits.length === 0 ? (
						<p class="muted">No DSP's circuit is open on this edge isolate.</p>
					) : (
						<Table
							caption="On the isolate that answered: each isolate learns on its own"
							head={["DSP", "why", "opened", "not called until", "probing"]}
							rows={s.circuits.map((c) => [
								c.bidder,
								c.why,
								utc(c.opened_at),
								utc(c.until),
								c.probing ? "yes" : "no",
							])}
						/>
					)}
				</Panel>
				<Panel title="Win rate per DSP">
					<BarChart
						title="Win rate per DSP"
						rows={s.bidders
							.filter((b) => b.bids > 0)
							.map((b) => ({
								label: b.bidder,
								value: b.win_rate ?? 0,
								display: `${percent(b.win_rate)} of ${formatCount(b.bids)}`,
								tone: "good",
							}))}
					/>
				</Panel>
				<Panel title="eCPM per DSP">
					<BarChart
						title="eCPM per DSP"
						rows={s.bidders
							.filter((b) => b.wins > 0)
							.map((b) => ({
								label: b.bidder,
								value: b.ecpm ?? 0,
								display: money(b.ecpm),
								tone: "strong",
							}))}
					/>
				</Panel>
				<Panel title="Plays per win, and expiries">
					<BarChart
						title="Plays per win per DSP"
						rows={s.bidders
							.filter((b) => b.wins > 0)
							.map((b) => ({
								label: b.bidder,
								value: b.plays_per_win ?? 0,
								display: `${percent(b.plays_per_win)} (${b.plays}/${b.wins})`,
								tone: "good",
							}))}
					/>
					<BarChart
						title="Expiries by reason"
						empty="No expiries"
						rows={Object.entries(s.totals.expiries_by_reason).map(([label, value]) => ({
							label: `expired: ${label}`,
							value,
							tone: "warn",
						}))}
					/>
				</Panel>
				<Panel title="Approvals and queues">
					<Table
						head={["approval desk", ""]}
						rows={
							a
								? [
										["pending", a.pending],
										["oldest pending since", a.oldest_pending ? utc(a.oldest_pending) : "n/a"],
										["auctions held back (pending)", a.pending_held_back],
										["decided, last 24 h", a.decided_24h],
										["lag first seen → decided, median", age(a.lag_p50_ms)],
										["lag, longest", age(a.lag_max_ms)],
										["decisions not yet published", a.unpublished],
									]
								: [["review desk", "unreachable"]]
						}
					/>
					<Table
						head={["queue", "batches", "avg size", "max lag", "retried"]}
						rows={s.queues.map((q) => [
							q.queue,
							q.batches,
							q.avg_batch_size === null ? "n/a" : q.avg_batch_size.toFixed(1),
							millis(q.max_lag_ms),
							q.retried,
						])}
					/>
				</Panel>
				<MoneyPanel money={s.money} />
				<Panel title="DSPs" wide>
					<Table
						head={[
							"DSP",
							"calls",
							"no-bids",
							"not called",
							"timeouts",
							"errors",
							"avg",
							"p99",
							"bids",
							"wins",
							"win rate",
							"eCPM",
							"plays/win",
							"expiries",
						]}
						rows={s.bidders.map((b) => [
							b.bidder,
							b.calls,
							b.no_bids,
							b.not_called,
							b.timeouts,
							b.errors,
							millis(b.avg_latency_ms),
							millis(b.p99_latency_ms),
							b.bids,
							b.wins,
							percent(b.win_rate),
							money(b.ecpm),
							percent(b.plays_per_win),
							b.expiries,
						])}
					/>
				</Panel>
			</div>
			<p class="muted freshness">
				{`Last hour, per minute in UTC. ${s.source}. Updated ${utc(s.generated_at)}.`}
			</p>
		</div>
	);
}

/** How old this isolate's control-plane snapshot is: a D1 outage shows here first. */
function ControlAge({ status }: { status: SnapshotStatus }) {
	const age = status.age_ms === null ? "not loaded" : `${Math.round(status.age_ms / 1000)} s old`;
	return (
		<span id="control-age" class={status.last_error ? "freshness warn" : "freshness muted"}>
			{`configuration v${status.version ?? "?"}, ${age}`}
			{status.last_error ? ` (D1: ${status.last_error})` : ""}
		</span>
	);
}

export function OpsPage(props: {
	s: OpsSnapshot;
	csrf: string;
	actor: string;
	control?: SnapshotStatus;
}) {
	return (
		<Document
			title="px-edge operator console"
			dark
			script="ops.js"
			data={{ refresh: String(REFRESH_S) }}
		>
			<header class="top">
				<h1>px-edge operator console</h1>
				<span id="freshness" class="freshness muted">
					{`live, refreshed every ${REFRESH_S} s`}
				</span>
				{props.control ? <ControlAge status={props.control} /> : null}
				<SignedIn actor={props.actor} csrf={props.csrf} signOut="/ops/sign-out" />
			</header>
			<main>
				<OpsPanels s={props.s} />
			</main>
		</Document>
	);
}
