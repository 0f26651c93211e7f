import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, parseRuleFile, RuleError } from '../../src/rules/load.js';
import { analyzeSources } from '../../src/engine/analyze.js';

describe('rule tables', () => {
  it('loads the built-in Linux, Xen, QEMU and pthread tables', () => {
    const r = loadRules();
    for (const api of ['spin_lock_irqsave', 'mutex_lock', 'down_read', 'spin_lock_recursive', 'pcidevs_lock', 'p2m_lock', 'vgic_lock_rank', 'qemu_mutex_lock', 'qemu_rec_mutex_lock', 'QEMU_LOCK_GUARD', 'WITH_QEMU_LOCK_GUARD', 'qemu_mutex_lock_iothread', 'pthread_mutex_lock', 'lock_sock', 'rcu_read_lock', 'spin_trylock']) {
      expect(r.locks.has(api), api).toBe(true);
    }
    expect(r.locks.get('spin_trylock')!.try).toBe(true);
    // mm-locks levels come from the tree's own mm-locks.h (src/analysis/lock-levels.ts), not the table
    expect(r.locks.get('p2m_lock')!.level).toBeUndefined();
    expect(parseRuleFile('l.yaml', 'project: l\nlocks:\n  - names: [l_lock]\n    op: acquire\n    arg: 0\n    level: 5\n').locks[0]!.level).toBe(5);
    expect(r.atomics.get('test_and_set_bit')).toMatchObject({ returns: true, ordering: 'full' });
    expect(r.atomics.get('set_bit')).toMatchObject({ returns: false, ordering: 'relaxed' });
  });

  it('reports the file and line of a mistake', () => {
    const text = 'project: mine\nlocks:\n  - names: [my_lock]\n    op: acquire\n    arg: 0\n  - names: [my_unlock]\n    op: relase\n    arg: 0\n';
    try {
      parseRuleFile('mine.yaml', text);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RuleError);
      const err = e as RuleError;
      expect(err.file).toBe('mine.yaml');
      expect(err.line).toBe(7);
      expect(err.message).toMatch(/mine\.yaml:7:.*locks\.1\.op/);
    }
  });

  it('refuses a lock API with neither an argument nor a fixed class', () => {
    expect(() => parseRuleFile('x.yaml', 'project: x\nlocks:\n  - names: [grab]\n    op: acquire\n')).toThrow(/needs `arg`/);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseRuleFile('y.yaml', 'project: y\nlocks: [\n  - names: [a\n')).toThrow(/y\.yaml:\d+:/);
  });

  it("a user's table makes their own lock API known without TypeScript", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-rules-'));
    writeFileSync(join(dir, 'mine.yaml'), 'project: mine\nlocks:\n  - names: [my_spin_lock]\n    op: acquire\n    arg: 0\n  - names: [my_spin_unlock]\n    op: release\n    arg: 0\n');
    const code = `static DEFINE_SPINLOCK(a);\nstatic DEFINE_SPINLOCK(b);
void f(void) { my_spin_lock(&a); my_spin_lock(&b); my_spin_unlock(&b); my_spin_unlock(&a); }
void g(void) { my_spin_lock(&b); my_spin_lock(&a); my_spin_unlock(&a); my_spin_unlock(&b); }`;
    expect(analyzeSources([{ path: 't.c', text: code }]).findings).toEqual([]);
    const withRules = analyzeSources([{ path: 't.c', text: code }], { rulesDirs: [dir] }).findings;
    expect(withRules.map((f) => f.rule)).toEqual(['lock-inversion']);
  });
});

describe('rule table duplicates', () => {
  it('refuses a name listed twice in one section of a file, naming the second line', () => {
    const text = 'project: p\natomics:\n  - names: [atomic_add]\n    arg: 0\n    returns: false\n    ordering: relaxed\n  - names: [atomic_inc, atomic_add]\n    arg: 1\n    returns: false\n    ordering: relaxed\n';
    expect(() => parseRuleFile('p.yaml', text)).toThrow(/p\.yaml:7: atomic_add is already listed in atomics entry 1/);
  });
});
