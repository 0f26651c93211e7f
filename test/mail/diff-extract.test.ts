import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractDiff, unquote, withoutQuoted } from '../../src/mail/diff-extract.js';
import { ingestArchivePage, archiveSubject } from '../../src/mail/archive-page.js';
import { parseUnifiedDiff } from '../../src/patch/diff.js';

const page = readFileSync(new URL('../fixtures/mail/archive-page.txt', import.meta.url), 'utf8');

describe('extractDiff: recovering context lines that lost their leading space', () => {
  it('re-prefixes context lines by the hunk counts and says what it could not recover', () => {
    const d = extractDiff(page)!;
    expect(d).not.toBeNull();
    expect(d.recoveredLines).toBe(5); // "{", "unsigned long flags;", "do_move(desc);", "}", "done = 1;"
    expect(d.commitMessage).toContain('The vector lock was taken first on one path.');
    expect(d.commitMessage.endsWith('Signed-off-by: Dave Dev <dave@xxxxxxxxxx>')).toBe(true);
    expect(d.warnings).toContain('5 context line(s) had lost their leading space and were recovered from the hunk counts');
    expect(d.warnings).toContain('xen/arch/x86/irq.c: hunk @@ -200,4 +200,5 @@ is 2 old lines short, 2 new lines short (text follows)');
    expect(d.diffText).not.toContain('Xen-devel mailing list');
    expect(d.diffText).not.toContain('____');
    const f = parseUnifiedDiff(d.diffText).files[0]!;
    expect(f.hunks).toHaveLength(2);
    const h1 = f.hunks[0]!;
    expect(h1.lines.map((l) => `${l.kind[0]}${l.oldLine ?? '-'}/${l.newLine ?? '-'} ${l.text}`)).toEqual([
      'c100/100 {',
      'c101/101 unsigned long flags;',
      'c102/102 ',
      'd103/-     spin_lock(&vector_lock);',
      'd104/-     spin_lock_irqsave(&desc->lock, flags);',
      'a-/103     spin_lock_irqsave(&desc->lock, flags);',
      'a-/104     spin_lock(&vector_lock);',
      'c105/105 do_move(desc);',
    ]);
    expect(f.hunks[1]!.lines.map((l) => `${l.kind[0]}${l.oldLine ?? '-'}/${l.newLine ?? '-'}`)).toEqual(['c200/200', 'a-/201', 'c201/202']);
  });

  it('a clean diff comes out unchanged, without warnings', () => {
    const text = 'Intro\n---\ndiff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@ int f(void)\n x\n-y\n+z\n\n-- \n2.30.0\n';
    const d = extractDiff(text)!;
    expect(d.diffText).toBe('diff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@ int f(void)\n x\n-y\n+z\n \n');
    expect(d.warnings).toEqual([]);
    expect(d.commitMessage).toBe('Intro');
  });

  it('stops at a signature whose trailing space was eaten ("--" then a git version)', () => {
    const d = extractDiff('--- a/a.c\n+++ b/a.c\n@@ -1,4 +1,4 @@\n x\n-y\n+z\n--\n2.29.2\n')!;
    expect(d.diffText).toBe('--- a/a.c\n+++ b/a.c\n@@ -1,4 +1,4 @@\n x\n-y\n+z\n');
    expect(d.warnings).toEqual(['a.c: hunk @@ -1,4 +1,4 @@ is 2 old lines short, 2 new lines short (the diff ends)']);
  });

  it('says when the text ends inside a hunk', () => {
    const d = extractDiff('--- a/a.c\n+++ b/a.c\n@@ -1,5 +1,5 @@\n a\n-b\n+c\n')!;
    expect(d.warnings).toEqual(['a.c: hunk @@ -1,5 +1,5 @@ is 3 old lines short, 3 new lines short (text follows)']);
  });

  it('takes trailing blank lines as the context the counts still ask for, then stops at prose', () => {
    // The last context line was blank and its space was eaten by the mailer.
    const text = '--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@\n x\n-y\n+z\n\nThe rest is prose, not code.\n';
    const d = extractDiff(text)!;
    expect(d.warnings).toEqual([]);
    expect(d.diffText).toBe('--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@\n x\n-y\n+z\n \n');
  });

  it('finds several diffs in one text and skips the prose between them', () => {
    const text = 'first:\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n\nand also:\n\n--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-c\n+d\n';
    const files = parseUnifiedDiff(extractDiff(text)!.diffText).files;
    expect(files.map((f) => f.path)).toEqual(['a.c', 'b.c']);
  });

  it('returns null when there is no diff', () => {
    expect(extractDiff('just text\n--- not a diff\n')).toBeNull();
  });

  it('expands a page that lost its line breaks, keeping only what it can', () => {
    const line =
      'Some discussion text that goes on for a while. '.repeat(10) +
      'diff --git a/x.h b/x.h index 28146ee404e6..ebf071893b21 100644 --- a/x.h +++ b/x.h @@ -10,6 +10,7 @@ struct domain #ifdef FOO struct list_head l; + rwlock_t lock; + bool dying; <- atomic? #endif then more prose follows here.';
    const d = extractDiff(line)!;
    expect(d.warnings[0]).toMatch(/line breaks were lost/);
    const f = parseUnifiedDiff(d.diffText).files[0]!;
    expect(f.path).toBe('x.h');
    expect(f.hunks[0]!.lines.filter((l) => l.kind === 'add').map((l) => l.text)).toEqual([' rwlock_t lock;', ' bool dying;']);
  });
});

describe('quotes', () => {
  it('unquote keeps one level of quoted lines; withoutQuoted keeps the rest', () => {
    const t = 'On x wrote:\n> a\n>b\n>> c\nmine\n';
    expect(unquote(t)).toBe('a\nb\n> c');
    expect(withoutQuoted(t)).toBe('On x wrote:\nmine\n');
  });
});

describe('archive pages', () => {
  it('reads subject, author and the recovered diff', () => {
    expect(archiveSubject(page)).toBe('[Xen-devel] [PATCH] x86/irq: take desc->lock before the vector lock');
    const r = ingestArchivePage(page, 'archive-page.txt');
    expect(r.status).toBe('patch');
    expect(r.patch!.message.from).toBe('Dave Dev <dave@xxxxxxxxxx>');
    expect(r.patch!.subjectInfo).toMatchObject({ isPatch: true, tags: ['Xen-devel'], index: null });
    expect(r.patch!.files[0]!.addedLines).toEqual([103, 104, 201]);
    expect(r.warnings.some((w) => /2 old lines short, 2 new lines short/.test(w))).toBe(true);
  });
});
