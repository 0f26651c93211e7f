// The App as GitHub drives it: signed webhook deliveries to the real probot server, the
// REST API played by a local stand-in that records every call.
import { afterEach, describe, expect, it } from 'vitest';
import { commentableLines } from '../../src/app/diff-lines.js';
import { fingerprintOf } from '../../src/app/review-plan.js';
import { createFakeAnalyzer } from './helpers/fake-analyzer.js';
import { pullRequestPayload, startHarness } from './helpers/harness.js';
import type { Harness } from './helpers/harness.js';
import { commit, FILE, openPull, sourceWith } from './helpers/scenario.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const BASE = commit('base', { [FILE]: sourceWith({ 10: 'BUG(old,lock-order,error)' }), 'README': 'xen-mini\n' });

function markersEvery3(from = 20, count = 120): Record<number, string> {
  const m: Record<number, string> = { 10: 'BUG(old,lock-order,error)' };
  for (let i = 0; i < count; i++) m[from + 3 * i] = `BUG(f${i},${i % 3 === 0 ? 'lock-order' : 'lock-balance'},${i % 2 === 0 ? 'error' : 'warning'})`;
  return m;
}

describe('webhook signature', () => {
  it('rejects a missing or wrong signature and runs nothing', async () => {
    const analyzer = createFakeAnalyzer();
    h = await startHarness({ analyzer });
    const head = commit('head-sig', { [FILE]: sourceWith({ 10: 'BUG(old,lock-order,error)', 100: 'BUG(a,lock-order,error)' }) });
    openPull(h.github, 7, BASE, head, { [FILE]: [100] });
    const payload = pullRequestPayload('opened', { number: 7, headSha: head.sha, baseSha: BASE.sha });

    const missing = await h.send('pull_request', payload, { signature: null });
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.status).toBeLessThan(500);
    const wrong = await h.send('pull_request', payload, { signature: `sha256=${'0'.repeat(64)}` });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
    const otherSecret = await h.send('pull_request', payload, { signature: (await import('./helpers/harness.js')).sign(JSON.stringify(payload), 'not-the-secret') });
    expect(otherSecret.status).toBeGreaterThanOrEqual(400);
    await h.queue.idle();
    expect(h.github.calls).toHaveLength(0);
    expect(analyzer.inputs).toHaveLength(0);

    const good = await h.send('pull_request', payload);
    expect(good.status).toBe(200);
    await h.queue.idle();
    expect(analyzer.inputs).toHaveLength(1);
  });
});

