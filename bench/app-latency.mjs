#!/usr/bin/env node
// Webhook-to-review latency of the lockcheck GitHub App on a ~500K-line C repository
// (kernel/ and fs/ext4/ of Debian's linux-source-6.1), served by a local stand-in for
// GitHub's REST API on 127.0.0.1. Prints p50/p95 over N pull request events and how often
// each commit's tarball was fetched. Prints figures; asserts nothing.
//
//   npm run build && node bench/app-latency.mjs        (BENCH_N=8 events by default)
//
// Needs /usr/src/linux-source-6.1.tar.xz (`apt-get install -y linux-source-6.1`); set
// BENCH_APT=1 to let the bench install it. Without it, the bench prints a skip and exits 0.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out', 'app-latency');
const SOURCE = '/usr/src/linux-source-6.1.tar.xz';
const TOP = 'linux-source-6.1';
const SUBSET = ['kernel', 'fs/ext4'];
const N = Number(process.env.BENCH_N ?? 8);
const OWNER = 'bench';
const REPO = 'linux';
const SECRET = 'bench-secret';

function skip(msg) {
  console.log(`app-latency: SKIP: ${msg}`);
  process.exit(0);
}

if (!existsSync(SOURCE) && process.env.BENCH_APT === '1') {
  spawnSync('apt-get', ['install', '-y', 'linux-source-6.1'], { stdio: 'inherit' });
}
if (!existsSync(SOURCE)) skip(`${SOURCE} is absent (apt-get install -y linux-source-6.1, or BENCH_APT=1)`);
if (!existsSync(join(ROOT, 'dist/app/index.js')) || !existsSync(join(ROOT, 'dist/engine/analyze.js'))) {
  skip('dist/app/index.js or dist/engine/analyze.js missing: run `npm run build` first');
}

// ---- the repository: base tree and N head commits, each changing one file ----
const tree = join(OUT, 'tree');
if (!existsSync(join(tree, '.complete'))) {
  console.log(`app-latency: extracting ${SUBSET.join(', ')} from ${SOURCE} ...`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  execFileSync('tar', ['-xJf', SOURCE, '-C', tree, '--strip-components=1', ...SUBSET.map((d) => `${TOP}/${d}`)]);
  writeFileSync(join(tree, '.complete'), '');
}

function cFiles(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...cFiles(dir, p));
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}
const all = cFiles(tree);
const lines = all.reduce((n, f) => n + readFileSync(join(tree, f), 'utf8').split('\n').length, 0);

const sha = (s) => createHash('sha1').update(s).digest('hex');
const BASE = sha('base');

function tarball(dir, commit) {
  // GitHub's layout: one top-level folder <owner>-<repo>-<sha7>/.
  return execFileSync('tar', ['-czf', '-', '--exclude=.complete', `--transform=s,^\\.,${OWNER}-${REPO}-${commit.slice(0, 7)},`, '-C', dir, '.'], { maxBuffer: 1 << 30 });
}

// Each PR adds an ABBA inversion to a file of a small directory (so a review is posted).
const targets = ['fs/ext4/inode.c', 'kernel/irq/manage.c', 'kernel/locking/mutex.c', 'kernel/time/timer.c', 'fs/ext4/super.c', 'kernel/irq/chip.c', 'kernel/locking/rwsem.c', 'kernel/time/hrtimer.c'];
const ABBA = (i) => [
  '',
  `static DEFINE_SPINLOCK(bench_a_${i});`,
  `static DEFINE_SPINLOCK(bench_b_${i});`,
  `void bench_one_${i}(void)`,
  '{',
  `\tspin_lock(&bench_a_${i});`,
  `\tspin_lock(&bench_b_${i});`,
  `\tspin_unlock(&bench_b_${i});`,
  `\tspin_unlock(&bench_a_${i});`,
  '}',
  `void bench_two_${i}(void)`,
  '{',
  `\tspin_lock(&bench_b_${i});`,
  `\tspin_lock(&bench_a_${i});`,
  `\tspin_unlock(&bench_a_${i});`,
  `\tspin_unlock(&bench_b_${i});`,
  '}',
];

