/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// Charts as inline SVG, rendered on the server with hono/jsx: the operator console and
// `npm run report -- --html` draw the same figures with the same components, and a wall screen
// needs no charting library, no canvas and no script to show them. Every label goes through JSX,
// which escapes it (bidder names and reasons are configuration and enums, but nothing here
// relies on that). Colours come from CSS classes so the page's theme decides them.
import type { Child } from "hono/jsx";

interface BarRow {
	label: string;
	value: number;
	/** What is written next to the bar; defaults to the value. */
	display?: string;
	/** Extra CSS class for the bar (e.g. "good", "bad", "muted"). */
	tone?: string;
}

/** Series charts' viewBox width: they span a whole row of the page. */
const W = 1200;
/**
 * Bar charts' viewBox: the label column (as wide as the longest label), BAR_W for the bars and a
 * value column (as wide as the longest value). Narrow, so that in a panel of a two-column page
 * text is drawn at about its CSS size and grows with the screen (a wall screen shows it larger).
 */
const BAR_W = 240;
const ROW = 28;
/** Width of a 14 px character (DejaVu/Segoe-like sans, digits and lower case), with margin. */
const CHAR_W = 9.4;
const MAX_LABEL = 34;

/** Finite and not negative, else 0: a chart never draws a negative or NaN-wide bar. */
const safe = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0);

/** Horizontal bars, one row per label, scaled to the largest value. */
export function BarChart(props: { rows: BarRow[]; title: string; empty?: string }) {
	const { rows, title } = props;
	// All zero says nothing a sentence would not say better ("no timeouts").
	if (rows.every((r) => safe(r.value) === 0)) {
		return <p class="empty">{props.empty ?? "No data yet"}</p>;
	}
	const max = Math.max(...rows.map((r) => safe(r.value)), 1e-9);
	const widthOf = (text: string) => Math.ceil(Math.min(text.length, MAX_LABEL) * CHAR_W);
	const LABEL_W = Math.max(60, ...rows.map((r) => widthOf(r.label))) + 10;
	const VALUE_W = Math.max(40, ...rows.map((r) => widthOf(r.display ?? formatCount(r.value)))) + 8;
	const barW = BAR_W;
	const width = LABEL_W + BAR_W + VALUE_W;
	const height = rows.length * ROW + 6;
	return (
		<svg
			class="chart bars"
			viewBox={`0 0 ${width} ${height}`}
			role="img"
			aria-label={title}
			preserveAspectRatio="xMinYMin meet"
		>
			<title>{title}</title>
			{rows.map((r, i) => {
				const y = i * ROW + 3;
				const w = (safe(r.value) / max) * barW;
				return (
					<g>
						<text class="label" x={LABEL_W - 8} y={y + ROW / 2 + 1} text-anchor="end">
							{clip(r.label, MAX_LABEL)}
						</text>
						<rect
							class={`bar ${r.tone ?? ""}`}
							x={LABEL_W}
							y={y + 4}
							width={Math.max(w, r.value > 0 ? 2 : 0).toFixed(1)}
							height={ROW - 8}
							rx="3"
						/>
						<text class="value" x={LABEL_W + w + 6} y={y + ROW / 2 + 1}>
							{r.display ?? formatCount(r.value)}
						</text>
					</g>
				);
			})}
		</svg>
	);
}

interface SeriesPoint {
	/** Epoch ms of the bucket's start. */
	t: number;
	/** Height of the column (e.g. ad requests). */
	total: number;
	/** The part of it drawn in the stronger colour (e.g. filled requests). */
	part: number;
}

/**
 * Columns per time bucket (total, with the filled part in a stronger colour) and a line for
 * part / total on a 0–100 % scale: ad requests and fill rate per minute on one chart.
 */
