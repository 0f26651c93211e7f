import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct dev { spinlock_t lock; struct mutex m; int state; };\n`;

ruleTester('lock-leak', {
  valid: [
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
