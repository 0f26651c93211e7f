// The writer's side of `lockcheck mbox --queue`: each message becomes a queue job (id from its
// identity, so a resumed writer re-adding it finds the job, finished or not), the writer waits
// for its result and removes the job once the record is written.
import { Queue, QueueEvents } from 'bullmq';
import type { MessageJob } from '../batch/job.js';
import type { MessageRecord } from '../batch/record.js';
import { checkReachable, connectionFor } from './connection.js';
import { encodeJob, MBOX_QUEUE, messageJobId } from './mbox-jobs.js';

export interface QueueRunner {
  run: (job: MessageJob, messageId: string, occurrence: number) => Promise<MessageRecord>;
  /** The job's record is written: its queue entry can go. */
  release: (job: MessageJob) => Promise<void>;
  close: () => Promise<void>;
  /** Jobs a worker died holding, put back and run again (QueueEvents `stalled`). */
  stalled: () => number;
}

const KEEP_S = 7 * 24 * 3600; // finished jobs no writer collected are dropped after a week

export async function queueRunner(url: string): Promise<QueueRunner> {
  await checkReachable(url);
  const connection = connectionFor(url);
  const queue = new Queue(MBOX_QUEUE, { connection });
  const events = new QueueEvents(MBOX_QUEUE, { connection });
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  // Once reachable, a lost connection is retried (ioredis): the writer waits, it does not crash.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  let stalled = 0;
  events.on('stalled', () => stalled++);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const ids = new WeakMap<MessageJob, string>();
  return {
    run: async (job, messageId, occurrence) => {
      const jobId = messageJobId(job, messageId, occurrence);
      ids.set(job, jobId);
      const j = await queue.add('message', encodeJob(job), { jobId, attempts: 1, removeOnComplete: { age: KEEP_S }, removeOnFail: { age: KEEP_S } });
      return (await j.waitUntilFinished(events)) as MessageRecord;
    },
    release: async (job) => {
      const id = ids.get(job);
      if (id) await queue.remove(id);
    },
    close: async () => {
      await events.close();
      await queue.close();
    },
    stalled: () => stalled,
  };
}
