#!/usr/bin/env node
// Recall on real Xen concurrency fixes (../shared/devcorpus/xen-dev-bugs.json), read with the
// hand review in bench/realbugs-review.yaml (cases without an entry use the json's functions
// and their class's default rules, see lib/realbugs-match.mjs).
//
// For each case, three lockcheck runs with default rules (each cached, see --no-cache):
//   tree   the whole parent xen/ tree: a hit when a matching finding exists;
//   fix    the whole fix xen/ tree (only for a parent-tree hit): "gone on fix" when no
//          matching finding is left in the functions the fix changes (when the parent had one
//          there; otherwise when none is left at all); a match the fix tree still reports in a
//          function the fix does not touch is another instance, printed beside the case;
//   patch  `lockcheck patch --tree FIX` of the diff fix -> parent over the fix's .c/.h files
//          (a patch that reintroduces the bug): a hit when a matching finding is `introduced`.
//
//   node bench/realbugs.mjs [--jobs N] [--case ID]... [--class a|b|c|d] [--no-cache]
//                           [--timeout SEC] [--json OUT]
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, requireBuild, runLockcheck, slimFinding } from './lib/lockcheck-run.mjs';
import { CACHE, cacheKey, codeVersion, sharedDir, short, snapCheckout, snapDiff, snapTree } from './lib/xen-corpus.mjs';
import { expectationOf, matching } from './lib/realbugs-match.mjs';

