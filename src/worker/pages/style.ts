// The pages' one stylesheet, served as /ui/px.css (and inlined into `npm run report -- --html`,
// which is a file without a server). A file rather than inline <style>, so the pages' CSP can
// forbid inline styles and scripts: a creative's hostile text can then never become either.
// Two themes: light for the review desk (images are judged against white), dark for the
// operator console (a wall screen in a dim room).
export const PX_CSS = `
:root { color-scheme: light; --bg: #f6f7f9; --fg: #16191d; --muted: #5d6671; --card: #fff;
  --line: #d9dde3; --accent: #1f6feb; --good: #1a7f37; --bad: #c62828; --warn: #b35900;
  --bar: #8fb3e8; --bar-strong: #1f6feb; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body.dark { color-scheme: dark; --bg: #0b0f14; --fg: #e8edf3; --muted: #93a1b1; --card: #141b23;
  --line: #283341; --accent: #58a6ff; --good: #3fb950; --bad: #f85149; --warn: #d29922;
  --bar: #2d4f7c; --bar-strong: #58a6ff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; border-bottom: 1px solid var(--line);
  background: var(--card); position: sticky; top: 0; z-index: 2; flex-wrap: wrap; }
header.top h1 { font-size: 18px; margin: 0; }
header.top .who { margin-left: auto; color: var(--muted); font-size: 13px; display: flex; gap: 10px; align-items: center; }
main { padding: 16px 20px 40px; }
button, .button { font: inherit; border: 1px solid var(--line); background: var(--card); color: var(--fg);
  border-radius: 6px; padding: 6px 12px; cursor: pointer; text-decoration: none; display: inline-block; }
button.approve { background: var(--good); border-color: var(--good); color: #fff; }
button.reject { background: var(--bad); border-color: var(--bad); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
button.approve kbd, button.reject kbd { background: rgba(255,255,255,.2); color: inherit; border-color: rgba(255,255,255,.6); }
input[type=text], input[type=password] { font: inherit; padding: 6px 8px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--card); color: var(--fg); }
kbd { font: 12px ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px;
  border-radius: 4px; padding: 0 4px; background: var(--card); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; word-break: break-all; }
.muted { color: var(--muted); }
.flash { padding: 8px 12px; border-radius: 6px; background: var(--card); border: 1px solid var(--line); margin-bottom: 12px; }
.capped { padding: 8px 12px; border-radius: 6px; border: 1px solid var(--bad); margin-bottom: 12px; }
.capped p, .capped ul { margin: 4px 0; }
.flash.error { border-color: var(--bad); color: var(--bad); }

/* sign-in */
.signin { max-width: 420px; margin: 12vh auto; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; padding: 24px; }
.signin h1 { font-size: 20px; margin-top: 0; }
.signin label { display: block; margin: 12px 0 4px; }
.signin input { width: 100%; }
.signin button { margin-top: 14px; width: 100%; background: var(--accent); color: #fff; border-color: var(--accent); }

/* review desk */
nav.tabs { display: flex; gap: 4px; }
nav.tabs a { padding: 6px 12px; border-radius: 6px; text-decoration: none; color: var(--fg); border: 1px solid transparent; }
nav.tabs a.current { border-color: var(--line); background: var(--bg); font-weight: 600; }
.toolbar { display: flex; gap: 10px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
.items { display: grid; gap: 14px; }
.item { display: grid; grid-template-columns: minmax(160px, 360px) 1fr; gap: 16px; background: var(--card);
  border: 1px solid var(--line); border-radius: 10px; padding: 14px; outline: none; }
.item.focused { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
.item.done { opacity: .45; }
.preview { background: repeating-conic-gradient(#e3e6ea 0% 25%, #fff 0% 50%) 50% / 16px 16px;
  border: 1px solid var(--line); align-self: start; display: flex; justify-content: center; }
/* The asset keeps its own aspect (width/height attributes), scaled down to fit, never cropped. */
.preview img, .preview video { display: block; max-width: 100%; max-height: 480px; width: auto; height: auto; }
.preview .blocked { padding: 24px; color: var(--bad); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 10px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.decide { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.decide input[type=text] { flex: 1; min-width: 200px; }
.status { font-weight: 600; }
.status.approved { color: var(--good); } .status.rejected { color: var(--bad); } .status.pending { color: var(--warn); }
details.audit { margin-top: 10px; }
details.audit ol { margin: 6px 0 0; padding-left: 20px; }
.help { color: var(--muted); font-size: 13px; }
.pager { margin-top: 16px; }

/* operator console and report */
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin-bottom: 14px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.tile-value { font-size: 40px; font-weight: 650; line-height: 1.1; font-variant-numeric: tabular-nums; }
.tile-label { color: var(--muted); font-size: 15px; }
.tile-hint { color: var(--muted); font-size: 12px; }
.tile.bad .tile-value { color: var(--bad); } .tile.good .tile-value { color: var(--good); } .tile.warn .tile-value { color: var(--warn); }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel h2 { font-size: 16px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
.chart { width: 100%; height: auto; display: block; }
.panel.wide .chart.bars { max-width: 820px; }
.chart text { fill: var(--fg); font-size: 14px; font-variant-numeric: tabular-nums; }
.chart text.axis, .chart .legend text { fill: var(--muted); font-size: 14px; }
.chart.series { max-height: 42vh; }
.chart .bar, .chart .col.total { fill: var(--bar); }
.chart .col.part, .chart .bar.strong { fill: var(--bar-strong); }
.chart .bar.good { fill: var(--good); } .chart .bar.bad { fill: var(--bad); } .chart .bar.warn { fill: var(--warn); }
.chart .bar.muted { fill: var(--line); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .rate-line { fill: none; stroke: var(--warn); stroke-width: 2.5; }
.chart .rate-dot { fill: var(--warn); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; }
.empty { color: var(--muted); }
.freshness { font-size: 13px; }
.freshness.stale { color: var(--bad); font-weight: 600; }
body.dark main { padding: 14px 18px; }
@media (min-width: 1800px) { :root { font-size: 18px; } .tile-value { font-size: 52px; } }
`;
