import { describe, expect, it } from 'vitest';
import { explore, model, type ModelJSON } from '../../src/models/explorer/index.js';
import { toLitmus } from '../../src/models/litmus.js';
import { vgicMigrateBarrier } from '../../src/models/seeds/index.js';

// Message passing: CPU0 publishes x then flags y; CPU1 sees the flag and must see x.
const mp = (o: { wmb?: boolean; rmb?: boolean; relAcq?: boolean; memory?: 'sc' | 'lkmm' }): ModelJSON =>
  model({
    name: `MP${o.wmb ? '+wmb' : ''}${o.rmb ? '+rmb' : ''}${o.relAcq ? '+rel-acq' : ''}`,
    memory: o.memory ?? 'lkmm',
    vars: { x: 0, y: 0 },
    threads: [
      (t) => {
        t.store('x', 1, { order: 'once' });
        if (o.wmb) t.wmb();
        t.store('y', 1, { order: o.relAcq ? 'release' : 'once' });
      },
      (t) => {
        t.load('r0', 'y', { order: o.relAcq ? 'acquire' : 'once' });
        if (o.rmb) t.rmb();
        t.load('r1', 'x', { order: 'once' });
      },
    ],
    invariant: '!(cpu1.r0 == 1 && cpu1.r1 == 0)',
  });

// Store buffering: each CPU writes its flag then reads the other's.
const sb = (o: { mb0?: boolean; mb1?: boolean; how?: 'store' | 'xchg' | 'atomic_add' | 'lock' }): ModelJSON =>
  model({
    name: `SB-${o.how ?? 'store'}${o.mb0 ? '+mb0' : ''}${o.mb1 ? '+mb1' : ''}`,
    memory: 'lkmm',
    vars: { x: 0, y: 0 },
    locks: ['l0', 'l1'],
    threads: (
      [
        ['x', 'y', 'r0', o.mb0, 'l0'],
        ['y', 'x', 'r1', o.mb1, 'l1'],
      ] as const
    ).map(([mine, other, r, mb, l]) => (t) => {
      if (o.how === 'xchg') t.xchg('old', mine, 1);
      else if (o.how === 'atomic_add') t.atomicAdd(mine, 1);
      else if (o.how === 'lock') t.lock(l).store(mine, 1).unlock(l);
      else t.store(mine, 1, { order: 'once' });
      if (mb) t.mb();
      t.load(r, other, { order: 'once' });
    }),
    invariant: '!(cpu0.r0 == 0 && cpu1.r1 == 0)',
  });

describe('relaxed memory (LKMM)', () => {
  it('MP without barriers: reader can see the flag but stale data', () => {
    const r = explore(mp({}));
    expect(r.status).toBe('confirmed');
    expect(r.trace.some((s) => s.note?.includes('stale'))).toBe(true);
  });
  it('MP with only smp_wmb or only smp_rmb is still broken', () => {
    expect(explore(mp({ wmb: true })).status).toBe('confirmed');
    expect(explore(mp({ rmb: true })).status).toBe('confirmed');
  });
  it('MP with smp_wmb + smp_rmb is forbidden', () => {
    expect(explore(mp({ wmb: true, rmb: true })).status).toBe('refuted');
  });
  it('MP with release/acquire is forbidden', () => {
    expect(explore(mp({ relAcq: true })).status).toBe('refuted');
  });
  it('MP without barriers is fine under sequential consistency', () => {
    expect(explore(mp({ memory: 'sc' })).status).toBe('refuted');
  });
  it('SB: allowed without barriers or with only one smp_mb, forbidden with both', () => {
    expect(explore(sb({})).status).toBe('confirmed');
    expect(explore(sb({ mb0: true })).status).toBe('confirmed');
    expect(explore(sb({ mb1: true })).status).toBe('confirmed');
    expect(explore(sb({ mb0: true, mb1: true })).status).toBe('refuted');
  });
  it('SB: value-returning xchg orders like smp_mb, non-returning atomic_add does not', () => {
    expect(explore(sb({ how: 'xchg' })).status).toBe('refuted');
    expect(explore(sb({ how: 'atomic_add' })).status).toBe('confirmed');
  });
  it('SB: lock/unlock around the store act as full barriers', () => {
    expect(explore(sb({ how: 'lock' })).status).toBe('refuted');
  });
});

describe('litmus output', () => {
  it('writes a herd7 C litmus test for MP+wmb+rmb', () => {
    const text = toLitmus(mp({ wmb: true, rmb: true }));
    expect(text).toMatch(/^C MP_wmb_rmb\n/);
    expect(text).toContain('P0(int *x, int *y)');
    expect(text).toContain('\tWRITE_ONCE(*x, 1);\n\tsmp_wmb();\n\tWRITE_ONCE(*y, 1);');
    expect(text).toContain('\tr0 = READ_ONCE(*y);\n\tsmp_rmb();\n\tr1 = READ_ONCE(*x);');
    expect(text).toContain('exists (1:r0=1 /\\ 1:r1=0)');
  });
  it('writes release/acquire and xchg primitives', () => {
    expect(toLitmus(mp({ relAcq: true }))).toContain('smp_store_release(y, 1);');
    expect(toLitmus(mp({ relAcq: true }))).toContain('r0 = smp_load_acquire(y);');
    expect(toLitmus(sb({ how: 'xchg' }))).toContain('old = xchg(x, 1);');
  });
  it('writes the vGIC missing-barrier seed with bit ops as atomic_t primitives', () => {
    const bug = toLitmus(vgicMigrateBarrier.bug);
    expect(bug).toContain('\tWRITE_ONCE(*p_inflight, 0);\n\tatomic_andnot(1, p_status_MIGRATING);');
    expect(bug).toContain('spinlock_t *v0_arch_vgic_lock');
    expect(bug).toContain('exists (1:migrating=0 /\\ ~(1:inflight=0))');
    expect(toLitmus(vgicMigrateBarrier.fixed)).toContain('\tmigrating = migrating & 1;\n\tsmp_rmb();\n\tinflight = READ_ONCE(*p_inflight);');
  });
  it('refuses models that are not litmus-sized', () => {
    const m = model({ name: 'uaf', vars: { x: 0 }, objects: ['o'], threads: [(t) => t.free('o')], invariant: 'x == 0' });
    expect(() => toLitmus(m)).toThrow(/not litmus-sized/);
  });
});
