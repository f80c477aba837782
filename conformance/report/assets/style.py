"""The stylesheet of report.html: system fonts, high-contrast badges, no framework."""

CSS = """
:root {
  --fg: #1f2328; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
  --ok: #116329; --bad: #a40e26; --link: #0550ae;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
    sans-serif;
}
main { max-width: 1280px; margin: 0 auto; padding: 0 24px 48px; }
h1, h2 { line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 32px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
a { color: var(--link); }
code, pre, .bid, .nodeid {
  font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
.muted { color: var(--muted); font-weight: normal; }

/* verdict */
.verdict { color: #fff; padding: 20px 24px; display: flex; flex-wrap: wrap; gap: 16px 40px;
  align-items: center; justify-content: space-between; }
.verdict > * { max-width: 1280px; }
.verdict.ok { background: var(--ok); }
.verdict.bad { background: var(--bad); }
.verdict.broken { background: #6e2c00; }
.verdict-reason { margin: 4px 0 0; font-size: 1.05rem; }
.verdict h1 { margin: 0; font-size: 2rem; }
.verdict-sub { margin: 4px 0 0; opacity: .95; font-family: ui-monospace, monospace;
  word-break: break-all; }
.scores { display: flex; gap: 16px; flex-wrap: wrap; }
.score { background: rgba(255,255,255,.14); border: 1px solid rgba(255,255,255,.35);
  border-radius: 8px; padding: 8px 16px; min-width: 180px; display: flex; flex-direction: column; }
.score-label { font-size: .8rem; letter-spacing: .08em; font-weight: 600; }
.score-value { font-size: 1.8rem; font-weight: 700; line-height: 1.2; }
.score-detail { font-size: .85rem; }

/* facts and totals */
.facts { display: grid;
  grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr);
  gap: 2px 16px; margin: 20px 0; padding: 12px 16px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 8px; }
.facts dt.wide { grid-column: 1; }
.facts dd.wide { grid-column: 2 / -1; }
@media (max-width: 900px) {
  .facts { grid-template-columns: max-content minmax(0, 1fr); }
  .facts dd.wide { grid-column: 2; }
}
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, monospace;
  font-size: .85rem; }
.facts details summary { cursor: pointer; font-family: system-ui, sans-serif; color: var(--link); }
table.options { border-collapse: collapse; margin: 4px 0; }
table.options th, table.options td { text-align: left; padding: 1px 12px 1px 0; font-weight: normal;
  vertical-align: top; }
table.options th { color: var(--muted); }
.totals { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.total { min-width: 110px; }
.chip { border-radius: 999px; padding: 2px 10px; font-size: .9rem; }
.toc { margin: 16px 0 0; }
.problems { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 8px; padding: 4px 16px;
  margin: 16px 0; }
.problems h2 { border: 0; margin: 8px 0; font-size: 1.1rem; }

/* outcome colours: dark text on light tints, all above 7:1 */
.badge { display: inline-block; border-radius: 4px; padding: 0 8px; font-size: .85rem;
  font-weight: 600; white-space: nowrap; }
.o-pass { background: #dafbe1; color: #0f5323; }
.o-fail { background: #ffebe9; color: #86061d; }
.o-na { background: #eaeef2; color: #32383f; }
.o-xfail { background: #fff8c5; color: #633c01; }
.o-xpass { background: #fbefff; color: #512a97; }
.o-error { background: #ffeff7; color: #7d0c4f; outline: 1px solid #bf3989; }
.o-other { background: #eaeef2; color: #1f2328; }
.o-fail-n, .o-error-n, .o-xpass-n { color: #a40e26; font-weight: 700; }
.o-pass-n { color: #116329; }
.o-xfail-n { color: #7d4e00; font-weight: 600; }
.zero { color: #8c959f; }
.level { font-size: .8rem; font-weight: 700; padding: 0 6px; border-radius: 4px;
  border: 1px solid var(--line); }
.l-MUST { background: #1f2328; color: #fff; border-color: #1f2328; }
.l-SHOULD { background: #fff; color: #1f2328; }

/* filters */
.filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 12px 20px;
  align-items: center; margin: 16px 0 0; padding: 10px 16px; background: #fff;
  border: 1px solid var(--line); border-radius: 8px; box-shadow: 0 2px 6px rgba(31,35,40,.08); }
.filters label { display: inline-flex; gap: 6px; align-items: center; font-weight: 600; }
.filters select, .filters button { font: inherit; padding: 2px 8px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--panel); color: var(--fg); }
.filters input[type=checkbox] { width: 18px; height: 18px; }
.shown { margin-left: auto; color: var(--muted); }
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }

/* matrices */
table.matrix { width: 100%; border-collapse: collapse; font-size: .92rem; }
.matrix th, .matrix td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
  vertical-align: top; }
.matrix thead th { background: var(--panel); font-weight: 600; position: static; }
.matrix .num { text-align: right; font-variant-numeric: tabular-nums; width: 5.5em; }
.matrix tfoot th, .matrix tfoot td { font-weight: 700; border-top: 2px solid var(--line); }
#area-matrix { width: auto; min-width: 480px; }
#area-matrix .num { width: auto; min-width: 4.5em; }
.area-link { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  color: var(--link); cursor: pointer; text-decoration: underline; }
.group-head th { background: #eef1f4; font-size: 1rem; padding-top: 10px; }
.behavior-row .bid { font-size: .85rem; font-weight: 600; }
.behavior-row:hover { background: #f6f8fa; }
.behavior-row .statement { max-width: 80ch; margin-top: 2px; }
.tests-head { text-align: center !important; border-bottom: 0 !important; font-size: .8rem;
  color: var(--muted); }
.scroll { overflow-x: auto; }
section, details.failure { scroll-margin-top: 72px; }
.matrix th[scope=row] { white-space: nowrap; }
.reason { color: var(--muted); font-size: .85rem; margin: 2px 0; }
.empty { color: var(--muted); font-style: italic; }

/* failures */
details.failure { border: 1px solid var(--line); border-left: 5px solid var(--bad);
  border-radius: 6px; margin: 12px 0; padding: 4px 16px 12px; background: #fff; }
details.failure[data-outcome=expected-failure] { border-left-color: #bf8700; }
details.failure > summary { cursor: pointer; padding: 6px 0; font-weight: 600; }
details.failure .bid { font-size: 1rem; }
.source { color: var(--muted); font-size: .9rem; margin: 0 0 8px; }
.test { border-top: 1px dashed var(--line); padding: 8px 0 0; margin-top: 8px; }
.nodeid { font-size: .85rem; word-break: break-all; }
pre { white-space: pre-wrap; word-break: break-word; margin: 8px 0; padding: 10px 12px;
  border-radius: 6px; font-size: .85rem; line-height: 1.45; overflow: auto; }
pre.message { background: #fff5f5; border: 1px solid #ffcecb; color: #5c0011; max-height: 24em; }
details.traceback > summary { cursor: pointer; color: var(--link); font-size: .9rem; }
details.traceback pre { background: var(--panel); border: 1px solid var(--line); max-height: 24em; }
details.transcript > summary { cursor: pointer; color: var(--link); font-weight: 600;
  font-size: .9rem; }
details.transcript pre { background: #161b22; color: #e6edf3; max-height: 36em; }
details.transcript .req { color: #a5d6ff; }
details.transcript .resp { color: #ffdf5d; }

@media print {
  .filters { position: static; box-shadow: none; }
  details.transcript pre { background: #fff; color: #000; border: 1px solid #000; }
}
"""
