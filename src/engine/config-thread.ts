// The later build configurations of a multi-architecture tree on a worker thread, while the
// main thread analyses the first (largest) one. The worker is sent the extracted facts once,
// builds its own program of the first configuration (no checkers) to reuse summaries from,
// and returns per later configuration what `mergeRuns` needs: its findings, the keys it reused
// and the file of each function key. Its programs stay there: findings that first show up in
// them are sent back to be confirmed against them.
import { Worker } from 'node:worker_threads';
import type { FileFacts } from '../frontend/file-facts.js';
import type { Finding } from '../report/finding.js';
import type { Configuration } from './configurations.js';
import type { ConfigOptions, ConfigRun } from './per-config.js';
import type { CheckerOptions } from './run-checkers.js';
import { restoreFiles, stripFiles } from './transfer.js';

/** Everything the worker needs, structured-clone friendly (plain data, no functions). */
export interface ConfigJob {
  facts: FileFacts[];
  configs: Configuration[];
  rulesDirs: string[];
  opts: CheckerOptions & ConfigOptions;
  /** Whether findings are confirmed (the worker then keeps its programs). */
  confirm: boolean;
  /** `performance.timeOrigin + performance.now()` when sent: the worker reports the latency. */
  sentAt: number;
}

/** One later configuration's run as the worker returns it. */
export interface RemoteRun {
  config: Configuration;
  /** The configuration whose program this one reused functions from. */
  base?: string;
  findings: Finding[];
  seconds?: number;
  ownFiles: string[];
  reused?: string[];
  /** [key, file] of every function of its program. */
  functions: [string, string][];
  files: number;
}

export interface RunsReply {
  type: 'runs';
  runs: RemoteRun[];
  skipped: string[];
  /** Milliseconds from sending the facts to the worker having them (queueing and deserializing). */
  receivedMs: number;
  /** Milliseconds the worker spent on its own program of the first configuration. */
  baseMs: number;
  /** The worker thread's CPU seconds when it had the facts, its first program and its runs (0 where unknown). */
  cpu: number[];
}

export type ToWorker = { type: 'job'; job: ConfigJob } | { type: 'confirm'; byConfig: [string, Finding[]][] } | { type: 'close' };
export type FromWorker = RunsReply | { type: 'confirmed'; findings: Finding[] } | { type: 'error'; message: string };

/** Turns a worker's run back into a `ConfigRun` whose base is one of `earlier`. */
export function fromRemote(r: RemoteRun, earlier: ConfigRun[]): ConfigRun {
  const base = r.base === undefined ? undefined : earlier.find((e) => e.shape.config === r.base);
  if (r.base !== undefined && !base) throw new Error(`configuration thread: base ${r.base} of ${r.config.name} is not an earlier run`);
  return {
    shape: { config: r.config.name, ...(r.reused ? { reused: new Set(r.reused) } : {}), fileOf: new Map(r.functions), files: r.files },
    findings: r.findings,
    config: r.config,
    ...(base ? { base } : {}),
    ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
    ownFiles: new Set(r.ownFiles),
  };
}

export class ConfigThread {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | undefined;
  /** Main-thread milliseconds spent handing the facts over (strip, clone, restore). */
  readonly sendMs: number;

  constructor(file: string, job: Omit<ConfigJob, 'sentAt'>) {
    this.worker = new Worker(file);
    this.worker.on('message', (m: FromWorker) => {
      const w = this.waiting.shift();
      if (!w) return;
      if (m.type === 'error') w.reject(new Error(`configuration thread: ${m.message}`));
      else w.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', (code) => fail(new Error(`configuration thread exited (code ${code})`)));
    const t = performance.now();
    // every event's loc.file is its function's file: blanked for the clone (transfer.ts)
    stripFiles(job.facts);
    try {
      this.post({ type: 'job', job: { ...job, sentAt: performance.timeOrigin + performance.now() } });
    } catch (e) {
      void this.close();
      throw e;
    } finally {
      restoreFiles(job.facts);
    }
    this.sendMs = performance.now() - t;
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private reply(): Promise<FromWorker> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** The later configurations' runs, once the worker has them. */
  async runs(): Promise<RunsReply> {
    const m = await this.reply();
    if (m.type !== 'runs') throw new Error(`configuration thread: unexpected ${m.type}`);
    return m;
  }

  /** Confirms each configuration's findings against that configuration's program there. */
  async confirm(byConfig: [string, Finding[]][]): Promise<Finding[]> {
    const p = this.reply();
    this.post({ type: 'confirm', byConfig });
    const m = await p;
    if (m.type !== 'confirmed') throw new Error(`configuration thread: unexpected ${m.type}`);
    return m.findings;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.worker.on('exit', () => {});
    await this.worker.terminate();
  }
}
