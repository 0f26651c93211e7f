// Declared lock levels read from the tree's own macros (mm-locks.h style), not from a table.
import { describe, expect, it } from 'vitest';
import { ruleTester, runRule } from '../helpers/rule-tester.js';
import { findCycles, type LockGraph } from '../../src/analysis/lock-graph.js';

/** A lock-level header: generator macros, per-name level constants, paste macros. */
const header = (order: Record<string, number>, useLine = false) => `
${Object.entries(order).map(([n, v]) => `#define ORDER_${n} ${v}`).join('\n')}
#define declare_mm_lock(name) static inline void mm_lock_##name(struct domain *d, mm_lock_t *l, int rec) { _mm_lock(d, l, ${useLine ? '__LINE__' : 'ORDER_##name'}, rec); }
#define declare_mm_rwlock(name) static inline void mm_write_lock_##name(struct domain *d, mm_rwlock_t *l) { _mm_write_lock(d, l, ${useLine ? '__LINE__' : 'ORDER_##name'}); }
#define declare_mm_order_constraint(name) static inline void mm_enforce_order_lock_pre_##name(struct domain *d) { _mm_enforce_order_lock_pre(d, ${useLine ? '__LINE__' : 'ORDER_##name'}); }
#define mm_lock(name, d, l) mm_lock_##name(d, l, 0)
#define mm_write_lock(name, d, l) mm_write_lock_##name(d, l)
struct paging_domain { mm_lock_t lock; };
struct arch_domain { struct paging_domain paging; mm_lock_t altp2m_list_lock; };
struct domain { struct arch_domain arch; spinlock_t page_alloc_lock; };
struct p2m_domain { mm_rwlock_t lock; struct domain *domain; int kind; };
`;
const hostAndAlt = `
declare_mm_rwlock(p2m);
declare_mm_lock(altp2mlist)
#define altp2m_list_lock(d) mm_lock(altp2mlist, d, &(d)->arch.altp2m_list_lock)
declare_mm_rwlock(altp2m);
static inline bool p2m_is_alt(const struct p2m_domain *p) { return p->kind == 2; }
static inline void p2m_lock(struct p2m_domain *p)
{
	if ( p2m_is_alt(p) )
		mm_write_lock(altp2m, p->domain, &p->lock);
	else
		mm_write_lock(p2m, p->domain, &p->lock);
}
`;
const paging = `
declare_mm_rwlock(p2m);
#define p2m_lock(p) mm_write_lock(p2m, (p)->domain, &(p)->lock)
declare_mm_lock(paging)
#define paging_lock(d) mm_lock(paging, d, &(d)->arch.paging.lock)
void sh_fixup(struct domain *d, struct p2m_domain *p2m) {
	paging_lock(d);
	p2m_lock(p2m);
	p2m_unlock(p2m);
	paging_unlock(d);
}`;

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'the tree declares the order: its levels win over the rules table (paging below p2m here)',
      code: header({ paging: 8, p2m: 16 }) + paging,
    },
    {
      name: 'levels from __LINE__: the order of the declarations (p2m declared after paging)',
      code: header({}, true) + `
declare_mm_lock(paging)
#define paging_lock(d) mm_lock(paging, d, &(d)->arch.paging.lock)
declare_mm_rwlock(p2m);
#define p2m_lock(p) mm_write_lock(p2m, (p)->domain, &(p)->lock)
void sh_fixup(struct domain *d, struct p2m_domain *p2m) {
	paging_lock(d);
	p2m_lock(p2m);
	p2m_unlock(p2m);
	paging_unlock(d);
}`,
    },
    {
      name: 'one lock class at two levels (host, then alternate table): the designed nesting, not two instances out of order',
      code: header({ p2m: 16, altp2mlist: 32, altp2m: 40 }) + hostAndAlt + `
void change_gfn(struct p2m_domain *hp2m, struct p2m_domain *ap2m) {
	p2m_lock(hp2m);
	p2m_lock(ap2m);
	p2m_unlock(ap2m);
	p2m_unlock(hp2m);
}
void flush_all(struct domain *d, struct p2m_domain *ap2m) {
	altp2m_list_lock(d);
	p2m_lock(ap2m);
	p2m_unlock(ap2m);
	altp2m_list_unlock(d);
}`,
    },
    {
      name: 'a lock macro on a generated lock function is no order-check marker: the locks after it keep their own (no) level',
      code: header({ tbl: 8, paging: 24 }) + `
