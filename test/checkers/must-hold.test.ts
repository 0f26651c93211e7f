import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct pool { spinlock_t lock; int pages; int free; };
static void pool_resize(struct pool *p, int pages)
{
	ASSERT(spin_is_locked(&p->lock));
	p->pages = pages;
}
`;

ruleTester('must-hold', {
  valid: [
    {
      name: 'the caller holds the lock at the call',
      code: `${decls}int pool_init(struct pool *p)
{
	spin_lock(&p->lock);
	pool_resize(p, 256);
	spin_unlock(&p->lock);
	return 0;
}`,
    },
    {
      name: 'the error path calls the helper before unlocking',
      code: `${decls}int pool_init(struct pool *p, int rc)
{
	spin_lock(&p->lock);
	pool_resize(p, 256);
	if (rc) {
		pool_resize(p, 0);
		spin_unlock(&p->lock);
		return -ENOMEM;
	}
	spin_unlock(&p->lock);
	return 0;
}`,
    },
    {
      name: 'a caller that neither takes nor releases the lock passes the contract to its callers, who hold it',
      code: `${decls}static void pool_reset(struct pool *p) { pool_resize(p, 0); p->free = 0; }
void pool_shrink(struct pool *p)
{
	spin_lock(&p->lock);
	pool_reset(p);
	spin_unlock(&p->lock);
}`,
    },
    {
      name: 'a different object of the same type was released',
      code: `${decls}void pool_move(struct pool *a, struct pool *b)
{
	spin_lock(&a->lock);
	a->free = 0;
	spin_unlock(&a->lock);
	spin_lock(&b->lock);
	pool_resize(b, 0);
	spin_unlock(&b->lock);
}`,
    },
    {
      name: 'the lock is taken again before the call',
      code: `${decls}void pool_twice(struct pool *p)
{
	spin_lock(&p->lock);
	p->free = 0;
	spin_unlock(&p->lock);
	spin_lock(&p->lock);
	pool_resize(p, 0);
	spin_unlock(&p->lock);
}`,
    },
    {
      name: 'a helper that asserts the lock only under a condition is no contract on every path (left to -lowconf)',
      code: `${decls}static void pool_trim(struct pool *p, int force)
{
	if (force)
		pool_resize(p, 0);
}
void pool_done(struct pool *p)
{
	spin_lock(&p->lock);
	p->free = 0;
	spin_unlock(&p->lock);
	pool_trim(p, 1);
}`,
    },
    {
      name: 'a function that tests whether it holds the lock works both ways (left to -lowconf)',
      code: `struct pool_ctl { spinlock_t lock; int locker; };
struct pool { struct pool_ctl ctl; int pages; };
#define pool_locked_by_me(_p) (current->processor == (_p)->ctl.locker)
static void pool_resize(struct pool *p, int pages)
{
	ASSERT(pool_locked_by_me(p));
	p->pages = pages;
}
void pool_grow(struct pool *p)
{
	int locked = 0;
	if (!pool_locked_by_me(p)) {
		spin_lock(&p->ctl.lock);
		locked = 1;
	}
	pool_resize(p, 1);
	if (locked)
		spin_unlock(&p->ctl.lock);
}`,
    },
    {
      name: 'an asserting function calls a helper that takes the lock only when it finds it not held',
      code: `struct pool_ctl { spinlock_t lock; int locker; };
struct pool { struct pool_ctl ctl; int pages; };
#define pool_locked_by_me(_p) (current->processor == (_p)->ctl.locker)
#define pool_lock(_p) spin_lock(&(_p)->ctl.lock)
#define pool_unlock(_p) spin_unlock(&(_p)->ctl.lock)
static void pool_flush(struct pool *p)
{
	int do_locking = !pool_locked_by_me(p);
	if (do_locking)
		pool_lock(p);
	p->pages = 0;
	if (do_locking)
		pool_unlock(p);
}
void pool_write(struct pool *p)
{
	ASSERT(pool_locked_by_me(p));
	p->pages++;
	pool_flush(p);
}`,
    },
    {
      name: 'the lock is taken under a flag parameter, then asserted (callers passing 0 hold it)',
      code: `struct pool_ctl { spinlock_t lock; int locker; };
struct pool { struct pool_ctl ctl; int pages; };
#define pool_locked_by_me(_p) (current->processor == (_p)->ctl.locker)
#define pool_lock(_p) spin_lock(&(_p)->ctl.lock)
#define pool_unlock(_p) spin_unlock(&(_p)->ctl.lock)
void pool_update(struct pool *p, int do_locking)
{
	if (do_locking)
		pool_lock(p);
	ASSERT(pool_locked_by_me(p));
	p->pages++;
	if (do_locking)
		pool_unlock(p);
}`,
    },
    {
      name: 'a function asserting the lock on one command and only trying it on others',
      code: `struct tramp { struct mutex m; int flags; };