console.log(`app-latency: repository ${all.length} C files, ${lines} lines; building ${N} head commits ...`);
const tarballs = new Map([[BASE, tarball(tree, BASE)]]);
const pulls = new Map();
for (let i = 0; i < N; i++) {
  const file = targets[i % targets.length];
  const path = join(tree, file);
  const original = readFileSync(path, 'utf8');
  const added = ABBA(i);
  const head = sha(`head-${i}`);
  try {
    writeFileSync(path, original + added.join('\n') + '\n');
    tarballs.set(head, tarball(tree, head));
  } finally {
    writeFileSync(path, original);
  }
  const start = original.split('\n').length; // the file ends with a newline: new lines start here
  const patch = `@@ -${start - 1},0 +${start},${added.length} @@\n${added.map((l) => `+${l}`).join('\n')}`;
  pulls.set(100 + i, { number: 100 + i, head, files: [{ filename: file, status: 'modified', patch }] });
}
console.log(`app-latency: base tarball ${(tarballs.get(BASE).length / 1e6).toFixed(1)} MB`);

// ---- the GitHub stand-in ----
const calls = [];
const checkRuns = [];
const reviewComments = [];
const issueComments = [];
const waiters = [];
let nextId = 1;
const bot = { login: 'lockcheck[bot]', type: 'Bot' };
const api = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  const url = new URL(req.url, 'http://x');
  const path = url.pathname.replace(/^\/api\/v3/, '');
  const call = { method: req.method, path, body, at: Date.now() };
  calls.push(call);
  const json = (status, data, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(data === undefined ? '' : JSON.stringify(data));
    for (const w of [...waiters]) w();
  };
  const pr = (m) => pulls.get(Number(m));
  let m;
  if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return json(201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3600e3).toISOString() });
  if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/files$/.exec(path))) return json(200, url.searchParams.get('page') > 1 ? [] : pr(m[1]).files);
  if ((m = /^\/repos\/[^/]+\/[^/]+\/compare\/(\w+)\.\.\.(\w+)$/.exec(path))) return json(200, { merge_base_commit: { sha: m[1] } });
  if ((m = /^\/repos\/[^/]+\/[^/]+\/tarball\/(\w+)$/.exec(path))) {
    const tar = tarballs.get(m[1]);
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': tar.length });
    return res.end(tar);
  }
  if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/(\w+)\/check-runs$/.exec(path))) {
    const runs = checkRuns.filter((r) => r.head_sha === m[1]);
    return json(200, { total_count: runs.length, check_runs: runs });
  }
  if (req.method === 'POST' && /\/check-runs$/.test(path)) {
    const run = { id: nextId++, name: body.name, head_sha: body.head_sha, status: body.status, conclusion: null, output: { annotations_count: 0 } };
    checkRuns.push(run);
    return json(201, run);
  }
  if (req.method === 'PATCH' && (m = /\/check-runs\/(\d+)$/.exec(path))) {
    const run = checkRuns.find((r) => r.id === Number(m[1]));
    if ((body.output?.annotations?.length ?? 0) > 50) return json(422, { message: 'too many annotations' });
    run.output.annotations_count += body.output?.annotations?.length ?? 0;
    if (body.conclusion) Object.assign(run, { status: 'completed', conclusion: body.conclusion, completedAt: Date.now() });
    return json(200, run);
  }
  if (req.method === 'POST' && (m = /\/pulls\/(\d+)\/reviews$/.exec(path))) {
    for (const c of body.comments) reviewComments.push({ id: nextId++, pr: Number(m[1]), body: c.body, path: c.path, line: c.line, user: bot, at: Date.now() });
    return json(200, { id: nextId++ });
  }
  if ((m = /\/pulls\/(\d+)\/comments$/.exec(path))) return json(200, reviewComments.filter((c) => c.pr === Number(m[1])));
  if ((m = /\/issues\/(\d+)\/comments$/.exec(path))) {
    if (req.method === 'GET') return json(200, issueComments.filter((c) => c.pr === Number(m[1])));
    const c = { id: nextId++, pr: Number(m[1]), body: body.body, user: bot };
    issueComments.push(c);
    return json(201, c);
  }
  if ((m = /\/(pulls|issues)\/comments\/(\d+)$/.exec(path))) return json(200, {});
  return json(404, { message: `no route ${req.method} ${path}` });
});
await new Promise((r) => api.listen(0, '127.0.0.1', r));
const apiHost = `127.0.0.1:${api.address().port}`;

