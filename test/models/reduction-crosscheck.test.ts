// Partial-order reduction, sleep sets and dead-register reset must never change a verdict:
// cross-check them against the plain search on many small random models.
import { describe, expect, it } from 'vitest';
import { explore, model, type ModelJSON, type ThreadBuilder } from '../../src/models/explorer/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomModel(seed: number): ModelJSON {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const vars = ['x', 'y', 'z'] as const;
  const locks = ['A', 'B'] as const;
  const body = (t: ThreadBuilder, n: number): void => {
    for (let i = 0; i < n; i++) {
      const k = r();
      const v = pick(vars);
      if (k < 0.3) t.load('r', v);
      else if (k < 0.55) t.store(v, 'r + 1');
      else if (k < 0.7) t.atomicAdd(v, 1);
      else if (k < 0.8) t.if('r == 1', (b) => b.store(v, 2));
      else if (k < 0.9) t.use('obj');
      else t.assert('r < 3', { outcome: 'ASSERTION' });
    }
  };
  const threads = Array.from({ length: 2 + Math.floor(r() * 2) }, (_, ti) => (t: ThreadBuilder) => {
    const sections = 1 + Math.floor(r() * 2);
    for (let s = 0; s < sections; s++) {
      const style = r();
      if (style < 0.4) {
        const l = pick(locks);
        t.lock(l);
        body(t, 1 + Math.floor(r() * 3));
        if (r() < 0.3) {
          const l2 = l === 'A' ? 'B' : 'A';
          t.lock(l2);
          body(t, 1);
          t.unlock(l2);
        }
        t.unlock(l);
      } else body(t, 1 + Math.floor(r() * 2));
    }
    if (ti === 0 && r() < 0.3) t.free('obj');
  });
  return model({
    name: `random-${seed}`,
    vars: { x: 0, y: 0, z: 0 },
    locks: [...locks],
    objects: ['obj'],
    threads,
    invariant: { cond: pick(['x + y + z < 5', 'x != 2 || y != 2', 'z < 3']), outcome: 'LOST UPDATE' },
  });
}

describe('reductions agree with the plain search', () => {
  it('on 300 random models', () => {
    let confirmed = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const m = randomModel(seed);
      const plain = explore(m, { maxPreemptions: -1, reduction: 'none', deadRegisters: false });
      expect(plain.status).not.toBe('unknown');
      for (const opts of [
        { reduction: 'sleep' as const, deadRegisters: false },
        { reduction: 'por' as const, deadRegisters: false },
        { reduction: 'por' as const, deadRegisters: true },
      ]) {
        const r = explore(m, { maxPreemptions: -1, ...opts });
        expect({ seed, opts, status: r.status }).toEqual({ seed, opts, status: plain.status });
        if (plain.status === 'refuted') expect(r.states).toBeLessThanOrEqual(plain.states);
      }
      // Preemption bounding first, then the reduced search: same verdict.
      expect(explore(m).status).toBe(plain.status);
      if (plain.status === 'confirmed') confirmed++;
    }
    // The generator makes both kinds of models.
    expect(confirmed).toBeGreaterThan(30);
    expect(confirmed).toBeLessThan(290);
  });
});
