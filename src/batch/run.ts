// `lockcheck mbox`: every message of one or more archives through ingest and patch analysis,
// one job per message on a piscina pool (worker threads from dist/, in-process when running
// from TypeScript sources) or on a shared Redis queue (`--queue`, src/queue/: records written
// in input order), JSON Lines out, resumable, with series marks and replies at the end.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanHeaders } from '../mail/message.js';
import { writeReplies } from '../reply/write.js';
import type { AnalysisSettings, MessageJob } from './job.js';
import runInProcess from './worker.js';
import { JsonlWriter, readExisting, rewriteAll } from './jsonl.js';
import { batchProgress, type BatchProgress, type Counts } from './progress.js';
import type { MessageRecord } from './record.js';
import { markSeries } from './series-marks.js';
import { countMessages, rawMessages } from './sources.js';
import { summarize, type BatchSummary } from './summary.js';

export interface BatchOptions {
  archives: string[];
  settings: AnalysisSettings;
  /** Worker threads (default: all cores). */
  jobs?: number;
  out?: string;
  resume?: boolean;
  /** Messages dated before this are recorded `skipped`/`before-since`. */
  since?: Date;
  replyDir?: string;
  bot?: string;
  /** Also mail findings made from the hunks alone (no tree); default: only tree-backed ones. */
  replyHunkOnly?: boolean;
  progress?: BatchProgress | false;
  /** Stop dispatching after this many new messages (tests: an interrupted run). */
  limit?: number;
  /** `redis://HOST:PORT`: jobs go to `lockcheck worker` processes instead of local threads. */
  queue?: string;
}

export interface BatchResult {
  summary: BatchSummary;
  records: MessageRecord[];
  /** Messages found done in the existing results file and not redone. */
  resumed: number;
  truncatedTail: boolean;
  /** Replies not written again because the reply directory's sent.log has the patch. */
  alreadySent?: number;
  replies: string[];
  /** With a queue: jobs a worker died holding, run again by another. */
  requeued?: number;
}

function workerPath(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined; // TypeScript sources (tests): in-process
  const p = here.replace(/run\.js$/, 'worker.js');
  return existsSync(p) ? p : undefined;
}

const WORKER_HEAP_MB = Number(process.env.LOCKCHECK_WORKER_HEAP_MB ?? 256);

interface Runner {
  run: (job: MessageJob, messageId: string, occurrence: number) => Promise<MessageRecord>;
  close: () => Promise<void>;
  parallel: number;
  /** Records are accepted in input order, and each job released once written (the queue). */
  release?: (job: MessageJob) => Promise<void>;
  stalled?: () => number;
}

/** Messages the queue writer keeps under way (queued, running or finished but not yet written). */
const QUEUE_WINDOW = 256;

async function makeRunner(jobs: number, queue?: string): Promise<Runner> {
  if (queue) {
    const { queueRunner } = await import('../queue/mbox-runner.js');
    const q = await queueRunner(queue);
    return { ...q, parallel: QUEUE_WINDOW / 16 };
  }
  const wp = workerPath();
  if (!wp || jobs <= 1) return { run: runInProcess, close: async () => {}, parallel: 1 };
  const { Piscina } = await import('piscina');
  // Capped worker heaps keep the whole run under 1 GB; a message that needs more fails alone
  // (`worker-error`), the worker is replaced.
  const pool = new Piscina({
    filename: wp,
    maxThreads: jobs,
    minThreads: jobs,
    idleTimeout: 2000,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
  });
  return {
    // A fresh, exactly-sized copy that is transferred: a view into a large chunk would make
    // structured clone copy the whole chunk.
    run: (job) => {
      const bytes = new Uint8Array(job.raw.bytes);
      return pool.run({ ...job, raw: { ...job.raw, bytes } }, { transferList: [bytes.buffer] }) as Promise<MessageRecord>;
    },
    close: () => pool.destroy(),
    parallel: jobs,
  };
}

function failedRecord(job: MessageJob, reason: string, detail: string): MessageRecord {
  const h = scanHeaders(Buffer.from(job.raw.bytes));
  return {
    messageId: h.messageId, subject: h.subject, status: 'failed', reason, detail, findings: [],
    source: job.raw.source ?? '', index: job.raw.index, from: h.fromAddress, date: h.date, inReplyTo: h.inReplyTo, references: h.references, ms: 0,
  };
}

