// Confirmation cost vs analysis cost: analyze a tree (confirm: false), then confirm every
// finding with its extracted/template model, and count confirmed/refuted/unknown by rule.
// Uses dist/ (`npm run build`). Usage: node bench/confirm.mjs [TREE...]
// (default: /tmp/linux/linux-source-6.1/kernel and .../fs). Prints figures, asserts nothing.
import { existsSync } from 'node:fs';
import { analyzePaths } from '../dist/engine/analyze.js';
import { confirmFindings } from '../dist/models/confirm.js';
import { CachedSources } from '../dist/engine/source-lookup.js';

const trees = process.argv.slice(2).length ? process.argv.slice(2) : ['/tmp/linux/linux-source-6.1/kernel', '/tmp/linux/linux-source-6.1/fs'];
const jobs = Number(process.env.JOBS || 4);
for (const tree of trees) {
  if (!existsSync(tree)) {
    console.log(`${tree}: missing (bench/lib/linux-tree.mjs can install it)`);
    continue;
  }
  const t0 = performance.now();
  const r = await analyzePaths([tree], { jobs, confirm: false, allRules: process.env.ALL_RULES === '1' });
  const analysis = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  confirmFindings(r.findings, r.program, { source: new CachedSources() });
  const confirm = (performance.now() - t1) / 1000;
  const by = {};
  let slowest = 0;
  for (const f of r.findings) {
    const row = (by[f.rule] ??= { confirmed: 0, refuted: 0, unknown: 0, extracted: 0, template: 0 });
    row[f.confirmation.status] = (row[f.confirmation.status] ?? 0) + 1;
    if (f.confirmation.method) row[f.confirmation.method]++;
    slowest = Math.max(slowest, f.confirmation.ms ?? 0);
  }
  const ms = r.findings.map((f) => f.confirmation.ms ?? 0).sort((a, b) => a - b);
  const med = ms.length ? ms[Math.floor(ms.length / 2)] : 0;
  console.log(`${tree}: ${r.stats.files} files, ${r.findings.length} findings; analysis ${analysis.toFixed(2)} s, confirmation ${confirm.toFixed(2)} s (${(100 * confirm / analysis).toFixed(1)}% of analysis); per finding median ${med} ms, max ${slowest} ms`);
  console.log('  rule                          confirmed refuted unknown  extracted template');
  for (const [rule, c] of Object.entries(by).sort()) {
    console.log(`  ${rule.padEnd(30)}${String(c.confirmed).padStart(9)}${String(c.refuted).padStart(8)}${String(c.unknown).padStart(8)}${String(c.extracted).padStart(11)}${String(c.template).padStart(9)}`);
  }
  const reasons = {};
  for (const f of r.findings) if (f.confirmation.status === 'unknown') {
    const k = `${f.rule}: ${(f.confirmation.reason ?? '').replace(/\d+/g, 'N').slice(0, 90)}`;
    reasons[k] = (reasons[k] ?? 0) + 1;
  }
  const top = Object.entries(reasons).sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (top.length) console.log('  top unknown reasons:\n' + top.map(([k, n]) => `    ${n}  ${k}`).join('\n'));
}
