// The per-file facts cache: a warm run parses nothing and reports exactly what a run without the
// cache reports; a changed file, rule table or define is parsed again; an unreadable entry is
// recomputed; a patch's unchanged files come from the cache.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePaths, type AnalysisResult, type AnalyzeOptions } from '../../src/engine/analyze.js';
import { analyzePatch } from '../../src/patch/analyze-patch.js';
import { parseUnifiedDiff } from '../../src/patch/diff.js';
import { main } from '../../src/cli/main.js';

const FILES = 6;

/** A small tree: two files take the same two locks in opposite orders, the others are filler. */
function generatedTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'lc-cache-tree-'));
  writeFileSync(join(root, 'locks.h'), 'struct pool { spinlock_t lock; int used; };\nextern struct pool p_in, p_out;\n');
  writeFileSync(join(root, 'in.c'), '#include "locks.h"\nstruct pool p_in;\nvoid move_in(void)\n{\n    spin_lock(&p_in.lock);\n    spin_lock(&p_out.lock);\n    p_in.used++;\n    spin_unlock(&p_out.lock);\n    spin_unlock(&p_in.lock);\n}\n');
  writeFileSync(join(root, 'out.c'), '#include "locks.h"\nstruct pool p_out;\nvoid move_out(void)\n{\n    spin_lock(&p_out.lock);\n    spin_lock(&p_in.lock);\n    p_out.used--;\n    spin_unlock(&p_in.lock);\n    spin_unlock(&p_out.lock);\n}\n');
  for (let i = 0; i < FILES - 3; i++) {
    writeFileSync(join(root, `fill${i}.c`), `static int count${i};\n#ifdef CONFIG_FILL\nstatic int extra${i};\n#endif\nint bump${i}(int x)\n{\n    if (x > ${i}) count${i} += x;\n    return count${i};\n}\n`);
  }
  return root;
}

/** Findings and errors as JSON, without timing fields (model exploration times differ run to run). */
function comparable(r: AnalysisResult): string {
  return JSON.stringify({ findings: r.findings, errors: r.errors }, (k, v: unknown) => (k === 'ms' || k === 'seconds' ? undefined : v));
}

