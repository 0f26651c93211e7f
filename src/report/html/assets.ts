// The page's style sheet and its one small script (filters and search), inlined: the report
// is one file that needs no network to view.

export const CSS = `
:root { --err:#c62828; --warn:#b26a00; --note:#3b6fb6; --ok:#2e7d32; --ink:#1d232c; --mute:#5f6b7a; --line:#dde2ea; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: #fafbfc; }
header { background: #1f2a3a; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .stats { color: #c9d3e0; font-size: 13px; }
main { padding: 16px 24px; max-width: 1500px; }
.summary { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.summary table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
.summary th, .summary td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
.filters { margin: 16px 0; padding: 10px 12px; background: #fff; border: 1px solid var(--line); display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
.filters label { font-size: 12px; color: var(--mute); display: flex; flex-direction: column; }
.filters input[type=search] { width: 320px; padding: 4px 6px; }
#shown { color: var(--mute); }
table.index { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); margin-bottom: 20px; }
table.index th, table.index td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; font-size: 13px; }
.sev { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; font-weight: 600; }
.sev-error { background: var(--err); } .sev-warning { background: var(--warn); } .sev-note { background: var(--note); }
.verdict { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; border: 1px solid currentColor; }
.v-confirmed { color: var(--err); } .v-refuted { color: var(--ok); } .v-unknown, .v-not-run { color: var(--mute); }
.rule { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
section.finding { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 18px; margin: 18px 0; }
section.finding h2 { font-size: 16px; margin: 4px 0 6px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
section.finding h3 { font-size: 14px; margin: 16px 0 6px; color: #2a3646; border-bottom: 1px solid var(--line); padding-bottom: 2px; }
.loc { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; color: var(--mute); }
.msg { margin: 4px 0 8px; }
figure { margin: 0; overflow-x: auto; }
figcaption { font-size: 12px; color: var(--mute); }
.graph svg { max-width: 100%; height: auto; }
.paths { display: flex; gap: 16px; flex-wrap: wrap; }
.path { flex: 1 1 420px; border: 1px solid var(--line); border-radius: 5px; padding: 6px 10px; }
.path.also { opacity: .8; }
.path b { font-size: 13px; }
.path ol { margin: 4px 0; padding-left: 22px; font-size: 12.5px; }
.path code, .src .code, .trace text { font-family: ui-monospace, Menlo, Consolas, monospace; }
.ev-acquire { color: #0b4fa8; font-weight: 600; }
svg.trace .lane { stroke: #b9c2cf; stroke-dasharray: 4 4; }
svg.trace .lane-head { font: 700 14px Helvetica, Arial, sans-serif; fill: #2a3646; }
svg.trace .step rect { fill: #f3f5f8; stroke: #b9c2cf; }
svg.trace .step.lockop rect { fill: #e7f0ff; stroke: #5b8bd6; }
svg.trace .step.blocked rect { fill: #fde4e4; stroke: #d62f2f; stroke-width: 2; }
svg.trace .op { font-size: 12px; fill: #1d232c; }
svg.trace .where { font-size: 10.5px; fill: #5f6b7a; }
svg.trace a:hover rect { stroke-width: 2.5; }
svg.trace .outcome { font: 700 14px ui-monospace, Menlo, monospace; fill: var(--err); }
.verdict-box { font-size: 13px; }
.assumptions { font-size: 12.5px; padding-left: 20px; }
.assumptions .checked::marker { content: "✓ "; color: var(--ok); }
.assumptions .assumed::marker { content: "? "; color: var(--warn); }
.kind { font-family: ui-monospace, Menlo, monospace; color: var(--mute); }
.src { border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; overflow-x: auto; }
.src-file { background: #f1f3f7; font: 12px ui-monospace, Menlo, monospace; padding: 2px 8px; color: var(--mute); }
.src table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
.src td { padding: 0 8px; white-space: pre; vertical-align: top; }
.src .ln { color: #99a3b1; text-align: right; user-select: none; width: 1%; }
.src tr.hit { background: #fff7d6; }
.src tr.lock { background: #e7f0ff; }
.src tr:target { outline: 2px solid #d62f2f; }
.src .note { color: #6a4b00; font-size: 11.5px; white-space: normal; }
.src-missing { color: var(--mute); font-style: italic; }
.hidden { display: none !important; }
`;

export const SCRIPT = `
(function () {
  var sel = function (id) { return document.getElementById(id); };
  var controls = ['f-rule', 'f-severity', 'f-verdict', 'f-file'].map(sel);
  var search = sel('f-search');
  function apply() {
    var want = controls.map(function (c) { return c.value; });
    var q = search.value.trim().toLowerCase();
    var shown = 0, all = 0;
    document.querySelectorAll('[data-finding]').forEach(function (el) {
      var d = el.dataset;
      var ok = (!want[0] || d.rule === want[0]) && (!want[1] || d.severity === want[1]) &&
        (!want[2] || d.verdict === want[2]) && (!want[3] || d.file === want[3]) &&
        (!q || d.search.indexOf(q) >= 0);
      el.classList.toggle('hidden', !ok);
      if (el.tagName === 'SECTION') { all++; if (ok) shown++; }
    });
    sel('shown').textContent = shown + ' of ' + all + ' findings shown';
  }
  controls.forEach(function (c) { c.addEventListener('change', apply); });
  search.addEventListener('input', apply);
  apply();
})();
`;
