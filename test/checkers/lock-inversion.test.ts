import { ruleTester } from '../helpers/rule-tester.js';

const decls = `
struct bus { spinlock_t lock; };
struct dev { spinlock_t lock; struct bus *bus; struct dev *parent; };
static DEFINE_SPINLOCK(a_lock);
static DEFINE_SPINLOCK(b_lock);
static DEFINE_SPINLOCK(c_lock);
`;

const opsHeader = `
struct domain;
struct io_ops { int (*read)(struct domain *d, int reg); };
struct domain { spinlock_t event_lock; spinlock_t io_lock; const struct io_ops *ops; int regs[16]; };
`;
/** A device model whose read handler takes io_lock, registered through an ops table. */
const vdev = (n: number) => `#include "ops.h"
static int vdev${n}_read(struct domain *d, int reg)
{
	int v;
	spin_lock(&d->io_lock);
	v = d->regs[reg];
	spin_unlock(&d->io_lock);
	return v;
}
const struct io_ops vdev${n}_ops = {
	.read = vdev${n}_read,
};
`;
const pollUnderEventLock = `#include "ops.h"
int evtchn_poll(struct domain *d, int reg)
{
	int v;
	spin_lock(&d->event_lock);
	v = d->ops->read(d, reg);
	spin_unlock(&d->event_lock);
	return v;
}
void notify(struct domain *d)
{
	spin_lock(&d->io_lock);
	spin_lock(&d->event_lock);
	spin_unlock(&d->event_lock);
	spin_unlock(&d->io_lock);
}
`;

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'two paths take the locks in the same order',
      code: `${decls}
void f(void) { spin_lock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); spin_unlock(&a_lock); }
void g(void) { spin_lock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); spin_unlock(&a_lock); }`,
    },
    {
      name: 'the reverse order uses a trylock, which never waits',
      code: `${decls}
void f(void) { spin_lock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); spin_unlock(&a_lock); }
void g(void) {
	spin_lock(&b_lock);
	if (spin_trylock(&a_lock)) {
		spin_unlock(&a_lock);
	}
	spin_unlock(&b_lock);
}`,
    },
    {
      name: 'the first lock is released before the second is taken',
      code: `${decls}
void f(void) { spin_lock(&a_lock); spin_unlock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); }
void g(void) { spin_lock(&b_lock); spin_lock(&a_lock); spin_unlock(&a_lock); spin_unlock(&b_lock); }`,
    },
    {
      name: 'a lock taken on only one branch is not held after the join',
      code: `${decls}
void f(int x) {
	if (x)
		spin_lock(&a_lock);
	spin_lock(&b_lock);
	spin_unlock(&b_lock);
	if (x)
		spin_unlock(&a_lock);
}
void g(void) { spin_lock(&b_lock); spin_lock(&a_lock); spin_unlock(&a_lock); spin_unlock(&b_lock); }`,
    },
    {
      name: 'readers on both sides of a reader-writer lock do not exclude each other',
      code: `
static DEFINE_RWLOCK(tbl_lock);
static DEFINE_SPINLOCK(obj_lock);
void f(void) { read_lock(&tbl_lock); spin_lock(&obj_lock); spin_unlock(&obj_lock); read_unlock(&tbl_lock); }
void g(void) { spin_lock(&obj_lock); read_lock(&tbl_lock); read_unlock(&tbl_lock); spin_unlock(&obj_lock); }`,
    },
    {
      name: 'same-class nesting annotated with spin_lock_nested',
      code: `${decls}
void f(struct dev *d) {
	spin_lock(&d->parent->lock);
	spin_lock_nested(&d->lock, SINGLE_DEPTH_NESTING);
	spin_unlock(&d->lock);
	spin_unlock(&d->parent->lock);
}`,
    },
    {
      name: 'same-class nesting ordered by address',
      code: `${decls}
void double_lock(struct dev *a, struct dev *b) {
	if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}`,
    },
    {
      name: 'same-class nesting ordered by address, the instances named through a double pointer',
      code: `${decls}
void double_lock(struct dev **a, struct dev **b) {
	if (*a < *b) {
		spin_lock(&(*a)->lock);
		spin_lock(&(*b)->lock);
	} else {
		spin_lock(&(*b)->lock);
		spin_lock(&(*a)->lock);
	}
}`,
    },
    {
      name: 'rcu_read_lock does not order against spinlocks',
      code: `${decls}
void f(void) { rcu_read_lock(); spin_lock(&a_lock); spin_unlock(&a_lock); rcu_read_unlock(); }
void g(void) { spin_lock(&a_lock); rcu_read_lock(); rcu_read_unlock(); spin_unlock(&a_lock); }`,
    },
    {
      name: 'an indirect call through a member with more implementations than are followed',
      files: {
        'ops.h': opsHeader,
        'event.c': pollUnderEventLock,
        ...Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`vdev${n}.c`, vdev(n)])),
      },
    },
  ],
  invalid: [
    {
      name: 'an inversion through a function-pointer table in another file (ops->read runs vdev1_read)',
      files: { 'ops.h': opsHeader, 'event.c': pollUnderEventLock, 'vdev1.c': vdev(1) },
      functions: ['evtchn_poll', 'vdev1_read', 'notify'],
      locks: ['domain.event_lock', 'domain.io_lock'],
      check: (fs) => {
        const cpu = fs[0]!.witness.find((p) => p.steps.some((s) => s.function === 'vdev1_read'))!;
        // the chain shows the indirect call site and the handler it runs
        if (!cpu.steps.some((s) => s.event === 'call vdev1_read' && s.line === 6 && s.file === 'event.c')) throw new Error(JSON.stringify(cpu.steps));
      },
    },
    {
      name: "Xen's nrspin_lock (4.19+) and Arm's p2m_write_lock order like any lock",
      code: `struct p2m_domain { rwlock_t lock; };
struct domain { rspinlock_t page_alloc_lock; struct p2m_domain p2m; };
void f(struct domain *d) {
	nrspin_lock(&d->page_alloc_lock);
	p2m_write_lock(&d->p2m);
	p2m_write_unlock(&d->p2m);
	nrspin_unlock(&d->page_alloc_lock);
}
void g(struct domain *d) {
	p2m_write_lock(&d->p2m);
	nrspin_lock(&d->page_alloc_lock);
	nrspin_unlock(&d->page_alloc_lock);
	p2m_write_unlock(&d->p2m);
}`,
      functions: ['f', 'g'],
      locks: ['domain.page_alloc_lock', 'p2m_domain.lock'],
    },
    {
      name: 'ABBA in two functions',
      code: `${decls}
void f(void) { spin_lock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); spin_unlock(&a_lock); }
void g(void) { spin_lock(&b_lock); spin_lock(&a_lock); spin_unlock(&a_lock); spin_unlock(&b_lock); }`,
      functions: ['f', 'g'],
      locks: ['a_lock@test.c', 'b_lock@test.c'],
      check: (fs) => {
        const w = fs[0]!.witness;
        // each side names where its first lock was taken and where it waits for the second
        const cpu0 = w.find((p) => p.label === 'CPU0')!;
        const cpu1 = w.find((p) => p.label === 'CPU1')!;
        if (cpu0.steps.length !== 2 || cpu1.steps.length !== 2) throw new Error('each side has two steps');
        if (cpu0.steps[0]!.line !== 8 || cpu1.steps[0]!.line !== 9) throw new Error(`sides at lines ${cpu0.steps[0]!.line} and ${cpu1.steps[0]!.line}`);
      },
    },
    {
      name: 'cycle through calls in other files, classes by struct type and field',
      files: {
        'drivers/dev.h': 'struct bus { spinlock_t lock; };\nstruct dev { spinlock_t lock; struct bus *bus; };\n',
        'drivers/core.c': `#include "dev.h"
void bus_rescan(struct bus *b);
static void dev_update(struct dev *d) {
	spin_lock(&d->lock);
	bus_rescan(d->bus);
	spin_unlock(&d->lock);
}
void dev_ioctl(struct dev *d) { dev_update(d); }`,
        'drivers/bus.c': `#include "dev.h"
void dev_poke(struct dev *d);
void bus_rescan(struct bus *b) {
	spin_lock(&b->lock);
	spin_unlock(&b->lock);
}
void bus_walk(struct bus *b, struct dev *d) {
	spin_lock(&b->lock);
	dev_poke(d);
	spin_unlock(&b->lock);
}`,
        'drivers/poke.c': `#include "dev.h"
void dev_poke(struct dev *d) { spin_lock(&d->lock); spin_unlock(&d->lock); }`,
      },
      functions: ['dev_update', 'bus_rescan', 'bus_walk', 'dev_poke'],
      locks: ['dev.lock', 'bus.lock'],
    },
    {
      name: 'a three-lock cycle is reported once',
      code: `${decls}
void f(void) { spin_lock(&a_lock); spin_lock(&b_lock); spin_unlock(&b_lock); spin_unlock(&a_lock); }
void g(void) { spin_lock(&b_lock); spin_lock(&c_lock); spin_unlock(&c_lock); spin_unlock(&b_lock); }
void h(void) { spin_lock(&c_lock); spin_lock(&a_lock); spin_unlock(&a_lock); spin_unlock(&c_lock); }`,
      functions: ['f', 'g', 'h'],
      locks: ['a_lock@test.c', 'b_lock@test.c', 'c_lock@test.c'],
    },
    {
      name: 'a wrapper that returns holding a lock orders like the lock itself',
      code: `${decls}
static void dev_lock(struct dev *d) { spin_lock(&d->lock); }
static void dev_unlock(struct dev *d) { spin_unlock(&d->lock); }
void f(struct dev *d) { dev_lock(d); spin_lock(&a_lock); spin_unlock(&a_lock); dev_unlock(d); }
void g(struct dev *d) { spin_lock(&a_lock); dev_lock(d); dev_unlock(d); spin_unlock(&a_lock); }`,
      functions: ['f', 'g'],
      locks: ['dev.lock', 'a_lock@test.c'],
    },
    {
      name: 'two instances of one class nested without annotation',
      code: `${decls}
void reparent(struct dev *child, struct dev *newp) {
	spin_lock(&child->lock);
	spin_lock(&newp->lock);
	spin_unlock(&newp->lock);
	spin_unlock(&child->lock);
}`,
      functions: ['reparent'],
      locks: ['dev.lock'],
      message: /two instances of lock class dev.lock/,
    },
    {
      name: 'declared lock levels (mm-locks.h style): a lower level taken under a higher one',
      code: `
#define LVL_p2m 16
#define LVL_paging 64
#define declare_mm_lock(name) static inline void mm_lock_##name(struct domain *d, mm_lock_t *l, int rec) { _mm_lock(d, l, LVL_##name, rec); }
#define declare_mm_rwlock(name) static inline void mm_write_lock_##name(struct domain *d, mm_rwlock_t *l) { _mm_write_lock(d, l, LVL_##name); }
#define mm_lock(name, d, l) mm_lock_##name(d, l, 0)
#define mm_write_lock(name, d, l) mm_write_lock_##name(d, l)
declare_mm_rwlock(p2m);
#define p2m_lock(p) mm_write_lock(p2m, (p)->domain, &(p)->lock)
declare_mm_lock(paging)
#define paging_lock(d) mm_lock(paging, d, &(d)->arch.paging.lock)
struct paging_domain { mm_lock_t lock; };
struct arch_domain { struct paging_domain paging; };
struct domain { struct arch_domain arch; };
struct p2m_domain { mm_rwlock_t lock; struct domain *domain; };
void sh_fixup(struct domain *d, struct p2m_domain *p2m) {
	paging_lock(d);
	p2m_lock(p2m);
	p2m_unlock(p2m);
	paging_unlock(d);
}`,
      functions: ['sh_fixup'],
      message: /p2m_domain.lock \(level 16\) taken while holding domain.arch.paging.lock \(level 64\).*violates the declared lock order/,
    },
  ],
});

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'a lock wrapper taking an embedded lock by address keeps the callers\u2019 lock classes apart',
      code: `struct my_rwsem { struct rw_semaphore internal_rwsem; };
struct sb_info { struct my_rwsem gc_lock; struct my_rwsem cp_rwsem; };
static void my_down_write(struct my_rwsem *sem) { down_write(&sem->internal_rwsem); }
static void my_up_write(struct my_rwsem *sem) { up_write(&sem->internal_rwsem); }
void gc(struct sb_info *sbi) {
	my_down_write(&sbi->gc_lock);
	my_down_write(&sbi->cp_rwsem);
	my_up_write(&sbi->cp_rwsem);
	my_up_write(&sbi->gc_lock);
}`,
    },
  ],
  invalid: [
    {
      name: 'the same wrapper used in opposite orders on two embedded locks',
      code: `struct my_rwsem { struct rw_semaphore internal_rwsem; };
struct sb_info { struct my_rwsem gc_lock; struct my_rwsem cp_rwsem; };
static void my_down_write(struct my_rwsem *sem) { down_write(&sem->internal_rwsem); }
static void my_up_write(struct my_rwsem *sem) { up_write(&sem->internal_rwsem); }
void gc(struct sb_info *sbi) {
	my_down_write(&sbi->gc_lock);
	my_down_write(&sbi->cp_rwsem);
	my_up_write(&sbi->cp_rwsem);
	my_up_write(&sbi->gc_lock);
}
void checkpoint(struct sb_info *sbi) {
	my_down_write(&sbi->cp_rwsem);
	my_down_write(&sbi->gc_lock);
	my_up_write(&sbi->gc_lock);
	my_up_write(&sbi->cp_rwsem);
}`,
      functions: ['gc', 'checkpoint', 'my_down_write'],
      locks: ['sb_info.gc_lock.internal_rwsem', 'sb_info.cp_rwsem.internal_rwsem'],
    },
  ],
});

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'a class the code splits with lockdep_set_class is not reported by default',
      code: `struct inode { struct rw_semaphore i_rwsem; };
struct ext_info { struct rw_semaphore xattr_sem; struct inode vfs; };
static struct lock_class_key ea_key;
void ea_init(struct inode *ea) { lockdep_set_class(&ea->i_rwsem, &ea_key); }
void set_xattr(struct ext_info *ei, struct inode *ea) {
	down_write(&ei->xattr_sem);
	down_write(&ea->i_rwsem);
	up_write(&ea->i_rwsem);
	up_write(&ei->xattr_sem);
}
void fallocate(struct ext_info *ei, struct inode *inode) {
	down_write(&inode->i_rwsem);
	down_write(&ei->xattr_sem);
	up_write(&ei->xattr_sem);
	up_write(&inode->i_rwsem);
}`,
    },
  ],
  invalid: [],
});

