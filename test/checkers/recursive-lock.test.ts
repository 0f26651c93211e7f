import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct dev { spinlock_t lock; struct list_head list; int n; };
static DEFINE_SPINLOCK(g_lock);
`;

ruleTester('recursive-lock', {
  valid: [
    { name: 'lock, unlock, lock again', code: `${decls}void f(void) { spin_lock(&g_lock); spin_unlock(&g_lock); spin_lock(&g_lock); spin_unlock(&g_lock); }` },
    { name: 'Xen recursive spinlock taken twice', code: `${decls}void f(struct dev *d) { spin_lock_recursive(&d->lock); spin_lock_recursive(&d->lock); spin_unlock_recursive(&d->lock); spin_unlock_recursive(&d->lock); }` },
    {
      name: 'each list entry locked and unlocked in a loop',
      code: `${decls}void f(struct list_head *head) {
	struct dev *d;
	list_for_each_entry(d, head, list) {
		spin_lock(&d->lock);
		d->n++;
		spin_unlock(&d->lock);
	}
}`,
    },
    { name: 'two read locks', code: `static DEFINE_RWLOCK(rw);\nvoid f(void) { read_lock(&rw); read_lock(&rw); read_unlock(&rw); read_unlock(&rw); }` },
    {
      name: 'a helper that drops and retakes the caller lock',
      code: `${decls}static void wait_locked(struct dev *d) {
	spin_unlock(&d->lock);
	schedule();
	spin_lock(&d->lock);
}
void f(struct dev *d) { spin_lock(&d->lock); wait_locked(d); spin_unlock(&d->lock); }`,
    },
    {
      name: 'the callee locks after the caller unlocked',
      code: `${decls}static void poke(struct dev *d) { spin_lock(&d->lock); spin_unlock(&d->lock); }
void f(struct dev *d) { spin_lock(&d->lock); spin_unlock(&d->lock); poke(d); }`,
    },
  ],
  invalid: [
    {
      name: 'a lock asserted held by an owner-test macro of the tree (`locker` beside `lock`) is taken again',
      code: `struct pool_ctl { spinlock_t lock; int locker; };
struct pool { struct pool_ctl ctl; int n; };
#define pool_locked_by_me(_p) (current->processor == (_p)->ctl.locker)
void pool_refill(struct pool *p)
{
	ASSERT(pool_locked_by_me(p));
	spin_lock(&p->ctl.lock);
	p->n = 0;
	spin_unlock(&p->ctl.lock);
}`,
      functions: ['pool_refill'],
      locks: ['pool.ctl.lock'],
      message: /already held since line 6 \(pool_locked_by_me\)/,
    },
    {
      name: 'the same lock twice in one function',
      code: `${decls}void f(void) {
	spin_lock(&g_lock);
	spin_lock(&g_lock);
}`,
      functions: ['f'],
      message: /already held since line 4/,
    },
    {
      name: 'through a two-level call chain, mapping the argument to the parameter',
      code: `${decls}static void inner(struct dev *x) { spin_lock(&x->lock); x->n = 0; spin_unlock(&x->lock); }
static void middle(struct dev *y) { inner(y); }
void outer(struct dev *d) {
	spin_lock(&d->lock);
	middle(d);
	spin_unlock(&d->lock);
}`,
      functions: ['outer', 'middle', 'inner'],
      locks: ['dev.lock'],
    },
    {
      name: 'a mutex held across a call that takes it again',
      code: `struct ctx { struct mutex m; };
static void reset(struct ctx *c) { mutex_lock(&c->m); mutex_unlock(&c->m); }
void ioctl(struct ctx *c) { mutex_lock(&c->m); reset(c); mutex_unlock(&c->m); }`,
      functions: ['ioctl', 'reset'],
    },
  ],
});

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'a callee that locks only when its flag parameter says so, called with the flag off',
      code: `struct st { spinlock_t lock; int v; };
static int lookup(struct st *s, bool lockit) {
	int v;
	if (lockit)
		spin_lock(&s->lock);
	v = s->v;
	if (lockit)
		spin_unlock(&s->lock);
	return v;
}
int update(struct st *s) {
	int v;
	spin_lock(&s->lock);
	v = lookup(s, false);
	spin_unlock(&s->lock);
	return v;
}`,
    },
  ],
  invalid: [
    {
      name: 'the same callee called with the flag on while the lock is held',
      code: `struct st { spinlock_t lock; int v; };
static int lookup(struct st *s, bool lockit) {
	int v;
	if (lockit)
		spin_lock(&s->lock);
	v = s->v;
	if (lockit)
		spin_unlock(&s->lock);
	return v;
}
int update(struct st *s) {
	int v;
	spin_lock(&s->lock);
	v = lookup(s, true);
	spin_unlock(&s->lock);
	return v;
}`,
      functions: ['update', 'lookup'],
    },
  ],
});

ruleTester('recursive-lock', {
  valid: [],
  invalid: [
    {
      name: 'a callee whose lock sits after a retry label (a join of paths) still reports it',
      code: `static DEFINE_MUTEX(m);
