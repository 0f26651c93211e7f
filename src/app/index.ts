// The lockcheck GitHub App: `probot run ./dist/app/index.js` (npm start).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFunction, Probot } from 'probot';
import { analyzePullRequest } from './analyze-pr.js';
import { runPullRequestJob } from './job.js';
import type { JobOutcome } from './job.js';
import { JobQueue } from './queue.js';
import { DEFAULT_RETRY_POLICY, withRateLimitRetry } from './rate-limit.js';
import type { RetryPolicy } from './rate-limit.js';
import { TreeCache } from './tree-cache.js';
import type { Octokit } from './github.js';
import { startSharedPrQueue } from '../queue/pr-queue.js';
import type { PullRequestAnalyzer, PullRequestRef } from './types.js';

export type { PullRequestAnalyzer } from './types.js';
export { LockcheckConfigSchema, parseConfig } from '../config/schema.js';

export const PULL_REQUEST_EVENTS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'] as const;

export interface AppOptions {
  analyzer?: PullRequestAnalyzer;
  /** Where trees are cached per commit (default `$LOCKCHECK_CACHE_DIR` or the temp dir). */
  cacheDir?: string;
  trees?: TreeCache;
  queue?: JobQueue;
  retryPolicy?: RetryPolicy;
  /** `redis://HOST:PORT` (default `$LOCKCHECK_QUEUE`): jobs go to a queue every App instance on it shares. */
  sharedQueue?: string;
  /** Called after each job (tests and the bench observe the App with it). */
  onJobDone?: (ref: PullRequestRef, outcome: JobOutcome | { kind: 'error'; error: unknown }) => void;
}

type Log = { info: (m: string) => void; warn: (m: string) => void; error: (o: object, m: string) => void };
const refName = (r: PullRequestRef) => `${r.owner}/${r.repo}#${r.number}@${r.headSha.slice(0, 12)}`;

interface PrPayload {
  pull_request: { number: number; head: { sha: string }; base: { sha: string } };
  repository: { name: string; owner: { login: string } };
  installation?: { id: number };
}

function refOf(p: PrPayload): PullRequestRef {
  return {
    owner: p.repository.owner.login,
    repo: p.repository.name,
    number: p.pull_request.number,
    headSha: p.pull_request.head.sha,
    baseSha: p.pull_request.base.sha,
    ...(p.installation ? { installationId: p.installation.id } : {}),
  };
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    const analyzer = options.analyzer ?? analyzePullRequest;
    const trees = options.trees ?? new TreeCache(options.cacheDir ?? process.env.LOCKCHECK_CACHE_DIR ?? join(tmpdir(), 'lockcheck-trees'));
    const queue = options.queue ?? new JobQueue();
    const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;

    const runJob = async (ref: PullRequestRef, octokit: Octokit, log: Log): Promise<void> => {
      const name = refName(ref);
      try {
        const outcome = await runPullRequestJob({ analyzer, trees, log: { info: (m) => log.info(m), warn: (m) => log.warn(m) } }, octokit, ref);
        log.info(`${name}: ${outcome.kind}`);
        options.onJobDone?.(ref, outcome);
      } catch (error) {
        log.error({ err: error }, `${name}: analysis failed`);
        options.onJobDone?.(ref, { kind: 'error', error });
        throw error;
      }
    };
    const sharedUrl = options.sharedQueue ?? process.env.LOCKCHECK_QUEUE;
    const shared = sharedUrl
      ? startSharedPrQueue(
          sharedUrl,
          async (ref) => runJob(ref, withRateLimitRetry((await app.auth(ref.installationId)) as unknown as Octokit, policy, (m) => app.log.warn(m)), app.log),
          { onError: (_ref, e) => app.log.error({ err: e }, `shared queue: ${e instanceof Error ? e.message : String(e)}`) },
        )
      : undefined;

    app.on([...PULL_REQUEST_EVENTS], async (context) => {
      const ref = refOf(context.payload);
      const label = `${context.name}.${context.payload.action} ${refName(ref)}`;
      if (shared) {
        context.log.info(`${label}: ${await shared.enqueue(ref, context.id)} (shared queue)`);
        return;
      }
      const octokit = withRateLimitRetry(context.octokit, policy, (m) => context.log.warn(m));
      const status = queue.enqueue({
        deliveryId: context.id,
        serialKey: `${ref.owner}/${ref.repo}`,
        dedupeKey: `${ref.owner}/${ref.repo}#${ref.number}@${ref.headSha}`,
        supersedeKey: `${ref.owner}/${ref.repo}#${ref.number}`,
        run: () => runJob(ref, octokit, context.log),
      });
      context.log.info(`${label}: ${status}`);
    });
  };
}

const lockcheckApp: ApplicationFunction = createApp();
export default lockcheckApp;
