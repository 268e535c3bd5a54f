/** The page's styles: a dark, quiet layout where the numbers and the transports stand out. */
export const PAGE_STYLE = `
:root { color-scheme: dark; --bg: #0e1116; --panel: #161b22; --line: #262d38; --text: #e6edf3; --muted: #8b949e;
  --tcp: #58a6ff; --unix: #d2a8ff; --ws: #3fd0c0; --good: #3fb950; --warn: #d29922; --bad: #f85149; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; justify-content: space-between; padding: 14px 24px; border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 18px; font-weight: 650; letter-spacing: -0.01em; }
h1 span { margin-left: 6px; color: var(--muted); font-weight: 400; }
.addresses { margin-top: 2px; color: var(--muted); font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
h2 { margin: 0; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.07em; }
.pill { padding: 4px 12px; border: 1px solid currentColor; border-radius: 999px; font-size: 13px; font-weight: 500; }
.pill::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 8px; border-radius: 50%; background: currentColor; vertical-align: 1px; }
.pill[data-state="open"] { color: var(--good); background: rgba(63, 185, 80, 0.1); }
.pill[data-state="connecting"], .pill[data-state="waiting"] { color: var(--warn); background: rgba(210, 153, 34, 0.1); }
.pill[data-state="closed"], .pill[data-state="failed"] { color: var(--bad); background: rgba(248, 81, 73, 0.1); }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; gap: 16px; padding: 16px 24px 24px; }
.cards { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.card { padding: 12px 16px; border-top: 3px solid var(--line); }
.card.tcp { border-top-color: var(--tcp); } .card.unix { border-top-color: var(--unix); } .card.ws { border-top-color: var(--ws); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.07em; }
.card .value { font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--muted); font-size: 12px; }
.panel { padding: 12px 16px; min-width: 0; }
.chart-panel { grid-column: 1 / -1; }
.panel-head { display: flex; align-items: baseline; justify-content: space-between; margin-bottom: 8px; }
.big { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.big small { margin-left: 4px; color: var(--muted); font-size: 13px; font-weight: 400; }
#chart { display: block; width: 100%; height: 150px; }
#chart .grid { stroke: var(--line); stroke-width: 1; }
#chart .axis { fill: var(--muted); font-size: 11px; }
#chart .line { fill: none; stroke: var(--ws); stroke-width: 2; stroke-linejoin: round; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { padding: 6px 8px; border-bottom: 1px solid var(--line); color: var(--muted); font-size: 12px; font-weight: 500; text-align: left; }
td { max-width: 220px; padding: 7px 8px; border-bottom: 1px solid var(--line); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
tbody tr:last-child td { border-bottom: none; }
.num { text-align: right; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; min-width: 44px; padding: 1px 8px; border-radius: 6px; font-size: 12px; font-weight: 600; text-align: center; }
.badge.tcp { color: var(--tcp); background: rgba(88, 166, 255, 0.12); }
.badge.unix { color: var(--unix); background: rgba(210, 168, 255, 0.12); }
.badge.ws { color: var(--ws); background: rgba(63, 208, 192, 0.12); }
tr.dashboard td { color: var(--muted); }
.you { margin-left: 6px; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 11px; }
.empty { padding: 16px 8px; color: var(--muted); text-align: center; }
ol#events { max-height: 520px; margin: 0; padding: 0; overflow: auto; list-style: none; font-size: 13px; }
ol#events li { display: grid; grid-template-columns: 60px 72px minmax(0, 1fr); gap: 8px; padding: 6px 0; border-bottom: 1px solid var(--line); }
ol#events li:last-child { border-bottom: none; }
ol#events time { color: var(--muted); font-variant-numeric: tabular-nums; }
.kind { font-size: 12px; font-weight: 600; }
.kind.connect { color: var(--tcp); } .kind.reconnect { color: var(--good); } .kind.disconnect { color: var(--warn); }
.kind.malformed { color: var(--bad); } .kind.page { color: var(--unix); }
.muted { color: var(--muted); }
body[data-stale] .cards, body[data-stale] table { opacity: 0.45; transition: opacity 0.3s; }
@keyframes flash { from { background: rgba(88, 166, 255, 0.18); } to { background: transparent; } }
li.new { animation: flash 1.5s ease-out; }
`;
