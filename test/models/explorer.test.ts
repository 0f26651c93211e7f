import { describe, expect, it } from 'vitest';
import { explore, model, toConfirmation, type ModelJSON } from '../../src/models/explorer/index.js';
import { renderTrace } from '../../src/models/trace-text.js';

const abba = (inverted: boolean): ModelJSON =>
  model({
    name: inverted ? 'abba' : 'ab-ab',
    locks: ['A', 'B'],
    threads: [
      (t) =>
        t
          .file('drivers/x.c')
          .lock('A', { line: 10, code: 'spin_lock(&a);' })
          .lock('B', { line: 11, code: 'spin_lock(&b);' })
          .unlock('B')
          .unlock('A'),
      (t) =>
        inverted
          ? t
              .file('drivers/y.c')
              .lock('B', { line: 20, code: 'spin_lock(&b);' })
              .lock('A', { line: 21, code: 'spin_lock(&a);' })
              .unlock('A')
              .unlock('B')
          : t.lock('A').lock('B').unlock('B').unlock('A'),
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

// Each CPU does private work (own variable), then a shared counter update.
const mixed = (locked: boolean): ModelJSON =>
  model({
    name: 'mixed',
    vars: { a0: 0, a1: 0, a2: 0, x: 0 },
    locks: ['l'],
    threads: [0, 1, 2].map((i) => (t) => {
      t.store(`a${i}`, 1).store(`a${i}`, 2).load('p', `a${i}`);
      if (locked) t.lock('l');
      t.load('r', 'x').store('x', 'r + p');
      if (locked) t.unlock('l');
    }),
    invariant: { cond: 'x == 6', outcome: 'LOST UPDATE' },
  });

describe('deadlock', () => {
  it('finds the ABBA deadlock with one preemption and a two-column trace', () => {
    const r = explore(abba(true));
    expect(r.status).toBe('confirmed');
    expect(r.outcome).toBe('DEADLOCK');
    expect(r.preemptions).toBe(1);
    expect(r.message).toMatch(/CPU0 blocked: B held by CPU1; CPU1 blocked: A held by CPU0|CPU0 blocked: A held by CPU1; CPU1 blocked: B held by CPU0/);
    const text = renderTrace(r);
    const lines = text.split('\n');
    expect(lines.some((l) => /^\s+CPU0\s+CPU1\s*$/.test(l))).toBe(true);
    // CPU1 steps are indented into the second column.
    expect(lines.some((l) => /^\s{10,}spin_lock\(&b\);\s+\[acquired\]\s+drivers\/y\.c:20$/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}spin_lock\(&b\);\s+\[blocked: B held by CPU1\]\s+drivers\/x\.c:11$/.test(l))).toBe(true);
    expect(text.trimEnd().endsWith('*** DEADLOCK ***')).toBe(true);
  });
  it('refutes AB-AB (same order on both CPUs)', () => {
    const r = explore(abba(false));
    expect(r.status).toBe('refuted');
    expect(r.trace).toEqual([]);
  });
  it('a reader holding a rwlock and a writer waiting for it deadlock like ABBA', () => {
    const m = model({
      name: 'rw-abba',
      locks: ['rw', 'other'],
      threads: [
        (t) => t.lock('rw', { mode: 'shared' }).lock('other').unlock('other').unlock('rw', { mode: 'shared' }),
        (t) => t.lock('other').lock('rw').unlock('rw').unlock('other'),
      ],
    });
    const r = explore(m);
    expect(r).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
    expect(r.message).toContain('rw held for reading');
  });
  it('a passive (environment) thread stuck in a cycle is no deadlock; the other threads deadlocking among themselves still is', () => {
    // CPU0 takes A then B; the environment thread takes B then A: their ABBA is the
    // abstraction's (the environment's lock order is not the code's), not the finding's
    const envOnly = model({
      name: 'env-cycle',
      locks: ['A', 'B'],
      threads: [
        (t) => t.lock('A').lock('B').unlock('B').unlock('A'),
        (t) => t.lock('B').lock('A').unlock('A').unlock('B'),
      ],
    });
    expect(explore(envOnly).status).toBe('confirmed');
    expect(explore(envOnly, { passive: 0b10 }).status).toBe('refuted');
    // with a third, passive thread the two model CPUs' own ABBA is still found
    const three = model({
      name: 'own-cycle',
      locks: ['A', 'B'],
      threads: [
        (t) => t.lock('A').lock('B').unlock('B').unlock('A'),
        (t) => t.lock('B').lock('A').unlock('A').unlock('B'),
        (t) => t.lock('A').unlock('A'),
      ],
    });
    expect(explore(three, { passive: 0b100 })).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
  });
  it('detects a thread that blocks forever on a lock nobody releases', () => {
    const m = model({ name: 'leak', locks: ['l'], threads: [(t) => t.lock('l'), (t) => t.lock('l')] });
    const r = explore(m);
    expect(r.status).toBe('confirmed');
    expect(r.outcome).toBe('BLOCKED FOREVER');
  });
});

describe('lost update and use after free', () => {
  it('finds the lost update of an unlocked increment, none with the lock', () => {
    const bad = explore(increments(false));
    expect(bad.status).toBe('confirmed');
    expect(bad.outcome).toBe('LOST UPDATE');
    expect(bad.trace.at(-1)?.note).toBe('x = 1');
    expect(renderTrace(bad)).toContain('*** LOST UPDATE ***');
    expect(explore(increments(true, 3, 2)).status).toBe('refuted');
  });
  it('finds use after free, none when the user holds a reference flag checked under the lock', () => {
    const racy = model({
      name: 'uaf',
      objects: ['obj'],
      threads: [(t) => t.use('obj', { code: 'p->x++;' }), (t) => t.free('obj', { code: 'kfree(p);' })],
    });
    const r = explore(racy);
    expect(r.status).toBe('confirmed');
    expect(r.outcome).toBe('USE AFTER FREE');
    const safe = model({
      name: 'uaf-fixed',
      vars: { dead: 0 },
      locks: ['l'],
      objects: ['obj'],
      threads: [
        (t) => t.lock('l').load('d', 'dead').if('d == 0', (b) => b.use('obj')).unlock('l'),
        (t) => t.lock('l').store('dead', 1).unlock('l').free('obj'),
      ],
    });
    // The freeing side marks the object dead under the lock before freeing it.
    expect(explore(safe).status).toBe('refuted');
  });
});

describe('preemption bounding and reduction', () => {
  it('reports the violation with the fewest preemptions first', () => {
    const r = explore(increments(false, 3, 1));
    expect(r.status).toBe('confirmed');
    expect(r.preemptions).toBe(1);
    expect(r.searches.map((s) => s.bound)).toEqual([0, 1]);
  });
  it('POR explores fewer states, sleep sets fewer transitions, same verdicts', () => {
    const none = explore(mixed(true), { maxPreemptions: -1, reduction: 'none' });
    const sleep = explore(mixed(true), { maxPreemptions: -1, reduction: 'sleep' });
    const por = explore(mixed(true), { maxPreemptions: -1, reduction: 'por' });
    expect([none.status, sleep.status, por.status]).toEqual(['refuted', 'refuted', 'refuted']);
    expect(por.states).toBeLessThan(none.states);
    expect(sleep.transitions).toBeLessThan(none.transitions);
    for (const reduction of ['none', 'sleep', 'por'] as const) {
      const bad = explore(mixed(false), { maxPreemptions: -1, reduction });
      expect(bad.status).toBe('confirmed');
      expect(bad.outcome).toBe('LOST UPDATE');
    }
  });
  it('dead-register reduction shrinks the state space without changing verdicts', () => {
    const a = explore(increments(true, 3, 3), { maxPreemptions: -1 });
    const b = explore(increments(true, 3, 3), { maxPreemptions: -1, deadRegisters: false });
    expect(a.status).toBe('refuted');
    expect(b.status).toBe('refuted');
    expect(a.states).toBeLessThan(b.states);
  });
});

describe('limits give unknown, never a silent pass', () => {
  it('state limit', () => {
    const r = explore(increments(true, 3, 2), { maxStates: 10 });
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/state limit/);
  });
  it('time limit', () => {
    const r = explore(increments(true, 4, 4), { timeMs: 0, maxPreemptions: -1, deadRegisters: false });
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/time limit/);
  });
  it('memory limit', () => {
    const r = explore(increments(true, 4, 4), { maxTableBytes: 64 * 1024, maxPreemptions: -1, deadRegisters: false });
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/memory limit/);
  });
  it('CPU limit', () => {
    const r = explore(increments(true, 3, 1), { maxCpus: 2 });
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/3 CPUs/);
  });
  it('loop unroll limit', () => {
    const m = model({
      name: 'spin-wait',
      vars: { flag: 0 },
      threads: [
        (t) => t.while('flag == 0', 2, (b) => b.load('junk', 'flag'), { file: 'w.c', line: 7 }),
        (t) => t.store('flag', 1),
      ],
    });
    const r = explore(m);
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/loop unroll limit 2 reached at w\.c:7/);
  });
});

