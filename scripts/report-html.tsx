/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// `npm run report -- --html`: the report's figures as charts, one self-contained HTML file (no
// script, no network), drawn with the operator console's chart components. Every number shown
// comes from the same `Report` object the text and --json outputs print.
import { raw } from "hono/html";
import { BarChart, money, Panel, percent, Table, Tile } from "../src/worker/pages/charts";
import { PX_CSS } from "../src/worker/pages/style";
import {
	BIDDER_COLUMNS,
	bidderCells,
	MONEY_COLUMNS,
	moneyCells,
	type Report,
} from "./report-queries";

const rowsOf = (counts: Record<string, number>) =>
	Object.entries(counts).map(([label, value]) => ({ label, value }));

export function ReportPage({ report: r }: { report: Report }) {
	const title = "px-edge report";
	return (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<title>{title}</title>
				<style>{raw(PX_CSS)}</style>
			</head>
			<body>
				<header class="top">
					<h1>{title}</h1>
					<span class="muted">
						{`${r.events} events from ${r.files} files (${r.duplicates} duplicates dropped), ${r.from ?? "n/a"} .. ${r.to ?? "n/a"}`}
					</span>
				</header>
				<main>
					<div class="tiles">
						<Tile label="ad requests" value={String(r.ad_requests.total)} />
						<Tile
							label="fill rate"
							value={percent(r.ad_requests.fill_rate)}
							hint="filled / ad requests"
						/>
						<Tile
							label="auctions"
							value={String(r.auctions.total)}
							hint={`${r.auctions.with_winner} with a winner`}
						/>
						<Tile label="wins" value={String(r.delivery.wins)} />
						<Tile label="plays" value={String(r.delivery.plays)} />
						<Tile label="plays per win" value={percent(r.delivery.plays_per_win)} />
						<Tile label="expiries" value={String(r.expiries.total)} />
						<Tile
							label="quarantined"
							value={String(r.quarantine.messages)}
							hint="dead letters not processed"
							tone={r.quarantine.messages > 0 ? "warn" : undefined}
						/>
					</div>
					<div class="panels">
						<Panel title="Ad requests by outcome">
							<BarChart title="Ad requests by outcome" rows={rowsOf(r.ad_requests.by_outcome)} />
						</Panel>
						<Panel title="Bidder answers by outcome">
							<BarChart title="Bidder answers by outcome" rows={rowsOf(r.bids.by_outcome)} />
						</Panel>
						<Panel title="Bidder answers by reason" wide>
							<BarChart
								title="Bidder answers by reason"
								rows={r.bids.by_reason.map((b) => ({
									label: `${b.code} ${b.label}`,
									value: b.count,
									tone: b.code === 0 ? "good" : undefined,
								}))}
							/>
						</Panel>
						<Panel title="Bids per bidder">
							<BarChart
								title="Bids per bidder"
								rows={r.bidders.map((b) => ({ label: b.bidder, value: b.bids }))}
							/>
						</Panel>
						<Panel title="Wins per bidder">
							<BarChart
								title="Wins per bidder"
								rows={r.bidders.map((b) => ({ label: b.bidder, value: b.wins, tone: "strong" }))}
							/>
						</Panel>
						<Panel title="Win eCPM per bidder">
							<BarChart
								title="Win eCPM per bidder"
								rows={r.bidders.map((b) => ({
									label: b.bidder,
									value: b.win_ecpm ?? 0,
									display: money(b.win_ecpm),
								}))}
							/>
						</Panel>
						<Panel title="Plays per win, per bidder">
							<BarChart
								title="Plays per win, per bidder"
								rows={r.bidders.map((b) => ({
									label: b.bidder,
									value: b.plays_per_win ?? 0,
									display: percent(b.plays_per_win),
									tone: "good",
								}))}
							/>
						</Panel>
						<Panel title="Expiries by reason">
							<BarChart
								title="Expiries by reason"
								rows={rowsOf(r.expiries.by_reason).map((x) => ({ ...x, tone: "warn" }))}
							/>
						</Panel>
						<Panel title="Client telemetry">
							<BarChart title="Client telemetry" rows={rowsOf(r.telemetry)} />
						</Panel>
						<Panel title="Bidders" wide>
							<Table
								head={[...BIDDER_COLUMNS]}
								rows={r.bidders.map((b) => bidderCells(b, { money, share: (v) => percent(v) }))}
							/>
						</Panel>
						<Panel title="Money of billed plays: gross, the exchange's take and net" wide>
							<Table
								caption="amounts in each row's currency: gross the buyer pays, net the publisher earns"
								head={[...MONEY_COLUMNS]}
								rows={r.money.map((m) => moneyCells(m, (v) => (v === null ? "n/a" : v.toFixed(2))))}
							/>
						</Panel>
						<Panel title="Quarantine: dead letters that could not be processed" wide>
							<Table
								caption="by queue and error"
								head={["queue", "error", "messages", "records"]}
								rows={r.quarantine.by_queue_error.map((g) => [
									g.queue,
									g.error,
									g.messages,
									g.records,
								])}
							/>
							<Table
								caption="newest"
								head={["last seen", "queue", "message", "attempts", "records", "error"]}
								rows={r.quarantine.newest.map((e) => [
									e.last_seen,
									e.queue,
									e.message_id,
									e.attempts,
									e.records,
									e.error,
								])}
							/>
						</Panel>
					</div>
				</main>
			</body>
		</html>
	);
}

export async function renderReportHtml(report: Report): Promise<string> {
	return `<!doctype html>\n${await (<ReportPage report={report} />).toString()}`;
}
