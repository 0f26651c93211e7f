// End to end with the real engine: a pull request that adds the second half of an ABBA
// lock-order inversion gets a failing check run and an inline comment on the new code.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultAnalyzer } from '../../src/app/analyze-pr.js';
import { commentableLines } from '../../src/app/diff-lines.js';
import { pullRequestPayload, startHarness } from './helpers/harness.js';
import type { Harness } from './helpers/harness.js';
import { commit, openPull } from './helpers/scenario.js';

const ENGINE = fileURLToPath(new URL('../../src/engine/analyze.ts', import.meta.url));
const hasEngine = existsSync(ENGINE);
if (!hasEngine) console.warn(`skipping the App's end-to-end test: ${ENGINE} does not exist yet`);

const FILE = 'xen/common/dev.c';
const HEADER = ['#include <xen/spinlock.h>', 'struct dev { spinlock_t a_lock; spinlock_t b_lock; int x; };', 'static struct dev d;', ''];
const PATH_ONE = ['void path_one(void)', '{', '    spin_lock(&d.a_lock);', '    spin_lock(&d.b_lock);', '    d.x++;', '    spin_unlock(&d.b_lock);', '    spin_unlock(&d.a_lock);', '}', ''];
const PATH_TWO = ['void path_two(void)', '{', '    spin_lock(&d.b_lock);', '    spin_lock(&d.a_lock);', '    d.x--;', '    spin_unlock(&d.a_lock);', '    spin_unlock(&d.b_lock);', '}', ''];

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe.skipIf(!hasEngine)('end to end with analyzePaths', () => {
  it('reports the introduced ABBA inversion and nothing pre-existing', async () => {
    h = await startHarness({ analyzer: createDefaultAnalyzer({ jobs: 1 }) });
    const baseText = [...HEADER, ...PATH_ONE].join('\n');
    const headText = [...HEADER, ...PATH_ONE, ...PATH_TWO].join('\n');
    const base = commit('e2e-base', { [FILE]: baseText, 'xen/common/other.c': 'int unrelated(void) { return 0; }\n' });
    const head = commit('e2e-head', { [FILE]: headText, 'xen/common/other.c': 'int unrelated(void) { return 0; }\n' });
    const added = PATH_TWO.map((_, i) => HEADER.length + PATH_ONE.length + i + 1);
    openPull(h.github, 61, base, head, { [FILE]: added });
    h.github.pulls.get(61)!.files[0]!.patch = `@@ -${HEADER.length + PATH_ONE.length},0 +${added[0]},${added.length} @@\n${PATH_TWO.map((l) => `+${l}`).join('\n')}`;

    await h.send('pull_request', pullRequestPayload('opened', { number: 61, headSha: head.sha, baseSha: base.sha }));
    await h.queue.idle();

    const run = h.github.checkRuns[0]!;
    expect(run.status).toBe('completed');
    if (process.env.DEBUG_E2E) console.log(JSON.stringify({ ann: run.annotations, comments: h.github.reviewComments, summary: run.output.summary }, null, 1));
    expect(run.annotations.length).toBeGreaterThan(0);
    expect(run.annotations.every((a) => a.path === FILE)).toBe(true);
    expect(run.annotations.map((a) => a.title).join('\n')).toMatch(/inversion|order/i);
    expect(run.conclusion).toBe('failure');
    const inDiff = commentableLines(h.github.pulls.get(61)!.files[0]!.patch);
    // Anchored at the finding's line (old code, outside the diff), the comment goes to the new half of the cycle.
    expect(h.github.reviewComments).toHaveLength(1);
    for (const c of h.github.reviewComments) expect(inDiff.has(c.line!)).toBe(true);
    expect(h.github.reviewComments[0]!.body).toContain('spin_lock(&d.b_lock)');
    expect(h.github.issueComments).toHaveLength(1);
  });

  it('reports nothing when the pull request does not change the lock behaviour', async () => {
    h = await startHarness({ analyzer: createDefaultAnalyzer({ jobs: 1 }) });
    const text = [...HEADER, ...PATH_ONE, ...PATH_TWO].join('\n');
    const base = commit('e2e-base2', { [FILE]: text });
    const head = commit('e2e-head2', { [FILE]: `${text}\n/* a comment */\n` });
    openPull(h.github, 62, base, head, { [FILE]: [text.split('\n').length + 2] });
    await h.send('pull_request', pullRequestPayload('opened', { number: 62, headSha: head.sha, baseSha: base.sha }));
    await h.queue.idle();
    const run = h.github.checkRuns[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.annotations).toHaveLength(0);
    expect(h.github.reviews).toHaveLength(0);
    expect(h.github.issueComments).toHaveLength(0);
  });
});