function parseArgs(argv) {
  const o = { jobs: 2, cases: [], classes: [], cache: true, timeout: 600, json: undefined, modes: ['tree', 'fix', 'patch'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--jobs' || a === '-j') o.jobs = Number(val());
    else if (a === '--case') o.cases.push(val());
    else if (a === '--class') o.classes.push(val());
    else if (a === '--no-cache') o.cache = false;
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--json') o.json = val();
    else if (a === '--modes') o.modes = val().split(',');
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function usage(err) {
  if (err) process.stderr.write(`realbugs: ${err}\n`);
  process.stderr.write('usage: node bench/realbugs.mjs [--jobs N] [--case ID]... [--class a|b|c|d] [--no-cache] [--timeout SEC] [--modes tree,fix,patch] [--json OUT]\n');
  process.exit(err ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));
requireBuild();
const corpusFile = join(sharedDir(), 'devcorpus', 'xen-dev-bugs.json');
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8'));
const reviewFile = join(ROOT, 'bench', 'realbugs-review.yaml');
const review = existsSync(reviewFile) ? parseYaml(readFileSync(reviewFile, 'utf8')) ?? {} : {};
const version = codeVersion();
const cacheDir = join(CACHE, 'realbugs');
mkdirSync(cacheDir, { recursive: true });

const classOf = (k) => review[k.id]?.class ?? k.class;
const cases = corpus.filter((k) => (!opts.cases.length || opts.cases.includes(k.id)) && (!opts.classes.length || opts.classes.includes(classOf(k))));
if (opts.cases.length) for (const id of opts.cases) if (!corpus.some((k) => k.id === id)) usage(`no case ${id} in ${corpusFile}`);

/** Paths of the fix's C files relative to the snapshot root (xen/). */
const fixPaths = (k) => k.files.filter((f) => /\.[ch]$/.test(f)).map((f) => f.replace(/^xen\//, ''));

async function run(k, mode) {
  const key = cacheKey(version, k.id, mode);
  const file = join(cacheDir, `${key}.json`);
  if (opts.cache && existsSync(file)) return { ...JSON.parse(readFileSync(file, 'utf8')), cached: true };
  let res;
  try {
    const out = join(cacheDir, `${key}.report.json`);
    if (mode === 'patch') {
      const patch = snapDiff(k.fix_commit, k.parent_commit, fixPaths(k));
      if (!patch.trim()) res = { status: 'error', seconds: 0, detail: 'empty patch' };
      else {
        const pfile = join(cacheDir, `${key}.patch`);
        writeFileSync(pfile, patch);
        res = await runLockcheck(['patch', pfile, '--tree', snapCheckout(k.fix_commit), '--all-changes'], out, { timeoutSec: opts.timeout });
      }
    } else {
      const tree = snapTree(mode === 'tree' ? k.parent_commit : k.fix_commit);
      res = await runLockcheck(['--jobs', String(opts.jobs), tree], out, { timeoutSec: opts.timeout });
    }
  } catch (e) {
    res = { status: 'error', seconds: 0, detail: String(e.message ?? e).split('\n')[0] };
  }
  const rec = { status: res.status, seconds: res.seconds, ...(res.detail ? { detail: res.detail } : {}) };
  if (res.report) {
    rec.findings = res.report.findings.map(slimFinding);
    rec.stats = res.report.stats;
    rec.inputErrors = res.report.errors?.length ?? 0;
  }
  // errors and timeouts are not cached: the next run tries again
  if (rec.status === 'ok') writeFileSync(file, JSON.stringify(rec));
  return rec;
}

/**
 * Gone on fix: the parent's hit is not reported on the fix tree. Where some parent match sits in a
 * function the fix changes, that is the fixed instance, and it must be gone; a match elsewhere that
 * the fix tree still reports is another instance the fix did not touch (kept in `leftElsewhere`
 * and printed, not counted as gone or not gone). Where no parent match sits in a changed function
 * (the fix changed the other side), every match must be gone.
 */
function goneOnFix(k, r) {
  const fix = r.runs.fix;
  if (!fix) return null;
  if (fix.status !== 'ok') return fix.status;
  const changed = new Set((k.functions ?? []).filter((f) => f.in_fix_diff !== false).map((f) => f.name));
  const atFix = (ms) => ms.filter((m) => changed.has(m.function));
  if (!atFix(r.runs.tree?.matches ?? []).length) return fix.matches.length === 0;
  r.leftElsewhere = fix.matches.filter((m) => !changed.has(m.function)).map((m) => `${m.rule} in ${m.function}`);
  return atFix(fix.matches).length === 0;
}

const cut = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const results = [];
const t0 = performance.now();
process.stderr.write(`realbugs: ${cases.length} cases, code ${version.head.slice(0, 12)}${version.dirty ? ' (+uncommitted src/rules changes)' : ''}, --jobs ${opts.jobs}\n`);
// Phase by phase (every parent tree, then every patch, then the fix trees), so a long run has
// the recall figures early; a fix tree is run only for a case its parent tree hits (its only
// use is "gone on fix").
const byId = new Map();
for (const k of cases) {
  const rv = review[k.id];
  byId.set(k.id, { id: k.id, class: classOf(k), concurrency: rv?.concurrency ?? null, reviewed: !!rv, expect: expectationOf(k, rv), runs: {} });
}
const order = ['tree', 'patch', 'fix'].filter((m) => opts.modes.includes(m));
for (const mode of order) {
  for (const k of cases) {
    const r = byId.get(k.id);
    const exp = r.expect;
    if (mode === 'fix' && !(r.runs.tree?.matches.length > 0)) continue;
    const x = await run(k, mode);
    const m = x.findings ? matching(exp, mode === 'patch' ? x.findings.filter((f) => f.change === 'introduced') : x.findings) : [];
    r.runs[mode] = { status: x.status, seconds: x.seconds, cached: !!x.cached, ...(x.detail ? { detail: x.detail } : {}), findings: x.findings?.length ?? 0, matches: m };
    process.stderr.write(`  ${k.id} ${mode}: ${x.status}${x.cached ? ' (cached)' : ''} ${x.seconds.toFixed(1)} s, ${x.findings?.length ?? 0} findings, ${m.length} matching${x.detail ? ` — ${x.detail}` : ''}\n`);
  }
}
for (const k of cases) {
  const r = byId.get(k.id);
  const hit = (mode) => (r.runs[mode] ? (r.runs[mode].status === 'ok' ? r.runs[mode].matches.length > 0 : r.runs[mode].status) : null);
  r.treeHit = hit('tree');
  r.patchHit = hit('patch');
  r.goneOnFix = goneOnFix(k, r);
  results.push(r);
}
const wall = (performance.now() - t0) / 1000;

// ---- report ----
const counted = results.filter((r) => r.concurrency !== false);
const excluded = results.filter((r) => r.concurrency === false);
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(0)}%` : '-');
const frac = (n, d) => `${n}/${d} (${pct(n, d)})`;
const lines = [];
const out = (s = '') => lines.push(s);
out(`realbugs: ${corpusFile}`);
out(`code ${version.head.slice(0, 12)}${version.dirty ? ' + uncommitted src/rules changes' : ''}; default rules; lockcheck --jobs ${opts.jobs}`);
out();
out('recall (cases reviewed as concurrency bugs or not reviewed; errors and timeouts count as misses)');
out('| class | cases | tree hit | patch hit | tree hits gone on fix |');
out('|---|---|---|---|---|');
const byClass = {};
for (const c of [...new Set(counted.map((r) => r.class))].sort().concat('all')) {
  const rs = c === 'all' ? counted : counted.filter((r) => r.class === c);
  const th = rs.filter((r) => r.treeHit === true);
  const ph = rs.filter((r) => r.patchHit === true);
  const gone = th.filter((r) => r.goneOnFix === true);
  byClass[c] = { cases: rs.length, treeHits: th.length, patchHits: ph.length, treeHitsGoneOnFix: gone.length };
  out(`| ${c} | ${rs.length} | ${frac(th.length, rs.length)} | ${frac(ph.length, rs.length)} | ${frac(gone.length, th.length)} |`);
}
if (excluded.length) out(`\nexcluded from recall (reviewed as not concurrency bugs): ${excluded.map((r) => r.id).join(', ')}`);
const unreviewed = results.filter((r) => !r.reviewed);
if (unreviewed.length) out(`not reviewed (json functions, class default rules): ${unreviewed.map((r) => r.id).join(', ')}`);
out();
const secs = (mode, fresh) => results.reduce((a, r) => a + (r.runs[mode] && (!fresh || !r.runs[mode].cached) ? r.runs[mode].seconds : 0), 0);
const n = (mode) => results.filter((r) => r.runs[mode]).length;
out(`run time (as measured, cached runs included): tree ${secs('tree').toFixed(0)} s over ${n('tree')} runs, fix ${secs('fix').toFixed(0)} s over ${n('fix')}, patch ${secs('patch').toFixed(0)} s over ${n('patch')}`);
out(`this invocation: ${wall.toFixed(0)} s wall; fresh runs tree ${secs('tree', true).toFixed(0)} s, fix ${secs('fix', true).toFixed(0)} s, patch ${secs('patch', true).toFixed(0)} s`);
out();
const mark = (v) => (v === true ? 'yes' : v === false ? 'no' : v === null ? '-' : v);
out('| case | class | conc. | tree hit | gone on fix | patch hit | s tree/fix/patch | matching finding |');
out('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const best = r.runs.tree?.matches[0] ?? r.runs.patch?.matches[0];
  const s = ['tree', 'fix', 'patch'].map((m) => (r.runs[m] ? r.runs[m].seconds.toFixed(0) : '-')).join('/');
  const left = r.leftElsewhere?.length ? ` (fix tree still: ${r.leftElsewhere.join(', ')}, not in the fix's functions)` : '';
  const what = (best ? `${best.rule}: ${cut(best.message.replace(/\s+/g, ' '), 80)}` : '') + left;
  out(`| ${r.id} | ${r.class} | ${r.concurrency === false ? 'no' : r.concurrency === true ? 'yes' : '?'} | ${mark(r.treeHit)} | ${r.treeHit === true ? mark(r.goneOnFix) : '-'} | ${mark(r.patchHit)} | ${s} | ${what.replace(/\|/g, '\\|')} |`);
}
process.stdout.write(lines.join('\n') + '\n');
if (opts.json) {
  writeFileSync(opts.json, JSON.stringify({ version: 1, code: version.head, dirty: version.dirty, corpus: corpusFile, jobs: opts.jobs, wallSeconds: wall, byClass, cases: results }, null, 1));
  process.stderr.write(`realbugs: results written to ${opts.json}\n`);
}
