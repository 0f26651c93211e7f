// Batch benchmark: the whole kvmarm archive (21k messages) through `lockcheck mbox` without a
// tree, on dist/ (run `npm run build` first). Prints figures, asserts nothing.
//   node bench/mbox.mjs [ARCHIVE] [--jobs N] [--limit N] [--out FILE] [--no-prefilter]
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : dflt;
};
const jobs = Number(opt('--jobs', String(availableParallelism())));
const limit = opt('--limit', undefined);
const out = opt('--out', undefined);
const noPrefilter = args.includes('--no-prefilter') ? (args.splice(args.indexOf('--no-prefilter'), 1), true) : false;
const archive = args[0] ?? join(root, '..', 'shared', 'corpus', 'kvmarm-2019-2022.mbox.xz');
if (!existsSync(archive)) {
  console.log(`bench/mbox: ${archive} is absent; nothing to measure`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'batch', 'run.js'))) {
  console.log('bench/mbox: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { runBatch } = await import(join(root, 'dist', 'batch', 'run.js'));
const { formatSummary } = await import(join(root, 'dist', 'batch', 'summary.js'));
const { batchProgress } = await import(join(root, 'dist', 'batch', 'progress.js'));

let peakRss = 0;
let peakHeap = 0;
let peakExternal = 0;
const sample = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external);
}, 200);
const t0 = performance.now();
const res = await runBatch({
  archives: [archive],
  settings: noPrefilter ? { apiPrefilter: false } : {},
  jobs,
  ...(out ? { out } : {}),
  ...(limit ? { limit: Number(limit) } : {}),
  progress: batchProgress(process.stderr, 5000),
});
const secs = (performance.now() - t0) / 1000;
clearInterval(sample);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const s = res.summary;
console.log(`archive ${archive}`);
console.log(`jobs ${jobs}, ${secs.toFixed(1)} s wall`);
console.log(`${(s.messages / secs).toFixed(0)} messages/s, ${(s.patches / secs).toFixed(0)} patches/s`);
console.log(`peak RSS of the process (main and worker threads): ${(peakRss / 1048576).toFixed(0)} MB; main thread: heap ${(peakHeap / 1048576).toFixed(0)} MB, external ${(peakExternal / 1048576).toFixed(0)} MB`);
const slow = res.records.filter((r) => r.status === 'analyzed').sort((a, b) => b.ms - a.ms).slice(0, 5);
console.log(`slowest patches: ${slow.map((r) => `${r.ms} ms`).join(', ')}`);
process.stdout.write(formatSummary(s));