struct cs { int x, y, z; };
static void upd(struct cs *cs)
{
retry:
	wait_event(q, cs->x == 0);
	mutex_lock(&m);
	if (cs->y) {
		mutex_unlock(&m);
		goto retry;
	}
	cs->z = 1;
	mutex_unlock(&m);
}
void work(struct cs *cs)
{
	mutex_lock(&m);
	upd(cs);
	mutex_unlock(&m);
}`,
      functions: ['work', 'upd'],
    },
  ],
});

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'a macro that drops and re-takes the lock is not a lock macro; an unlock macro aliasing a function releases',
      code: `static DEFINE_SPINLOCK(txn_lock);
static DEFINE_SEMAPHORE(console_sem);
#define TXN_LOCK()   spin_lock(&txn_lock)
#define TXN_UNLOCK() spin_unlock(&txn_lock)
#define TXN_SLEEP(q) do { TXN_UNLOCK(); io_schedule(); TXN_LOCK(); } while (0)
static void __up_console_sem(unsigned long ip) { up(&console_sem); }
#define up_console_sem() __up_console_sem(_RET_IP_)
void tx_begin(struct q *q) {
	TXN_LOCK();
	while (busy(q))
		TXN_SLEEP(q);
	TXN_UNLOCK();
}
void con_cycle(void) {
	down(&console_sem);
	up_console_sem();
	down(&console_sem);
	up_console_sem();
}`,
    },
  ],
  invalid: [],
});

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'a re-entry only through an error handler is left to recursive-lock-lowconf',
      code: `struct j { struct mutex abort_mutex; int flags; };
static void journal_abort(struct j *j);
static void write_sb(struct j *j) { if (io_failed(j)) journal_abort(j); }
static void journal_abort(struct j *j) {
	mutex_lock(&j->abort_mutex);
	write_sb(j);
	mutex_unlock(&j->abort_mutex);
}`,
    },
  ],
  invalid: [],
});

ruleTester('recursive-lock-lowconf', {
  valid: [],
  invalid: [
    {
      name: 'the same re-entry is reported by the low-confidence rule',
      code: `struct j { struct mutex abort_mutex; int flags; };
static void journal_abort(struct j *j);
static void write_sb(struct j *j) { if (io_failed(j)) journal_abort(j); }
static void journal_abort(struct j *j) {
	mutex_lock(&j->abort_mutex);
	write_sb(j);
	mutex_unlock(&j->abort_mutex);
}`,
      functions: ['journal_abort', 'write_sb'],
      message: /low confidence: only through the error path journal_abort/,
    },
  ],
});

// A hook that returns 1 holding its lock (0 without), behind a lookup that returns the object
// only when the hook accepted: the caller holds the lock on the non-NULL branch.
const accepting = `struct unit { spinlock_t lk; int on; };
static int unit_accept(struct unit *u, int a)
{
	spin_lock(&u->lk);
	if (!u->on || a < 0) {
		spin_unlock(&u->lk);
		return 0;
	}
	return 1;
}
static struct unit *unit_find(struct unit *u, int a)
{
	if (unit_accept(u, a))
		return u;
	return NULL;
}
static void unit_poke(struct unit *u)
{
	spin_lock(&u->lk);
	u->on++;
	spin_unlock(&u->lk);
}
`;

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'the lookup failed (NULL branch returns): the lock is not held when it is taken again',
      code: `${accepting}int unit_io(struct unit *u, int a)
{
	struct unit *h = unit_find(u, a);
	if (!h) {
		unit_poke(u);
		return 0;
	}
	spin_unlock(&u->lk);
	unit_poke(u);
	return 1;
}`,
    },
  ],
  invalid: [
    {
      name: 'held from the accepting lookup to the complete step, and taken again in between',
      code: `${accepting}int unit_io(struct unit *u, int a)
{
	struct unit *h = unit_find(u, a);
	if (!h)
		return 0;
	unit_poke(u);
	spin_unlock(&u->lk);
	return 1;
}`,
      functions: ['unit_io', 'unit_poke'],
      message: /u->lk acquired again via unit_poke/,
    },
  ],
});

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'two domain references held at once (rules: RCU, noOrder) are no recursion',
      code: `struct dom { spinlock_t lk; int v; };
int dom_pair(int a, int b)
{
	struct dom *x, *y;
	x = rcu_lock_domain_by_id(a);
	if (!x)
		return -ESRCH;
	y = rcu_lock_domain(x);
	y->v = x->v;
	rcu_unlock_domain(y);
	rcu_unlock_domain(x);
	return 0;
}`,
    },
  ],
  invalid: [],
});
