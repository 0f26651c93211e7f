// Models of declared lock-level violations: the violation (takes A while holding B, B's level
// above A's) is one side; a path elsewhere in the tree that takes A then B (the designed
// order) is the other. Confirmed only with that path, and the verdict names where the levels
// are declared; without one the verdict stays unknown and no side is invented.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import type { Finding } from '../../src/report/finding.js';

/**
 * A level header in the mm-locks style: per-name order constants, generator and paste macros,
 * and the rules table's lock API defined on them (`pod_lock`, `p2m_lock`, ...: names the Xen
 * table binds, here on structs of our own).
 */
const header = (order: Record<string, number>) => `
${Object.entries(order).map(([n, v]) => `#define LVL_${n} ${v}`).join('\n')}
#define declare_lvl_lock(name) static inline void lvl_lock_##name(struct dom *d, lvl_lock_t *l, int rec) { _lvl_lock(d, l, LVL_##name, rec); }
#define declare_lvl_rwlock(name) static inline void lvl_write_lock_##name(struct dom *d, lvl_rwlock_t *l) { _lvl_write_lock(d, l, LVL_##name); }
#define lvl_lock(name, d, l) lvl_lock_##name(d, l, 0)
#define lvl_write_lock(name, d, l) lvl_write_lock_##name(d, l)
struct dom_arch { lvl_lock_t altp2m_list_lock; };
struct dom { struct dom_arch arch; };
struct pool { lvl_lock_t lock; int count; };
struct map { lvl_rwlock_t lock; struct pool pod; struct dom *d; int kind; };
declare_lvl_rwlock(map);
declare_lvl_lock(list)
declare_lvl_rwlock(altmap);
declare_lvl_lock(pool)
#define altp2m_list_lock(d) lvl_lock(list, d, &(d)->arch.altp2m_list_lock)
#define pod_lock(m) lvl_lock(pool, (m)->d, &(m)->pod.lock)
#define gfn_lock(m) lvl_write_lock(map, (m)->d, &(m)->lock)
#define p2m_write_lock(m) lvl_write_lock(altmap, (m)->d, &(m)->lock)
static inline bool map_is_alt(const struct map *m) { return m->kind == 2; }
static inline void p2m_lock(struct map *m)
{
	if ( map_is_alt(m) )
		lvl_write_lock(altmap, m->d, &m->lock);
	else
		lvl_write_lock(map, m->d, &m->lock);
}
`;
const order = { map: 16, list: 32, altmap: 40, pool: 48 };

const levelFindings = (code: string): Finding[] => {
  const r = analyzeSources([{ path: 'levels.c', text: header(order) + code }], {});
  return r.findings.filter((f) => f.rule === 'lock-inversion' && /violates the declared lock order/.test(f.message));
};

/** The line of `text` in the analyzed file (header + code). */
const lineOf = (code: string, text: string): number => (header(order) + code).split('\n').findIndex((l) => l.includes(text)) + 1;

describe('lock-level violation models', () => {
  it('a violation with a designed-order path elsewhere is confirmed, the assumptions naming where the levels are declared', () => {
    const code = `
