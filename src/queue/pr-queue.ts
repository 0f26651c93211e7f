// The GitHub App's shared queue (`LOCKCHECK_QUEUE=redis://...`): several App instances take pull
// request jobs from one Redis. One job per pull request (id from owner/repo#number): a webhook
// records the head it saw as the PR's latest and adds the job if none is queued or running;
// the job runs the latest head when it starts, so a re-push replaces what is queued and two
// heads of one PR never run at once. After a job ends, a newer head that came in meanwhile
// gets a new job. Redeliveries and heads already analyzed run nothing.
import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { PullRequestRef } from '../app/types.js';
import { checkReachable, connectionFor } from './connection.js';

export const PR_QUEUE = 'lockcheck-pr';

export type SharedEnqueueResult = 'queued' | 'replaced-queued-head' | 'after-running-job' | 'duplicate-delivery' | 'duplicate-head';

export interface SharedPrQueue {
  enqueue: (ref: PullRequestRef, deliveryId: string) => Promise<SharedEnqueueResult>;
  close: () => Promise<void>;
}

export interface SharedPrQueueOptions {
  /** Also take jobs here (default true); false: enqueue only. */
  work?: boolean;
  /** Pull requests analyzed at once by this instance. */
  concurrency?: number;
  /** How long an unrenewed job lock lasts (a dead instance's job runs again after it). */
  lockMs?: number;
  onError?: (ref: PullRequestRef | undefined, error: unknown) => void;
}

const DAY_S = 24 * 3600;
const prKey = (r: Pick<PullRequestRef, 'owner' | 'repo' | 'number'>) => `${r.owner}/${r.repo}#${r.number}`;
const jobIdOf = (key: string) => `pr-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

export function startSharedPrQueue(url: string, run: (ref: PullRequestRef) => Promise<void>, options: SharedPrQueueOptions = {}): SharedPrQueue {
  const ready = checkReachable(url);
  // Said once here; each enqueue then fails with the same error naming the URL.
  ready.catch((e: unknown) => options.onError?.(undefined, e));
  const connection = connectionFor(url);
  const queue = new Queue(PR_QUEUE, { connection });
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  queue.on('error', () => undefined); // ioredis reconnects; enqueue calls wait for it
  redis.on('error', () => undefined);
  const k = (what: string, key: string) => `lockcheck:pr:${what}:${key}`;
  const latest = async (key: string): Promise<PullRequestRef | undefined> => {
    const s = await redis.get(k('latest', key));
    return s ? (JSON.parse(s) as PullRequestRef) : undefined;
  };
  const add = (key: string) => queue.add('pull-request', { key }, { jobId: jobIdOf(key), removeOnComplete: true, removeOnFail: true });

  let worker: Worker | undefined;
  if (options.work !== false) {
    worker = new Worker(
      PR_QUEUE,
      async (job) => {
        const key = (job.data as { key: string }).key;
        const ref = await latest(key);
        if (!ref || (await redis.get(k('done', key))) === ref.headSha) return;
        await redis.set(k('ran', key), ref.headSha, 'EX', 7 * DAY_S);
        await run(ref);
        await redis.set(k('done', key), ref.headSha, 'EX', 7 * DAY_S);
      },
      { connection, concurrency: options.concurrency ?? 2, lockDuration: options.lockMs ?? 120_000, maxStalledCount: 2 },
    );
    // A head that came in while the job ran (the webhook saw it active): a job of its own now.
    const after = async (key: string) => {
      const [ref, ran] = await Promise.all([latest(key), redis.get(k('ran', key))]);
      if (ref && ref.headSha !== ran) await add(key);
    };
    worker.on('completed', (job) => void after((job.data as { key: string }).key).catch((e) => options.onError?.(undefined, e)));
    worker.on('failed', (job, e) => {
      options.onError?.(undefined, e);
      if (job) void after((job.data as { key: string }).key).catch((e2) => options.onError?.(undefined, e2));
    });
    let lastError = '';
    worker.on('error', (e) => {
      if (e.message !== lastError) options.onError?.(undefined, e); // not once per reconnect attempt
      lastError = e.message;
    });
  }

  return {
    enqueue: async (ref, deliveryId) => {
      await ready;
      if (!(await redis.set(`lockcheck:pr:delivery:${deliveryId}`, '1', 'EX', DAY_S, 'NX'))) return 'duplicate-delivery';
      const key = prKey(ref);
      const before = await latest(key);
      if ((await redis.get(k('done', key))) === ref.headSha) return 'duplicate-head';
      await redis.set(k('latest', key), JSON.stringify(ref), 'EX', 30 * DAY_S);
      const job = await queue.getJob(jobIdOf(key));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'active') return (await redis.get(k('ran', key))) === ref.headSha ? 'duplicate-head' : 'after-running-job';
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') return before?.headSha === ref.headSha ? 'duplicate-head' : 'replaced-queued-head';
      await add(key);
      return 'queued';
    },
    close: async () => {
      await worker?.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
