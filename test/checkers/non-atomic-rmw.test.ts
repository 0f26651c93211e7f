import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const dev = `struct dev { spinlock_t lock; unsigned long flags; int count; };
void mark(struct dev *d) { set_bit(1, &d->flags); }
`;

ruleTester('non-atomic-rmw', {
  valid: [
    {
      name: 'every update is atomic',
      code: `${dev}void other(struct dev *d) { set_bit(2, &d->flags); clear_bit(3, &d->flags); }`,
    },
    {
      name: 'plain RMW of a word nobody updates atomically',
      code: `struct st { unsigned long mode; };
void a(struct st *s) { s->mode |= 4; }
void b(struct st *s) { s->mode &= ~4; }`,
    },
    {
      name: 'an object just allocated is private',
      code: `${dev}struct dev *mk(void) { struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL); d->flags |= 4; return d; }`,
    },
    {
      name: 'the last user clears the word and then hands the object to a free',
      code: `${dev}void drop(struct pool *pl, struct dev *d) { d->flags &= ~4UL; d->count = 0; pool_free(pl, d); }`,
    },
    {
      name: 'the atomic side is another architecture\'s code',
      files: {
        'arch/one/mm.c': `struct dev { unsigned long flags; };\nvoid fast(struct dev *d) { d->flags |= 4; }`,
        'arch/two/include/asm/dev.h': `struct dev { unsigned long flags; };\nstatic inline void mark(struct dev *d) { set_bit(1, &d->flags); }`,
      },
    },
  ],
  invalid: [
    {
      name: '|= on a word another path updates with set_bit',
      code: `${dev}void fast(struct dev *d) { d->flags |= 4; }`,
      functions: ['fast', 'mark'],
      message: /plain read-modify-write \(d->flags \|=\) while mark updates it with set_bit/,
      check: (fs) => expect(fs[0]!.witness.map((w) => w.label)).toEqual(['CPU0 (plain read-modify-write)', 'CPU1 (concurrent update)']),
    },
    {
      name: 'a free of another object after the RMW does not make it private',
      code: `${dev}void fast(struct dev *d, void *buf) { d->flags |= 4; xfree(buf); }`,
      functions: ['fast', 'mark'],
    },
    {
      name: 'the atomic side in a shared header of the same architecture',
      files: {
        'arch/one/mm.c': `struct dev { unsigned long flags; };\nvoid fast(struct dev *d) { d->flags |= 4; }`,
        'arch/one/include/asm/dev.h': `struct dev { unsigned long flags; };\nstatic inline void mark(struct dev *d) { set_bit(1, &d->flags); }`,
      },
      functions: ['fast', 'mark'],
    },
  ],
});

ruleTester('non-atomic-rmw-lowconf', {
  valid: [
    {
      name: '|= racing with set_bit is reported by non-atomic-rmw, not here',
      code: `${dev}void fast(struct dev *d) { d->flags |= 4; }`,
    },
    {
      name: 'all updates under the lock',
      code: `struct st { spinlock_t lock; int n; };
void a(struct st *s) { spin_lock(&s->lock); s->n++; spin_unlock(&s->lock); }
void b(struct st *s) { spin_lock(&s->lock); s->n--; spin_unlock(&s->lock); }`,
    },
  ],
  invalid: [
    {
      name: '__set_bit where set_bit is used elsewhere (the author asserted exclusive access: low confidence)',
      code: `${dev}void fast(struct dev *d) { __set_bit(2, &d->flags); }`,
      functions: ['fast', 'mark'],
    },
    {
      name: 'counter updated under a lock elsewhere, unlocked here',
      code: `struct st { spinlock_t lock; int n; };
void a(struct st *s) { spin_lock(&s->lock); s->n++; spin_unlock(&s->lock); }
void b(struct st *s) { spin_lock(&s->lock); s->n--; spin_unlock(&s->lock); }
void c(struct st *s) { s->n += 2; }`,
      functions: ['c'],
      locks: ['st.lock'],
    },
  ],
});
