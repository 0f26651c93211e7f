// Without a tree: only the code the hunks show is analyzed; findings are marked low confidence
// and the differential between the pre- and post-image fragments still classifies them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestPatchText } from '../../src/mail/index.js';
import { analyzePatch, type PatchInput } from '../../src/patch/analyze-patch.js';
import { parseUnifiedDiff } from '../../src/patch/diff.js';
import { braceDepth, fragmentImage, fragmentImageWithLines, startsDefinition, wrapperSignature } from '../../src/patch/fragments.js';
import { ABBA_PATCH } from '../batch/fixtures.js';


function input(diffText: string): PatchInput {
  return { messageId: '<abba@example.org>', subject: '[PATCH] foo: reorder', diffText, files: parseUnifiedDiff(diffText).files };
}

describe('analysis without a tree', () => {
  it('finds an inversion the hunks show, introduced and low confidence', () => {
    const res = analyzePatch(input(ABBA_PATCH));
    expect(res.mode).toBe('no-tree');
    const inv = res.findings.find((f) => f.rule === 'lock-inversion');
    expect(inv, JSON.stringify(res.classified)).toBeDefined();
    expect(inv!.change).toBe('introduced');
    expect(inv!.extra?.confidence).toBe('low');
    expect(inv!.message).toContain('low confidence');
    expect(inv!.extra?.messageId).toBe('<abba@example.org>');
  });

  it('the reverse patch fixes it', () => {
    // Swap the sides: the removed line becomes added and the other way round.
    const rev = ABBA_PATCH.split('\n').map((l) => (l.startsWith('-\t') ? '+' + l.slice(1) : l.startsWith('+\t') ? '-' + l.slice(1) : l)).join('\n');
    const res = analyzePatch(input(rev), { allChanges: true });
    expect(res.classified.fixed.some((f) => f.rule === 'lock-inversion' && f.change === 'fixed')).toBe(true);
    expect(res.classified.introduced.some((f) => f.rule === 'lock-inversion')).toBe(false);
    expect(res.findings.length).toBeGreaterThan(0);
  });

  it("analyzes the samples' bug.patch from the hunks only, everything low confidence", async () => {
    for (const dir of ['000-evtchn-fifo-old-tail', '001-vgic-rank-inversion', '003-vpci-remove-pending']) {
      const file = `samples/${dir}/bug.patch`;
      const r = await ingestPatchText(readFileSync(file), file);
      const p = r.patch!;
      const res = analyzePatch({ messageId: r.messageId, subject: r.subject, diffText: p.diffText, files: p.files }, { allChanges: true });
      expect(res.mode).toBe('no-tree');
      expect(res.stats.functions).toBeGreaterThan(0);
      expect(res.preimages.every((x) => x.source === 'hunks')).toBe(true);
      for (const f of [...res.classified.introduced, ...res.classified.fixed, ...res.classified.preExisting]) expect(f.extra?.confidence).toBe('low');
    }
  });

  it('without a rule-table API in the hunks the engine is skipped (no-lock-api), unless the prefilter is off', () => {
    const diff = '--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@ static int f(int a)\n {\n-\treturn a;\n+\treturn a + 1;\n }\n';
    const skipped = analyzePatch(input(diff));
    expect(skipped.reason).toBe('no-lock-api');
    expect(skipped.stats.files).toBe(0);
    const full = analyzePatch(input(diff), { apiPrefilter: false });
    expect(full.reason).toBeUndefined();
    expect(full.stats.files).toBe(1);
    expect(analyzePatch(input(ABBA_PATCH)).reason).toBeUndefined();
  });

  it('knows which lines of a fragment image are its own (signature, closing braces)', () => {
    const diff = '--- a/m.c\n+++ b/m.c\n@@ -40,3 +40,4 @@ static void g(struct s *p)\n \tspin_lock(&p->lock);\n+\tp->n++;\n \tp->m = 0;\n \tif (p->n > 3)\n';
    const img = fragmentImageWithLines(parseUnifiedDiff(diff).files[0]!, 'post');
    expect([...img.synthetic].sort((a, b) => a - b)).toEqual([39, 44]);
    const lines = img.text.split('\n');
    expect(lines[38]).toBe('static void g(struct s *p) {');
    expect(lines[43]).toBe('}');
  });

  it('skips patches without C files', () => {
    const res = analyzePatch(input('diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1 @@\n-a\n+b\n'));
    expect(res.reason).toBe('no-c-files');
    expect(res.findings).toEqual([]);
  });
});

describe('fragment images', () => {
  it('keeps real line numbers and wraps a hunk in its function signature', () => {
    const d = parseUnifiedDiff('--- a/x.c\n+++ b/x.c\n@@ -20,3 +20,4 @@ static int f(struct s *p)\n \tif (p->a) {\n+\t\tp->b = 1;\n \t\tp->c = 2;\n \t}\n').files[0]!;
    const img = fragmentImage(d, 'post').split('\n');
    expect(img[18]).toBe('static int f(struct s *p) {');
    expect(img[19]).toBe('\tif (p->a) {');
    expect(img[20]).toBe('\t\tp->b = 1;');
    expect(img[23]).toBe('}');
    expect(fragmentImage(d, 'pre').split('\n')[20]).toBe('\t\tp->c = 2;');
  });
  it('closes a definition a hunk starts but does not finish, so the next hunk is not inside it', () => {
    const diff = [
      '--- a/k.c',
      '+++ b/k.c',
      '@@ -10,4 +10,5 @@ static DEFINE_MUTEX(l);',
      ' static void a(void)',
      ' {',
      ' \tmutex_lock(&l);',
      '+\tcount++;',
      ' \tif (count > 1) {',
      '@@ -80,3 +81,4 @@ static void b(void)',
      ' {',
      '+\tmutex_lock(&l);',
      ' \tcount--;',
      ' \tmutex_unlock(&l);',
      '',
    ].join('\n');
    const f = parseUnifiedDiff(diff).files[0]!;
    const img = fragmentImage(f, 'post').split('\n');
    expect(img[14]).toBe('}}');
    expect(img[79]).toBe('static void b(void) {');
    const res = analyzePatch(input(diff), { allChanges: true });
    expect(res.classified.introduced.filter((x) => x.rule === 'recursive-lock')).toEqual([]);
  });

  it('signatures from multi-line contexts, none from structs or initializers', () => {
    expect(wrapperSignature('static void g(struct domain *d, struct rank *r,')).toBe('static void g(struct domain *d, struct rank *r)');
    expect(wrapperSignature('static void g(struct domain *d, unsigned')).toBe('static void g(struct domain *d)');
    expect(wrapperSignature('static const struct ops foo_ops = {')).toBeNull();
    expect(wrapperSignature('struct foo {')).toBeNull();
  });
  it('definition starts: declarators at column 0, not calls, prototypes or statements; linear on long lines', () => {
    expect(startsDefinition('static int foo(struct bar *b)')).toBe(true);
    expect(startsDefinition('struct vcpu *vgic_get_target_vcpu(struct vcpu *v, unsigned int virq)')).toBe(true);
    expect(startsDefinition('int foo(void);')).toBe(false);
    expect(startsDefinition('\tfoo(x);')).toBe(false);
    expect(startsDefinition('if (x)')).toBe(false);
    const t0 = performance.now();
    expect(startsDefinition('a '.repeat(20000) + '= (')).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('brace depth ignores strings and comments', () => {
    expect(braceDepth(['}', 'x = "{"; /* { */', '{'])).toEqual({ end: 0, min: -1 });
  });
});
