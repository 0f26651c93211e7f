// BullMQ sandboxed processor (a worker thread of `lockcheck worker`, loaded from dist/): one
// message job, the same code as a batch pool thread. It never throws for a bad message: the
// record says `failed` with the reason, as in-process.
import run from '../batch/worker.js';
import type { MessageRecord } from '../batch/record.js';
import { decodeJob, type QueuedMessage } from './mbox-jobs.js';

export default async function process(job: { data: QueuedMessage }): Promise<MessageRecord> {
  return run(decodeJob(job.data));
}
