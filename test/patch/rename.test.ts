// The patch differential modulo renames and line shifts: a patch that renames a lock (or the
// function holding a finding) keeps that finding `pre-existing` instead of reporting it both
// introduced and fixed; unchanged code in another function is not `introduced`; a hunk that
// cannot be placed in a function says so instead of a silent "0 findings".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { analyzePatch, type PatchInput } from '../../src/patch/analyze-patch.js';
import { parseUnifiedDiff } from '../../src/patch/diff.js';
import { classifyFindings } from '../../src/patch/differential.js';
import { patchShape } from '../../src/patch/patch-shape.js';
import type { Finding } from '../../src/report/finding.js';
import { gitTreeFrom } from '../batch/git-tree.js';

// A recursive take of one lock, already in the tree before the patch.
const DEV_C = `#include "dev.h"

static int other_work(struct dev *d)
{
	return d->count + 1;
}

static void dev_reset(struct dev *d)
{
	spin_lock(&d->lock);
	d->count = 0;
	spin_lock(&d->lock);
	d->state = 0;
	spin_unlock(&d->lock);
}
`;
const DEV_H = `struct dev {
	spinlock_t lock;
	spinlock_t state_lock;
	int count;
	int state;
};
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
`;

/** The lock renamed (d->lock -> d->state_lock), and dev_reset -> dev_clear, lines shifted by a new comment above. */
const RENAME = `diff --git a/dev.c b/dev.c
--- a/dev.c
+++ b/dev.c
@@ -1,15 +1,16 @@
 #include "dev.h"
 
+/* helpers */
 static int other_work(struct dev *d)
 {
 	return d->count + 1;
 }
 
-static void dev_reset(struct dev *d)
+static void dev_clear(struct dev *d)
 {
-	spin_lock(&d->lock);
+	spin_lock(&d->state_lock);
 	d->count = 0;
-	spin_lock(&d->lock);
+	spin_lock(&d->state_lock);
 	d->state = 0;
-	spin_unlock(&d->lock);
+	spin_unlock(&d->state_lock);
 }
`;

const input = (diffText: string): PatchInput => ({ messageId: 'rename@example.org', subject: '[PATCH] dev: rename the lock', diffText, files: parseUnifiedDiff(diffText).files });

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockcheck-rename-'));
  writeFileSync(join(dir, 'dev.c'), DEV_C);
  writeFileSync(join(dir, 'dev.h'), DEV_H);
  return gitTreeFrom(dir);
}

describe('patch differential modulo renames', () => {
  it('a lock and function rename keeps the recursive take pre-existing (tree), not introduced and fixed', () => {
    const res = analyzePatch(input(RENAME), { tree: tree(), allChanges: true });
    expect(res.mode).toBe('tree');
    const rec = [...res.classified.introduced, ...res.classified.fixed, ...res.classified.preExisting].filter((f) => f.rule === 'recursive-lock');
    expect(rec.map((f) => f.change)).toEqual(['pre-existing']);
    expect(rec[0]!.function).toBe('dev_clear');
    expect(res.classified.introduced).toEqual([]);
    expect(res.classified.fixed).toEqual([]);
  });

  it('the same from the hunks alone (no tree)', () => {
    const res = analyzePatch(input(RENAME), { allChanges: true });
    expect(res.mode).toBe('no-tree');
    expect(res.classified.preExisting.map((f) => f.rule)).toContain('recursive-lock');
    expect(res.classified.introduced.filter((f) => f.rule === 'recursive-lock')).toEqual([]);
    expect(res.classified.fixed.filter((f) => f.rule === 'recursive-lock')).toEqual([]);
  });

  it('the patch shape: renamed identifiers, changed functions, moved lines', () => {
    const s = patchShape(parseUnifiedDiff(RENAME).files);
    expect(s.renames.get('lock')).toBe('state_lock');
    expect(s.renames.get('dev_reset')).toBe('dev_clear');
    expect([...s.changed].sort()).toEqual(['dev_clear', 'dev_reset']);
    expect(s.shift('dev.c', 3)).toBe(4); // other_work's line, one down
    expect(s.shift('dev.c', 8)).toBeNull(); // a removed line
    expect(s.shift('dev.c', 9)).toBe(10);
    expect(s.outside).toBe(false); // an added comment changes no code
  });

  it('a finding only in a function the patch does not change is not introduced', () => {
    const f = (fn: string, line: number): Finding => ({
      id: `x-${fn}`, rule: 'double-unlock', category: 'lock-balance', severity: 'error', file: 'dev.c', line, function: fn, functions: [fn], locks: ['dev.lock'],
      message: 'm', witness: [{ label: 'CPU0', callChain: [fn], steps: [{ file: 'dev.c', line, function: fn, event: 'release dev.lock', code: 'spin_unlock(&d->lock);' }] }], confirmation: { status: 'not-run' },
    });
    const c = classifyFindings([], [f('other_work', 5), f('dev_clear', 14)], undefined, patchShape(parseUnifiedDiff(RENAME).files));
    expect(c.introduced.map((x) => x.function)).toEqual(['dev_clear']);
    expect(c.preExisting.map((x) => [x.function, x.extra?.unchangedCode])).toEqual([['other_work', true]]);
  });
});

describe('a hunk that cannot be placed in a function', () => {
  // No @@ function context, indented statements: not analyzed, and said so.
  const LOST = `diff --git a/drv.c b/drv.c
--- a/drv.c
+++ b/drv.c
@@ -578,6 +578,7 @@
 	if (!p)
 		return;
 	spin_lock(&p->lock);
+	p->users++;
 	spin_unlock(&p->lock);
 	p->done = 1;
 }
`;
  it('lockcheck patch says "hunk at line 581 not analyzed: no function signature" in text and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockcheck-lost-'));
    const file = join(dir, 'lost.patch');
    writeFileSync(file, LOST);
    let out = '';
    const io = { stdout: (s: string) => (out += s), stderr: () => {} };
    await main(['node', 'lockcheck', 'patch', file], io);
    expect(out).toContain('note: drv.c: hunk at line 581 not analyzed: no function signature');
    out = '';
    await main(['node', 'lockcheck', 'patch', '-f', 'json', file], io);
    const doc = JSON.parse(out) as { findings: Finding[]; stats: { notes?: string[] } };
    expect(doc.findings).toEqual([]);
    expect(doc.stats.notes).toEqual(['drv.c: hunk at line 581 not analyzed: no function signature']);
  });

  it('a hunk inside a function it names is analyzed: no note', () => {
    const res = analyzePatch(input(LOST.replace('@@ -578,6 +578,7 @@', '@@ -578,6 +578,7 @@ static void drv_put(struct drv *p)')), { apiPrefilter: false });
    expect(res.notes).toEqual([]);
    expect(res.stats.functions).toBeGreaterThan(0);
  });
});
