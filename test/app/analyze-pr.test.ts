import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analysisScope, createDefaultAnalyzer, introducedFindings } from '../../src/app/analyze-pr.js';
import type { AnalyzePaths } from '../../src/app/analyze-pr.js';
import { defaultConfig } from '../../src/config/schema.js';
import { isPathSelected } from '../../src/config/glob.js';
import { fakeFinding } from './helpers/fake-analyzer.js';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lockcheck-scope-'));
  dirs.push(root);
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  return root;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('differential analysis', () => {
  it('keeps head findings the base does not have, touching changed files, marked introduced', () => {
    const old = fakeFinding('old', 'lock-inversion', 'error', 'a.c', 5);
    const moved = { ...fakeFinding('old', 'lock-inversion', 'error', 'a.c', 9) }; // same id, new line
    const fresh = fakeFinding('new', 'lock-inversion', 'error', 'a.c', 7);
    const elsewhere = fakeFinding('far', 'lock-inversion', 'error', 'z.c', 7);
    const out = introducedFindings([moved, fresh, elsewhere], [old], new Set(['a.c']));
    expect(out.map((f) => [f.id, f.change])).toEqual([['fake-new', 'introduced']]);
  });

  it('scopes the analysis to changed C files and their directory siblings', async () => {
    const root = tree({ 'x/a.c': '', 'x/b.c': '', 'x/c.h': '', 'x/sub/d.c': '', 'y/e.c': '', 'x/README': '' });
    expect(await analysisScope(root, ['x/a.c', 'x/README'], { include: [], exclude: [] })).toEqual(['x/a.c', 'x/b.c', 'x/c.h']);
    expect(await analysisScope(root, ['x/a.c'], { include: [], exclude: ['x/b.c'] })).toEqual(['x/a.c', 'x/c.h']);
  });

  it('runs the engine on both trees with repository-relative results', async () => {
    const base = tree({ 'x/a.c': 'base' });
    const head = tree({ 'x/a.c': 'head', 'x/new.c': 'new' });
    const seen: string[][] = [];
    const engine: AnalyzePaths = async (paths) => {
      seen.push(paths);
      const inHead = paths[0]!.startsWith(head);
      const findings = [fakeFinding('shared', 'r', 'error', join(paths[0]!.startsWith(head) ? head : base, 'x/a.c'), 3)];
      if (inHead) findings.push(fakeFinding('added', 'r', 'warning', join(head, 'x/new.c'), 1));
      return { version: 1, findings, errors: [], stats: { files: paths.length, lines: 0, functions: 0, seconds: 0 } };
    };
    const analyzer = createDefaultAnalyzer({ engine: async () => engine });
    const r = await analyzer({ baseDir: base, headDir: head, changedFiles: ['x/a.c', 'x/new.c', 'docs/x.md'], config: defaultConfig(), deadlineMs: Date.now() + 10_000 });
    expect(seen).toEqual([[join(head, 'x/a.c'), join(head, 'x/new.c')], [join(base, 'x/a.c')]]);
    expect(r.partial).toBe(false);
    expect(r.findings.map((f) => [f.id, f.file])).toEqual([['fake-added', 'x/new.c']]);
  });

  it('returns partial when the engine outlives the deadline', async () => {
    const root = tree({ 'a.c': '' });
    const analyzer = createDefaultAnalyzer({ engine: async () => () => new Promise(() => undefined) });
    const r = await analyzer({ baseDir: root, headDir: root, changedFiles: ['a.c'], config: defaultConfig(), deadlineMs: Date.now() + 50 });
    expect(r).toEqual({ findings: [], partial: true, errors: [] });
  });
});

describe('path globs', () => {
  it('matches include/exclude patterns', () => {
    const sel = (p: string, include: string[], exclude: string[] = []) => isPathSelected(p, { include, exclude });
    expect(sel('xen/common/a.c', ['xen/**'])).toBe(true);
    expect(sel('xen/common/a.c', ['xen'])).toBe(true);
    expect(sel('tools/a.c', ['xen/**'])).toBe(false);
    expect(sel('xen/test/a.c', [], ['**/test/**'])).toBe(false);
    expect(sel('a.c', ['*.{c,h}'])).toBe(true);
    expect(sel('x/a.c', ['*.c'])).toBe(false);
  });
});
