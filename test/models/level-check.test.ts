// Lock-level violations in a tree that checks its levels at run time: the lock function
// compares the level with the CPU's current one and stops the machine when the order is
// broken. One path that takes a lower-level lock while holding a higher-level one then fails
// by itself: the model is that path (its conditions kept), no second CPU and no designed-order
// path are needed. An infeasible path refutes; a tree without the check keeps the two-path model.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import type { Finding } from '../../src/report/finding.js';

/** Level constants, generator and paste macros, and lock functions that check (or not) at run time. */
const header = (checked: boolean) => `
#define LVL_map 16
#define LVL_list 32
#define LVL_altmap 40
#define LVL_pool 48
int cur_level;
struct dom_arch { lvl_lock_t altp2m_list_lock; };
struct dom { struct dom_arch arch; int priv; };
struct pool { lvl_lock_t lock; int count; };
struct map { lvl_rwlock_t lock; struct pool pod; struct dom *d; int kind; int ready; };
static inline int _adj_level(const struct dom *d, int l)
{
	return l + (d && d->priv ? 64 : 0);
}
static inline void _check_level(const struct dom *d, int l)
{
	int lvl = _adj_level(d, l);
	if ( cur_level > lvl )
	{
		printk("lock order violation: %d > %d\\n", cur_level, lvl);
		${checked ? 'BUG();' : 'WARN();'}
	}
}
static inline void _lvl_lock(struct dom *d, lvl_lock_t *l, int level, int rec)
{
	if ( !(lvl_locked_by_me(l) && rec) )
		_check_level(d, level);
	_set_level(_adj_level(d, level));
}
static inline void _lvl_write_lock(struct dom *d, lvl_rwlock_t *l, int level)
{
	_check_level(d, level);
	_set_level(_adj_level(d, level));
}
static inline void _lvl_read_lock(struct dom *d, lvl_rwlock_t *l, int level)
{
	_check_level(d, level);
}
#define declare_lvl_lock(name) static inline void lvl_lock_##name(struct dom *d, lvl_lock_t *l, int rec) { _lvl_lock(d, l, LVL_##name, rec); }
#define declare_lvl_rwlock(name) static inline void lvl_write_lock_##name(struct dom *d, lvl_rwlock_t *l) { _lvl_write_lock(d, l, LVL_##name); } \\
	static inline void lvl_read_lock_##name(struct dom *d, lvl_rwlock_t *l) { _lvl_read_lock(d, l, LVL_##name); }
#define lvl_lock(name, d, l) lvl_lock_##name(d, l, 0)
#define lvl_write_lock(name, d, l) lvl_write_lock_##name(d, l)
#define lvl_read_lock(name, d, l) lvl_read_lock_##name(d, l)
declare_lvl_rwlock(map);
declare_lvl_lock(list)
declare_lvl_rwlock(altmap);
declare_lvl_lock(pool)
#define altp2m_list_lock(d) lvl_lock(list, d, &(d)->arch.altp2m_list_lock)
#define pod_lock(m) lvl_lock(pool, (m)->d, &(m)->pod.lock)
#define gfn_lock(m) lvl_write_lock(map, (m)->d, &(m)->lock)
#define p2m_read_lock(m) lvl_read_lock(altmap, (m)->d, &(m)->lock)
#define p2m_write_lock(m) lvl_write_lock(altmap, (m)->d, &(m)->lock)
`;

const levelFindings = (code: string, checked = true): Finding[] => {
  const r = analyzeSources([{ path: 'levels.c', text: header(checked) + code }], {});
  const fs = r.findings.filter((f) => f.rule === 'lock-inversion' && /violates the declared lock order/.test(f.message));
  return fs;
};

/** The line of `text` in the analyzed file (header + code). */
const lineOf = (code: string, text: string): number => (header(true) + code).split('\n').findIndex((l) => l.includes(text)) + 1;

