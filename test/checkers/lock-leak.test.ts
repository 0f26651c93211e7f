import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct dev { spinlock_t lock; struct mutex m; int state; };\n`;

ruleTester('lock-leak', {
  valid: [
    {
      name: 'sparse-annotated prototypes (declared, not defined): lock and unlock pair up on every path',
      code: `${decls}void dev_lock(struct dev *d) __acquires(&d->lock);
void dev_unlock(struct dev *d) __releases(&d->lock);
int use(struct dev *d, int x)
{
	dev_lock(d);
	if (x) {
		dev_unlock(d);
		return -EINVAL;
	}
	dev_unlock(d);
	return 0;
}`,
    },
    {
      name: 'object-like lock macros: every path unlocks; a bare name that is no lock macro changes nothing',
      code: `static DEFINE_SPINLOCK(table_sem);
#define TABLE_LOCK spin_lock(&table_sem)
#define TABLE_UNLOCK spin_unlock(&table_sem)
#define NOTE_IT note(1)
int load_table(int x)
{
	TABLE_LOCK;
	NOTE_IT;
	if (x == 1) {
		TABLE_UNLOCK;
		return -EINVAL;
	}
	TABLE_UNLOCK;
	return 0;
}`,
    },
    {
      name: 'a lock the function only asserts held, dropped on one path (the caller\u2019s lock), is no leak',
      code: `struct s { spinlock_t lock; int x; };
int f(struct s *p) {
	lockdep_assert_held(&p->lock);
	if (p->x) {
		spin_unlock(&p->lock);
		return -EBUSY;
	}
	return -EBUSY;
}`,
    },
    {
      name: 'every path unlocks',
      code: `${decls}int f(struct dev *d, int x) {
	spin_lock(&d->lock);
	if (x) {
		spin_unlock(&d->lock);
		return -EINVAL;
	}
	d->state = x;
	spin_unlock(&d->lock);
	return 0;
}`,
    },
    {
      name: 'a lock function returns holding the lock on every path',
      code: `${decls}static void dev_lock(struct dev *d) { spin_lock(&d->lock); }\nvoid g(struct dev *d) { dev_lock(d); d->state = 1; spin_unlock(&d->lock); }`,
    },
    {
      name: 'conditional lock function: success holds, failure does not',
      code: `${decls}bool dev_trylock(struct dev *d) {
	if (!spin_trylock(&d->lock))
		return false;
	return true;
}`,
    },
    {
      name: 'mutex_lock_interruptible failure returns without the lock',
      code: `${decls}int f(struct dev *d) {
	if (mutex_lock_interruptible(&d->m))
		return -EINTR;
	d->state = 2;
	mutex_unlock(&d->m);
	return 0;
}`,
    },
  ],
  invalid: [
    {
      name: 'sparse-annotated prototypes count as lock functions: a return between them leaks',
      code: `${decls}void dev_lock(struct dev *d) __acquires(&d->lock);
extern void dev_unlock(struct dev *d)
	__releases(&d->lock);
int use(struct dev *d, int x)
{
	dev_lock(d);
	if (x)
		return -EINVAL;
	dev_unlock(d);
	return 0;
}`,
      functions: ['use'],
      message: /returns -EINVAL still holding d->lock/,
    },
    {
      name: 'an error return forgets to unlock',
      code: `${decls}int f(struct dev *d, int x) {
	spin_lock(&d->lock);
	if (x < 0)
		return -EINVAL;
	d->state = x;
	spin_unlock(&d->lock);
	return 0;
}`,
      functions: ['f'],
      message: /returns -EINVAL still holding &d->lock/,
    },
    {
      name: 'goto to a shared exit label skips the unlock',
      code: `${decls}int f(struct dev *d, int x) {
	int ret = 0;
	mutex_lock(&d->m);
	if (x < 0) {
		ret = -EINVAL;
		goto out;
	}
	d->state = x;
	mutex_unlock(&d->m);
out:
	return ret;
}`,
      functions: ['f'],
      locks: ['dev.m'],
    },
    {
      name: 'object-like lock macros written as statements (`TABLE_LOCK;`): an error return skips the unlock',
      code: `static DEFINE_SPINLOCK(table_sem);
#define TABLE_LOCK spin_lock(&table_sem)
#define TABLE_UNLOCK \\
	do { spin_unlock(&table_sem); } while (0)
