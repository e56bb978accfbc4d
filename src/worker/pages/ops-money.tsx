/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The console's money panel: billed plays' gross (what buyers paid), the exchange's take and net
// (what publishers earned) per publisher and DSP over the last hour. Each row is in its own
// currency, so no figure sums amounts of two currencies.
import type { OpsSnapshot } from "../ops/snapshot";
import { BarChart, Panel, Table } from "./charts";

/** Four decimals: an hour of plays on a few screens is worth cents. */
const amount = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "n/a");

export function MoneyPanel({ money }: { money: OpsSnapshot["money"] }) {
	const label = (m: OpsSnapshot["money"][number]) =>
		`${m.publisher_id} · ${m.bidder}${m.cur ? ` (${m.cur})` : ""}`;
	return (
		<Panel title="Gross, take and net per publisher and DSP" wide>
			<BarChart
				title="The exchange's take per publisher and DSP"
				empty="No billed plays in the last hour"
				rows={money.map((m) => ({
					label: label(m),
					value: m.take,
					display: `${amount(m.take)} of ${amount(m.gross)}`,
					tone: "strong",
				}))}
			/>
			<Table
				caption="Billed plays; amounts are CPM × audience / 1000, in each row's currency"
				head={["publisher", "DSP", "cur", "plays billed", "gross", "take", "net"]}
				rows={money.map((m) => [
					m.publisher_id,
					m.bidder,
					m.cur || "n/a",
					m.plays,
					amount(m.gross),
					amount(m.take),
					amount(m.net),
				])}
			/>
		</Panel>
	);
}
