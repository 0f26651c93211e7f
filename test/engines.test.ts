// The README promises Node 20: `npm ci` on the oldest Node that package.json's engines allow
// must not meet a locked dependency that wants a newer one (npm's EBADENGINE warning).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver') as { minVersion(r: string): { version: string } | null; satisfies(v: string, r: string): boolean };

describe('engines', () => {
  it('every locked package accepts the oldest Node that package.json allows, and the README names it', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(oldest.startsWith('20.')).toBe(true);
    const wants = Object.entries(lock.packages)
      .map(([name, p]) => [name, !Array.isArray(p.engines) ? p.engines?.node : undefined] as const)
      .filter(([, range]) => range && !semver.satisfies(oldest, range))
      .map(([name, range]) => `${name} wants node ${range}`);
    expect(wants).toEqual([]);
    const [maj, min] = oldest.split('.');
    expect(readFileSync('README.md', 'utf8')).toContain(`Node ${maj}.${min}`);
  });
});
