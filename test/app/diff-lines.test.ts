import { describe, expect, it } from 'vitest';
import { commentableLines } from '../../src/app/diff-lines.js';

describe('commentableLines', () => {
  it('takes added and context lines of every hunk on the right side', () => {
    const patch = [
      '@@ -1,4 +1,5 @@',
      ' a',
      '-b',
      '+B',
      '+B2',
      ' c',
      ' d',
      '@@ -20,3 +21,2 @@ static void f(void)',
      ' x',
      '-y',
      ' z',
      '\\ No newline at end of file',
    ].join('\n');
    expect([...commentableLines(patch)]).toEqual([1, 2, 3, 4, 5, 21, 22]);
  });

  it('handles new files, one-line hunks and missing patches', () => {
    expect([...commentableLines('@@ -0,0 +1,2 @@\n+a\n+b\n')]).toEqual([1, 2]);
    expect([...commentableLines('@@ -3 +3 @@\n-a\n+b')]).toEqual([3]);
    expect(commentableLines(undefined).size).toBe(0);
  });
});
