// Differential analysis against a git checkout: the samples' bug.patch applied to a tree of
// fix/ introduces the manifest's rule; fix.patch applied to a tree of pre/ fixes it. The
// sample patches' `index` blob ids are the `git hash-object` ids of the sample files, so the
// exact pre-images come from the object store.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestPatchText } from '../../src/mail/index.js';
import { analyzePatch, type PatchInput } from '../../src/patch/analyze-patch.js';
import { classifyFindings, lineFreeKey } from '../../src/patch/differential.js';
import type { Finding } from '../../src/report/finding.js';
import { gitTreeFrom } from '../batch/git-tree.js';

interface Sample {
  dir: string;
  rules: string[];
  functions: Record<string, string[]>;
}
const manifest = JSON.parse(readFileSync('samples/manifest.json', 'utf8')) as Sample[];

async function patchInput(file: string): Promise<PatchInput> {
  const r = await ingestPatchText(readFileSync(file), file);
  if (r.status !== 'patch' || !r.patch) throw new Error(`${file}: ${r.status} ${r.reason}`);
  return { messageId: r.messageId, subject: r.subject, diffText: r.patch.diffText, files: r.patch.files, body: r.patch.message.body };
}

describe('differential analysis with a tree', () => {
  for (const s of manifest) {
    it(`${s.dir}: bug.patch on a checkout of fix/ introduces ${s.rules[0]}`, async () => {
      const tree = gitTreeFrom(`samples/${s.dir}/fix`);
      const p = await patchInput(`samples/${s.dir}/bug.patch`);
      const res = analyzePatch(p, { tree });
      expect(res.mode).toBe('tree');
      expect(res.preimages.every((x) => x.source === 'blob')).toBe(true);
      const rule = s.rules[0]!;
      const hit = res.findings.filter((f) => f.rule === rule);
      expect(hit.length, JSON.stringify(res.classified.introduced.map((f) => f.rule))).toBeGreaterThan(0);
      expect(hit.every((f) => f.change === 'introduced')).toBe(true);
      expect(hit[0]!.extra?.messageId).toBe(p.messageId);
      expect(hit[0]!.extra?.subject).toBe(p.subject);
      expect(hit[0]!.extra?.confidence).toBeUndefined();
    });

    it(`${s.dir}: fix.patch on a checkout of pre/ fixes ${s.rules[0]}`, async () => {
      const tree = gitTreeFrom(`samples/${s.dir}/pre`);
      const p = await patchInput(`samples/${s.dir}/fix.patch`);
      const res = analyzePatch(p, { tree, allChanges: true });
      const rule = s.rules[0]!;
      expect(res.classified.fixed.some((f) => f.rule === rule && f.change === 'fixed')).toBe(true);
      expect(res.classified.introduced.some((f) => f.rule === rule)).toBe(false);
    });
  }
});

describe('classifyFindings', () => {
  const f = (id: string, line: number, functions: string[], locks: string[] = []): Finding => ({
    id, rule: 'lock-inversion', category: 'lock-order', severity: 'error', file: 'a.c', line, function: functions[0] ?? '', functions, locks,
    message: 'm', witness: [], confirmation: { status: 'not-run' },
  });
  it('matches by id, then by rule+functions+locks regardless of lines', () => {
    const pre = [f('1', 10, ['a', 'b'], ['x', 'y']), f('2', 20, ['c'], ['z'])];
    const post = [f('9', 14, ['b', 'a'], ['y', 'x']), f('3', 30, ['d'], ['z'])];
    const c = classifyFindings(pre, post);
    expect(c.preExisting.map((x) => x.id)).toEqual(['9']);
    expect(c.introduced.map((x) => x.id)).toEqual(['3']);
    expect(c.fixed.map((x) => x.id)).toEqual(['2']);
    expect(lineFreeKey(pre[0]!)).toBe(lineFreeKey(post[0]!));
  });
  it('ignores findings that do not touch the patched files', () => {
    const other = { ...f('5', 1, ['q']), file: 'other.c' };
    expect(classifyFindings([], [other], new Set(['a.c'])).introduced).toEqual([]);
  });
});