function entries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe('per-file facts cache', () => {
  const base: AnalyzeOptions = { jobs: 1, confirm: true };

  it('a warm run parses no file and reports exactly what a run without the cache reports', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    const none = await analyzePaths([tree], { ...base, cache: false });
    const cold = await analyzePaths([tree], { ...base, cache });
    const warm = await analyzePaths([tree], { ...base, cache });
    expect(none.findings.map((f) => f.rule)).toContain('lock-inversion');
    expect(none.stats.cache).toBeUndefined();
    expect(cold.stats.cache).toEqual({ hits: 0, misses: FILES });
    expect(warm.stats.cache).toEqual({ hits: FILES, misses: 0 });
    expect(entries(cache)).toHaveLength(FILES);
    expect(comparable(cold)).toBe(comparable(none));
    expect(comparable(warm)).toBe(comparable(none));
    expect(warm.stats.functions).toBe(none.stats.functions);
  });

  it('one entry serves the same content at another path (a second checkout)', async () => {
    const a = generatedTree();
    const b = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    await analyzePaths([a], { ...base, cache });
    const other = await analyzePaths([b], { ...base, cache });
    expect(other.stats.cache).toEqual({ hits: FILES, misses: 0 });
    const fresh = await analyzePaths([b], { ...base, cache: false });
    expect(comparable(other)).toBe(comparable(fresh));
    expect(other.findings.every((f) => f.file.startsWith(b))).toBe(true);
  });

  it('changing one file parses exactly that file again, and its change shows', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    await analyzePaths([tree], { ...base, cache });
    // the second side now takes the locks in the same order: no inversion left
    writeFileSync(join(tree, 'out.c'), '#include "locks.h"\nstruct pool p_out;\nvoid move_out(void)\n{\n    spin_lock(&p_in.lock);\n    spin_lock(&p_out.lock);\n    p_out.used--;\n    spin_unlock(&p_out.lock);\n    spin_unlock(&p_in.lock);\n}\n');
    const after = await analyzePaths([tree], { ...base, cache });
    expect(after.stats.cache).toEqual({ hits: FILES - 1, misses: 1 });
    expect(after.findings.map((f) => f.rule)).not.toContain('lock-inversion');
    expect(comparable(after)).toBe(comparable(await analyzePaths([tree], { ...base, cache: false })));
  });

  it('a rule table change or another -D define invalidates every entry', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    writeFileSync(join(tree, 'own.c'), 'static DEFINE_SPINLOCK(a);\nstatic DEFINE_SPINLOCK(b);\nvoid f(void) { grab(&a); grab(&b); drop(&b); drop(&a); }\nvoid g(void) { grab(&b); grab(&a); drop(&a); drop(&b); }\n');
    const first = await analyzePaths([tree], { ...base, cache });
    expect(first.findings.filter((f) => f.file.endsWith('own.c'))).toEqual([]);
    const rules = mkdtempSync(join(tmpdir(), 'lc-cache-rules-'));
    writeFileSync(join(rules, 'mine.yaml'), 'project: mine\nlocks:\n  - names: [grab]\n    op: acquire\n    arg: 0\n  - names: [drop]\n    op: release\n    arg: 0\n');
    const withRules = await analyzePaths([tree], { ...base, cache, rulesDirs: [rules] });
    expect(withRules.stats.cache).toEqual({ hits: 0, misses: FILES + 1 });
    expect(withRules.findings.filter((f) => f.file.endsWith('own.c')).map((f) => f.rule)).toEqual(['lock-inversion']);
    expect(comparable(withRules)).toBe(comparable(await analyzePaths([tree], { ...base, cache: false, rulesDirs: [rules] })));
    // the same table again: hits; an edited table: misses
    expect((await analyzePaths([tree], { ...base, cache, rulesDirs: [rules] })).stats.cache).toEqual({ hits: FILES + 1, misses: 0 });
    writeFileSync(join(rules, 'mine.yaml'), 'project: mine\nlocks:\n  - names: [grab]\n    op: acquire\n    arg: 0\n');
    expect((await analyzePaths([tree], { ...base, cache, rulesDirs: [rules] })).stats.cache).toEqual({ hits: 0, misses: FILES + 1 });
    const defined = await analyzePaths([tree], { ...base, cache, defines: { CONFIG_FILL: '1' } });
    expect(defined.stats.cache).toEqual({ hits: 0, misses: FILES + 1 });
    expect((await analyzePaths([tree], { ...base, cache, defines: { CONFIG_FILL: '1' } })).stats.cache).toEqual({ hits: FILES + 1, misses: 0 });
  });

  it('an unreadable entry is parsed again and said in the stats, with the same findings', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    const cold = await analyzePaths([tree], { ...base, cache });
    const [torn, garbled] = entries(cache);
    writeFileSync(torn!, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])); // a gzip header and nothing else
    writeFileSync(garbled!, 'not an entry');
    const again = await analyzePaths([tree], { ...base, cache });
    expect(again.stats.cache).toEqual({ hits: FILES - 2, misses: 2, unreadable: 2 });
    expect(comparable(again)).toBe(comparable(cold));
    // rewritten: the next run reads them
    expect((await analyzePaths([tree], { ...base, cache })).stats.cache).toEqual({ hits: FILES, misses: 0 });
  });

  it("a patch's unchanged files (context and pre-image) come from the cache of a run on its tree", async () => {
    const tree = generatedTree();
    const git = (...args: string[]) => execFileSync('git', ['-C', tree, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'tree');
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    await analyzePaths([tree], { ...base, cache });
    writeFileSync(join(tree, 'in.c'), '#include "locks.h"\nstruct pool p_in;\nvoid move_in(void)\n{\n    spin_lock(&p_in.lock);\n    p_in.used++;\n    spin_unlock(&p_in.lock);\n}\n');
    const diffText = git('diff', '--', 'in.c');
    git('checkout', '--', 'in.c');
    const patch = { messageId: '<c@example.org>', subject: '[PATCH] pool: take one lock', diffText, files: parseUnifiedDiff(diffText).files };
    const warm = analyzePatch(patch, { tree, allChanges: true, analyze: { confirm: false, cache } });
    const fresh = analyzePatch(patch, { tree, allChanges: true, analyze: { confirm: false, cache: false } });
    // the post-image of in.c is the only text no run has seen
    expect(warm.stats.cache?.misses).toBe(1);
    expect(warm.stats.cache?.hits).toBeGreaterThanOrEqual(2);
    expect(fresh.stats.cache).toBeUndefined();
    expect(warm.classified.fixed.map((f) => f.rule)).toEqual(['lock-inversion']);
    expect(JSON.stringify(warm.classified)).toBe(JSON.stringify(fresh.classified));
  });

  it('stays under LOCKCHECK_CACHE_MAX_MB: the least recently used entries are removed', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    const saved = process.env.LOCKCHECK_CACHE_MAX_MB;
    process.env.LOCKCHECK_CACHE_MAX_MB = String(1500 / 1048576); // 1500 bytes: fewer than the tree's entries
    try {
      const first = await analyzePaths([tree], { ...base, cache });
      const sizes = entries(cache).map((p) => statSync(p).size);
      expect(sizes.length).toBeGreaterThan(0);
      expect(sizes.length).toBeLessThan(FILES);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1500 * 0.9);
      // what is left still serves, the rest is parsed again, with the same result
      const again = await analyzePaths([tree], { ...base, cache });
      expect(again.stats.cache!.hits).toBe(sizes.length);
      expect(comparable(again)).toBe(comparable(first));
    } finally {
      if (saved === undefined) delete process.env.LOCKCHECK_CACHE_MAX_MB;
      else process.env.LOCKCHECK_CACHE_MAX_MB = saved;
    }
  });

  it('lockcheck cache size / clear, and --no-cache leaves the cache untouched', async () => {
    const tree = generatedTree();
    const cache = mkdtempSync(join(tmpdir(), 'lc-cache-'));
    const saved = process.env.LOCKCHECK_CACHE_DIR;
    process.env.LOCKCHECK_CACHE_DIR = cache;
    try {
      let out = '';
      const io = { stdout: (s: string) => (out += s), stderr: () => {} };
      await main(['node', 'lockcheck', '--no-progress', '--jobs', '1', '--no-cache', '-f', 'json', tree], io);
      expect(entries(cache)).toEqual([]);
      expect(JSON.parse(out).stats.cache).toBeUndefined();
      out = '';
      await main(['node', 'lockcheck', '--no-progress', '--jobs', '1', '-f', 'json', tree], io);
      expect(JSON.parse(out).stats.cache).toEqual({ hits: 0, misses: FILES });
      out = '';
      expect(await main(['node', 'lockcheck', 'cache', 'size'], io)).toBe(0);
      expect(out).toMatch(new RegExp(`^${cache}: ${FILES} entries, `));
      out = '';
      expect(await main(['node', 'lockcheck', 'cache', 'clear'], io)).toBe(0);
      expect(out).toMatch(new RegExp(`^removed ${FILES} entries`));
      expect(entries(cache)).toEqual([]);
    } finally {
      process.env.LOCKCHECK_CACHE_DIR = saved;
    }
  });
});
