import { describe, expect, it } from 'vitest';
import {
  extractHunkFunctions,
  functionNameFromContext,
  hunkForNewLine,
  isNewLineInHunks,
  newLinesInHunks,
  parseHunkHeader,
  parseUnifiedDiff,
} from '../../src/patch/diff.js';
import { applyFilePatch, reverseApplyFilePatch } from '../../src/patch/apply.js';

const MULTI = `diff --git a/old/name.c b/new/name.c
similarity index 92%
rename from old/name.c
rename to new/name.c
index 1111111..2222222 100644
--- a/old/name.c
+++ b/new/name.c
@@ -3,7 +3,8 @@ static int vgic_queue(struct vgic_irq *irq, unsigned long flags)
 	int ret;
 
 	spin_lock(&irq->lock);
-	ret = queue(irq);
+	ret = queue_locked(irq);
+	smp_wmb();
 	spin_unlock(&irq->lock);
 	return ret;
 }
diff --git a/docs/new.txt b/docs/new.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/docs/new.txt
@@ -0,0 +1,2 @@
+hello
+world
diff --git a/gone.c b/gone.c
deleted file mode 100644
index 4444444..0000000
--- a/gone.c
+++ /dev/null
@@ -1,2 +0,0 @@
-int x;
-int y;
diff --git a/logo.png b/logo.png
index 5555555..6666666 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/fw.bin b/fw.bin
new file mode 100644
index 0000000000000000000000000000000000000000..7777777777777777777777777777777777777777
GIT binary patch
literal 12
TcmZQzWMXDvWn<^y<N(3}00IC2

literal 0
HcmV?d00001

diff --git a/script.sh b/script.sh
old mode 100644
new mode 100755
diff --git a/copy.c b/copy2.c
similarity index 100%
copy from copy.c
copy to copy2.c
-- 
2.39.5
`;

describe('parseUnifiedDiff', () => {
  const { files, warnings } = parseUnifiedDiff(MULTI);

  it('finds every file with its status', () => {
    expect(warnings).toEqual([]);
    expect(files.map((f) => [f.oldPath, f.newPath, f.status, f.binary])).toEqual([
      ['old/name.c', 'new/name.c', 'renamed', false],
      [null, 'docs/new.txt', 'added', false],
      ['gone.c', null, 'deleted', false],
      ['logo.png', 'logo.png', 'modified', true],
      [null, 'fw.bin', 'added', true],
      ['script.sh', 'script.sh', 'modified', false],
      ['copy.c', 'copy2.c', 'copied', false],
    ]);
    expect(files[0]!.similarity).toBe(92);
    expect(files[5]).toMatchObject({ oldMode: '100644', newMode: '100755', hunks: [] });
  });

  it('gives hunk ranges, added/removed lines and the function context', () => {
    const f = files[0]!;
    expect(f.hunks).toHaveLength(1);
    const h = f.hunks[0]!;
    expect([h.oldStart, h.oldLines, h.newStart, h.newLines]).toEqual([3, 7, 3, 8]);
    expect(h.functionContext).toBe('static int vgic_queue(struct vgic_irq *irq, unsigned long flags)');
    expect(f.addedLines).toEqual([6, 7]);
    expect(f.removedLines).toEqual([6]);
    expect(h.lines[3]).toEqual({ kind: 'del', text: '\tret = queue(irq);', oldLine: 6, newLine: null });
    expect(h.lines[5]).toEqual({ kind: 'add', text: '\tsmp_wmb();', oldLine: null, newLine: 7 });
    expect(h.lines[6]).toEqual({ kind: 'context', text: '\tspin_unlock(&irq->lock);', oldLine: 7, newLine: 8 });
    expect(files[1]!.addedLines).toEqual([1, 2]);
    expect(files[2]!.removedLines).toEqual([1, 2]);
  });

  it('does not read the format-patch signature as part of a hunk', () => {
    expect(files[6]!.hunks).toEqual([]);
  });

  it('warns when a hunk has fewer lines than its header says', () => {
    const r = parseUnifiedDiff('--- a/x.c\n+++ b/x.c\n@@ -1,4 +1,4 @@\n a\n-b\n+c\n@@ -10,2 +10,2 @@\n-d\n+e\n');
    expect(r.files[0]!.hunks).toHaveLength(2);
    expect(r.warnings).toEqual(['x.c: hunk @@ -1,4 +1,4 @@ expects 4 old/4 new lines, found 2/2', 'x.c: hunk @@ -10,2 +10,2 @@ expects 2 old/2 new lines, found 1/1']);
  });

  it('parses hunk headers, including single-line ranges', () => {
    expect(parseHunkHeader('@@ -5 +5,0 @@')).toEqual({ oldStart: 5, oldLines: 1, newStart: 5, newLines: 0, functionContext: '' });
    expect(parseHunkHeader('@@ -504,11 +504,7 @@  static void f(int i)')?.functionContext).toBe('static void f(int i)');
    expect(parseHunkHeader('@@@ -1,2 -1,2 +1,3 @@@')).toBeNull();
  });
});