ruleTester('lock-inversion', {
  valid: [],
  invalid: [
    {
      name: 'locks taken through the project\u2019s own lock macros, defined in a header',
      files: {
        'xen/include/asm-arm/vgic.h': `struct vgic_irq_rank { spinlock_t lock; };
struct domain { struct { struct { spinlock_t lock; } vgic; } arch; };
struct vcpu { struct domain *domain; };
#define my_vgic_lock(v)   spin_lock_irq(&(v)->domain->arch.vgic.lock)
#define my_vgic_unlock(v) spin_unlock_irq(&(v)->domain->arch.vgic.lock)
#define rank_lock(r)   do { spin_lock(&(r)->lock); } while (0)
#define rank_unlock(r) spin_unlock(&(r)->lock)
`,
        'xen/arch/arm/a.c': `#include <asm/vgic.h>
void f(struct vcpu *v, struct vgic_irq_rank *r) { my_vgic_lock(v); rank_lock(r); rank_unlock(r); my_vgic_unlock(v); }`,
        'xen/arch/arm/b.c': `#include <asm/vgic.h>
void g(struct vcpu *v, struct vgic_irq_rank *r) { rank_lock(r); my_vgic_lock(v); my_vgic_unlock(v); rank_unlock(r); }`,
      },
      functions: ['f', 'g'],
      locks: ['domain.arch.vgic.lock', 'vgic_irq_rank.lock'],
    },
  ],
});

