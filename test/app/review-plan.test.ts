import { describe, expect, it } from 'vitest';
import { commentBody, fingerprintOf, planReview, resolvedBody } from '../../src/app/review-plan.js';
import { fakeFinding } from './helpers/fake-analyzer.js';

const a = fakeFinding('a', 'lock-order', 'error', 'x.c', 10);
const b = fakeFinding('b', 'lock-order', 'error', 'x.c', 20);
const c = fakeFinding('c', 'lock-order', 'error', 'x.c', 30);

describe('planReview', () => {
  it('creates new, leaves unchanged, resolves gone, reopens resolved and drops duplicates', () => {
    const existing = [
      { id: 1, body: commentBody(a) },
      { id: 2, body: commentBody(b) },
      { id: 3, body: resolvedBody(commentBody(c), 'fake-c', 'abc') },
      { id: 4, body: commentBody(a) },
      { id: 5, body: 'a human comment' },
    ];
    const placed = [b, c, fakeFinding('d', 'lock-order', 'error', 'x.c', 40)].map((f) => ({ finding: f, path: f.file, line: f.line }));
    const plan = planReview(placed, new Set(['fake-b', 'fake-c', 'fake-d']), existing, 'deadbeef');
    expect(plan.create.map((x) => x.id)).toEqual(['fake-d']);
    expect(plan.update.map((u) => [u.commentId, u.reason])).toEqual([
      [3, 'reopened'],
      [1, 'resolved'],
    ]);
    expect(plan.remove.map((r) => r.commentId)).toEqual([4]);
  });

  it('reads fingerprints back and ignores the summary marker', () => {
    expect(fingerprintOf(commentBody(a))).toBe('fake-a');
    expect(fingerprintOf('<!-- lockcheck:summary -->\nhello')).toBeUndefined();
    expect(fingerprintOf(resolvedBody(commentBody(a), 'fake-a', 'abc'))).toBe('fake-a');
  });
});
