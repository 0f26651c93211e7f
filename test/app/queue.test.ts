import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/app/queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobQueue', () => {
  it('runs one job at a time per repository, and dedupes deliveries and head SHAs', async () => {
    const q = new JobQueue({ concurrency: 4 });
    const log: string[] = [];
    const job = (delivery: string, repo: string, head: string, pr = `${repo}#1`) => ({
      deliveryId: delivery,
      serialKey: repo,
      dedupeKey: `${pr}@${head}`,
      run: async () => {
        log.push(`start ${repo} ${head}`);
        await tick(20);
        log.push(`end ${repo} ${head}`);
      },
    });
    expect(q.enqueue(job('d1', 'r1', 'h1'))).toBe('queued');
    expect(q.enqueue(job('d1', 'r1', 'h1'))).toBe('duplicate-delivery');
    expect(q.enqueue(job('d2', 'r1', 'h1'))).toBe('duplicate-head');
    expect(q.enqueue(job('d3', 'r1', 'h2', 'r1#2'))).toBe('queued');
    expect(q.enqueue(job('d4', 'r2', 'h1'))).toBe('queued');
    await q.idle();
    expect(log.indexOf('end r1 h1')).toBeLessThan(log.indexOf('start r1 h2'));
    expect(log.indexOf('start r2 h1')).toBeLessThan(log.indexOf('end r1 h1'));
    expect(q.stats).toMatchObject({ queued: 3, ran: 3, failed: 0 });
  });

  it('skips a queued job superseded by a newer push, and lets a failed head be retried', async () => {
    const errors: unknown[] = [];
    const q = new JobQueue({ onError: (_j, e) => errors.push(e) });
    const ran: string[] = [];
    const mk = (d: string, head: string, fail = false) => ({
      deliveryId: d,
      serialKey: 'r',
      dedupeKey: `r#1@${head}`,
      supersedeKey: 'r#1',
      run: async () => {
        await tick(10);
        ran.push(head);
        if (fail) throw new Error('boom');
      },
    });
    q.enqueue(mk('a', 'h1', true));
    await tick(1); // h1 has started; h2 and h3 queue behind it
    q.enqueue(mk('b', 'h2'));
    q.enqueue(mk('c', 'h3'));
    await q.idle();
    expect(ran).toEqual(['h1', 'h3']);
    expect(errors).toHaveLength(1);
    expect(q.enqueue(mk('d', 'h1'))).toBe('queued');
    await q.idle();
  });
});