const twoHops = `struct d;
struct ops1 { void (*a)(struct d *); };
struct ops2 { void (*b)(struct d *); };
struct d { spinlock_t x; spinlock_t y; const struct ops1 *o1; const struct ops2 *o2; };
static void hb(struct d *d) { spin_lock(&d->y); spin_unlock(&d->y); }
static void ha(struct d *d) { d->o2->b(d); }
const struct ops1 t1 = { .a = ha };
const struct ops2 t2 = { .b = hb };
void f(struct d *d) { spin_lock(&d->x); d->o1->a(d); spin_unlock(&d->x); }
void g(struct d *d) { spin_lock(&d->y); spin_lock(&d->x); spin_unlock(&d->x); spin_unlock(&d->y); }`;

ruleTester('lock-inversion', {
  valid: [{ name: 'an edge that needs two function-pointer hops is a weaker report', code: twoHops }],
  invalid: [],
});

ruleTester('lock-inversion-lowconf', {
  valid: [],
  invalid: [{ name: 'the two-hop cycle, with the reason', code: twoHops, functions: ['f', 'ha', 'hb', 'g'], message: /2 calls through function-pointer tables/ }],
});

const assertDecls = `struct domain { spinlock_t event_lock; spinlock_t other; };
`;
ruleTester('lock-inversion', {
  valid: [
    {
      name: 'spin_is_locked() outside ASSERT() is a condition, not a held lock',
      code: `${assertDecls}void f(struct domain *d) {
	if (spin_is_locked(&d->event_lock)) {
		spin_lock(&d->other);
		spin_unlock(&d->other);
	}
}
void g(struct domain *d) { spin_lock(&d->other); spin_lock(&d->event_lock); spin_unlock(&d->event_lock); spin_unlock(&d->other); }`,
    },
  ],
  invalid: [
    {
      name: "a lock the function only asserts held (Xen ASSERT(spin_is_locked()), the caller not in the tree) orders what it takes",
      code: `${assertDecls}void f(struct domain *d) {
	ASSERT(spin_is_locked(&d->event_lock));
	spin_lock(&d->other);
	spin_unlock(&d->other);
}
void g(struct domain *d) { spin_lock(&d->other); spin_lock(&d->event_lock); spin_unlock(&d->event_lock); spin_unlock(&d->other); }`,
      functions: ['f', 'g'],
      locks: ['domain.event_lock', 'domain.other'],
    },
    {
      name: 'lockdep_assert_held() in Linux likewise',
      code: `${assertDecls}void f(struct domain *d) {
	lockdep_assert_held(&d->event_lock);
	spin_lock(&d->other);
	spin_unlock(&d->other);
}
void g(struct domain *d) { spin_lock(&d->other); spin_lock(&d->event_lock); spin_unlock(&d->event_lock); spin_unlock(&d->other); }`,
      functions: ['f', 'g'],
    },
  ],
});

