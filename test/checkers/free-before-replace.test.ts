// free-before-replace: a shared pointer field freed before it is pointed at its replacement.
import { ruleTester } from '../helpers/rule-tester.js';

// a hook table reached through a dispatch macro, a getter macro on the field; one scheduler,
// in its own file (sched.c), implements the hooks
const decls = `
struct my_priv { int credit; };
struct sched_ops;
struct pool { struct sched_ops *ops; spinlock_t lock; };
struct dom { struct pool *pool; void *priv; spinlock_t lock; };
struct sched_ops {
	void *(*alloc_data)(struct sched_ops *, struct dom *);
	void (*free_data)(struct sched_ops *, void *);
	void (*wake)(struct sched_ops *, struct dom *);
};
#define HOOK(o, fn, ...) (((o)->fn != NULL) ? (o)->fn(o, ##__VA_ARGS__) : 0)
#define DOM_OPS(d) ((d)->pool->ops)
#define MY_PRIV(d) ((struct my_priv *)(d)->priv)
`;
const sched = `#include "sched.h"
static void *my_alloc_data(struct sched_ops *o, struct dom *d) { return xzalloc(struct my_priv); }
static void my_free_data(struct sched_ops *o, void *p) { xfree(p); }
static void my_wake(struct sched_ops *o, struct dom *d) { struct my_priv *mp = MY_PRIV(d); mp->credit++; }
struct sched_ops my_ops = { .alloc_data = my_alloc_data, .free_data = my_free_data, .wake = my_wake };
`;
const hooks = (pool: string) => ({ 'sched.h': decls, 'sched.c': sched, 'pool.c': `#include "sched.h"
void wake_dom(struct dom *d) { HOOK(DOM_OPS(d), wake, d); }
${pool}` });

ruleTester('free-before-replace', {
  valid: [
    {
      name: 'the replacement is installed first and the old object freed after',
      files: hooks(`int move_dom(struct dom *d, struct pool *c) {
	void *data = HOOK(c->ops, alloc_data, d);
	void *old = d->priv;
	struct sched_ops *old_ops = DOM_OPS(d);
	if (!data) return -1;
	d->pool = c;
	d->priv = data;
	HOOK(old_ops, free_data, old);
	return 0;
}`),
    },
    {
      name: 'teardown: the field is cleared right after the free',
      files: hooks(`void drop_dom(struct dom *d) {
	HOOK(DOM_OPS(d), free_data, d->priv);
	d->priv = NULL;
}`),
    },
    {
      name: 'every reader holds the lock the replacing side holds across the window',
      code: `struct buf { int n; };
struct dev { struct buf *cur; spinlock_t lock; };
void resize(struct dev *v) {
	struct buf *nb = xzalloc(struct buf);
	spin_lock(&v->lock);
	xfree(v->cur);
	v->cur = nb;
	spin_unlock(&v->lock);
}
int peek(struct dev *v) {
	int n;
	spin_lock(&v->lock);
	n = v->cur->n;
	spin_unlock(&v->lock);
	return n;
}`,
    },
  ],
  invalid: [
    {
      name: 'the old object freed through a hook before the field points at the new one, read by another hook',
      files: hooks(`int move_dom(struct dom *d, struct pool *c) {
	void *data = HOOK(c->ops, alloc_data, d);
	if (!data) return -1;
	HOOK(DOM_OPS(d), free_data, d->priv);
	d->pool = c;
	d->priv = data;
	return 0;
}`),
      functions: ['move_dom', 'my_wake'],
      message: /move_dom frees the object d->priv points to \(via free_data \(my_free_data\)\) at line \d+ and only replaces d->priv at line \d+; in between my_wake/,
    },
  ],
});

ruleTester('free-before-replace-lowconf', {
  valid: [],
  invalid: [
    {
      name: 'the only reader sits beside the writer in its file, no hook another CPU calls: lower confidence',
      code: `struct buf { int n; };
struct dev { struct buf *cur; spinlock_t lock; };
void resize(struct dev *v) {
	spin_lock(&v->lock);
	xfree(v->cur);
	v->cur = xzalloc(struct buf);
	spin_unlock(&v->lock);
}
int peek(struct dev *v) { return v->cur->n; }`,
      functions: ['resize', 'peek'],
      message: /resize frees the object v->cur points to at line 5 and only replaces v->cur at line 6; in between peek/,
    },
  ],
});