describe('model validation', () => {
  it('rejects unknown names, backward jumps and shared reads in local computation', () => {
    const base = { name: 'bad', vars: { x: 0 }, locks: ['l'] };
    expect(() => explore({ ...base, threads: [{ ops: [{ k: 'lock', lock: 'nope' }] }] })).toThrow(/unknown lock nope/);
    expect(() => explore({ ...base, threads: [{ ops: [{ k: 'load', into: 'r', var: 'y' }] }] })).toThrow(/unknown shared variable y/);
    expect(() => explore({ ...base, threads: [{ ops: [{ k: 'local', into: 'r', value: 'x + 1' }] }] })).toThrow(/reads shared state/);
    expect(() =>
      explore({ ...base, threads: [{ ops: [{ k: 'load', into: 'r', var: 'x' }, { k: 'jump', to: 0 }] }] }),
    ).toThrow(/jumps must go forward/);
  });
});

describe('toConfirmation', () => {
  it('keeps only the Finding contract fields', () => {
    const c = toConfirmation(explore(abba(true)), 'template');
    expect(Object.keys(c).sort()).toEqual(['method', 'ms', 'outcome', 'reason', 'states', 'status', 'trace']);
    expect(c).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK', method: 'template' });
    const u = toConfirmation(explore(increments(true, 3, 2), { maxStates: 5 }));
    expect(u.status).toBe('unknown');
    expect(u.reason).toMatch(/state limit/);
    expect(u.trace).toBeUndefined();
  });
});