export async function runBatch(opts: BatchOptions): Promise<BatchResult> {
  const t0 = performance.now();
  const existing = opts.resume && opts.out ? readExisting(opts.out) : { records: [], truncatedTail: false, badLines: 0 };
  const doneCount = new Map<string, number>();
  for (const r of existing.records) doneCount.set(r.messageId, (doneCount.get(r.messageId) ?? 0) + 1);
  const seen = new Map<string, number>();
  const records: MessageRecord[] = [...existing.records];
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const runner = await makeRunner(jobs, opts.queue);
  const writer = opts.out ? new JsonlWriter(opts.out, !!opts.resume) : null;
  const counts: Counts = { done: 0, patches: 0, findings: 0, failed: 0, skippedResume: 0 };
  const progress = opts.progress === false ? undefined : (opts.progress ?? batchProgress());
  // the total for a percentage and an ETA, counted beside the run (the From lines only)
  if (progress?.total) {
    const set = progress.total.bind(progress);
    void countMessages(opts.archives).then((n) => n !== undefined && set(n), () => undefined);
  }
  const maxInflight = runner.parallel * 16;
  const inflight = new Set<Promise<void>>();
  const accept = (r: MessageRecord): void => {
    records.push(r);
    writer?.write(r);
    counts.done++;
    if (r.status === 'analyzed') counts.patches++;
    if (r.status === 'failed') counts.failed++;
    counts.findings += r.findings.length;
    progress?.update(counts);
  };
  // In input order when the runner asks for it: results wait here for the ones before them.
  const inOrder = !!runner.release;
  const held = new Map<number, { r: MessageRecord; job?: MessageJob }>();
  const releases: Promise<void>[] = [];
  let nextSeq = 0;
  let written = 0;
  const deliver = (seq: number, r: MessageRecord, job?: MessageJob): void => {
    if (!inOrder) return accept(r);
    held.set(seq, { r, ...(job ? { job } : {}) });
    for (let e = held.get(written); e; e = held.get(written)) {
      held.delete(written++);
      accept(e.r);
      if (e.job) releases.push(runner.release!(e.job).catch(() => undefined));
    }
  };
  let dispatched = 0;
  try {
    outer: for (const archive of opts.archives) {
      let iter: AsyncGenerator<import('../mail/types.js').RawMessage>;
      try {
        iter = rawMessages(archive, opts.settings.maxMessageBytes);
      } catch (e) {
        throw new Error(`${archive}: ${(e as Error).message}`);
      }
      for await (const raw of iter) {
        const h = scanHeaders(raw.bytes);
        const n = (seen.get(h.messageId) ?? 0) + 1;
        seen.set(h.messageId, n);
        if (n <= (doneCount.get(h.messageId) ?? 0)) {
          counts.skippedResume++;
          continue;
        }
        if (opts.limit !== undefined && dispatched >= opts.limit) break outer;
        dispatched++;
        const seq = nextSeq++;
        if (opts.since) {
          const t = Date.parse(h.date);
          if (!Number.isNaN(t) && t < opts.since.getTime()) {
            deliver(seq, {
              messageId: h.messageId, subject: h.subject, status: 'skipped', reason: 'before-since', findings: [], source: raw.source ?? archive,
              index: raw.index, from: h.fromAddress, date: h.date, inReplyTo: h.inReplyTo, references: h.references, ms: 0,
            });
            continue;
          }
        }
        const job: MessageJob = {
          raw: {
            index: raw.index,
            bytes: raw.bytes,
            source: raw.source ?? archive,
            ...(raw.offset !== undefined ? { offset: raw.offset } : {}),
            ...(raw.oversize !== undefined ? { oversize: raw.oversize } : {}),
            ...(raw.sizeLimit !== undefined ? { sizeLimit: raw.sizeLimit } : {}),
            ...(raw.truncated ? { truncated: true } : {}),
            ...(raw.error ? { error: raw.error } : {}),
          },
          settings: opts.settings,
        };
        const p: Promise<void> = runner
          .run(job, h.messageId, n)
          .catch((e: unknown) => failedRecord(job, 'worker-error', e instanceof Error ? e.message : String(e)))
          .then((r) => deliver(seq, r, job))
          .finally(() => inflight.delete(p));
        inflight.add(p);
        while (inflight.size && (inflight.size >= maxInflight || (inOrder && nextSeq - written >= maxInflight))) await Promise.race(inflight);
      }
    }
    await Promise.all(inflight);
    await Promise.all(releases);
  } finally {
    await runner.close();
    writer?.close();
  }
  progress?.stop(counts);
  // Series and already-reported marks need every record: done once at the end.
  const order = new Map(opts.archives.map((a, i) => [a, i]));
  records.sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0) || a.index - b.index);
  const marks = markSeries(records);
  if (opts.out) rewriteAll(opts.out, records);
  let replies: string[] = [];
  let alreadySent = 0;
  if (opts.replyDir) {
    const w = writeReplies(records, opts.replyDir, { ...(opts.bot ? { bot: opts.bot } : {}), hunkOnly: !!opts.replyHunkOnly }, (r) => r.findings.filter((f) => f.change === 'introduced' && !f.extra?.alreadyReportedIn));
    replies = w.written;
    alreadySent = w.alreadySent.length;
  }
  const summary = summarize(records, marks.series, (performance.now() - t0) / 1000);
  const requeued = runner.stalled?.();
  return { summary, records, resumed: counts.skippedResume, truncatedTail: existing.truncatedTail, replies, alreadySent, ...(requeued ? { requeued } : {}) };
}
