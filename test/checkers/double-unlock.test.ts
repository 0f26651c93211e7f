import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct dev { spinlock_t lock; int state; };\n`;

ruleTester('double-unlock', {
  valid: [
    { name: 'one unlock per lock', code: `${decls}void f(struct dev *d) { spin_lock(&d->lock); d->state = 0; spin_unlock(&d->lock); }` },
    {
      name: 'unlock on each branch once',
      code: `${decls}void f(struct dev *d, int x) {
	spin_lock(&d->lock);
	if (x) {
		spin_unlock(&d->lock);
		return;
	}
	spin_unlock(&d->lock);
}`,
    },
    {
      name: 'an unlock helper releases the caller lock once',
      code: `${decls}static void dev_unlock(struct dev *d) { spin_unlock(&d->lock); }\nvoid f(struct dev *d) { spin_lock(&d->lock); dev_unlock(d); }`,
    },
    {
      name: 'a lookup wrapper declared with an attribute macro takes the recursive lock again before the put',
      code: `struct tbl { spinlock_t lock; int ok; };
static inline void lock_if(bool c, struct tbl *t) { if (c) spin_lock_recursive(&t->lock); }
int lookup_locked(struct tbl *t, int k, bool locked) { lock_if(locked, t); return t->ok + k; }
static inline int __nonnull(1) _lookup(struct tbl *t, int k, bool locked) { return lookup_locked(t, k, locked); }
static inline int __nonnull(1) lookup(struct tbl *t, int k) { return _lookup(t, k, true); }
void put_entry(struct tbl *t) { spin_unlock_recursive(&t->lock); }
void audit(struct tbl *t, int n)
{
	int i;
	spin_lock_recursive(&t->lock);
	for (i = 0; i < n; i++) {
		if (i & 1)
			continue;
		lookup(t, i);
		put_entry(t);
	}
	spin_unlock_recursive(&t->lock);
}`,
    },
    {
      name: 'a loop takes and puts a recursive lock once per iteration, with more paths than are tracked apart',
      code: `struct tbl { spinlock_t lock; int ok; };
int lookup(struct tbl *t, int k) { spin_lock_recursive(&t->lock); return t->ok + k; }
void put_entry(struct tbl *t) { spin_unlock_recursive(&t->lock); }
void audit(struct tbl *t, int n, int a, int b, int c, int d)
{
	int i;
	spin_lock_recursive(&t->lock);
	for (i = 0; i < n; i++) {
		if (a) note(1);
		if (b) note(2);
		if (c) note(3);
		if (d) note(4);
		lookup(t, i);
		put_entry(t);
	}
	spin_unlock_recursive(&t->lock);
}`,
    },
    {
      name: 'an iteration macro walks the children of a locked local object, with an error exit',
      code: `struct child { struct child *next; };
struct owner { rwlock_t lock; struct child **kids; void *table; };
int setup_child(struct child *c);
void teardown(struct owner *o);
int init_all(void)
{
	struct owner *o = current_owner();
	int rc = 0;
	if (!o)
		return -EINVAL;
	write_lock(&o->lock);
	if (!o->table) {
		struct child *c;
		for_each_child ( o, c ) {
			rc = setup_child(c);
			if (rc < 0)
				goto error;
		}
	}
	write_unlock(&o->lock);
	return rc;
 error:
	teardown(o);
	write_unlock(&o->lock);
	return rc;
}`,
    },
    {
      name: 'a callee that may drop a lock of the same class on an object it looks up itself leaves our hold alone',
      code: `struct tbl { spinlock_t lock; int ok; };