describe('lock-level violations the tree checks at run time', () => {
  it('one path against the order fails the check by itself: confirmed with no second side, the check located', () => {
    // no path anywhere takes the list lock before the pool lock: the two-path model has no
    // second side, but the run-time check fires on this path alone
    const code = `
void pool_publish(struct map *m)
{
	pod_lock(m);
	altp2m_list_lock(m->d);
	altp2m_list_unlock(m->d);
	pod_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'ORDER CHECK' });
    // one CPU: the violating path, taking the pool lock then the list lock
    expect(new Set(c.trace!.map((t) => t.cpu))).toEqual(new Set([0]));
    expect(c.trace!.some((t) => /altp2m_list_lock\(m->d\)/.test(t.code ?? ''))).toBe(true);
    expect(c.reason).toMatch(/takes dom\.arch\.altp2m_list_lock \(level 32\) while holding map\.pod\.lock \(level 48\): `\( cur_level > lvl \)` fails \(levels\.c:\d+\), BUG\(\)/);
    const as = c.assumptions!;
    // the check, located: which functions, the test, the stop
    expect(as.some((a) => a.checked && /the tree checks the order at run time: taking dom\.arch\.altp2m_list_lock \(level 32\) goes through _lvl_lock -> _check_level/.test(a.text) && /calls BUG\(\)/.test(a.text) && /lvl_lock_pool/.test(a.text))).toBe(true);
    // what the model does not check: the level adjustment from other arguments, the recursion guard
    expect(as.some((a) => !a.checked && /`_adj_level\(d, l\)`/.test(a.text))).toBe(true);
    expect(as.some((a) => !a.checked && a.kind === 'path' && /_lvl_lock runs the check only when `\( !\(lvl_locked_by_me\(l\) && rec\) \)`/.test(a.text))).toBe(true);
    // no invented concurrency
    expect(as.some((a) => /second side/.test(a.text))).toBe(false);
  });

  it('a violation behind a test the path itself makes false (under the lock that guards the state) is not a path the code takes: refuted', () => {
    // count is clamped to 8 under the pool lock just before the test: the branch to the list
    // lock cannot be taken, and no other writer runs while the pool lock is held
    const code = `
void pool_publish(struct map *m)
{
	pod_lock(m);
	if ( m->pod.count > 8 )
		m->pod.count = 8;
	if ( m->pod.count > 8 )
		altp2m_list_lock(m->d);
	pod_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation.status).toBe('refuted');
    expect(fs[0]!.confirmation.reason).toMatch(/path conditions exclude it/);
  });

  it('a violation behind a branch on state the model tracks is confirmed when some value takes it', () => {
    const code = `
void pool_publish(struct map *m)
{
	pod_lock(m);
	if ( m->pod.count > 8 )
		altp2m_list_lock(m->d);
	pod_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'ORDER CHECK' });
  });

  it('the check fires at the violating acquisition, not at an earlier re-take of a lock the CPU already holds', () => {
    // the host map's lock is taken before the pool lock and again under it (a recursive
    // re-take, which the check skips); the violation is the alternate map's lock
    const code = `
void pool_fill(struct map *m, struct map *alt)
{
	gfn_lock(m);
	pod_lock(m);
	gfn_lock(m);
	gfn_unlock(m);
	p2m_write_lock(alt);
	p2m_write_unlock(alt);
	pod_unlock(m);
	gfn_unlock(m);
}
`;
    const fs = levelFindings(code).filter((f) => f.line === lineOf(code, 'p2m_write_lock(alt);'));
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c).toMatchObject({ status: 'confirmed', outcome: 'ORDER CHECK' });
    const fail = c.trace!.at(-1)!;
    expect(fail.op).toMatch(/^assert/);
    expect(fail.line).toBe(lineOf(code, 'p2m_write_lock(alt);'));
    expect(c.assumptions!.some((a) => a.kind === 'alias' && !a.checked && /CPU0 already holds a map\.lock \(`gfn_lock\(m\);`/.test(a.text) && /recursive re-take, which the check skips/.test(a.text))).toBe(true);
  });

  it('a held lock whose lock function only checks (a read side) does not raise the level: no one-path model', () => {
    // the read-side lock function tests its level but does not record it: a lower-level lock
    // taken under it passes the check, so the path alone does not fail
    const code = `
void alt_walk(struct map *alt)
{
	p2m_read_lock(alt);
	altp2m_list_lock(alt->d);
	altp2m_list_unlock(alt->d);
	p2m_read_unlock(alt);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c.status).toBe('unknown');
    expect(c.reason).toMatch(/no run-time check model: holding map\.lock \(level 40, shared\) does not record its level for the check/);
  });

  it('a tree whose test only warns (no stop) has no run-time check: the two-path rule stands (unknown without a second side)', () => {
    const code = `
void pool_publish(struct map *m)
{
	pod_lock(m);
	altp2m_list_lock(m->d);
	altp2m_list_unlock(m->d);
	pod_unlock(m);
}
`;
    const fs = levelFindings(code, false);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c.status).toBe('unknown');
    expect(c.reason).toMatch(/no path in the designed order .*no run-time check model: taking dom\.arch\.altp2m_list_lock at level 32 is not checked at run time/);
  });
});