export function SeriesChart(props: {
	points: SeriesPoint[];
	title: string;
	/** Buckets to show, ending at `end`: missing ones are drawn as zero so gaps are visible. */
	bucketMs: number;
	buckets: number;
	end: number;
	totalLabel: string;
	partLabel: string;
}) {
	const { bucketMs, buckets, title } = props;
	const H = 300;
	const top = 28;
	const bottom = 26;
	const left = 52;
	const right = 52;
	const plotH = H - top - bottom;
	const plotW = W - left - right;
	const start = Math.floor(props.end / bucketMs) * bucketMs - (buckets - 1) * bucketMs;
	const byBucket = new Map(props.points.map((p) => [Math.floor(p.t / bucketMs) * bucketMs, p]));
	const series = Array.from({ length: buckets }, (_, i) => {
		const t = start + i * bucketMs;
		return byBucket.get(t) ?? { t, total: 0, part: 0 };
	});
	const max = niceMax(Math.max(...series.map((p) => safe(p.total)), 1));
	const colW = plotW / buckets;
	const y = (v: number) => top + plotH - (safe(v) / max) * plotH;
	const rateY = (r: number) => top + plotH - Math.min(1, safe(r)) * plotH;
	const line = series
		.filter((p) => p.total > 0)
		.map((p) => {
			const i = (p.t - start) / bucketMs;
			return `${(left + i * colW + colW / 2).toFixed(1)},${rateY(p.part / p.total).toFixed(1)}`;
		});
	const ticks = [0, 0.5, 1];
	const labelEvery = Math.max(1, Math.ceil(buckets / 6));
	return (
		<svg class="chart series" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
			<title>{title}</title>
			{ticks.map((f) => (
				<g>
					<line class="grid" x1={left} x2={W - right} y1={y(max * f)} y2={y(max * f)} />
					<text class="axis" x={left - 6} y={y(max * f) + 4} text-anchor="end">
						{formatCount(max * f)}
					</text>
					<text class="axis rate" x={W - right + 6} y={rateY(f) + 4}>
						{`${Math.round(f * 100)}%`}
					</text>
				</g>
			))}
			{series.map((p, i) => {
				const x = left + i * colW + 1;
				const w = Math.max(colW - 2, 1);
				return (
					<g>
						<rect
							class="col total"
							x={x}
							y={y(p.total)}
							width={w}
							height={top + plotH - y(p.total)}
						/>
						<rect class="col part" x={x} y={y(p.part)} width={w} height={top + plotH - y(p.part)} />
						{i % labelEvery === 0 ? (
							<text class="axis" x={x} y={H - 8}>
								{clock(p.t)}
							</text>
						) : null}
					</g>
				);
			})}
			{line.length > 1 ? <polyline class="rate-line" points={line.join(" ")} /> : null}
			{line.length === 1 ? (
				<circle class="rate-dot" cx={line[0]!.split(",")[0]} cy={line[0]!.split(",")[1]} r="3" />
			) : null}
			<g class="legend">
				<rect class="col total" x={left} y="4" width="12" height="12" />
				<text x={left + 18} y="15">
					{props.totalLabel}
				</text>
				<rect class="col part" x={left + 130} y="4" width="12" height="12" />
				<text x={left + 148} y="15">
					{props.partLabel}
				</text>
				<line class="rate-line" x1={left + 260} x2={left + 284} y1="10" y2="10" />
				<text x={left + 290} y="15">
					{`${props.partLabel} / ${props.totalLabel} (right axis)`}
				</text>
			</g>
		</svg>
	);
}

/** A headline figure: large enough to read across a room. */
export function Tile(props: { label: string; value: string; hint?: string; tone?: string }) {
	return (
		<div class={`tile ${props.tone ?? ""}`}>
			<div class="tile-value">{props.value}</div>
			<div class="tile-label">{props.label}</div>
			{props.hint ? <div class="tile-hint">{props.hint}</div> : null}
		</div>
	);
}

/** A plain table; cells are text (escaped by JSX). */
export function Table(props: { head: string[]; rows: (string | number)[][]; caption?: string }) {
	return (
		<table>
			{props.caption ? <caption>{props.caption}</caption> : null}
			<thead>
				<tr>
					{props.head.map((h) => (
						<th>{h}</th>
					))}
				</tr>
			</thead>
			<tbody>
				{props.rows.map((r) => (
					<tr>
						{r.map((c) => (
							<td class={typeof c === "number" ? "num" : ""}>{String(c)}</td>
						))}
					</tr>
				))}
			</tbody>
		</table>
	);
}

/** A titled card around a chart. */
export function Panel(props: { title: string; children?: Child; wide?: boolean }) {
	return (
		<section class={props.wide ? "panel wide" : "panel"}>
			<h2>{props.title}</h2>
			{props.children}
		</section>
	);
}

export function formatCount(v: number): string {
	if (!Number.isFinite(v)) return "n/a";
	if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
	if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
	return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export const percent = (v: number | null | undefined, digits = 1) =>
	v === null || v === undefined || !Number.isFinite(v) ? "n/a" : `${(v * 100).toFixed(digits)}%`;

export const money = (v: number | null | undefined) =>
	v === null || v === undefined || !Number.isFinite(v) ? "n/a" : `$${v.toFixed(2)}`;

export const millis = (v: number | null | undefined) =>
	v === null || v === undefined || !Number.isFinite(v) ? "n/a" : `${Math.round(v)} ms`;

/** A duration for people: 45 s, 12 min, 3.5 h, 2.0 d. */
export function age(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return "n/a";
	const s = Math.max(0, ms) / 1000;
	if (s < 90) return `${Math.round(s)} s`;
	if (s < 90 * 60) return `${Math.round(s / 60)} min`;
	if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
	return `${(s / 86400).toFixed(1)} d`;
}

function clip(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** 1, 2 or 5 times a power of ten, at least v: axis maxima people can read. */
function niceMax(v: number): number {
	const p = 10 ** Math.floor(Math.log10(v));
	for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
	return 10 * p;
}

/** HH:MM in UTC: the console and the data (AE timestamps) are in UTC. */
function clock(t: number): string {
	return new Date(t).toISOString().slice(11, 16);
}