struct tbl *host_of(int id);
void drop_host(int id)
{
	struct tbl *h = host_of(id);
	if (h->ok)
		spin_unlock(&h->lock);
}
int lookup(struct tbl *t, int k)
{
	if (k > 3)
		drop_host(k);
	spin_lock_recursive(&t->lock);
	return k;
}
void put_entry(struct tbl *t) { spin_unlock_recursive(&t->lock); }
void audit(struct tbl *t, int n)
{
	spin_lock_recursive(&t->lock);
	lookup(t, n);
	put_entry(t);
	spin_unlock_recursive(&t->lock);
}`,
    },
  ],
  invalid: [
    {
      name: 'unlock twice in a row',
      code: `${decls}void f(struct dev *d) {
	spin_lock(&d->lock);
	spin_unlock(&d->lock);
	spin_unlock(&d->lock);
}`,
      functions: ['f'],
      message: /already released at line 4/,
    },
    {
      name: 'an error path unlocks, then jumps to a label that unlocks again',
      code: `${decls}int f(struct dev *d, int x) {
	int ret = 0;
	spin_lock(&d->lock);
	if (x) {
		spin_unlock(&d->lock);
		ret = -EIO;
		goto out;
	}
	d->state = 1;
out:
	spin_unlock(&d->lock);
	return ret;
}`,
      functions: ['f'],
    },
    {
      name: 'a loop whose nested take is not balanced still releases twice',
      code: `struct tbl { spinlock_t lock; int ok; };
void put_entry(struct tbl *t) { spin_unlock_recursive(&t->lock); }
void audit(struct tbl *t, int n, int a, int b, int c, int d)
{
	int i;
	spin_lock_recursive(&t->lock);
	for (i = 0; i < n; i++) {
		if (a) note(1);
		if (b) note(2);
		if (c) note(3);
		if (d) note(4);
		put_entry(t);
	}
	spin_unlock_recursive(&t->lock);
}`,
      functions: ['audit', 'put_entry'],
    },
    {
      name: 'a lock on an iteration cursor taken inside the loop is not carried to the next element',
      code: `struct item { spinlock_t lock; int v; };
void drain(struct list_head *head)
{
	struct item *it;
	list_for_each_item ( it, head ) {
		spin_lock(&it->lock);
		it->v = 0;
		spin_unlock(&it->lock);
		spin_unlock(&it->lock);
	}
}`,
      functions: ['drain'],
      message: /already released/,
    },
    {
      name: 'the callee already released the lock',
      code: `${decls}static void finish(struct dev *d) { d->state = 2; spin_unlock(&d->lock); }
void f(struct dev *d) {
	spin_lock(&d->lock);
	finish(d);
	spin_unlock(&d->lock);
}`,
      functions: ['f', 'finish'],
    },
  ],
});

ruleTester('double-unlock', {
  valid: [
    {
      name: 'two objects reached through the same accessor are two locks',
      code: `struct jfs_inode_info { struct mutex commit_mutex; };
struct jfs_inode_info *JFS_IP(struct inode *ip);
void f(struct inode *dip, struct inode *ip) {
	mutex_lock(&JFS_IP(dip)->commit_mutex);
	mutex_lock_nested(&JFS_IP(ip)->commit_mutex, COMMIT_MUTEX_CHILD);
	mutex_unlock(&JFS_IP(ip)->commit_mutex);
	mutex_unlock(&JFS_IP(dip)->commit_mutex);
}`,
    },
  ],
  invalid: [],
});

ruleTester('double-unlock', {
  valid: [
    {
      name: 'a buffer pointer refilled through an out-parameter names a new object',
      code: `struct xfs_buf { struct semaphore b_sema; };
int xfs_buf_read(struct dev *d, int blk, struct xfs_buf **bpp);
static void xfs_buf_relse(struct xfs_buf *bp) { up(&bp->b_sema); }
int check(struct dev *d) {
	struct xfs_buf *bp;
	int error;
	error = xfs_buf_read(d, 1, &bp);
	if (error)
		return error;
	xfs_buf_relse(bp);
	error = xfs_buf_read(d, 2, &bp);
	if (error)
		return error;
	xfs_buf_relse(bp);
	return 0;
}`,
    },
  ],
  invalid: [],
});

ruleTester('double-unlock', {
  valid: [
    {
      name: 'a domain reference tested together with another condition, then dropped under its own NULL test',
      code: `struct dom { int ready; };
void dom_use(struct dom *d);
void dom_poke(int id)
{
	struct dom *d = rcu_lock_domain_by_id(id);
	if (d && d->ready)
		dom_use(d);
	if (d)
		rcu_unlock_domain(d);
}`,
    },
  ],
  invalid: [],
});
