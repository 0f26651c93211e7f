// Lock balance per path: trylock wrappers, flag-correlated locking, loop exits, bool lock
// functions, braceless iteration macros, nested takes of a held lock, reassigned lock pointers.
import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct dev { spinlock_t lock; int state; struct dev *next; };\nstruct tbl { spinlock_t locks[8]; int n; };\n`;

const flagged = `${decls}static void lock_if(bool c, struct dev *d) { if (c) spin_lock_recursive(&d->lock); }
static int get_locked(struct dev *d, bool locked) {
	if (!d->next)
		return 0;
	lock_if(locked, d);
	return d->state;
}
static int get_ent2(struct dev *d) { return get_locked(d, true); }
static void put_ent2(struct dev *d) { spin_unlock_recursive(&d->lock); }
`;

ruleTester('double-unlock', {
  valid: [
    {
      name: 'a lock taken and dropped under the same preprocessor condition in two places',
      code: `${decls}void bump(struct dev *d) {
#ifdef CONFIG_SMALL_WORDS
	spin_lock(&d->lock);
#endif
	d->state++;
#if defined(CONFIG_SMALL_WORDS)
	spin_unlock(&d->lock);
#endif
}`,
    },
    {
      name: 'a wrapper returning spin_trylock() is a trylock function: its caller unlocks only after success',
      code: `${decls}static spinlock_t maps_lock;
bool maps_get(void) { return spin_trylock(&maps_lock); }
void maps_put(void) { spin_unlock(&maps_lock); }
void wait_all(int *pending) {
	for (;;) {
		if (!*pending && maps_get()) {
			if (*pending == 0)
				break;
			maps_put();
		}
	}
	maps_put();
}
void teardown(int *p) { wait_all(p); wait_all(p); }`,
    },
    {
      name: 'a callee that takes and drops its own lock on one path is no unlock function for its caller',
      code: `${decls}static int check(struct dev *d, int g) {
	if (g & 1)
		goto out;
	spin_lock(&d->lock);
	d->state = g;
out:
	spin_unlock(&d->lock);
	return 0;
}
void f(struct dev *d, int g) {
	spin_lock(&d->lock);
	check(d, g);
	spin_unlock(&d->lock);
}`,
    },
    {
      name: 'a flag test (q & FLAG) is the same on both branches of one path',
      code: `${decls}#define F_DROP 4
