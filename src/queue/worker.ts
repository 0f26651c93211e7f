// `lockcheck worker`: takes batch message jobs off the shared queue and runs each in a worker
// thread (BullMQ's sandbox), so this process's event loop stays free to renew job locks. A
// worker that dies mid-job loses its lock; another worker's stalled-job check puts the job back
// and it is run again, so the writer still gets exactly one result per message.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { checkReachable, connectionFor } from './connection.js';
import { MBOX_QUEUE, type QueuedMessage } from './mbox-jobs.js';
import type { MessageRecord } from '../batch/record.js';

export interface WorkerOptions {
  url: string;
  /** Jobs at once (worker threads). */
  concurrency?: number;
  /** How long a job's lock lasts unrenewed: how soon a dead worker's job is run again. */
  lockMs?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Waits for the jobs under way, then disconnects. */
  close: () => Promise<void>;
}

const HEAP_MB = Number(process.env.LOCKCHECK_WORKER_HEAP_MB ?? 256);

async function processorFor(): Promise<string | ((job: { data: QueuedMessage }) => Promise<MessageRecord>)> {
  const here = fileURLToPath(import.meta.url);
  const p = here.replace(/worker\.(js|ts)$/, 'processor.js');
  if (here.endsWith('.js') && existsSync(p)) return p;
  return (await import('./processor.js')).default; // TypeScript sources: in this thread
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  await checkReachable(opts.url);
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker(MBOX_QUEUE, await processorFor(), {
    connection: connectionFor(opts.url),
    concurrency: Math.max(1, opts.concurrency ?? 1),
    useWorkerThreads: true,
    workerThreadsOptions: { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 16 } },
    lockDuration,
    stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    maxStalledCount: 2,
  });
  const log = opts.log;
  worker.on('error', (e) => log?.(`error: ${e.message}`));
  if (log) {
    worker.on('active', (job) => log(`${job.id} started #${(job.data as QueuedMessage).raw.index}`));
    worker.on('completed', (job) => log(`${job.id} done`));
    worker.on('failed', (job, e) => log(`${job?.id ?? '?'} failed: ${e.message}`));
  }
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
