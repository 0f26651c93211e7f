// GitHub's rate limits as the App meets them: each failed call is retried after the wait GitHub
// names (retry-after / x-ratelimit-reset), and the run completes as if nothing happened.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, rateLimitWaitMs } from '../../src/app/rate-limit.js';
import { createFakeAnalyzer } from './helpers/fake-analyzer.js';
import { pullRequestPayload, startHarness } from './helpers/harness.js';
import type { Harness } from './helpers/harness.js';
import { commit, FILE, openPull, sourceWith } from './helpers/scenario.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('rate limits', () => {
  it('retries 403 (x-ratelimit-remaining: 0), 403 secondary, 429 with retry-after and 5xx with backoff, and succeeds', async () => {
    h = await startHarness({ analyzer: createFakeAnalyzer() });
    const base = commit('rl-base', { [FILE]: sourceWith({}) });
    const head = commit('rl-head', { [FILE]: sourceWith({ 100: 'BUG(a,lock-order,error)' }) });
    openPull(h.github, 51, base, head, { [FILE]: [100] });
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    h.github.faults.push(
      { method: 'POST', path: /\/check-runs$/, status: 403, times: 1, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded for installation ID 4242.' } },
      { method: 'GET', path: /\/pulls\/51\/files$/, status: 502, times: 1, body: { message: 'Server Error' } },
      { method: 'POST', path: /\/pulls\/51\/reviews$/, status: 429, times: 1, headers: { 'retry-after': '1' }, body: { message: 'Too many requests' } },
      { method: 'PATCH', path: /\/check-runs\/\d+$/, status: 403, times: 1, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' } },
    );
    await h.send('pull_request', pullRequestPayload('opened', { number: 51, headSha: head.sha, baseSha: base.sha }));
    await h.queue.idle();

    const gapAfterFailure = (method: string, path: RegExp): number => {
      const calls = h!.github.callsTo(method, path);
      const failed = calls.findIndex((c) => c.status >= 400);
      expect(failed).toBeGreaterThanOrEqual(0);
      const retry = calls[failed + 1];
      expect(retry, `${method} ${path} was retried`).toBeDefined();
      expect(retry!.status).toBeLessThan(300);
      return retry!.at - calls[failed]!.at;
    };
    expect(gapAfterFailure('POST', /\/check-runs$/)).toBeGreaterThanOrEqual(900);
    expect(gapAfterFailure('GET', /\/pulls\/51\/files$/)).toBeGreaterThanOrEqual(900);
    expect(gapAfterFailure('POST', /\/pulls\/51\/reviews$/)).toBeGreaterThanOrEqual(900);
    expect(gapAfterFailure('PATCH', /\/check-runs\/\d+$/)).toBeGreaterThanOrEqual(900);
    expect(h.github.faults.every((f) => f.times === 0)).toBe(true);

    // And the run completed as usual, once.
    expect(h.github.checkRuns).toHaveLength(1);
    expect(h.github.checkRuns[0]!.conclusion).toBe('failure');
    expect(h.github.reviews).toHaveLength(1);
    expect(h.github.reviewComments).toHaveLength(1);
    expect(h.github.issueComments).toHaveLength(1);
  });
});

describe('rateLimitWaitMs', () => {
  const err = (status: number, headers: Record<string, string>, message = 'x') => ({ status, message, response: { headers } });
  it('reads retry-after, x-ratelimit-reset, and backs off exponentially otherwise, capped', () => {
    const now = 1_700_000_000_000;
    expect(rateLimitWaitMs(err(429, { 'retry-after': '3' }), 0, DEFAULT_RETRY_POLICY, now)).toBe(3000);
    expect(rateLimitWaitMs(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), 0, DEFAULT_RETRY_POLICY, now)).toBe(11_000);
    expect(rateLimitWaitMs(err(403, {}, 'You have exceeded a secondary rate limit'), 2, DEFAULT_RETRY_POLICY, now)).toBe(4000);
    expect(rateLimitWaitMs(err(429, { 'retry-after': '86400' }), 0, DEFAULT_RETRY_POLICY, now)).toBe(DEFAULT_RETRY_POLICY.maxWaitMs);
    expect(rateLimitWaitMs(err(403, {}, 'Resource not accessible by integration'), 0, DEFAULT_RETRY_POLICY, now)).toBeUndefined();
    expect(rateLimitWaitMs(err(404, { 'retry-after': '1' }), 0, DEFAULT_RETRY_POLICY, now)).toBeUndefined();
  });
});
