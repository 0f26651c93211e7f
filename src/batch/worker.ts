// Piscina worker (loaded from dist/): one message job per task. tree-sitter trees free their
// native memory only after a GC and a turn of the event loop: collect every few MB of input.
import { releaseNativeMemory } from '../engine/native-memory.js';
import { runMessageJob, type MessageJob } from './job.js';
import type { MessageRecord } from './record.js';

export default async function run(job: MessageJob): Promise<MessageRecord> {
  const r = await runMessageJob(job);
  // Only analyzed patches were parsed (their fragments or images are at most a few times the mail).
  if (r.status === 'analyzed') await releaseNativeMemory(job.raw.bytes.byteLength);
  return r;
}
