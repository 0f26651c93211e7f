// The GitHub App's shared queue on a real redis-server, two "instances" taking jobs: heads pushed
// while a job is queued replace it, a head pushed while one runs gets its own job after it, and
// redeliveries or heads already analyzed run nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRequestRef } from '../../src/app/types.js';
import { startSharedPrQueue, type SharedPrQueue } from '../../src/queue/pr-queue.js';
import { freePort, hasRedisServer, startRedis, type RedisServer } from './redis-server.js';

const ref = (number: number, headSha: string): PullRequestRef => ({ owner: 'o', repo: 'r', number, headSha, baseSha: 'base', installationId: 7 });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await tick(20)) if (Date.now() - t0 > ms) throw new Error('timed out');
}

describe.skipIf(!hasRedisServer)('shared pull request queue (LOCKCHECK_QUEUE)', () => {
  let redis: RedisServer;
  const open: SharedPrQueue[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const q of open) await q.close();
    await redis?.stop();
  });

  it('runs only the newest head of a queued pull request, once, on one of two instances', async () => {
    const producer = startSharedPrQueue(redis.url, async () => {}, { work: false });
    open.push(producer);
    expect(await producer.enqueue(ref(1, 'h1'), 'd1')).toBe('queued');
    expect(await producer.enqueue(ref(1, 'h1'), 'd1')).toBe('duplicate-delivery');
    expect(await producer.enqueue(ref(1, 'h2'), 'd2')).toBe('replaced-queued-head');
    expect(await producer.enqueue(ref(1, 'h3'), 'd3')).toBe('replaced-queued-head');
    expect(await producer.enqueue(ref(2, 'x1'), 'd4')).toBe('queued');
    const ran: string[] = [];
    const instance = (name: string) => startSharedPrQueue(redis.url, async (r) => void ran.push(`${name} ${r.number}@${r.headSha}`));
    const a = instance('A');
    const b = instance('B');
    await until(() => ran.length >= 2);
    await tick(300);
    expect(ran.map((s) => s.slice(2)).sort()).toEqual(['1@h3', '2@x1']);
    expect(await producer.enqueue(ref(1, 'h3'), 'd5')).toBe('duplicate-head');
    await Promise.all([a.close(), b.close()]);
  });

  it('gives a head pushed while its pull request runs a job after the running one', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = startSharedPrQueue(redis.url, async (r) => {
      order.push(`start ${r.headSha}`);
      if (r.headSha === 'h4') await gate;
      order.push(`end ${r.headSha}`);
    });
    open.push(q);
    expect(await q.enqueue(ref(3, 'h4'), 'e1')).toBe('queued');
    await until(() => order.includes('start h4'));
    expect(await q.enqueue(ref(3, 'h5'), 'e2')).toBe('after-running-job');
    await tick(200);
    expect(order).toEqual(['start h4']); // never two heads of one pull request at once
    release();
    await until(() => order.includes('end h5'));
    expect(order).toEqual(['start h4', 'end h4', 'start h5', 'end h5']);
  });

  it('names the URL it cannot reach', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const errors: string[] = [];
    const q = startSharedPrQueue(url, async () => {}, { work: false, onError: (_r, e) => errors.push(String(e)) });
    await expect(q.enqueue(ref(9, 'z'), 'f1')).rejects.toThrow(`cannot reach the queue at ${url}`);
    expect(errors.join('\n')).toContain(`cannot reach the queue at ${url}`);
    await q.close();
  });
});