int tramp_op(struct tramp *t, int cmd)
{
	if (cmd == 1) {
		lockdep_assert_held(&t->m);
		t->flags = 1;
		return 0;
	}
	if (!mutex_trylock(&t->m))
		return -EAGAIN;
	t->flags = 0;
	mutex_unlock(&t->m);
	return 0;
}`,
    },
  ],
  invalid: [
    {
      name: 'the lock is released just before an error-path call of a must-hold helper',
      code: `${decls}int pool_init(struct pool *p, int rc)
{
	spin_lock(&p->lock);
	pool_resize(p, 256);
	spin_unlock(&p->lock);
	if (rc) {
		pool_resize(p, 0);
		return -ENOMEM;
	}
	return 0;
}`,
      functions: ['pool_init', 'pool_resize'],
      locks: ['pool.lock'],
      message: /calls pool_resize\(\) without p->lock, which pool_resize requires \(asserted held at test\.c:4\); released at line 11 on this path/,
      check: (f) => {
        const w = f[0]!.witness[0]!;
        expect(w.steps.map((s) => `${s.line} ${s.event}`)).toEqual(['11 release pool.lock', '13 call pool_resize', '4 asserts pool.lock held']);
      },
    },
    {
      name: 'through a helper that calls the asserting function on every path (owner-test macro, lockdep style)',
      code: `struct pool_ctl { spinlock_t lock; int locker; };
struct pool { struct pool_ctl ctl; int pages; };
#define pool_locked_by_me(_p) (current->processor == (_p)->ctl.locker)
#define pool_lock(_p) spin_lock(&(_p)->ctl.lock)
#define pool_unlock(_p) spin_unlock(&(_p)->ctl.lock)
static void pool_resize(struct pool *p, int pages)
{
	ASSERT(pool_locked_by_me(p));
	p->pages = pages;
}
static void pool_reset(struct pool *q) { pool_resize(q, 0); }
void pool_enable(struct pool *p, int rc)
{
	pool_lock(p);
	pool_resize(p, 1);
	pool_unlock(p);
	if (rc)
		pool_reset(p);
}`,
      functions: ['pool_enable', 'pool_reset', 'pool_resize'],
      locks: ['pool.ctl.lock'],
      message: /calls pool_reset\(\) without p->ctl\.lock, which pool_reset -> pool_resize requires/,
    },
    {
      name: 'a path that never takes the lock the function takes on its other paths',
      code: `struct ring { struct mutex m; int head; };
static void ring_advance(struct ring *r)
{
	lockdep_assert_held(&r->m);
	r->head++;
}
int ring_push(struct ring *r, int fast)
{
	if (fast) {
		ring_advance(r);
		return 0;
	}
	mutex_lock(&r->m);
	ring_advance(r);
	mutex_unlock(&r->m);
	return 0;
}`,
      functions: ['ring_push', 'ring_advance'],
      locks: ['ring.m'],
      message: /not held on this path, and ring_push\(\) takes it itself at line 13/,
      check: (f) => expect(f[0]!.line).toBe(10),
    },
    {
      name: 'a global lock asserted held after the function dropped it',
      code: `static DEFINE_SPINLOCK(table_lock);
static int table_n;
static void table_put(int v) { ASSERT(spin_is_locked(&table_lock)); table_n = v; }
void table_reset(void)
{
	spin_lock(&table_lock);
	table_n = 0;
	spin_unlock(&table_lock);
	table_put(1);
}`,
      functions: ['table_reset', 'table_put'],
      message: /released at line 8 on this path/,
    },
  ],
});

ruleTester('must-hold-lowconf', {
  valid: [
    {
      name: 'the caller holds the lock at the call',
      code: `${decls}int pool_init(struct pool *p)
{
	spin_lock(&p->lock);
	pool_resize(p, 256);
	spin_unlock(&p->lock);
	return 0;
}`,
    },
  ],
  invalid: [
    {
      name: 'released before a call of a helper that asserts the lock on some paths only',
      code: `${decls}static void pool_trim(struct pool *p, int force)
{
	if (force)
		pool_resize(p, 0);
}
void pool_done(struct pool *p)
{
	spin_lock(&p->lock);
	p->free = 0;
	spin_unlock(&p->lock);
	pool_trim(p, 1);
}`,
      functions: ['pool_done', 'pool_trim', 'pool_resize'],
    },
  ],
});