int load_table(int x)
{
	TABLE_LOCK;
	if (x == 1) {
		TABLE_UNLOCK;
		return -EINVAL;
	}
	if (x == 2)
		return -EINVAL;
	TABLE_UNLOCK;
	return 0;
}`,
      functions: ['load_table'],
      message: /returns -EINVAL still holding table_sem \(taken at line 7\)/,
    },
    {
      name: 'an object-like lock macro from an included header',
      files: {
        'tbl.h': `extern spinlock_t table_lock;\n#define TABLE_LOCK spin_lock(&table_lock)\n#define TABLE_UNLOCK spin_unlock(&table_lock)\n`,
        'tbl.c': `#include "tbl.h"
int load_table(int x)
{
	TABLE_LOCK;
	if (x == 2)
		return -EINVAL;
	if (x == 1) {
		TABLE_UNLOCK;
		return -EINVAL;
	}
	TABLE_UNLOCK;
	return 0;
}`,
      },
      functions: ['load_table'],
      message: /returns -EINVAL still holding table_lock/,
    },
  ],
});

// Conditional lock-returning callees: a lookup that returns the object locked or NULL, a hook
// that returns 1 holding its lock and 0 without, a reference taken by id (rules/xen.yaml's RCU
// domain references). The caller's lock state follows the tested result on each branch.
const table = `struct item { spinlock_t lk; int busy; };
struct table { rwlock_t rw; struct item *slot[16]; };
int lock_all;
#define item_trylock(i) (lock_all ? 1 : spin_trylock(&(i)->lk))
#define item_unlock(i) do { if (!lock_all) spin_unlock(&(i)->lk); } while (0)
#define table_read_lock(t) do { if (!lock_all) read_lock(&(t)->rw); } while (0)
#define table_read_unlock(t) do { if (!lock_all) read_unlock(&(t)->rw); } while (0)
int copy_out(struct item *it);
/* the item locked, or NULL */
static struct item *item_find(struct table *t, int i)
{
	struct item *it;
again:
	table_read_lock(t);
	it = t->slot[i];
	if (it) {
		if (lock_all)
			it->busy = 1;
		else if (!item_trylock(it)) {
			table_read_unlock(t);
			goto again;
		}
		table_read_unlock(t);
		return it;
	}
	table_read_unlock(t);
	return NULL;
}
`;
const hook = `struct unit { spinlock_t lk; int on; };
/* 1 holding u->lk, 0 without it */
static int unit_accept(struct unit *u, int a)
{
	spin_lock(&u->lk);
	if (!u->on || a < 0)
		goto reject;
	return 1;
reject:
	spin_unlock(&u->lk);
	return 0;
}
/* u, locked, when it accepts a; else NULL */
static struct unit *unit_find(struct unit *u, int a)
{
	if (unit_accept(u, a))
		return u;
	return NULL;
}
int unit_run(struct unit *u);
`;
const dom = `struct dom { spinlock_t lk; int v; };
int dom_check(struct dom *d);
int copy_back(void *u, int v);
`;

