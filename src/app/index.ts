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
  /** Called after each job (tests and the bench observe the App with it). */
  onJobDone?: (ref: PullRequestRef, outcome: JobOutcome | { kind: 'error'; error: unknown }) => void;
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    const analyzer = options.analyzer ?? analyzePullRequest;
    const trees = options.trees ?? new TreeCache(options.cacheDir ?? process.env.LOCKCHECK_CACHE_DIR ?? join(tmpdir(), 'lockcheck-trees'));
    const queue = options.queue ?? new JobQueue();
    const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;

    app.on([...PULL_REQUEST_EVENTS], async (context) => {
      const { pull_request: pr, repository } = context.payload;
      const ref: PullRequestRef = {
        owner: repository.owner.login,
        repo: repository.name,
        number: pr.number,
        headSha: pr.head.sha,
        baseSha: pr.base.sha,
        ...(context.payload.installation ? { installationId: context.payload.installation.id } : {}),
      };
      const name = `${ref.owner}/${ref.repo}#${ref.number}@${ref.headSha.slice(0, 12)}`;
      const octokit = withRateLimitRetry(context.octokit, policy, (m) => context.log.warn(m));
      const status = queue.enqueue({
        deliveryId: context.id,
        serialKey: `${ref.owner}/${ref.repo}`,
        dedupeKey: `${ref.owner}/${ref.repo}#${ref.number}@${ref.headSha}`,
        supersedeKey: `${ref.owner}/${ref.repo}#${ref.number}`,
        run: async () => {
          try {
            const outcome = await runPullRequestJob({ analyzer, trees, log: { info: (m) => context.log.info(m), warn: (m) => context.log.warn(m) } }, octokit, ref);
            context.log.info(`${name}: ${outcome.kind}`);
            options.onJobDone?.(ref, outcome);
          } catch (error) {
            context.log.error({ err: error }, `${name}: analysis failed`);
            options.onJobDone?.(ref, { kind: 'error', error });
            throw error;
          }
        },
      });
      context.log.info(`${context.name}.${context.payload.action} ${name}: ${status}`);
    });
  };
}

const lockcheckApp: ApplicationFunction = createApp();
export default lockcheckApp;