void f(struct dev *d, unsigned int q) {
	spin_lock(&d->lock);
	if (q & F_DROP)
		spin_unlock(&d->lock);
	d->state = 1;
	if (q & F_DROP)
		return;
	spin_unlock(&d->lock);
}`,
    },
    {
      name: 'a lock pointer pointed at the next slot each round names a new lock',
      code: `${decls}void f(struct tbl *t) {
	spinlock_t *l;
	int i;
	for (i = 0; i < 8; i++) {
		l = &t->locks[i];
		spin_lock(&t->locks[i]);
		t->n++;
		spin_unlock(l);
	}
}`,
    },
    {
      name: 'a recursive lock taken again by a getter and dropped by its put stays held for the final unlock',
      code: `${decls}static int get_ent(struct dev *d) {
	if (!d->next)
		return 0;
	spin_lock_recursive(&d->lock);
	return d->state;
}
static void put_ent(struct dev *d) { spin_unlock_recursive(&d->lock); }
void audit(struct dev *d, int n) {
	int i;
	spin_lock_recursive(&d->lock);
	for (i = 0; i < n; i++) {
		get_ent(d);
		put_ent(d);
	}
	spin_unlock_recursive(&d->lock);
}`,
    },
    {
      name: 'a lock taken only when a flag argument says so, passed true by a wrapper, nests in the held lock',
      code: `${flagged}void audit2(struct dev *d, int n) {
	int i;
	spin_lock_recursive(&d->lock);
	for (i = 0; i < n; i++) {
		get_ent2(d);
		put_ent2(d);
	}
	spin_unlock_recursive(&d->lock);
}`,
    },
    {
      name: 'a function that locks unless its caller holds the lock unlocks only what it took',
      code: `${decls}struct dev *alloc_ent3(struct dev *d) {
	struct dev *p;
	int do_locking = !spin_is_locked(&d->lock);
	if (do_locking)
		spin_lock(&d->lock);
	if (d->state < 1) {
		if (do_locking)
			spin_unlock(&d->lock);
		return NULL;
	}
	p = d->next;
	if (do_locking)
		spin_unlock(&d->lock);
	return p;
}`,
    },
    {
      name: 'a function that takes the lock unless held and always drops it is an unlock-always function',
      code: `${decls}void finish(struct dev *d, bool held) {
	if (!held)
		spin_lock(&d->lock);
	d->state = 0;
	spin_unlock(&d->lock);
}`,
    },
  ],
  invalid: [
    {
      name: 'unlock before a break out of the loop, then unlock again after it',
      code: `${decls}void f(struct dev *d, int n) {
	int i;
	spin_lock(&d->lock);
	for (i = 0; i < n; i++) {
		if (d->state == i) {
			spin_unlock(&d->lock);
			break;
		}
	}
	spin_unlock(&d->lock);
}`,
      functions: ['f'],
      message: /already released at line 8/,
    },
    {
      name: 'an error path unlocks unconditionally though the lock was taken only when the caller did not hold it',
      code: `${decls}struct dev *alloc_ent3(struct dev *d) {
	struct dev *p;
	int do_locking = !spin_is_locked(&d->lock);
	if (do_locking)
		spin_lock(&d->lock);
	if (d->state < 1) {
		spin_unlock(&d->lock);
		return NULL;
	}
	p = d->next;
	if (do_locking)
		spin_unlock(&d->lock);
	return p;
}`,
      functions: ['alloc_ent3'],
      message: /released on a path that did not take it/,
    },
  ],
});

ruleTester('lock-leak', {
  valid: [
    {
      name: 'a lock taken and dropped under the same preprocessor condition in two places',
      code: `${decls}void bump(struct dev *d) {
#ifdef CONFIG_SMALL_WORDS
	spin_lock(&d->lock);
#endif
	d->state++;
#if defined(CONFIG_SMALL_WORDS)
	spin_unlock(&d->lock);
#endif
}`,
    },
    {
      name: 'break inside a braceless list_for_each_entry inside a switch leaves the loop, not the switch',
      code: `${decls}int f(struct dev *d, struct dev *e, int k) {
	struct dev *p;
	int r = -1;
	switch (k) {
	case 1:
		spin_lock(&d->lock);
		list_for_each_entry ( p, &d->next, next )
			if ( p == e )
			{
				r = p->state;
				break;
			}
		spin_unlock(&d->lock);
		break;
	case 2:
		spin_lock(&d->lock);
		spin_unlock(&d->lock);
		r = -1;
		break;
	}
	return r;
}`,
    },
    {
      name: 'a bool lock function that fails on an invalid object: the failure branch holds nothing',
      code: `${decls}static bool obj_lock(struct dev *d) {
	if (!d->state)
		return false;
	spin_lock(&d->lock);
	return true;
}
struct dev *grab(struct dev *d) {
	if (!obj_lock(d))
		return NULL;
	if (!d->next) {
		spin_unlock(&d->lock);
		return NULL;
	}
	return d;
}`,
    },
    {
      name: 'a flag argument says whether the function locks; every locked path unlocks',
      code: `${decls}struct dev *alloc_ent(struct dev *d, bool locking) {
	struct dev *p;
	if (locking)
		spin_lock(&d->lock);
	if (d->state < 1) {
		if (locking)
			spin_unlock(&d->lock);
		return NULL;
	}
	p = d->next;
	d->state--;
	if (locking)
		spin_unlock(&d->lock);
	return p;
}`,
    },
    {
      name: 'a read-lock operation whose paths take the lock in different ways',
      code: `${decls}void ent_read_lock(struct dev *d, struct dev **slot) {
	if (*slot) {
		spin_lock(&d->lock);
		return;
	}
	*slot = d;
	if (d->state) {
		spin_lock(&d->lock);
		spin_unlock(&d->lock);
	}
}`,
    },
  ],
  invalid: [
    {
      name: 'a getter that locks when its flag argument is true: the caller forgets the put on an error path',
      code: `${flagged}int use(struct dev *d) {
	get_ent2(d);
	if (d->state < 0)
		return -EINVAL;
	put_ent2(d);
	return 0;
}`,
      functions: ['use'],
      message: /returns -EINVAL still holding/,
    },
    {
      name: 'return rc on a path where rc <= 0 is an error path',
      code: `${decls}int work(struct dev *d);
int get_one(struct dev *d) {
	int rc;
	spin_lock(&d->lock);
	rc = work(d);
	if (rc <= 0)
		goto bad;
	spin_unlock(&d->lock);
	return 1;
bad:
	return rc;
}`,
      functions: ['get_one'],
      message: /returns rc \(a failure value here\) still holding &d->lock/,
    },
    {
      name: 'goto out with rc set non-zero, where the function returns -errno elsewhere, is an error path',
      code: `${decls}int work(struct dev *d);
int setup(struct dev *d) {
	int rc;
	if (!d->next)
		return -EINVAL;
	spin_lock(&d->lock);
	rc = work(d);
	if (rc)
		goto out;
	spin_unlock(&d->lock);
	return 0;
out:
	return rc;
}`,
      functions: ['setup'],
      message: /returns rc \(non-zero here\) still holding/,
    },
    {
      name: 'a function returning 0 holding the lock and -errno without it: the caller tests rc < 0, then leaks on an error path',
      code: `${decls}int copy_out(struct dev *d);
static int grab(struct dev *d) {
	if (!d->next)
		return -ESRCH;
	spin_lock(&d->lock);
	if (d->state) {
		spin_unlock(&d->lock);
		return -EPERM;
	}
	return 0;
}
int op(struct dev *d) {
	int rc = grab(d);
	if (rc < 0)
		return rc;
	if (d->state > 3) {
		spin_unlock(&d->lock);
		return -EPERM;
	}
	if (copy_out(d))
		return -EFAULT;
	spin_unlock(&d->lock);
	return 0;
}`,
      functions: ['op'],
      message: /returns -EFAULT still holding/,
    },
    {
      name: 'a trylock that succeeded is held: a later error return forgets it',
      code: `${decls}int f(struct dev *d, int x) {
	if (!spin_trylock(&d->lock))
		return -EBUSY;
	if (x < 0)
		return -EINVAL;
	d->state = x;
	spin_unlock(&d->lock);
	return 0;
}`,
      functions: ['f'],
      message: /returns -EINVAL still holding &d->lock/,
    },
  ],
});
