// `--format html`: one self-contained page (inline style, script and SVG; no network at view
// time): a summary with filters and search, the lock graph of all findings, then each finding.
import type { Finding, Report } from '../finding.js';
import { CSS, SCRIPT } from './assets.js';
import { esc } from './escape.js';
import { dataAttrs, findingAnchor, findingSection } from './finding-section.js';
import { summaryGraph } from './summary-graph.js';
import { SourceReader } from './source-context.js';

function countBy(findings: Finding[], key: (f: Finding) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const f of findings) m.set(key(f), (m.get(key(f)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function countTable(title: string, rows: [string, number][]): string {
  return `<table><tr><th>${title}</th><th>findings</th></tr>${rows.map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${n}</td></tr>`).join('')}</table>`;
}

function select(id: string, label: string, values: string[]): string {
  return `<label>${label}<select id="${id}"><option value="">all</option>${values.map((v) => `<option>${esc(v)}</option>`).join('')}</select></label>`;
}

export async function formatHtml(report: Report): Promise<string> {
  const fs = report.findings;
  const src = new SourceReader();
  const uniq = (k: (f: Finding) => string) => [...new Set(fs.map(k))].sort();
  const s = report.stats;
  const index = fs.map((f) => `<tr ${dataAttrs(f)}><td><span class="sev sev-${f.severity}">${f.severity}</span></td><td class="rule"><a href="#${findingAnchor(f)}">${esc(f.rule)}</a></td><td class="loc">${esc(f.file)}:${f.line}</td><td><code>${esc(f.function)}</code></td><td><span class="verdict v-${f.confirmation.status}">${f.confirmation.status}</span></td></tr>`);
  const sections: string[] = [];
  for (const f of fs) sections.push(await findingSection(f, src));
  const graph = await summaryGraph(fs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>lockcheck report: ${fs.length} finding${fs.length === 1 ? '' : 's'}</title>
<style>${CSS}</style></head>
<body>
<header><h1>lockcheck report</h1><div class="stats">${fs.length} finding${fs.length === 1 ? '' : 's'} in ${s.files} files, ${s.lines} lines, ${s.functions} functions, ${s.seconds.toFixed(1)} s${report.errors.length ? `; ${report.errors.length} input error${report.errors.length === 1 ? '' : 's'}` : ''}</div></header>
<main>
<div class="summary">${countTable('rule', countBy(fs, (f) => f.rule))}${countTable('severity', countBy(fs, (f) => f.severity))}${countTable('model verdict', countBy(fs, (f) => f.confirmation.status))}</div>
<div class="filters">${select('f-rule', 'rule', uniq((f) => f.rule))}${select('f-severity', 'severity', uniq((f) => f.severity))}${select('f-verdict', 'verdict', uniq((f) => f.confirmation.status))}${select('f-file', 'file', uniq((f) => f.file))}<label>search<input id="f-search" type="search" placeholder="function, lock, file, text"></label><span id="shown"></span></div>
<table class="index"><tr><th>severity</th><th>rule</th><th>where</th><th>function</th><th>verdict</th></tr>${index.join('')}</table>
${graph}
${sections.join('\n')}
${report.errors.length ? `<h3>Input errors</h3><ul>${report.errors.map((e) => `<li><code>${esc(e.file)}</code>: ${esc(e.reason)}</li>`).join('')}</ul>` : ''}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
