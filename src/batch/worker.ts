// Piscina worker (loaded from dist/): one message job per task.
import { runMessageJob, type MessageJob } from './job.js';
import type { MessageRecord } from './record.js';

export default function run(job: MessageJob): Promise<MessageRecord> {
  return runMessageJob(job);
}
