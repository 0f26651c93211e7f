// A batch message job as queue data: the raw bytes in base64 (BullMQ stores JSON), and a job id
// derived from the message's identity (settings, Message-ID, which occurrence of it, content),
// so enqueueing the same message again (a resumed writer) finds the job already there.
import { createHash } from 'node:crypto';
import type { MessageJob } from '../batch/job.js';

export const MBOX_QUEUE = 'lockcheck-mbox';

export interface QueuedMessage {
  raw: Omit<MessageJob['raw'], 'bytes'> & { bytes: string };
  settings: MessageJob['settings'];
}

export function encodeJob(job: MessageJob): QueuedMessage {
  const b = job.raw.bytes;
  return { raw: { ...job.raw, bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') }, settings: job.settings };
}

export function decodeJob(q: QueuedMessage): MessageJob {
  const bytes = Buffer.from(q.raw.bytes, 'base64');
  return { raw: { ...q.raw, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }, settings: q.settings };
}

/** `m-<hex>`: one id per (settings, Message-ID, occurrence, bytes). */
export function messageJobId(job: MessageJob, messageId: string, occurrence: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(job.settings)).update('\0').update(messageId).update('\0').update(String(occurrence)).update('\0');
  h.update(job.raw.bytes);
  return `m-${h.digest('hex').slice(0, 40)}`;
}
