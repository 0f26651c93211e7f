// The distributed batch against the in-process pool: the first N messages of the kvmarm archive
// through `lockcheck mbox` (no tree) with local threads, then with `--queue` and 1 and 2
// `lockcheck worker` processes on a redis-server this script starts; then the cost of a queue
// job itself, on N tiny non-patch messages (queue round trip vs in-process). On dist/ (run
// `npm run build` first). Prints figures, asserts nothing.
//   node bench/mbox-queue.mjs [ARCHIVE] [--limit N] [--jobs N]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : dflt;
};
const limit = Number(opt('--limit', '300'));
const jobs = Number(opt('--jobs', '2'));
const archive = args[0] ?? join(root, '..', 'shared', 'corpus', 'kvmarm-2019-2022.mbox.xz');
if (!existsSync(archive)) {
  console.log(`bench/mbox-queue: ${archive} is absent; nothing to measure`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'queue', 'worker.js'))) {
  console.log('bench/mbox-queue: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { runBatch } = await import(join(root, 'dist', 'batch', 'run.js'));
const dir = mkdtempSync(join(tmpdir(), 'lockcheck-bench-queue-'));

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const url = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
redis.on('error', (e) => {
  console.log(`bench/mbox-queue: redis-server: ${e.message}`);
  process.exit(1);
});

/** utime + stime of a process, seconds (Linux /proc). */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function startWorkers(n) {
  const ws = [];
  for (let i = 0; i < n; i++) {
    const p = spawn(process.execPath, [join(root, 'bin', 'lockcheck.js'), 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((resolve, reject) => {
      let err = '';
      p.stderr.on('data', (d) => {
        err += d;
        if (err.includes('ready')) resolve();
      });
      p.once('exit', (c) => reject(new Error(`worker exited ${c}: ${err}`)));
    });
    ws.push(p);
  }
  return ws;
}

async function measure(label, archivePath, n, workers) {
  const s0 = performance.now();
  const ws = workers ? await startWorkers(workers) : [];
  const startup = workers ? ` (+${((performance.now() - s0) / 1000).toFixed(1)} s to start the workers, not counted)` : '';
  const c0 = selfCpu();
  const r0 = cpuOf(redis.pid);
  const w0 = ws.map((w) => cpuOf(w.pid)); // their start-up (module loading) is not counted
  const t0 = performance.now();
  const res = await runBatch({ archives: [archivePath], settings: {}, jobs: workers ? 1 : jobs, limit: n, progress: false, ...(workers ? { queue: url } : {}) });
  const secs = (performance.now() - t0) / 1000;
  const cpu = selfCpu() - c0 + ws.reduce((a, w, i) => a + cpuOf(w.pid) - w0[i], 0) + (workers ? cpuOf(redis.pid) - r0 : 0);
  for (const w of ws) {
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
  }
  const m = res.summary.messages;
  console.log(`${label.padEnd(36)} ${m} msgs (${res.summary.patches} patches) ${secs.toFixed(1).padStart(6)} s wall ${(m / secs).toFixed(1).padStart(6)} msg/s  cpu ${cpu.toFixed(1)} s (${((cpu / m) * 1000).toFixed(1)} ms/msg)${startup}`);
  return { secs, cpu, m };
}

console.log(`archive ${archive}, first ${limit} messages, no tree; ${new Date().toISOString()}`);
console.log('cpu: the writer (this process), the workers since they were ready, and redis-server; the in-process pool figure includes starting its threads');
await measure(`in-process pool, ${jobs} threads`, archive, limit);
await measure('queue, 1 worker process', archive, limit, 1);
await measure('queue, 2 worker processes', archive, limit, 2);

// The cost of a job itself: tiny replies (no patch: ingest only, well under a millisecond).
const tiny = join(dir, 'tiny.mbox');
let mb = '';
for (let i = 0; i < limit; i++) mb += `From x Thu Jan  1 00:00:00 1970\nFrom: a@example.org\nSubject: Re: thing ${i}\nMessage-ID: <tiny-${i}@example.org>\nIn-Reply-To: <p@example.org>\n\nok\n\n`;
writeFileSync(tiny, mb);
const a = await measure(`tiny messages, in-process, ${jobs} threads`, tiny, limit);
const b = await measure('tiny messages, queue, 1 worker', tiny, limit, 1);
console.log(`overhead per job: queue ${((b.secs / b.m) * 1000).toFixed(2)} ms wall, ${((b.cpu / b.m) * 1000).toFixed(2)} ms cpu (writer + worker + redis); in-process ${((a.secs / a.m) * 1000).toFixed(2)} ms wall, ${((a.cpu / a.m) * 1000).toFixed(2)} ms cpu`);
redis.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
