import { describe, expect, it } from 'vitest';
import { annotationFor, batches, checkOutput, conclusionFor } from '../../src/app/check-run.js';
import { renderInterleaving } from '../../src/app/render.js';
import { fakeFinding } from './helpers/fake-analyzer.js';

describe('check run content', () => {
  it('concludes from the fail level', () => {
    const warn = fakeFinding('w', 'r', 'warning', 'x.c', 1);
    expect(conclusionFor([warn], 'error', false)).toBe('neutral');
    expect(conclusionFor([warn], 'warning', false)).toBe('failure');
    expect(conclusionFor([], 'note', false)).toBe('success');
    expect(conclusionFor([], 'note', true)).toBe('neutral');
  });

  it('batches annotations by 50', () => {
    expect(batches(Array.from({ length: 120 }, (_, i) => i)).map((b) => b.length)).toEqual([50, 50, 20]);
    expect(annotationFor(fakeFinding('a', 'r', 'note', 'x.c', 3))).toMatchObject({ path: 'x.c', start_line: 3, end_line: 3, annotation_level: 'notice' });
  });

  it('keeps the summary within 65,535 characters and says what it left out', () => {
    const huge = Array.from({ length: 400 }, (_, i) => ({ ...fakeFinding(`f${i}`, 'lock-order', 'error', 'x.c', i + 1), message: 'm'.repeat(400) }));
    const out = checkOutput({ findings: huge, inlineIds: new Set(), partial: false, errors: [], suppressed: 0, failLevel: 'error', timeBudgetSeconds: 120, analyzedFiles: 1 });
    expect(out.summary.length).toBeLessThanOrEqual(65_535);
    expect(out.summary).toMatch(/\d+ more findings not shown/);
  });

  it('renders the interleaving in CPU columns', () => {
    const text = renderInterleaving([
      { cpu: 0, op: 'lock', code: 'spin_lock(&a)' },
      { cpu: 1, op: 'lock', code: 'spin_lock(&b)' },
    ], 'DEADLOCK');
    const rows = text.split('\n');
    expect(rows[0]).toMatch(/^CPU0\s+CPU1$/);
    expect(rows[2]).toBe('spin_lock(&a)');
    expect(rows[3]).toMatch(/^\s{40,}spin_lock\(&b\)$/);
    expect(text).toContain('*** DEADLOCK ***');
  });
});