describe('hunk helpers', () => {
  const f = parseUnifiedDiff(MULTI).files[0]!;
  it('newLinesInHunks / isNewLineInHunks / hunkForNewLine', () => {
    expect([...newLinesInHunks(f)].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(isNewLineInHunks(f, 2)).toBe(false);
    expect(isNewLineInHunks(f, 3)).toBe(true);
    expect(isNewLineInHunks(f, 10)).toBe(true);
    expect(isNewLineInHunks(f, 11)).toBe(false);
    expect(hunkForNewLine(f, 7)?.oldStart).toBe(3);
  });

  it('extractHunkFunctions gives post- and pre-images at their real line numbers', () => {
    const x = extractHunkFunctions(f);
    expect(x.fragments).toHaveLength(1);
    expect(x.fragments[0]!.functionName).toBe('vgic_queue');
    expect(x.fragments[0]!.post.split('\n')).toHaveLength(8);
    expect(x.fragments[0]!.pre.split('\n')).toHaveLength(7);
    const post = x.post.split('\n');
    expect(post[0]).toBe(''); // lines 1-2 are not shown
    expect(post[5]).toBe('\tret = queue_locked(irq);'); // line 6
    expect(post[6]).toBe('\tsmp_wmb();'); // line 7
    expect(post[9]).toBe('}'); // line 10
    // The hunk is inside vgic_queue() without its signature: a wrapped version for the C parser.
    const w = x.fragments[0]!.wrapped!;
    const wl = w.post.split('\n');
    expect(wl[0]).toBe('static int vgic_queue(struct vgic_irq *irq, unsigned long flags) {');
    expect(wl[1 + 6 - 3]).toBe('\tret = queue_locked(irq);'); // new line 6 is wrapped line 6 - 3 + 2
    expect(wl[wl.length - 1]).toBe('}');
    expect(w.pre.split('\n')[1 + 6 - 3]).toBe('\tret = queue(irq);');
    const pre = x.pre.split('\n');
    expect(pre[5]).toBe('\tret = queue(irq);');
    expect(pre[6]).toBe('\tspin_unlock(&irq->lock);');
  });

  it('does not wrap a hunk that shows its own function definition, or a struct context', () => {
    const d = parseUnifiedDiff('--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,4 @@ int g(void)\n int f(void)\n {\n+\tlock();\n }\n@@ -10,2 +11,3 @@ struct kvm {\n \tint a;\n+\tint b;\n \tint c;\n').files[0]!;
    const fr = extractHunkFunctions(d).fragments;
    expect(fr[0]!.functionName).toBe('g');
    expect(fr[0]!.wrapped).toBeNull(); // the hunk shows the start of f(): no wrapping inside g()
    const d2 = parseUnifiedDiff('--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,4 @@ int f(void)\n int f(void)\n {\n+\tlock();\n }\n').files[0]!;
    expect(extractHunkFunctions(d2).fragments[0]!.wrapped).toBeNull();
    expect(fr[1]!.wrapped).toBeNull();
  });

  it('functionNameFromContext', () => {
    expect(functionNameFromContext('static void evtchn_fifo_set_pending(stru')).toBe('evtchn_fifo_set_pending');
    expect(functionNameFromContext('irqfd_inject(struct work_struct *work)')).toBe('irqfd_inject');
    expect(functionNameFromContext('struct kvm {')).toBeNull();
    expect(functionNameFromContext('')).toBeNull();
  });
});

const SRC = ['#include <a.h>', '', 'int f(void)', '{', '\tint ret;', '', '\tspin_lock(&irq->lock);', '\tret = queue(irq);', '\tspin_unlock(&irq->lock);', '\treturn ret;', '}', ''].join('\n');
const PATCH = `--- a/f.c
+++ b/f.c
@@ -5,6 +5,7 @@ int f(void)
 	int ret;
 
 	spin_lock(&irq->lock);
-	ret = queue(irq);
+	ret = queue_locked(irq);
+	smp_wmb();
 	spin_unlock(&irq->lock);
 	return ret;
`;
const EXPECTED = SRC.replace('\tret = queue(irq);', '\tret = queue_locked(irq);\n\tsmp_wmb();');

describe('applyFilePatch', () => {
  const file = parseUnifiedDiff(PATCH).files[0]!;

  it('applies exactly', () => {
    const r = applyFilePatch(SRC, file);
    expect(r.ok && r.text).toBe(EXPECTED);
    expect(r.hunks).toEqual([{ hunk: 0, how: 'exact', offset: 0, fuzz: 0, at: 5 }]);
  });

  it('applies at an offset when lines were inserted above', () => {
    const shifted = '/* one */\n/* two */\n/* three */\n' + SRC;
    const r = applyFilePatch(shifted, file);
    expect(r.ok && r.text).toBe('/* one */\n/* two */\n/* three */\n' + EXPECTED);
    expect(r.hunks[0]).toMatchObject({ how: 'offset', offset: 3, fuzz: 0, at: 8 });
    expect(r.ok && r.summary[0]).toBe('Hunk #1 succeeded at 8 (offset 3 lines).');
  });

  it('applies with fuzz when outer context changed', () => {
    const changed = SRC.replace('\tint ret;', '\tlong ret;').replace('\treturn ret;', '\treturn (int)ret;');
    expect(applyFilePatch(changed, file, { fuzz: 0 }).ok).toBe(false);
    const r = applyFilePatch(changed, file, { fuzz: 2 });
    expect(r.ok && r.text).toBe(EXPECTED.replace('\tint ret;', '\tlong ret;').replace('\treturn ret;', '\treturn (int)ret;'));
    expect(r.hunks[0]).toMatchObject({ how: 'fuzz', fuzz: 1 });
  });

  it('fails with a reason when the removed line is not there', () => {
    const r = applyFilePatch(SRC.replace('queue(irq)', 'enqueue(irq)'), file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failedHunk).toBe(0);
      expect(r.reason).toBe('f.c: hunk #1 (@@ -5,6 +5,7 @@) FAILED: its pre-image lines were not found near line 5 with fuzz up to 2');
    }
  });

  it('reverse-applies post -> pre', () => {
    const r = reverseApplyFilePatch(EXPECTED, file);
    expect(r.ok && r.text).toBe(SRC);
    expect(applyFilePatch(SRC, file, { reverse: true }).ok).toBe(false);
  });

  it('creates a new file and honours "No newline at end of file"', () => {
    const nf = parseUnifiedDiff('--- /dev/null\n+++ b/n.c\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n').files[0]!;
    expect(nf.status).toBe('added');
    const r = applyFilePatch('', nf);
    expect(r.ok && r.text).toBe('a\nb');
    const back = reverseApplyFilePatch('a\nb', nf);
    expect(back.ok && back.text).toBe('');
  });

  it('applies several hunks, carrying the offset of one to the next', () => {
    const src = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const d = parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n@@ -30,3 +30,4 @@\n line 30\n line 31\n+new\n line 32\n').files[0]!;
    const r = applyFilePatch('zero\n' + src, d);
    expect(r.hunks.map((h) => [h.how, h.offset])).toEqual([
      ['offset', 1],
      ['offset', 1],
    ]);
    expect(r.ok && r.text.split('\n').slice(0, 5)).toEqual(['zero', 'line 1', 'line 2', 'LINE 3', 'line 4']);
    expect(r.ok && r.text.split('\n').slice(30, 34)).toEqual(['line 30', 'line 31', 'new', 'line 32']);
  });

  it('refuses binary files', () => {
    const b = parseUnifiedDiff(MULTI).files[3]!;
    const r = applyFilePatch('x', b);
    expect(r.ok).toBe(false);
  });
});