void pool_shrink(struct map *m, struct map *other)
{
	pod_lock(m);
	m->pod.count--;
	p2m_lock(other);
	p2m_unlock(other);
	pod_unlock(m);
}
void map_set(struct map *m)
{
	p2m_lock(m);
	pod_lock(m);
	m->pod.count++;
	pod_unlock(m);
	p2m_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const f = fs[0]!;
    expect(f.function).toBe('pool_shrink');
    expect(f.confirmation).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'DEADLOCK' });
    // both sides run: CPU1 is the designed-order path, with its own source lines
    const cpu1 = f.confirmation.trace!.filter((t) => t.cpu === 1);
    expect(cpu1.some((t) => /pod_lock\(m\)/.test(t.code ?? '') && t.line === lineOf(code, 'void map_set') + 3)).toBe(true);
    // the designed-order side joins the finding's witness, so a reviewer sees both call chains
    expect(f.witness.map((p) => `${p.label}: ${p.callChain.join(' -> ')}`)).toEqual(['CPU0: pool_shrink', 'CPU1: map_set']);
    // the callers' common locks were checked for both entry points
    expect(f.confirmation.assumptions!.some((a) => a.kind === 'concurrency' && a.checked && /pool_shrink, map_set hold no common global lock/.test(a.text))).toBe(true);
    expect(cpu1.some((t) => (t.note ?? '').includes('map_set'))).toBe(true);
    const as = f.confirmation.assumptions!;
    // the level source: the declaring invocation, file:line, and the constant
    const lvl = as.find((a) => a.kind === 'lock-class' && /declared order/.test(a.text))!;
    expect(lvl.text).toMatch(/map\.lock \(level 16 or 40\) before map\.pod\.lock \(level 48\)/);
    expect(lvl.text).toMatch(/declare_lvl_rwlock\(map\)` at levels\.c:\d+ \(LVL_map = 16\)/);
    expect(lvl.source).toBe(`levels.c:${lineOf(code, 'declare_lvl_rwlock(map);')}`);
    expect(as.some((a) => a.kind === 'lock-class' && /declare_lvl_lock\(pool\)` at levels\.c:\d+ \(LVL_pool = 48\)/.test(a.text))).toBe(true);
    // which entry points, and that their concurrency is taken on trust
    expect(as.some((a) => a.kind === 'concurrency' && /CPU1 map_set holds map\.lock/.test(a.text) && /CPU0 enters at pool_shrink/.test(a.text) && !a.checked)).toBe(true);
    // which instances are taken to be one object: both sides' expressions, the kind left open
    expect(as.some((a) => a.kind === 'alias' && /`other->lock`/.test(a.text) && /`m->lock`/.test(a.text) && /the object's kind decides/.test(a.text))).toBe(true);
    expect(as.some((a) => a.kind === 'alias' && /CPU1 takes both locks of one object \(`m`\)/.test(a.text))).toBe(true);
  });

  it('the violating path already holds a lock of the class it takes (host, then alternate): another object, so still confirmed', () => {
    // with one object per class CPU0's first map lock would serialise the two paths and
    // refute a violation whose second map lock belongs to another (alternate) map
    const code = `
void pool_fill(struct map *m, struct map *alt)
{
	p2m_lock(m);
	pod_lock(m);
	p2m_lock(alt);
	p2m_unlock(alt);
	pod_unlock(m);
	p2m_unlock(m);
}
void map_set(struct map *m)
{
	p2m_lock(m);
	pod_lock(m);
	pod_unlock(m);
	p2m_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const f = fs[0]!;
    expect(f.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
    expect(f.confirmation.assumptions!.some((a) => a.kind === 'alias' && !a.checked && /CPU0 already holds a map\.lock \(`p2m_lock\(m\);`/.test(a.text))).toBe(true);
  });

  it('without a path in the designed order the verdict stays unknown, with no invented side', () => {
    const code = `
void pool_publish(struct map *m)
{
	pod_lock(m);
	altp2m_list_lock(m->d);
	altp2m_list_unlock(m->d);
	pod_unlock(m);
}
void list_walk(struct dom *d)
{
	altp2m_list_lock(d);
	altp2m_list_unlock(d);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c.status).toBe('unknown');
    expect(c.reason).toMatch(/no path in the designed order \(dom\.arch\.altp2m_list_lock then map\.pod\.lock\); the violation is against the declared order only/);
    expect(c.illustration).toBeUndefined();
    expect(c.trace).toBeUndefined();
    expect(fs[0]!.severity).toBe('error');
  });

  it('a designed-order path on another kind of object (other declared level) is not a second side', () => {
    // the violation takes an alternate map's lock (level 40); the only designed-order path takes
    // a host map's (level 16): not the same object, so no ABBA between them
    const code = `
void pool_drain(struct map *m, struct map *alt)
{
	pod_lock(m);
	p2m_write_lock(alt);
	p2m_write_unlock(alt);
	pod_unlock(m);
}
void host_set(struct map *m)
{
	gfn_lock(m);
	pod_lock(m);
	pod_unlock(m);
	gfn_unlock(m);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c.status).toBe('unknown');
    expect(c.reason).toMatch(/no path in the designed order \(map\.lock then map\.pod\.lock\): the 1 path\(s\) taking map\.lock before map\.pod\.lock take them at other levels \(host_set: 16 then 48\)/);
  });

  it('one class at two levels (host, then alternate): the designed nesting elsewhere is the second side', () => {
    const code = `
void alt_sync(struct map *alt, struct map *host)
{
	p2m_write_lock(alt);
	gfn_lock(host);
	gfn_unlock(host);
	p2m_write_unlock(alt);
}
void host_propagate(struct map *host, struct map *alt)
{
	gfn_lock(host);
	p2m_write_lock(alt);
	p2m_write_unlock(alt);
	gfn_unlock(host);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    const f = fs[0]!;
    expect(f.function).toBe('alt_sync');
    expect(f.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
    const as = f.confirmation.assumptions!;
    expect(as.some((a) => a.kind === 'alias' && /both at level 16: the same kind of object/.test(a.text))).toBe(true);
    expect(as.some((a) => a.kind === 'alias' && /both at level 40: the same kind of object/.test(a.text))).toBe(true);
    expect(as.some((a) => /CPU1 host_propagate/.test(a.text))).toBe(true);
  });

  it('a designed-order path that holds the same outer lock as the violation cannot interleave with it: refuted', () => {
    const code = `
static DEFINE_SPINLOCK(big);
void pool_shrink(struct map *m, struct map *other)
{
	spin_lock(&big);
	pod_lock(m);
	p2m_lock(other);
	p2m_unlock(other);
	pod_unlock(m);
	spin_unlock(&big);
}
void map_set(struct map *m)
{
	spin_lock(&big);
	p2m_lock(m);
	pod_lock(m);
	pod_unlock(m);
	p2m_unlock(m);
	spin_unlock(&big);
}
`;
    const fs = levelFindings(code);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation.status).toBe('refuted');
    expect(fs[0]!.confirmation.reason).toMatch(/both sides hold big/);
  });
});
