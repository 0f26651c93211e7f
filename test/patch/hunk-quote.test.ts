// The hunk a reply quotes: a long hunk is cut around the finding's line, not to its first lines.
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/patch/diff.js';
import { hunkForFinding } from '../../src/patch/hunk-quote.js';
import type { Finding } from '../../src/report/finding.js';

function longHunk(): string {
  const lines = ['--- a/drv/x.c', '+++ b/drv/x.c', '@@ -1,80 +1,81 @@ int f(void)'];
  for (let i = 1; i <= 80; i++) {
    if (i === 60) lines.push('+\tspin_lock(&b_lock);');
    lines.push(` \tstep_${i}();`);
  }
  return lines.join('\n') + '\n';
}

const finding = (line: number): Finding =>
  ({ id: 'x', rule: 'lock-inversion', category: 'lock-order', severity: 'error', file: 'drv/x.c', line, function: 'f', functions: ['f'], locks: [], message: '', witness: [], confirmation: { status: 'not-run' }, change: 'introduced' }) as Finding;

describe('hunkForFinding', () => {
  it("quotes the lines around the finding's line of a long hunk, with the cut marked", () => {
    const files = parseUnifiedDiff(longHunk()).files;
    const q = hunkForFinding(finding(60), files)!;
    expect(q).toContain('+\tspin_lock(&b_lock);');
    expect(q).toMatch(/^\[\.\.\. \d+ lines\]$/m);
    expect(q).toMatch(/^\[\.\.\. \d+ more lines\]$/m);
    expect(q).not.toContain('step_1();');
    expect(q.split('\n').length).toBeLessThan(35);
  });

  it("quotes every witness step's line of a long hunk, the lines between far-apart steps cut", () => {
    const files = parseUnifiedDiff(longHunk()).files;
    const f = { ...finding(60), witness: [{ label: 'CPU0', callChain: ['f'], steps: [{ file: 'drv/x.c', line: 5, function: 'f', event: 'acquire a_lock' }, { file: 'drv/x.c', line: 60, function: 'f', event: 'acquire b_lock' }] }] };
    const q = hunkForFinding(f, files)!;
    expect(q).toContain('\tstep_5();');
    expect(q).toContain('+\tspin_lock(&b_lock);');
    expect(q).not.toContain('step_30();');
    expect(q).toMatch(/^\[\.\.\. \d+ lines\]$/m);
    expect(q.split('\n').length).toBeLessThan(30);
  });

  it('keeps a short hunk whole', () => {
    const files = parseUnifiedDiff('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,3 @@\n a();\n+b();\n c();\n').files;
    expect(hunkForFinding({ ...finding(2), file: 'x.c' }, files)).toBe('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,3 @@\n a();\n+b();\n c();');
  });
});
