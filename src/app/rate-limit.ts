// Bounded retries for GitHub's rate limits on top of Probot's Octokit (which brings
// @octokit/plugin-throttling and @octokit/plugin-retry). Probot's throttling retries a primary
// limit (403, x-ratelimit-remaining: 0) twice but never a secondary one, and plugin-retry
// backs off on 429 without reading `retry-after`; this outermost hook closes both gaps.

import type { Octokit } from './github.js';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** No single wait is longer than this. */
  maxWaitMs: number;
  /** Base of the exponential backoff when GitHub names no wait. */
  baseMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, maxWaitMs: 60_000, baseMs: 1_000 };

interface ErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** How long to wait before retrying `error`, or undefined if it is not a rate limit. */
export function rateLimitWaitMs(error: unknown, attempt: number, policy: RetryPolicy, now = Date.now()): number | undefined {
  const e = error as ErrorLike;
  const headers = e.response?.headers ?? {};
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return v === undefined ? undefined : String(v);
  };
  const retryAfter = Number(header('retry-after'));
  const isPrimary = e.status === 403 && header('x-ratelimit-remaining') === '0';
  const isSecondary = (e.status === 403 || e.status === 429) && (/secondary rate|abuse/i.test(e.message ?? '') || e.status === 429 || header('retry-after') !== undefined);
  if (!isPrimary && !isSecondary) return undefined;
  let wait: number;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) wait = retryAfter * 1000;
  else if (isPrimary && header('x-ratelimit-reset')) wait = Number(header('x-ratelimit-reset')) * 1000 - now + 1000;
  else wait = policy.baseMs * 2 ** attempt;
  return Math.min(policy.maxWaitMs, Math.max(0, wait));
}

/** Adds the bounded rate-limit retry to one Octokit instance; returns it. */
export function withRateLimitRetry(octokit: Octokit, policy: RetryPolicy = DEFAULT_RETRY_POLICY, log?: (msg: string) => void): Octokit {
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const wait = attempt < policy.retries ? rateLimitWaitMs(error, attempt, policy) : undefined;
        if (wait === undefined) throw error;
        log?.(`rate limited on ${String(options.method)} ${String(options.url)}: retrying in ${Math.round(wait)} ms (attempt ${attempt + 1}/${policy.retries})`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  });
  return octokit;
}