describe('pull request review', () => {
  it('publishes a check run with 120 annotations in batches of at most 50, and comments only on diff lines', async () => {
    const analyzer = createFakeAnalyzer();
    h = await startHarness({ analyzer });
    const markers = markersEvery3();
    markers[250] = 'BUG(hushed,lock-order,error) lockcheck-disable-line lock-order';
    const head = commit('head-120', { [FILE]: sourceWith(markers), 'README': 'xen-mini\n' });
    openPull(h.github, 11, BASE, head, { [FILE]: [100, 200] });

    const started = Date.now();
    const res = await h.send('pull_request', pullRequestPayload('opened', { number: 11, headSha: head.sha, baseSha: BASE.sha }));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000); // answered at once; the analysis runs off the request
    await h.queue.idle();

    // The analyzer saw both extracted trees and the changed files.
    expect(analyzer.inputs).toHaveLength(1);
    expect(analyzer.inputs[0]!.changedFiles).toEqual([FILE]);

    // One check run for the head commit, completed, failing on error-level findings.
    const runs = h.github.checkRuns.filter((r) => r.head_sha === head.sha);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.name).toBe('lockcheck');
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toHaveLength(120); // the suppressed one and the pre-existing one are not there
    const updates = h.github.callsTo('PATCH', /\/check-runs\/\d+$/);
    const sizes = updates.map((u) => u.body.output?.annotations?.length ?? 0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(sizes.filter((n) => n > 0)).toEqual([50, 50, 20]);
    expect(updates.at(-1)!.body.conclusion).toBe('failure');
    for (const u of updates) expect((u.body.output?.summary ?? '').length).toBeLessThanOrEqual(65_535);
    const summary: string = run.output.summary!;
    expect(summary).toContain('CPU0');
    expect(summary).toContain('CPU1');
    expect(summary).toContain('DEADLOCK');
    expect(summary).toMatch(/```text\n/);
    expect(summary).toContain('silenced');
    const levels = new Set(run.annotations.map((a) => a.annotation_level));
    expect(levels).toEqual(new Set(['failure', 'warning']));

    // Inline comments: exactly the findings on lines inside the diff's hunks.
    const patch = h.github.pulls.get(11)!.files[0]!.patch;
    const inDiff = commentableLines(patch);
    const expected = Object.entries(markers)
      .filter(([line, text]) => inDiff.has(Number(line)) && !text.includes('old') && !text.includes('disable'))
      .map(([line]) => Number(line))
      .sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(2);
    expect(h.github.reviews).toHaveLength(1);
    const lines = h.github.reviewComments.map((c) => c.line!).sort((a, b) => a - b);
    expect(lines).toEqual(expected);
    for (const c of h.github.reviewComments) {
      expect(inDiff.has(c.line!)).toBe(true);
      expect(c.body).toMatch(/<!-- lockcheck:fake-f\d+ -->/);
    }

    // One summary comment; each tarball fetched once.
    expect(h.github.issueComments).toHaveLength(1);
    expect(h.github.issueComments[0]!.body).toContain('<!-- lockcheck:summary -->');
    expect(h.github.callsTo('GET', new RegExp(`/tarball/${head.sha}$`))).toHaveLength(1);
    expect(h.github.callsTo('GET', new RegExp(`/tarball/${BASE.sha}$`))).toHaveLength(1);
  });

  it('posts nothing twice on a redelivered webhook, and a re-push edits and resolves instead of repeating', async () => {
    const analyzer = createFakeAnalyzer();
    h = await startHarness({ analyzer });
    const head1 = commit('head-1', { [FILE]: sourceWith({ 10: 'BUG(old,lock-order,error)', 100: 'BUG(a,lock-order,error)', 200: 'BUG(b,lock-order,warning)' }) });
    openPull(h.github, 21, BASE, head1, { [FILE]: [100, 200] });
    const payload1 = pullRequestPayload('opened', { number: 21, headSha: head1.sha, baseSha: BASE.sha });

    expect((await h.send('pull_request', payload1, { deliveryId: 'delivery-1' })).status).toBe(200);
    await h.queue.idle();
    expect(h.github.reviewComments).toHaveLength(2);
    expect(h.github.issueComments).toHaveLength(1);
    const writesAfterFirst = h.github.writes().length;

    // GitHub redelivers the same delivery; then another event for the same head commit.
    expect((await h.send('pull_request', payload1, { deliveryId: 'delivery-1' })).status).toBe(200);
    expect((await h.send('pull_request', pullRequestPayload('ready_for_review', { number: 21, headSha: head1.sha, baseSha: BASE.sha }), { deliveryId: 'delivery-2' })).status).toBe(200);
    await h.queue.idle();
    expect(h.github.writes()).toHaveLength(writesAfterFirst);
    expect(analyzer.inputs).toHaveLength(1);

    // Re-push: `a` fixed, `b` unchanged, `c` new.
    const head2 = commit('head-2', { [FILE]: sourceWith({ 10: 'BUG(old,lock-order,error)', 150: 'BUG(c,lock-order,error)', 200: 'BUG(b,lock-order,warning)' }) });
    openPull(h.github, 21, BASE, head2, { [FILE]: [100, 150, 200] });
    expect((await h.send('pull_request', pullRequestPayload('synchronize', { number: 21, headSha: head2.sha, baseSha: BASE.sha }), { deliveryId: 'delivery-3' })).status).toBe(200);
    await h.queue.idle();

    const byId = new Map(h.github.reviewComments.map((c) => [fingerprintOf(c.body), c]));
    expect(h.github.reviewComments).toHaveLength(3); // a (resolved), b, c: no duplicate of b
    expect(byId.get('fake-a')!.body).toContain('Resolved');
    expect(byId.get('fake-b')!.body).not.toContain('Resolved');
    expect(byId.get('fake-c')!.line).toBe(150);
    expect(h.github.reviews).toHaveLength(2); // the second review carries only c
    expect(h.github.callsTo('POST', /\/reviews$/).at(-1)!.body.comments).toHaveLength(1);
    const edited = h.github.callsTo('PATCH', /\/pulls\/comments\/\d+$/);
    expect(edited).toHaveLength(1); // only a's comment was edited (to resolved); b's body did not change
    expect(h.github.issueComments).toHaveLength(1); // the summary was edited in place
    expect(h.github.callsTo('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(1);
    expect(h.github.issueComments[0]!.body).toContain(head2.sha.slice(0, 12));
    expect(h.github.checkRuns.map((r) => r.head_sha)).toEqual([head1.sha, head2.sha]);
    // Each commit's tree fetched once (the base is shared by both runs).
    for (const s of [BASE.sha, head1.sha, head2.sha]) expect(h.github.callsTo('GET', new RegExp(`/tarball/${s}$`))).toHaveLength(1);

    // A fix of everything: the remaining comments resolve, the summary says so.
    const head3 = commit('head-3', { [FILE]: sourceWith({ 10: 'BUG(old,lock-order,error)' }) });
    openPull(h.github, 21, BASE, head3, { [FILE]: [100] });
    await h.send('pull_request', pullRequestPayload('synchronize', { number: 21, headSha: head3.sha, baseSha: BASE.sha }));
    await h.queue.idle();
    expect(h.github.reviewComments).toHaveLength(3);
    expect(h.github.reviewComments.every((c) => c.body.includes('Resolved'))).toBe(true);
    expect(h.github.issueComments).toHaveLength(1);
    expect(h.github.issueComments[0]!.body).toContain('No new lock findings');
    expect(h.github.checkRuns.at(-1)!.conclusion).toBe('success');
  });
});

describe('configuration', () => {
  it('reports an invalid .github/lockcheck.yml in the check run, with the zod message and line', async () => {
    const analyzer = createFakeAnalyzer();
    h = await startHarness({ analyzer });
    const config = ['failLevel: warning', 'timeBudgetSeconds: -5', 'paths:', '  include: [xen]', ''].join('\n');
    const head = commit('head-badcfg', { [FILE]: sourceWith({ 100: 'BUG(a,lock-order,error)' }), '.github/lockcheck.yml': config });
    openPull(h.github, 31, BASE, head, { [FILE]: [100] });
    expect((await h.send('pull_request', pullRequestPayload('opened', { number: 31, headSha: head.sha, baseSha: BASE.sha }))).status).toBe(200);
    await h.queue.idle();

    expect(analyzer.inputs).toHaveLength(0);
    const run = h.github.checkRuns[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Invalid .github/lockcheck.yml');
    expect(run.output.summary).toContain('line 2: timeBudgetSeconds');
    expect(run.output.summary).toMatch(/Too small|>0/);
    expect(run.annotations[0]).toMatchObject({ path: '.github/lockcheck.yml', start_line: 2 });
    expect(h.github.reviews).toHaveLength(0);
  });

  it('applies a valid config: rule levels, failLevel and exclusions', async () => {
    const analyzer = createFakeAnalyzer();
    h = await startHarness({ analyzer });
    const config = ['failLevel: error', 'rules:', '  lock-balance: "off"', '  lock-order: note', ''].join('\n');
    const head = commit('head-goodcfg', {
      [FILE]: sourceWith({ 100: 'BUG(a,lock-order,error)', 101: 'BUG(b,lock-balance,error)' }),
      '.github/lockcheck.yml': config,
    });
    openPull(h.github, 32, BASE, head, { [FILE]: [100, 101] });
    await h.send('pull_request', pullRequestPayload('opened', { number: 32, headSha: head.sha, baseSha: BASE.sha }));
    await h.queue.idle();
    const run = h.github.checkRuns[0]!;
    expect(run.conclusion).toBe('neutral'); // only a note remains, below failLevel
    expect(run.annotations.map((a) => [a.title, a.annotation_level])).toEqual([['lock-order in fn_a()', 'notice']]);
  });
});

describe('time budget', () => {
  it('publishes a partial result when the analysis outlives timeBudgetSeconds', async () => {
    const analyzer = createFakeAnalyzer({ hang: true });
    h = await startHarness({ analyzer });
    const head = commit('head-slow', { [FILE]: sourceWith({ 100: 'BUG(a,lock-order,error)' }), '.github/lockcheck.yml': 'timeBudgetSeconds: 1\n' });
    openPull(h.github, 41, BASE, head, { [FILE]: [100] });
    await h.send('pull_request', pullRequestPayload('opened', { number: 41, headSha: head.sha, baseSha: BASE.sha }));
    await h.queue.idle();
    const run = h.github.checkRuns[0]!;
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toContain('partial');
    expect(run.output.summary).toContain('Partial result');
  });
});
