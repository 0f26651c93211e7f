import { describe, expect, it } from 'vitest';
import { explore, model } from '../../src/models/explorer/index.js';
import type { ModelJSON } from '../../src/models/explorer/index.js';

const abba = (inverted: boolean): ModelJSON =>
  model({
    name: inverted ? 'abba' : 'ab-ab',
    locks: ['A', 'B'],
    threads: [
      (t) => t.lock('A', { line: 10 }).lock('B', { line: 11 }).unlock('B').unlock('A'),
      (t) =>
        inverted
          ? t.lock('B', { line: 20 }).lock('A', { line: 21 }).unlock('A').unlock('B')
          : t.lock('A', { line: 20 }).lock('B', { line: 21 }).unlock('B').unlock('A'),
    ],
  });

const increments = (locked: boolean, cpus = 2, n = 1): ModelJSON =>
  model({
    name: locked ? 'locked-inc' : 'unlocked-inc',
    vars: { x: 0 },
    locks: ['l'],
    threads: Array.from({ length: cpus }, () => (t) => {
      for (let i = 0; i < n; i++) {
        if (locked) t.lock('l');
        t.load('r', 'x', { code: 'r = x;' });
        t.store('x', 'r + 1', { code: 'x = r + 1;' });
        if (locked) t.unlock('l');
      }
    }),
    invariant: { cond: `x == ${cpus * n}`, outcome: 'LOST UPDATE' },
  });

describe('explorer', () => {
  it('finds the ABBA deadlock', () => {
    const r = explore(abba(true));
    expect(r.status).toBe('confirmed');
    expect(r.outcome).toBe('DEADLOCK');
  });
  it('refutes AB-AB', () => {
    const r = explore(abba(false));
    expect(r.status).toBe('refuted');
  });
  it('ABBA trace has exactly one preemption', () => {
    const r = explore(abba(true));
    expect(r.preemptions).toBe(1);
  });
  it('lost update without lock, none with lock', () => {
    const bad = explore(increments(false));
    expect(bad.status).toBe('confirmed');
    expect(bad.outcome).toBe('LOST UPDATE');
    expect(explore(increments(true, 3, 2)).status).toBe('refuted');
  });
  it('bench-size', () => {
    const r = explore(increments(true, 4, 4), { maxPreemptions: -1 });
    console.log(r.status, r.states, r.transitions, r.ms, r.searches);
    const r2 = explore(increments(true, 4, 4), { maxPreemptions: -1, reduction: 'sleep' });
    console.log(r2.status, r2.states, r2.transitions, r2.ms);
    const r3 = explore(increments(true, 4, 4), { maxPreemptions: -1, deadRegisters: false });
    console.log(r3.status, r3.states, r3.transitions, r3.ms);
  });
});
