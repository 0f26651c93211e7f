import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const q = `struct queue { spinlock_t lock; int head; int tail; };
struct ev { unsigned long word; struct queue *q; int last_prio; int prio; };
struct vcpu { struct queue queue[4]; };
`;
const dev = `struct buf { int n; };
struct dev { struct mutex lock; struct buf *cache; int mode; };
`;

ruleTester('check-then-act', {
  valid: [
    {
      name: 'test_and_set_bit decides (seed 000 fix)',
      code: `${q}void link(struct ev *e) {
	if (!test_bit(1, &e->word)) {
		spin_lock(&e->q->lock);
		if (test_and_set_bit(1, &e->word)) {
			spin_unlock(&e->q->lock);
			return;
		}
		e->q->tail = 5;
		spin_unlock(&e->q->lock);
	}
}`,
    },
    {
      name: 'test and set under one lock',
      code: `${q}void link(struct ev *e) {
	spin_lock(&e->q->lock);
	if (!test_bit(1, &e->word)) {
		set_bit(1, &e->word);
		e->q->tail = 5;
	}
	spin_unlock(&e->q->lock);
}`,
    },
    {
      name: 'the lock pointer is re-read after locking and the lock retried (lock_old_queue)',
      code: `${q}static struct queue *lock_old(struct vcpu *v, struct ev *ev) {
	struct queue *old_q;
	for (;;) {
		old_q = &v->queue[ev->last_prio];
		spin_lock(&old_q->lock);
		if (old_q == &v->queue[ev->last_prio])
			return old_q;
		spin_unlock(&old_q->lock);
	}
}
void move(struct vcpu *v, struct ev *ev) {
	struct queue *q = lock_old(v, ev);
	ev->last_prio = ev->prio;
	spin_unlock(&q->lock);
}`,
    },
    {
      name: 'lazy initialisation under the lock everyone else uses',
      code: `${dev}void get_cache(struct dev *d) {
	mutex_lock(&d->lock);
	if (!d->cache) {
		struct buf *b = kzalloc(sizeof(*b), GFP_KERNEL);
		d->cache = b;
	}
	mutex_unlock(&d->lock);
}
void drop_cache(struct dev *d) { mutex_lock(&d->lock); d->cache = NULL; mutex_unlock(&d->lock); }`,
    },
    {
      name: 'double-checked: an unlocked test, then the same test again under the lock',
      code: `${q}void link(struct ev *e) {
	if (test_bit(1, &e->word))
		return;
	spin_lock(&e->q->lock);
	if (!test_bit(1, &e->word)) {
		set_bit(1, &e->word);
		e->q->tail = 5;
	}
	spin_unlock(&e->q->lock);
}`,
    },
    {
      name: 'double-checked on a related condition under the lock (btrfs start_log_trans)',
      code: `${q}void link(struct ev *e) {
	if (!test_bit(1, &e->word)) {
		spin_lock(&e->q->lock);
		if (!e->q->head) {
			e->q->head = 1;
			set_bit(1, &e->word);
		}
		spin_unlock(&e->q->lock);
	}
}`,
    },
    {
      name: 'retry loop: the lock is dropped and the test re-run before acting',
      code: `${q}void link(struct ev *e) {
retry:
	spin_lock(&e->q->lock);
	if (!test_bit(1, &e->word)) {
		if (e->prio) {
			spin_unlock(&e->q->lock);
			goto retry;
		}
		set_bit(1, &e->word);
		e->q->tail = 5;
	}
	spin_unlock(&e->q->lock);
}`,
    },
    {
      name: 'an idempotent set after the test; the writes after the if run whatever the test said',
      code: `${q}void link(struct ev *e) {
	if (!test_bit(1, &e->word))
		set_bit(1, &e->word);
	e->q->tail = 5;
	e->q->head = 0;
}
void send(struct ev *e) { link(e); }
void unmask(struct ev *e) { link(e); }`,
    },
  ],
  invalid: [
    {
      name: 'test_bit then set_bit, then linking (seed 000 LINKED)',
      code: `${q}void link(struct ev *e) {
	if (!test_bit(1, &e->word)) {
		spin_lock(&e->q->lock);
		set_bit(1, &e->word);
		e->q->tail = 5;
		spin_unlock(&e->q->lock);
	}
}
void send(struct ev *e) { link(e); }
void unmask(struct ev *e) { link(e); }`,
      functions: ['link'],
      message: /tests bit 1 of &e->word.*test_and_set_bit/,
      check: (fs) => {
        expect(fs[0]!.witness.length).toBe(2);
        expect(fs[0]!.witness[1]!.label).toMatch(/CPU1/);
      },
    },
    {
      name: 'the lock is dropped between the test and the set',
      code: `${q}void link(struct ev *e) {
	spin_lock(&e->q->lock);
	if (!test_bit(1, &e->word)) {
		spin_unlock(&e->q->lock);
		spin_lock(&e->q->lock);
		set_bit(1, &e->word);
		e->q->tail = 5;
	}
	spin_unlock(&e->q->lock);
}`,
      functions: ['link'],
    },
    {
      name: 'lock picked from fields changed under that lock, no re-check (seed 000 old_q)',
      code: `${q}void move(struct vcpu *v, struct ev *ev) {
	struct queue *old_q;
	old_q = &v->queue[ev->last_prio];
	spin_lock(&old_q->lock);
	ev->last_prio = ev->prio;
	spin_unlock(&old_q->lock);
}`,
      functions: ['move'],
      locks: ['queue.lock'],
      message: /picks the lock &old_q->lock from ev\.last_prio/,
    },
  ],
});

ruleTester('check-then-act-lowconf', {
  valid: [
    {
      name: 'test_and_set_bit alone',
      code: `${q}void f(struct ev *e) { if (!test_and_set_bit(1, &e->word)) e->q->tail = 1; }`,
    },
    {
      name: 'unlocked test-then-write of a field nobody writes under a lock (sequential code)',
      code: `struct cfg { int mode; int limit; };
void parse(struct cfg *c, int v) { if (!c->mode) c->mode = v; }
void reset(struct cfg *c) { c->mode = 0; }`,
    },
  ],
  invalid: [
    {
      name: 'unlocked test-then-write of a field another path writes under a lock',
      code: `struct cfg { spinlock_t lock; int mode; };
void parse(struct cfg *c, int v) { if (!c->mode) c->mode = v; }
void reset(struct cfg *c) { spin_lock(&c->lock); c->mode = 0; spin_unlock(&c->lock); }`,
      functions: ['parse', 'reset'],
    },
    {
      name: 'unlocked lazy initialisation of a field others change under a lock',
      code: `${dev}void get_cache(struct dev *d) {
	if (!d->cache) {
		struct buf *b = kzalloc(sizeof(*b), GFP_KERNEL);
		d->cache = b;
	}
}
void drop_cache(struct dev *d) { mutex_lock(&d->lock); d->cache = NULL; mutex_unlock(&d->lock); }`,
      functions: ['get_cache', 'drop_cache'],
    },
    {
      name: 'idempotent bit set after a test',
      code: `${q}void f(struct ev *e) { if (!test_bit(1, &e->word)) set_bit(1, &e->word); }`,
      functions: ['f'],
      check: (fs) => expect(Number(fs[0]!.extra?.score)).toBeLessThan(3),
    },
  ],
});
