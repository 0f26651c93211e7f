// `lockcheck mbox --queue` with real `lockcheck worker` processes on a real redis-server: one
// worker SIGKILLed while it holds a job, the writer SIGKILLed and resumed; every time the JSON
// Lines output has exactly one record per message, equal (timings aside) to the in-process run's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readExisting } from '../../src/batch/jsonl.js';
import type { MessageRecord } from '../../src/batch/record.js';
import { MBOX_QUEUE } from '../../src/queue/mbox-jobs.js';
import { mail, mbox } from '../batch/fixtures.js';
import { freePort, hasRedisServer, startRedis, type RedisServer } from './redis-server.js';

const BIN = resolve('bin/lockcheck.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'lockcheck-queue-'));

/** The sample threads' patches, a series with its replies, and messages that fail to ingest. */
function archive(): string {
  const samples = ['000-evtchn-fifo-old-tail', '001-vgic-rank-inversion', '002-xen-mapcache-lock0', '003-vpci-remove-pending', '004-kvm-irqfd-shutdown'];
  const mails: (string | Buffer)[] = samples.flatMap((s) => ['bug', 'fix'].map((k) => readFileSync(`samples/${s}/${k}.patch`, 'utf8').split('\n').slice(1).join('\n')));
  mails.push(mail({ id: 'badmime@example.org', subject: '[PATCH] broken mime', headers: ['MIME-Version: 1.0', 'Content-Type: multipart/mixed'], body: 'no boundary at all\n--\n' }));
  mails.push(Buffer.from(mail({ id: 'latin1@example.org', subject: 'Re: question', body: 'Gr\u00fc\u00dfe, caf\u00e9\n' }), 'latin1'));
  mails.push(Buffer.from('   \n\n')); // failed/empty
  const path = join(tmp(), 'list.mbox');
  writeFileSync(path, Buffer.concat([mbox(mails), readFileSync('test/fixtures/mail/series.mbox')]));
  return path;
}

/** A record without its timings (`ms`, `seconds` anywhere inside) and cache counts (which run parsed a file first differs). */
function untimed(r: MessageRecord): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'ms' || k === 'seconds' || k === 'cache' ? undefined : v)));
}

interface Proc {
  p: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves at the first stderr line `pred` accepts. */
  waitFor: (pred: (line: string) => boolean) => Promise<string>;
}

function run(args: string[]): Proc {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buf = '';
  p.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(line);
    }
  });
  p.stdout!.resume();
  const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
  return {
    p,
    lines,
    exited,
    waitFor: (pred) => {
      const hit = lines.find(pred);
      return hit !== undefined ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

const worker = (url: string) => run(['worker', '--queue', url, '--lock-ms', '2000', '--verbose']);

describe.skipIf(!hasRedisServer)('lockcheck mbox --queue with lockcheck worker processes', () => {
  let redis: RedisServer;
  let path: string;
  let expected: unknown[];
  let analyzed: Set<number>;
  const procs: Proc[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` (npm ci does) before this test');
    redis = await startRedis();
    path = archive();
    const out = join(tmp(), 'in-process.jsonl');
    const code = await main(['node', 'lockcheck', 'mbox', '--no-progress', '--jobs', '1', path, '--out', out], { stdout: () => {}, stderr: () => {} });
    expect(code).toBe(1); // the empty message fails
    const recs = readExisting(out).records;
    expected = recs.map(untimed);
    analyzed = new Set(recs.filter((r) => r.status === 'analyzed').map((r) => r.index));
    expect(recs.length).toBeGreaterThan(15);
    expect(analyzed.size).toBeGreaterThan(8);
    expect(recs.some((r) => r.status === 'failed')).toBe(true);
  });

  afterAll(async () => {
    for (const w of procs) w.p.kill('SIGKILL');
    await redis?.stop();
  });

  async function leftInQueue(): Promise<number> {
    const q = new Queue(MBOX_QUEUE, { connection: { url: redis.url } });
    const counts = await q.getJobCounts();
    await q.close();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  it('keeps exactly one record per message when a worker is killed while it holds a job', async () => {
    const a = worker(redis.url);
    const b = worker(redis.url);
    procs.push(a, b);
    await Promise.all([a.waitFor((l) => l.includes('ready')), b.waitFor((l) => l.includes('ready'))]);
    const out = join(tmp(), 'queue.jsonl');
    const writer = run(['mbox', path, '--out', out, '--queue', redis.url, '--no-progress']);
    procs.push(writer);
    // Half way through: the next start of a patch analysis (not an instant non-patch message)
    // by either worker; that worker is killed while it holds the job. Which of the two takes the
    // next job depends on scheduling, so both are watched.
    const done = () => a.lines.concat(b.lines).filter((l) => l.endsWith(' done')).length;
    const startsPatch = (l: string) => {
      const m = / started #(\d+)$/.exec(l);
      return !!m && analyzed.has(Number(m[1])) && done() >= 4;
    };
    const victim = await Promise.race([a.waitFor(startsPatch).then(() => a), b.waitFor(startsPatch).then(() => b)]);
    victim.p.kill('SIGKILL');
    expect(await writer.exited).toBe(1);
    const recs = readExisting(out).records;
    expect(recs.map(untimed)).toEqual(expected);
    expect(writer.lines.join('\n')).toMatch(/lockcheck mbox: [1-9]\d* job\(s\) run again after a worker stopped holding them/);
    expect(await leftInQueue()).toBe(0);
  });

  it('resumes after the writer is killed: no record lost or written twice', async () => {
    // One worker (the one left from above): jobs finish in input order, so the writer writes
    // each as it comes.
    expect(procs.filter((w) => w.p.exitCode === null && w.p.signalCode === null)).toHaveLength(1);
    const out = join(tmp(), 'resumed.jsonl');
    const first = run(['mbox', path, '--out', out, '--queue', redis.url, '--no-progress']);
    procs.push(first);
    for (let i = 0; i < 3000 && (!existsSync(out) || readFileSync(out, 'utf8').split('\n').length < 4); i++) await new Promise((r) => setTimeout(r, 10));
    first.p.kill('SIGKILL');
    await first.exited;
    const partial = readExisting(out).records.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expected.length);
    // The worker goes on with the queued jobs; their results wait in Redis for the next writer.
    const second = run(['mbox', path, '--out', out, '--queue', redis.url, '--no-progress', '--resume']);
    procs.push(second);
    expect(await second.exited).toBe(1);
    expect(second.lines.join('\n')).toContain(`resumed: ${partial} messages were already in`);
    expect(readExisting(out).records.map(untimed)).toEqual(expected);
    expect(await leftInQueue()).toBe(0);
  });

  it('says which queue URL it cannot reach and exits 2', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    let err = '';
    const io = { stdout: () => {}, stderr: (s: string) => (err += s) };
    expect(await main(['node', 'lockcheck', 'mbox', '--no-progress', path, '--queue', url], io)).toBe(2);
    expect(err).toContain(`lockcheck mbox: cannot reach the queue at ${url}`);
    err = '';
    expect(await main(['node', 'lockcheck', 'worker', '--queue', url], io)).toBe(2);
    expect(err).toContain(`lockcheck worker: cannot reach the queue at ${url}`);
  });
});
