// Every sample built from a seed thread: its pre/ tree must flag the manifest's rules,
// naming the manifest's functions (both sides of the race) in one finding; its fix/ tree
// must be clean for those rules.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/engine/analyze.js';
import { checkerById } from '../src/checkers/index.js';

interface Entry {
  dir: string;
  pre: string;
  fix: string;
  rules: string[];
  functions: Record<string, string[]>;
  seed: string;
}

const root = join(import.meta.dirname, '..', 'samples');
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Entry[];

function tree(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.[ch]$/.test(n)) out.push({ path: p, text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

describe('samples built from seed threads', () => {
  it('the manifest lists samples', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(5);
  });
  for (const e of manifest) {
    describe(e.dir, () => {
      for (const rule of e.rules) {
        it(`pre/ flags ${rule} naming ${(e.functions[rule] ?? []).join(', ')}`, () => {
          expect(checkerById(rule), `rule ${rule} is registered`).toBeDefined();
          const found = analyzeSources(tree(join(root, e.dir, e.pre)), { only: [rule] }).findings.filter((f) => f.rule === rule);
          expect(found.length, `no ${rule} finding in ${e.dir}/${e.pre}`).toBeGreaterThan(0);
          const want = e.functions[rule] ?? [];
          const naming = found.filter((f) => want.every((fn) => f.functions.includes(fn)));
          expect(naming.map((f) => f.message), `one ${rule} finding must name ${want.join(', ')}; got ${found.map((f) => f.functions.join(',')).join(' | ')}`).not.toEqual([]);
          // both sides of the race are witness paths
          expect(naming[0]!.witness.length).toBeGreaterThanOrEqual(2);
        });
        it(`fix/ is clean for ${rule}`, () => {
          const found = analyzeSources(tree(join(root, e.dir, e.fix)), { only: [rule] }).findings.filter((f) => f.rule === rule);
          expect(found.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([]);
        });
      }
    });
  }
});