// ---- the App, as `npm start` runs it, with probot's environment pointed at the stand-in ----
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const { createNodeMiddleware, createProbot } = await import('probot');
const { createApp } = await import(join(ROOT, 'dist/app/index.js'));
const { JobQueue } = await import(join(ROOT, 'dist/app/queue.js'));
const { TreeCache } = await import(join(ROOT, 'dist/app/tree-cache.js'));
const cacheDir = join(OUT, `cache-${process.pid}`);
const queue = new JobQueue();
const trees = new TreeCache(cacheDir);
const probot = createProbot({ env: { APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: apiHost, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' } });
const outcomes = new Map();
const middleware = await createNodeMiddleware(createApp({ queue, trees, onJobDone: (ref, outcome) => outcomes.set(ref.number, outcome) }), { probot });
const app = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end()));
await new Promise((r) => app.listen(0, '127.0.0.1', r));
const webhook = `http://127.0.0.1:${app.address().port}/api/github/webhooks`;

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples');
const template = examples.find((d) => d.name === 'pull_request').examples.find((e) => e.action === 'opened');

function payload(p) {
  const x = structuredClone(template);
  x.number = p.number;
  Object.assign(x.pull_request, { number: p.number, state: 'open' });
  x.pull_request.head.sha = p.head;
  x.pull_request.base.sha = BASE;
  Object.assign(x.repository, { name: REPO, full_name: `${OWNER}/${REPO}` });
  x.repository.owner.login = OWNER;
  x.installation = { id: 1 };
  return x;
}

function until(pred, timeoutMs = 300_000) {
  // Checked on every stand-in response (exact timing) and every 20 ms (App-side events).
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => finish(new Error('timed out')), timeoutMs);
    const poll = setInterval(() => check(), 20);
    const finish = (err, v) => {
      clearTimeout(t);
      clearInterval(poll);
      const i = waiters.indexOf(check);
      if (i >= 0) waiters.splice(i, 1);
      err ? reject(err) : resolve(v);
    };
    const check = () => {
      const v = pred();
      if (v) finish(undefined, v);
    };
    waiters.push(check);
    check();
  });
}

const toReview = [];
const toCheck = [];
try {
  for (const p of pulls.values()) {
    const body = JSON.stringify(payload(p));
    const t0 = Date.now();
    const res = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      body,
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    const acked = Date.now() - t0;
    const comment = await until(() => reviewComments.find((c) => c.pr === p.number) ?? checkRuns.find((r) => r.head_sha === p.head && r.status === 'completed'));
    toReview.push((comment.at ?? comment.completedAt) - t0);
    const run = await until(() => checkRuns.find((r) => r.head_sha === p.head && r.status === 'completed'));
    toCheck.push(run.completedAt - t0);
    const posted = reviewComments.filter((c) => c.pr === p.number).length;
    await until(() => outcomes.has(p.number));
    const t = outcomes.get(p.number).timings ?? {};
    console.log(`  PR #${p.number} ${p.files[0].filename}: webhook answered in ${acked} ms, review posted after ${toReview.at(-1)} ms (${posted} inline comment(s)), check run ${run.conclusion} after ${toCheck.at(-1)} ms, ${run.output.annotations_count} annotation(s); job phases ms: gather ${t.gatherMs}, trees ${t.treesMs}, analyze ${t.analyzeMs}, publish ${t.publishMs}`);
  }
  await queue.idle();
} finally {
  app.closeAllConnections?.();
  app.close();
  api.closeAllConnections?.();
  api.close();
  rmSync(cacheDir, { recursive: true, force: true });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fetches = new Map();
for (const c of calls) {
  const m = /\/tarball\/(\w+)$/.exec(c.path);
  if (m) fetches.set(m[1], (fetches.get(m[1]) ?? 0) + 1);
}
const once = [...tarballs.keys()].every((s) => (fetches.get(s) ?? 0) <= 1);
console.log(`app-latency: ${N} pull request events on ${lines} lines (${all.length} files)`);
console.log(`  webhook -> review posted: p50 ${pct(toReview, 50)} ms, p95 ${pct(toReview, 95)} ms (target p95 <= 10000 ms)`);
console.log(`  webhook -> check run completed: p50 ${pct(toCheck, 50)} ms, p95 ${pct(toCheck, 95)} ms`);
console.log(`  tarball fetches: ${[...fetches.values()].reduce((a, b) => a + b, 0)} for ${tarballs.size} commits; base fetched ${fetches.get(BASE) ?? 0}x; each commit fetched once: ${once ? 'yes' : 'NO'}`);
