#!/usr/bin/env node
// Findings on Xen HEAD's xen/ tree (../shared/trees/xen-*.tar.xz, extracted into bench/.cache/
// on first use) with default rules: counts by rule x severity and by verdict, the count at
// warning or above, run time; `--list` one line per finding.
//
//   node bench/xen-head.mjs [--jobs N] [--list] [--json OUT] [--tree DIR] [--timeout SEC]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuild, runLockcheck } from './lib/lockcheck-run.mjs';
import { CACHE, sharedDir } from './lib/xen-corpus.mjs';

const o = { jobs: 2, list: false, json: undefined, tree: undefined, timeout: 600 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--jobs' || a === '-j') o.jobs = Number(argv[++i]);
  else if (a === '--list') o.list = true;
  else if (a === '--json') o.json = argv[++i];
  else if (a === '--tree') o.tree = argv[++i];
  else if (a === '--timeout') o.timeout = Number(argv[++i]);
  else {
    process.stderr.write(`xen-head: unknown argument ${a}\nusage: node bench/xen-head.mjs [--jobs N] [--list] [--json OUT] [--tree DIR] [--timeout SEC]\n`);
    process.exit(2);
  }
}
requireBuild();

function headTree() {
  const trees = join(sharedDir(), 'trees');
  const tarball = readdirSync(trees).filter((f) => /^xen-.*\.tar\.xz$/.test(f)).sort().at(-1);
  if (!tarball) throw new Error(`no xen-*.tar.xz in ${trees}`);
  const name = tarball.replace(/\.tar\.xz$/, '');
  const dir = join(CACHE, name, 'xen');
  if (!existsSync(join(dir, 'common'))) {
    mkdirSync(CACHE, { recursive: true });
    process.stderr.write(`xen-head: extracting ${tarball} into ${CACHE} ...\n`);
    execFileSync('tar', ['xJf', join(trees, tarball), '-C', CACHE], { stdio: 'inherit' });
  }
  return dir;
}

const tree = o.tree ?? headTree();
mkdirSync(join(CACHE, 'xen-head'), { recursive: true });
const res = await runLockcheck(['--jobs', String(o.jobs), tree], join(CACHE, 'xen-head', 'report.json'), { timeoutSec: o.timeout });
if (res.status !== 'ok') {
  process.stderr.write(`xen-head: ${res.status}: ${res.detail}\n`);
  process.exit(1);
}
const { findings, stats } = res.report;
const SEV = ['error', 'warning', 'note'];
const rel = (f) => (f.startsWith(tree) ? f.slice(tree.length).replace(/^\//, '') : f);
const lines = [];
const out = (s = '') => lines.push(s);
out(`xen-head: ${tree}`);
out(`${stats.files} files, ${stats.lines} lines, ${stats.functions} functions; ${res.seconds.toFixed(1)} s wall (analysis ${stats.seconds.toFixed(1)} s), --jobs ${o.jobs}, default rules`);
out();
const rules = [...new Set(findings.map((f) => f.rule))].sort();
out(`| rule | ${SEV.join(' | ')} | total |`);
out(`|---|${SEV.map(() => '---|').join('')}---|`);
for (const r of rules) {
  const fs = findings.filter((f) => f.rule === r);
  out(`| ${r} | ${SEV.map((s) => fs.filter((f) => f.severity === s).length).join(' | ')} | ${fs.length} |`);
}
out(`| all | ${SEV.map((s) => findings.filter((f) => f.severity === s).length).join(' | ')} | ${findings.length} |`);
out();
const verdicts = {};
for (const f of findings) verdicts[f.confirmation?.status ?? 'none'] = (verdicts[f.confirmation?.status ?? 'none'] ?? 0) + 1;
out(`by verdict: ${Object.entries(verdicts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
const atWarn = findings.filter((f) => f.severity !== 'note');
out(`at warning or above: ${atWarn.length}`);
if (o.list) {
  out();
  const order = (f) => SEV.indexOf(f.severity);
  for (const f of [...findings].sort((x, y) => order(x) - order(y) || x.rule.localeCompare(y.rule) || rel(x.file).localeCompare(rel(y.file)) || x.line - y.line))
    out(`${f.severity.padEnd(8)} ${f.rule.padEnd(22)} ${(f.confirmation?.status ?? '-').padEnd(10)} ${rel(f.file)}:${f.line} ${f.function} ${(f.locks ?? []).join(',')}`);
}
process.stdout.write(lines.join('\n') + '\n');
if (o.json) {
  const byRuleSeverity = {};
  for (const f of findings) (byRuleSeverity[f.rule] ??= {})[f.severity] = (byRuleSeverity[f.rule]?.[f.severity] ?? 0) + 1;
  writeFileSync(
    o.json,
    JSON.stringify(
      {
        version: 1,
        tree,
        wallSeconds: res.seconds,
        stats,
        byRuleSeverity,
        byVerdict: verdicts,
        atWarningOrAbove: atWarn.length,
        findings: findings.map((f) => ({ severity: f.severity, rule: f.rule, verdict: f.confirmation?.status, file: rel(f.file), line: f.line, function: f.function, locks: f.locks, message: f.message, id: f.id })),
      },
      null,
      1,
    ),
  );
}