struct mm_lock { spinlock_t lock; int level; };
static inline void _mm_lock(struct domain *d, struct mm_lock *l, int level, int rec) {
	spin_lock_recursive(&l->lock);
	l->level = level;
}
static struct mm_lock tbl_lk;
spinlock_t log_lock;
declare_mm_lock(tbl)
#define tbl_take() mm_lock(tbl, NULL, &tbl_lk)
declare_mm_lock(paging)
#define paging_lock(d) mm_lock(paging, d, &(d)->arch.paging.lock)
static void log_it(void) { spin_lock(&log_lock); spin_unlock(&log_lock); }
void audit(struct domain *d) {
	paging_lock(d);
	tbl_take();
	log_it();
	paging_unlock(d);
}`,
    },
  ],
  invalid: [
    {
      name: '__LINE__ levels: p2m declared before paging, so paging then p2m violates the order',
      code: header({}, true) + paging,
      functions: ['sh_fixup'],
      message: /violates the declared lock order/,
    },
    {
      name: 'an order-check marker before an external lock gives it its level',
      code: header({ p2m: 16, page_alloc: 56 }) + `
declare_mm_rwlock(p2m);
#define p2m_lock(p) mm_write_lock(p2m, (p)->domain, &(p)->lock)
declare_mm_order_constraint(page_alloc)
#define page_alloc_mm_pre_lock(d) mm_enforce_order_lock_pre_page_alloc(d)
static void lock_alloc(struct domain *d) {
	page_alloc_mm_pre_lock(d);
	spin_lock(&d->page_alloc_lock);
}
void reclaim(struct domain *d, struct p2m_domain *p2m) {
	lock_alloc(d);
	p2m_lock(p2m);
	p2m_unlock(p2m);
	spin_unlock(&d->page_alloc_lock);
}`,
      functions: ['reclaim'],
      message: /p2m_domain.lock \(level 16\) taken while holding domain.page_alloc_lock \(level 56\)/,
    },
  ],
});

ruleTester('lock-inversion-lowconf', {
  valid: [],
  invalid: [
    {
      name: 'a lock whose level the object\u2019s kind decides, taken where the code does not decide it',
      code: header({ p2m: 16, altp2mlist: 32, altp2m: 40 }) + hostAndAlt + `
void flush_all(struct domain *d, struct p2m_domain *ap2m) {
	altp2m_list_lock(d);
	p2m_lock(ap2m);
	p2m_unlock(ap2m);
	altp2m_list_unlock(d);
}`,
      functions: ['flush_all'],
      message: /level 16 or 40.*depends on which kind of object p2m_lock\(\) is given/,
    },
  ],
});

describe('lock-graph cycle search', () => {
  const graph = (pairs: [string, string][]): LockGraph => {
    const g: LockGraph = { edges: new Map(), selfNesting: [], levelViolations: [] };
    for (const [a, b] of pairs) {
      if (!g.edges.has(a)) g.edges.set(a, new Map());
      g.edges.get(a)!.set(b, []);
    }
    return g;
  };
  it('finds a late 2-lock cycle even when early locks have many long cycles', () => {
    const pairs: [string, string][] = [];
    const clique = Array.from({ length: 9 }, (_, i) => `a${i}`);
    for (const x of clique) for (const y of clique) if (x < y) pairs.push([x, y], [y, x]);
    pairs.push(['zz_inner', 'zz_outer'], ['zz_outer', 'zz_inner']);
    const cycles = findCycles(graph(pairs), 4, 40);
    expect(cycles.map((c) => c.join('>'))).toContain('zz_inner>zz_outer');
    // shortest first
    expect(cycles.every((c, i) => i === 0 || c.length >= cycles[i - 1]!.length)).toBe(true);
  });
  it('reports each cycle once, rotated to its smallest lock', () => {
    const cycles = findCycles(graph([['b', 'c'], ['c', 'a'], ['a', 'b']]));
    expect(cycles).toEqual([['a', 'b', 'c']]);
  });
});

describe('lock-order edges', () => {
  it('a path through a function that never returns (a noreturn table entry) orders nothing', () => {
    const found = runRule('lock-inversion', {
      name: 'panic',
      code: `
static DEFINE_SPINLOCK(console_lock);
static DEFINE_SPINLOCK(tbl_lock);
void machine_restart(int delay) { spin_lock(&console_lock); spin_unlock(&console_lock); }
void check(int bad) { spin_lock(&tbl_lock); if (bad) machine_restart(0); spin_unlock(&tbl_lock); }
void con_write(void) { spin_lock(&console_lock); spin_lock(&tbl_lock); spin_unlock(&tbl_lock); spin_unlock(&console_lock); }`,
    });
    expect(found).toEqual([]);
  });
  it('re-taking a recursive lock already held does not wait, so it orders nothing', () => {
    const found = runRule('lock-inversion', {
      name: 'recursive',
      code: `
struct res { rspinlock_t rlock; };
static DEFINE_SPINLOCK(tbl_lock);
static void touch(struct res *r) { rspin_lock(&r->rlock); rspin_unlock(&r->rlock); }
void update(struct res *r) {
	rspin_lock(&r->rlock);
	spin_lock(&tbl_lock);
	touch(r);
	spin_unlock(&tbl_lock);
	rspin_unlock(&r->rlock);
}`,
    });
    expect(found).toEqual([]);
  });
});