ruleTester('lock-inversion', {
  valid: [],
  invalid: [
    {
      name: 'a lock reached through a getter macro has its struct\u2019s class (`get_tbl(d)->lock`)',
      code: `
struct tbl { spinlock_t lock; };
struct arch_dom { struct tbl *tbl; };
struct dom { struct arch_dom arch; spinlock_t ev_lock; };
#define get_tbl(d) ((d)->arch.tbl)
void f(struct dom *d) {
	spin_lock(&get_tbl(d)->lock);
	spin_lock(&d->ev_lock);
	spin_unlock(&d->ev_lock);
	spin_unlock(&get_tbl(d)->lock);
}
void g(struct dom *d) {
	struct tbl *t = get_tbl(d);
	spin_lock(&d->ev_lock);
	spin_lock(&t->lock);
	spin_unlock(&t->lock);
	spin_unlock(&d->ev_lock);
}`,
      functions: ['f', 'g'],
      locks: ['tbl.lock', 'dom.ev_lock'],
    },
  ],
});

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'two instances ordered by the indices they were looked up by',
      code: `
struct queue { spinlock_t lock; int n; };
extern struct queue queues[64];
static struct queue *queue_of(unsigned int cpu) { return &queues[cpu]; }
void move_all(unsigned int a, unsigned int b) {
	struct queue *src, *dst;
	src = queue_of(a);
	dst = queue_of(b);
	if ( a < b ) {
		spin_lock(&src->lock);
		spin_lock(&dst->lock);
	} else {
		spin_lock(&dst->lock);
		spin_lock(&src->lock);
	}
	dst->n += src->n;
	spin_unlock(&dst->lock);
	spin_unlock(&src->lock);
}`,
    },
  ],
  invalid: [],
});

