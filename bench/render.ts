// The human-readable report of a bench run (`npm run bench` without `--json`).
import type { Results } from "./results";
import { renderRoles } from "./roles";

function table(rows: (string | number)[][]): string {
	const text = rows.map((r) => r.map(String));
	const widths = text[0]!.map((_, i) => Math.max(...text.map((r) => r[i]?.length ?? 0)));
	const line = (r: string[]) =>
		r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
	return [
		line(text[0]!),
		widths.map((w) => "-".repeat(w)).join("  "),
		...text.slice(1).map(line),
	].join("\n");
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function render(r: Results): string {
	const h = r.hotPath;
	const out: string[] = [];
	out.push(
		`px-edge bench — ${r.machine.nproc} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.startedAt}, ${f(r.totalS, 0)} s`,
		"",
		`1. Hot path vs limit (${h.connections} connections, ${h.durationS} s × ${h.ratios.length} alternating rounds, medians; every request a fresh decision)`,
		table([
			["", "req/s", "p50 ms", "p99 ms", "requests", "filled"],
			[
				"px-edge",
				f(h.edge.rps, 0),
				f(h.edge.p50),
				f(h.edge.p99),
				h.edge.requests,
				pct(h.edge.filledShare),
			],
			[
				"baseline",
				f(h.baseline.rps, 0),
				f(h.baseline.p50),
				f(h.baseline.p99),
				h.baseline.requests,
				pct(h.baseline.filledShare),
			],
			...(h.cached
				? [
						[
							"px-edge cached",
							f(h.cached.rps, 0),
							f(h.cached.p50),
							f(h.cached.p99),
							h.cached.requests,
							`${pct(h.cached.filledShare)} (${pct(h.cached.cachedShare)} cached)`,
						],
					]
				: []),
		]),
		`ratio px-edge / baseline: ${f(h.ratio, 2)} (rounds: ${h.ratios.map((x) => f(x, 2)).join(", ")})${h.cached ? `; cached path / baseline: ${f(h.cached.ratioToBaseline, 2)}` : ""}${h.six ? `; with 6 DSPs: ${f(h.six.edge.rps, 0)} vs ${f(h.six.baseline.rps, 0)} req/s = ${f(h.six.ratio, 2)}` : ""}`,
		"",
		"2. CPU per decision (utime+stime over the run and its settling, per answered request, ms; medians)",
		table([
			[
				"",
				"workerd total",
				"Worker runtime",
				"wrangler proxy",
				"busiest workerd thread",
				"DSP host",
				"wrangler Node",
			],
			...(
				[
					["px-edge", h.edge],
					["baseline", h.baseline],
					...(h.cached ? [["px-edge cached", h.cached] as const] : []),
					...(h.six
						? [
								["px-edge, 6 DSPs", h.six.edge] as const,
								["baseline, 6 DSPs", h.six.baseline] as const,
							]
						: []),
				] as const
			).map(([name, x]) => [
				name,
				f(x.cpuMsPerRequest, 2),
				f(x.runtimeCpuMsPerRequest, 2),
				f(x.cpuMsPerRequest - x.runtimeCpuMsPerRequest, 2),
				`${pct(x.busiestThread)} of a core`,
				f(x.dspHostCpuMsPerRequest, 2),
				f(x.wranglerNodeCpuMsPerRequest, 2),
			]),
		]),
		"",
		"2b. CPU per decision by role (each role's own workerd process: px-edge answers, px-consumers works in the background)",
		renderRoles(
			{
				edge: h.edge,
				baseline: h.baseline,
				...(h.six ? { six: h.six } : {}),
				...(r.profiles?.workerd ? { answerProfile: r.profiles.workerd } : {}),
				...(r.profiles?.background ? { backgroundProfile: r.profiles.background } : {}),
				...(r.profiles?.decisions ? { profiledDecisions: r.profiles.decisions } : {}),
			},
			table,
		),
		"",
		`3. Deadline (tmax ${r.deadline.tmaxMs} ms, bench-c never answers every other request; fan-out deadline tmax − an adaptive margin (${r.deadline.deadlineMarginMs} ms until learned); promise ≤ tmax + ${r.deadline.promisedMarginMs} ms)`,
		table([
			[
				"in flight",
				"requests",
				"filled",
				"p50 ms",
				"p99 ms",
				"max ms",
				`> +${r.deadline.promisedMarginMs} ms`,
				"shed (503)",
			],
			...r.deadline.rows.map((d) => [
				d.concurrency,
				d.requests,
				pct(d.filledShare),
				f(d.overshootMs.p50),
				f(d.overshootMs.p99),
				f(d.overshootMs.max),
				d.over50,
				d.statuses["503"] ?? 0,
			]),
		]),
		"(response time − tmax; negative = before tmax)",
		"",
		`4. Pipeline (${r.pipeline.events} events: ${Object.entries(r.pipeline.byType)
			.map(([k, v]) => `${v} ${k}`)
			.join(", ")}; archive layout ${r.pipeline.layout}; median of ${r.pipeline.repetitions})`,
		table([
			["", "files", "ms / 1,000 events", "bytes / event", "total KiB", "vs gzip NDJSON"],
			...(
				[
					["archive grouping", r.pipeline.grouped],
					["compacted", r.pipeline.compacted],
					["one file", r.pipeline.oneFile],
				] as const
			).flatMap(([name, g]) => [
				[
					`Parquet, ${name}`,
					g.parquet.files,
					f(g.parquet.msPer1000),
					f(g.parquet.bytesPerEvent),
					f(g.parquet.bytes / 1024),
					`${f(g.ratio, 2)}×`,
				],
				[
					`gzip NDJSON, ${name}`,
					g.gzipNdjson.files,
					f(g.gzipNdjson.msPer1000),
					f(g.gzipNdjson.bytesPerEvent),
					f(g.gzipNdjson.bytes / 1024),
					"1.00×",
				],
			]),
		]),
		`compacted: gzip NDJSON compacted alike at level 9; compacted Parquet = ${f(r.pipeline.compacted.ratioToStored, 2)}× the gzip NDJSON of the archive grouping (as stored)`,
		...(["grouped", "compacted", "oneFile"] as const).map(
			(k) =>
				`Parquet bytes/event by column, ${{ grouped: "archive grouping", compacted: "compacted", oneFile: "one file" }[k]}: ${Object.entries(
					r.pipeline.anatomy[k],
				)
					.slice(0, 8)
					.map(([name, b]) => `${name} ${f(b)}`)
					.join(", ")}`,
		),
		"",
		"5. Bundle (wrangler deploy --dry-run -e production)",
		table([
			[
				"bytes",
				"gzip bytes",
				"gzip MB",
				"startup time in dry-run output",
				"local startup (wrangler check startup)",
			],
			[
				r.bundle.bytes,
				r.bundle.gzipBytes,
				f(r.bundle.gzipBytes / 1e6, 3),
				r.bundle.startupReportedByDryRun ? "yes" : "not reported",
				r.bundle.localStartup
					? `${f(r.bundle.localStartup.activeMs)} ms active (median of ${r.bundle.localStartup.runs})`
					: "n/a",
			],
		]),
		"",
		"Targets",
		table([
			["", "target", "result", "met"],
			...Object.entries(r.targets).map(([k, t]) => [k, t.target, t.value, t.met ? "yes" : "NO"]),
		]),
	);
	if (r.cost) {
		out.push(
			"",
			`6. Cost per million decisions on Workers Paid (filled, 3 DSPs, with its proof of play; list prices read ${r.cost.pricesRead}, beyond the monthly inclusions)`,
			table([
				["item", "per decision", "unit price", "$ per million", "basis"],
				...r.cost.lines.map((l) => [
					l.item,
					f(l.perDecision, 3),
					l.unitPrice === 0 ? "free" : `$${f(l.unitPrice * 1e6, 3)}/M`,
					f(l.perMillion, 2),
					l.basis,
				]),
				["total", "", "", f(r.cost.perMillion, 2), ""],
			]),
		);
	}
	if (r.profiles) {
		out.push("", `CPU profiles (raw: ${r.profiles.files?.join(", ") ?? "none"})`);
		if (r.profiles.error) out.push(`workerd profile failed: ${r.profiles.error}`);
		for (const [name, p] of Object.entries({
			"answer path: px-edge in workerd": r.profiles.workerd,
			"background: px-consumers in workerd": r.profiles.background,
			"encodeEvents in Node": r.profiles.encoder,
		})) {
			if (!p) continue;
			out.push(
				`${name}: ${f(p.totalMs, 0)} ms sampled`,
				table([
					["self time by source", "ms", "share"],
					...p.byFile.slice(0, 15).map((x) => [x.file, f(x.ms, 0), pct(x.share)]),
				]),
				table([
					["self time by function", "ms", "share"],
					...p.bySelf.slice(0, 15).map((x) => [x.fn, f(x.ms, 0), pct(x.share)]),
				]),
				...(p.byLine.length
					? [
							table([
								["self time by source line", "ms", "share"],
								...p.byLine.slice(0, 12).map((x) => [x.line, f(x.ms, 0), pct(x.share)]),
							]),
						]
					: []),
				table([
					["total time by function", "ms", "share"],
					...p.byTotal.slice(0, 20).map((x) => [x.fn, f(x.ms, 0), pct(x.share)]),
				]),
				"",
			);
		}
	}
	return out.join("\n");
}
