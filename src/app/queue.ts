// The in-process job queue: webhooks are answered at once, analyses run here, one at a
// time per repository, and a redelivered webhook or a repeated head SHA runs nothing twice.

export interface QueuedJob {
  /** `x-github-delivery` of the webhook that asked for it. */
  deliveryId: string;
  /** Jobs with one key run one after another (`owner/repo`). */
  serialKey: string;
  /** Jobs with one dedupe key run once (`owner/repo#number@headSha`). */
  dedupeKey: string;
  /** Jobs with one supersede key (`owner/repo#number`): a queued job is skipped when a later one arrived. */
  supersedeKey?: string;
  run: () => Promise<void>;
}

export type EnqueueResult = 'queued' | 'duplicate-delivery' | 'duplicate-head';

export interface JobQueueOptions {
  /** Jobs of different repositories running at once. */
  concurrency?: number;
  /** How many delivery ids / dedupe keys to remember. */
  memory?: number;
  onError?: (job: QueuedJob, error: unknown) => void;
}

class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.items.has(k);
  }
  add(k: string): void {
    this.items.delete(k);
    this.items.add(k);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value as string);
  }
  delete(k: string): void {
    this.items.delete(k);
  }
}

export class JobQueue {
  private readonly deliveries: BoundedSet;
  private readonly heads: BoundedSet;
  private readonly latest = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  readonly stats = { queued: 0, ran: 0, failed: 0, skipped: 0 };

  constructor(private readonly options: JobQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    const memory = options.memory ?? 5000;
    this.deliveries = new BoundedSet(memory);
    this.heads = new BoundedSet(memory);
  }

  enqueue(job: QueuedJob): EnqueueResult {
    if (this.deliveries.has(job.deliveryId)) return 'duplicate-delivery';
    this.deliveries.add(job.deliveryId);
    if (this.heads.has(job.dedupeKey)) return 'duplicate-head';
    this.heads.add(job.dedupeKey);
    if (job.supersedeKey) this.latest.set(job.supersedeKey, job.dedupeKey);
    this.stats.queued++;
    this.pending++;
    const previous = this.chains.get(job.serialKey) ?? Promise.resolve();
    const next = previous.then(() => this.execute(job));
    this.chains.set(job.serialKey, next);
    void next.then(() => {
      if (this.chains.get(job.serialKey) === next) this.chains.delete(job.serialKey);
    });
    return 'queued';
  }

  private async execute(job: QueuedJob): Promise<void> {
    await this.slot();
    try {
      if (job.supersedeKey && this.latest.get(job.supersedeKey) !== job.dedupeKey) {
        this.stats.skipped++;
        return;
      }
      await job.run();
      this.stats.ran++;
    } catch (e) {
      this.stats.failed++;
      // Let a later delivery for the same head try again.
      this.heads.delete(job.dedupeKey);
      this.options.onError?.(job, e);
    } finally {
      this.running--;
      this.waiting.shift()?.();
      this.pending--;
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get size(): number {
    return this.pending;
  }
}
