#!/usr/bin/env node
// Explorer benchmark. Prints figures, asserts nothing.
//   (a) a tiny finding model (ABBA deadlock): time per model, in process;
//   (b) exhaustive 4 CPUs x 4 locked increments: states, states/s and memory of the
//       lockcheck explorer next to Spin (Debian package `spin`, pan compiled with gcc, default
//       partial-order reduction) on the Promela twin in bench/models/locked-inc-4x4.pml.
// Usage: node bench/explorer-vs-spin.mjs [--no-spin]
// Uses dist/ when `npm run build` output is newer than the explorer sources, otherwise
// compiles src/models/explorer into a temporary directory with tsc.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

async function loadExplorer() {
  const srcDir = join(root, 'src/models/explorer');
  const newestSrc = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  const dist = join(root, 'dist/models/explorer/index.js');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSrc) return { api: await import(pathToFileURL(dist).href), from: 'dist/' };
  const out = mkdtempSync(join(tmpdir(), 'lockcheck-bench-'));
  execFileSync(
    process.platform === 'win32' ? 'npx.cmd' : 'npx',
    ['tsc', '--outDir', out, '--rootDir', join(root, 'src'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node', join(srcDir, 'index.ts')],
    { cwd: root, stdio: 'inherit' },
  );
  return { api: await import(pathToFileURL(join(out, 'models/explorer/index.js')).href), from: 'src/ (compiled to a temp dir)' };
}

const { api, from } = await loadExplorer();
const { model, explore } = api;

const abba = () =>
  model({
    name: 'abba',
    locks: ['A', 'B'],
    threads: [
      (t) => t.lock('A', { code: 'spin_lock(&a);' }).lock('B', { code: 'spin_lock(&b);' }).unlock('B').unlock('A'),
      (t) => t.lock('B', { code: 'spin_lock(&b);' }).lock('A', { code: 'spin_lock(&a);' }).unlock('A').unlock('B'),
    ],
  });

const lockedIncrements = (cpus, n) =>
  model({
    name: `locked-inc-${cpus}x${n}`,
    vars: { x: 0 },
    locks: ['lk'],
    threads: Array.from({ length: cpus }, () => (t) => {
      for (let i = 0; i < n; i++) t.lock('lk').load('r', 'x').store('x', 'r + 1').unlock('lk');
    }),
    invariant: { cond: `x == ${cpus * n}`, outcome: 'LOST UPDATE' },
  });

const fmt = (n, d = 0) => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : String(n));
const table = (rows) => {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, j) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ') + (j === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : '')).join('\n');
};

console.log(`lockcheck explorer benchmark (explorer from ${from}, node ${process.version})\n`);

// (a) tiny finding model
{
  const m = abba();
  const t0 = performance.now();
  const first = explore(m);
  const cold = performance.now() - t0;
  const times = [];
  for (let i = 0; i < 300; i++) {
    const s = performance.now();
    explore(m);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log('(a) ABBA deadlock model, in process (target <= 10 ms per model)');
  console.log(
    table([
      ['model', 'verdict', 'preemptions', 'states', 'cold ms', 'median ms', 'mean ms', 'p99 ms'],
      ['abba', `${first.status} ${first.outcome}`, first.preemptions, first.states, fmt(cold, 2), fmt(times[150], 3), fmt(mean, 3), fmt(times[296], 3)],
    ]),
  );
  console.log('');
}

// (b) exhaustive 4 x 4 locked increments
const rows = [['tool / configuration', 'verdict', 'states', 'transitions', 'seconds', 'states/s', 'memory MB']];
const runOurs = (label, opts) => {
  const m = lockedIncrements(4, 4);
  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const r = explore(m, { timeMs: 120_000, maxStates: 50_000_000, ...opts });
  peak = Math.max(peak, process.memoryUsage().rss);
  const secs = r.ms / 1000;
  rows.push([label, r.status, fmt(r.states), fmt(r.transitions), fmt(secs, 3), fmt(r.states / secs), `${fmt(r.tableBytes / 2 ** 20, 1)} table, ${fmt((peak - rss0) / 2 ** 20, 1)} rss+`]);
  return r;
};
runOurs('lockcheck, POR + dead registers', { maxPreemptions: -1 });
runOurs('lockcheck, default (preemption bounds 0-2 first)', {});
const raw = runOurs('lockcheck, no reduction at all', { maxPreemptions: -1, reduction: 'none', deadRegisters: false });
runOurs('lockcheck, POR only (no dead registers)', { maxPreemptions: -1, deadRegisters: false });

function haveSpin() {
  return spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0;
}
let spin;
if (!args.has('--no-spin')) {
  if (!haveSpin()) {
    console.log('spin not found: trying apt-get install -y spin');
    const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
    spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', 'spin'], { stdio: 'inherit' });
  }
  if (haveSpin()) {
    const dir = mkdtempSync(join(tmpdir(), 'lockcheck-spin-'));
    copyFileSync(join(root, 'bench/models/locked-inc-4x4.pml'), join(dir, 'model.pml'));
    execFileSync('spin', ['-a', 'model.pml'], { cwd: dir });
    execFileSync('gcc', ['-O2', '-DSAFETY', '-o', 'pan', 'pan.c'], { cwd: dir });
    const t0 = performance.now();
    const out = spawnSync('./pan', ['-m1000000'], { cwd: dir, encoding: 'utf8' }).stdout;
    const wall = (performance.now() - t0) / 1000;
    const num = (re) => Number((re.exec(out) ?? [])[1]);
    const states = num(/(\d+) states, stored/);
    const transitions = num(/(\d+) transitions/);
    const secs = num(/elapsed time ([\d.e+-]+) seconds/) || wall;
    const mem = num(/([\d.]+)\s+total actual memory usage/);
    const errors = num(/errors: (\d+)/);
    spin = { states, secs };
    rows.push(['spin (pan -DSAFETY, POR)', errors === 0 ? 'no errors' : `${errors} errors`, fmt(states), fmt(transitions), fmt(secs, 3), fmt(states / secs), `${fmt(mem, 1)} total`]);
  } else console.log('spin unavailable: skipping the Spin column');
}

console.log('(b) exhaustive: 4 CPUs x 4 locked increments (targets: >= 0.5x Spin states/s, no more states than Spin with POR)');
console.log(table(rows));
if (spin) {
  const rawRate = raw.states / (raw.ms / 1000);
  console.log(`\nno-reduction explorer vs spin: ${fmt(rawRate / (spin.states / spin.secs), 2)}x spin's states/s`);
}
