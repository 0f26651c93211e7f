import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TreeCache } from '../../src/app/tree-cache.js';
import type { TarballDownloader } from '../../src/app/tree-cache.js';
import { makeTarball, sha } from './helpers/harness.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function setup(maxTrees?: number) {
  const root = mkdtempSync(join(tmpdir(), 'lockcheck-trees-'));
  roots.push(root);
  const downloads: string[] = [];
  const download: TarballDownloader = async (_o, _r, commit, dest) => {
    downloads.push(commit);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(dest, makeTarball({ 'a.c': `/* ${commit} */\n`, 'sub/b.h': 'int b;\n' }, commit));
  };
  return { cache: new TreeCache(root, maxTrees !== undefined ? { maxTrees } : {}), downloads, download };
}

describe('TreeCache', () => {
  it('fetches each commit once, even when asked concurrently, and strips the top folder', async () => {
    const { cache, downloads, download } = setup();
    const s = sha('one');
    const [a, b] = await Promise.all([cache.acquire('o', 'r', s, download), cache.acquire('o', 'r', s, download)]);
    expect(a).toBe(b);
    expect(readFileSync(join(a, 'a.c'), 'utf8')).toContain(s);
    expect(existsSync(join(a, 'sub/b.h'))).toBe(true);
    await cache.acquire('o', 'r', s, download);
    expect(downloads).toEqual([s]);
    expect(() => cache.dirFor('o', 'r', '../../etc')).toThrow(/SHA/);
  });

  it('evicts the least recently used trees that no job holds', async () => {
    const { cache, download } = setup(2);
    const [s1, s2, s3] = [sha('1'), sha('2'), sha('3')];
    const d1 = await cache.acquire('o', 'r', s1, download); // held
    const d2 = await cache.acquire('o', 'r', s2, download);
    cache.release(d2);
    const d3 = await cache.acquire('o', 'r', s3, download);
    expect(existsSync(d1)).toBe(true);
    expect(existsSync(d2)).toBe(false);
    expect(existsSync(d3)).toBe(true);
    cache.release(d1);
  });
});