ruleTester('lock-leak', {
  valid: [
    {
      name: 'the unlock matches the item surely held, not another item of its class a deep callee only may leave locked',
      code: `${table.replace('int copy_out(struct item *it);\n', '')}struct item *spare;
/* leaves the spare item locked on one path only (its caller unlocks it later) */
static void take_spare(int n)
{
	struct item *s = spare;
	if (n > 4)
		spin_lock(&s->lk);
}
static int fill(struct item *it, int n)
{
	take_spare(n);
	return it->busy + n;
}
static int copy_out(struct item *it)
{
	return fill(it, it->busy);
}
int item_get(struct table *t, int i)
{
	struct item *it = item_find(t, i);
	int rc;
	if (it == NULL)
		return 0;
	if (!it->busy) {
		item_unlock(it);
		return 0;
	}
	rc = copy_out(it);
	if (rc <= 0)
		goto bad;
	it->busy = 0;
	item_unlock(it);
	return 1;
bad:
	it->busy = 0;
	item_unlock(it);
	return rc;
}`,
    },
    {
      name: 'a lookup returning the object locked or NULL (trylock macro): the NULL branch returns, every other path unlocks',
      code: `${table}int item_get(struct table *t, int i)
{
	struct item *it = item_find(t, i);
	int rc;
	if (it == NULL)
		return 0;
	rc = copy_out(it);
	if (rc <= 0)
		goto bad;
	it->busy = 0;
	item_unlock(it);
	return 1;
bad:
	it->busy = 0;
	item_unlock(it);
	return rc;
}`,
    },
    {
      name: 'the caller tests the hook result and unlocks only on the branch that holds',
      code: `${hook}int unit_try(struct unit *u, int a)
{
	if (!unit_accept(u, a))
		return 0;
	if (unit_run(u) < 0) {
		spin_unlock(&u->lk);
		return -EIO;
	}
	spin_unlock(&u->lk);
	return 1;
}`,
    },
    {
      name: 'a domain reference taken by id is dropped on every path after the lookup succeeded',
      code: `${dom}int dom_get(void *u, int id)
{
	struct dom *d;
	int rc = rcu_lock_remote_domain_by_id(id, &d);
	if (rc)
		return rc;
	if (dom_check(d)) {
		rcu_unlock_domain(d);
		return -EPERM;
	}
	rc = d->v;
	rcu_unlock_domain(d);
	if (copy_back(u, rc))
		return -EFAULT;
	return 0;
}`,
    },
    {
      name: 'a reference taken one of two ways (by id, or of a known object) and dropped wherever it is not NULL',
      code: `${dom}struct dom *dom_self;
int dom_map(int id, int which, int x)
{
	struct dom *prev = NULL;
	if (x) {
		if (which)
			prev = rcu_lock_domain_by_id(id);
		else
			prev = rcu_lock_domain(dom_self);
		if (!prev)
			return -ESRCH;
	}
	if (dom_check(prev)) {
		if (prev)
			rcu_unlock_domain(prev);
		return -ENOMEM;
	}
	if (prev)
		rcu_unlock_domain(prev);
	return 0;
}`,
    },
    {
      name: 'a domain reference looked up inside the condition that tests it, dropped on every later path',
      code: `${dom}int dom_peek(int id)
{
	struct dom *d;
	int rc;
	if ((d = rcu_lock_domain_by_any_id(id)) == NULL)
		return -ESRCH;
	rc = dom_check(d);
	if (rc) {
		rcu_unlock_domain(d);
		return rc;
	}
	spin_lock(&d->lk);
	if (d->v < 0) {
		spin_unlock(&d->lk);
		rcu_unlock_domain(d);
		return -EOPNOTSUPP;
	}
	spin_unlock(&d->lk);
	rcu_unlock_domain(d);
	return 0;
}`,
    },
    {
      name: 'a trylock macro written as a ternary on the trylock: the failure branch returns without the lock',
      code: `struct obj { spinlock_t lock; int n; };
#define obj_trylock(o) (spin_trylock(&(o)->lock) ? 1 : 0)
int obj_bump(struct obj *o)
{
	if (!obj_trylock(o))
		return -EBUSY;
	o->n++;
	spin_unlock(&o->lock);
	return 0;
}`,
    },
  ],
  invalid: [
    {
      name: 'a trylock macro written as a ternary on the trylock: an error path after it succeeded keeps the lock',
      code: `struct obj { spinlock_t lock; int n; };
#define obj_trylock(o) (spin_trylock(&(o)->lock) ? 1 : 0)
int obj_bump(struct obj *o)
{
	if (!obj_trylock(o))
		return -EBUSY;
	if (o->n < 0)
		return -EINVAL;
	o->n++;
	spin_unlock(&o->lock);
	return 0;
}`,
      functions: ['obj_bump'],
      message: /returns -EINVAL still holding o->lock/,
    },
    {
      name: 'a lookup returning the object locked (trylock macro) or NULL: the copy-failure path returns rc (<= 0 there) without unlocking',
      code: `${table}int item_get(struct table *t, int i)
{
	struct item *it = item_find(t, i);
	int rc;
	if (it == NULL)
		return 0;
	rc = copy_out(it);
	if (rc <= 0)
		goto bad;
	it->busy = 0;
	item_unlock(it);
	return 1;
bad:
	return rc;
}`,
      functions: ['item_get', 'item_find'],
      message: /returns rc \(a failure value here\) still holding it->lk/,
    },
    {
      name: 'a lookup that returns the handler only when its hook accepted (held one level up): an error return keeps the lock',
      code: `${hook}int unit_io(struct unit *u, int a)
{
	struct unit *h = unit_find(u, a);
	if (!h)
		return 0;
	if (unit_run(h) < 0)
		return -EIO;
	spin_unlock(&u->lk);
	return 1;
}`,
      functions: ['unit_io', 'unit_find', 'unit_accept'],
      message: /returns -EIO still holding/,
    },
    {
      name: 'a domain reference taken through an out parameter (0 on success): the -EFAULT path forgets to drop it',
      code: `${dom}int dom_get(void *u, int id)
{
	struct dom *d;
	int rc = rcu_lock_remote_domain_by_id(id, &d);
	if (rc)
		return rc;
	if (dom_check(d)) {
		rcu_unlock_domain(d);
		return -EPERM;
	}
	rc = d->v;
	if (copy_back(u, rc))
		return -EFAULT;
	rcu_unlock_domain(d);
	return 0;
}`,
      functions: ['dom_get'],
      message: /returns -EFAULT still holding &d/,
      check: (f) => expect(f[0]!.confirmation.status).not.toBe('refuted'),
    },
    {
      name: 'a domain reference returned by a lookup (NULL without it): an early error return keeps it',
      code: `${dom}int dom_read(void *u, int id)
{
	struct dom *d = rcu_lock_domain_by_id(id);
	if (d == NULL)
		return -ESRCH;
	if (d->v < 0)
		return -EINVAL;
	if (copy_back(u, d->v)) {
		rcu_unlock_domain(d);
		return -EFAULT;
	}
	rcu_unlock_domain(d);
	return 0;
}`,
      functions: ['dom_read'],
      message: /returns -EINVAL still holding d/,
    },
  ],
});
