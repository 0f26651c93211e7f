// Where the App's inline comment of an introduced inversion lands: on the line the pull request
// added (the new edge), not on an unchanged context line that happens to be a witness step.
import { describe, expect, it } from 'vitest';
import { commentableLinesByFile, hunkLines, hunkLinesByFile } from '../../src/app/diff-lines.js';
import { placeInDiff } from '../../src/app/job.js';
import type { Finding } from '../../src/report/finding.js';

// Only line 14 (`spin_lock(&b)` inside `a`'s critical section) is new; lines 10-18 are context.
const PATCH = ['@@ -10,8 +10,9 @@ void f(void)', ' {', ' \tspin_lock(&a);', ' \tcount++;', ' \tsync();', '+\tspin_lock(&b);', ' \tspin_unlock(&a);', ' }', ' ', ' '].join('\n');
const files = [{ filename: 'q.c', patch: PATCH }];

function inversion(anchorLine: number): Finding {
  const step = (line: number, event: string) => ({ file: 'q.c', line, function: 'f', event });
  return {
    id: 'inv1', rule: 'lock-inversion', category: 'lock-order', severity: 'error', file: 'q.c', line: anchorLine, function: 'f', functions: ['f', 'g'], locks: ['a', 'b'], message: 'inversion',
    witness: [
      { label: 'CPU0', callChain: ['f'], steps: [step(11, 'acquire a'), step(14, 'acquire b')] },
      { label: 'CPU1', callChain: ['g'], steps: [{ file: 'r.c', line: 40, function: 'g', event: 'acquire b' }, { file: 'r.c', line: 41, function: 'g', event: 'acquire a' }] },
    ],
    confirmation: { status: 'confirmed' },
  } as Finding;
}

describe('inline comment placement', () => {
  it('reads hunks: right-side span and added lines', () => {
    expect(hunkLines(PATCH)).toEqual([{ start: 10, end: 18, added: [14] }]);
  });

  it('puts the comment on the added line of the witness path, not on the anchor context line', () => {
    const placed = placeInDiff([inversion(11)], commentableLinesByFile(files), hunkLinesByFile(files));
    expect(placed.map((p) => [p.path, p.line])).toEqual([['q.c', 14]]);
  });

  it('keeps a finding on its own line when the diff shows it and no step is on an added line', () => {
    const f = inversion(11);
    f.witness[0]!.steps = [{ file: 'q.c', line: 12, function: 'f', event: 'acquire a' }];
    expect(placeInDiff([f], commentableLinesByFile(files), hunkLinesByFile(files)).map((p) => p.line)).toEqual([11]);
  });

  it("falls back to the hunk's first added line when only a context step is shown", () => {
    const f = { ...inversion(11), file: 'r.c', line: 40 };
    f.witness = [{ label: 'CPU0', callChain: ['f'], steps: [{ file: 'q.c', line: 12, function: 'f', event: 'acquire a' }] }];
    const placed = placeInDiff([f], commentableLinesByFile(files), hunkLinesByFile(files));
    expect(placed.map((p) => p.line)).toEqual([14]);
  });

  it('leaves a finding the diff does not show to the summary', () => {
    const f = { ...inversion(11), file: 'r.c', line: 40, witness: [inversion(11).witness[1]!] };
    expect(placeInDiff([f], commentableLinesByFile(files), hunkLinesByFile(files))).toEqual([]);
  });
});