// The lock a conditional lookup returns holding (NULL without it) orders what the caller takes
// on the branch that tested the result non-NULL.
const condLookup = `struct obj { spinlock_t lk; int n; };
struct reg { spinlock_t lk; struct obj *slot[8]; };
static struct obj *obj_get_locked(struct reg *r, int i)
{
	struct obj *o = r->slot[i];
	if (!o || !spin_trylock(&o->lk))
		return NULL;
	return o;
}
`;

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'the other lock is taken only on the NULL branch, where the object is not locked',
      code: `${condLookup}void reg_scan(struct reg *r, int i)
{
	struct obj *o = obj_get_locked(r, i);
	if (!o) {
		spin_lock(&r->lk);
		r->slot[i] = 0;
		spin_unlock(&r->lk);
		return;
	}
	spin_unlock(&o->lk);
}
void reg_fill(struct reg *r, struct obj *o)
{
	spin_lock(&r->lk);
	spin_lock(&o->lk);
	o->n++;
	spin_unlock(&o->lk);
	spin_unlock(&r->lk);
}`,
    },
  ],
  invalid: [
    {
      name: 'the registry lock taken while holding the object the lookup returned locked, against the registry-then-object order',
      code: `${condLookup}void reg_scan(struct reg *r, int i)
{
	struct obj *o = obj_get_locked(r, i);
	if (!o)
		return;
	spin_lock(&r->lk);
	r->slot[i] = 0;
	spin_unlock(&r->lk);
	spin_unlock(&o->lk);
}
void reg_fill(struct reg *r, struct obj *o)
{
	spin_lock(&r->lk);
	spin_lock(&o->lk);
	o->n++;
	spin_unlock(&o->lk);
	spin_unlock(&r->lk);
}`,
      functions: ['reg_scan', 'reg_fill'],
      locks: ['obj.lk', 'reg.lk'],
    },
  ],
});

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'a domain reference (rules: RCU, noOrder) held around a spinlock in one order and inside it in the other is no inversion',
      code: `struct dom { spinlock_t lk; int v; };
spinlock_t table_lock;
int dom_a(int id)
{
	struct dom *d = rcu_lock_domain_by_id(id);
	if (!d)
		return -ESRCH;
	spin_lock(&table_lock);
	d->v++;
	spin_unlock(&table_lock);
	rcu_unlock_domain(d);
	return 0;
}
int dom_b(int id)
{
	struct dom *d;
	spin_lock(&table_lock);
	d = rcu_lock_domain_by_id(id);
	if (d) {
		d->v--;
		rcu_unlock_domain(d);
	}
	spin_unlock(&table_lock);
	return 0;
}`,
    },
  ],
  invalid: [],
});
