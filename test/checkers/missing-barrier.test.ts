import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';
import type { Finding } from '../../src/report/finding.js';

const irq = `struct list_head { struct list_head *next, *prev; };
struct irq_desc { int status; };
struct pending_irq { unsigned long status; struct list_head inflight; struct irq_desc *desc; };
struct vcpu { spinlock_t lock; int processor; };
`;
const msg = `struct msg { spinlock_t lock; int data; int ready; };\n`;
const sb = `struct sb { int x; int y; };\n`;
const ver = `struct tbl { int version; int slot[16]; };
void fill(struct tbl *t, int i, int v) { t->slot[i] = v; }
int lookup(struct tbl *t, int i) {
	int ver = atomic_read(&t->version);
	smp_rmb();
	int v = walk_slots(t, i);
	if (ver != atomic_read(&t->version)) return -1;
	return v;
}
int walk_slots(struct tbl *t, int i) { return t->slot[i]; }
`;


const twoSides = (writer: string, reader: string) => (fs: Finding[]) => {
  const w = fs[0]!.witness;
  expect(w[0]!.label).toMatch(/writer|CPU0/);
  expect(w[0]!.callChain).toContain(writer);
  expect(w.slice(1).some((p) => p.callChain.includes(reader))).toBe(true);
  expect(fs[0]!.extra?.locations).toBeDefined();
};

ruleTester('missing-barrier', {
  valid: [
    {
      name: 'smp_wmb between the list op and the hand-off',
      code: `${irq}void retire(struct pending_irq *p, int cpu) {
	list_del_init(&p->inflight);
	smp_wmb();
	irq_set_affinity(p->desc, cpu);
}
void inject(struct vcpu *v, struct pending_irq *n) {
	spin_lock(&v->lock);
	if (!list_empty(&n->inflight))
		n->status = 1;
	spin_unlock(&v->lock);
}`,
    },
    {
      name: 'release/acquire publication',
      code: `${msg}void producer(struct msg *m) { m->data = 42; smp_store_release(&m->ready, 1); }
int consumer(struct msg *m) { if (smp_load_acquire(&m->ready)) return m->data; return 0; }`,
    },
    {
      name: 'wmb/rmb pair',
      code: `${msg}void producer(struct msg *m) { m->data = 42; smp_wmb(); WRITE_ONCE(m->ready, 1); }
int consumer(struct msg *m) { if (READ_ONCE(m->ready)) { smp_rmb(); return m->data; } return 0; }`,
    },
    {
      name: 'both sides under the same lock',
      code: `${msg}void producer(struct msg *m) { spin_lock(&m->lock); m->data = 42; WRITE_ONCE(m->ready, 1); spin_unlock(&m->lock); }
int consumer(struct msg *m) { int r = 0; spin_lock(&m->lock); if (READ_ONCE(m->ready)) r = m->data; spin_unlock(&m->lock); return r; }`,
    },
    {
      name: 'a value-returning RMW orders the publication',
      code: `${msg}void producer(struct msg *m) { m->data = 42; atomic_xchg(&m->ready, 1); }
int consumer(struct msg *m) { if (READ_ONCE(m->ready)) { smp_rmb(); return m->data; } return 0; }`,
    },
    {
      name: 'store buffering with full barriers on both sides',
      code: `${sb}void a(struct sb *s) { WRITE_ONCE(s->x, 1); smp_mb(); if (READ_ONCE(s->y)) do_a(); }
void b(struct sb *s) { WRITE_ONCE(s->y, 1); smp_mb(); if (READ_ONCE(s->x)) do_b(); }`,
    },
    {
      name: 'an object just allocated is not yet shared',
      code: `${irq}void setup(int cpu) {
	struct pending_irq *p = kzalloc(sizeof(*p), GFP_KERNEL);
	list_del_init(&p->inflight);
	irq_set_affinity(p->desc, cpu);
}
void inject(struct pending_irq *n) { if (!list_empty(&n->inflight)) n->status = 1; }`,
    },
    {
      name: 'a hand-off whose sender orders earlier stores (rules: ordered), such as raising a softirq',
      code: `${irq}void kick(struct pending_irq *p, int cpu) {
	p->status = 2;
	cpu_raise_softirq(cpu, 3);
}
void handler(struct pending_irq *n) { if (n->status == 2) do_work(n); }`,
    },
    {
      name: 'the store and the test both under the lock of the object they access',
      code: `struct irq_desc { int status; };
struct virq { spinlock_t lock; int target; struct irq_desc *desc; };
void retarget(struct virq *q, int cpu) {
	spin_lock(&q->lock);
	q->target = cpu;
	irq_set_affinity(q->desc, cpu);
	spin_unlock(&q->lock);
}
int route(struct virq *q) { int t = -1; spin_lock(&q->lock); if (q->target) t = q->target; spin_unlock(&q->lock); return t; }`,
    },
    {
      name: 'a version bumped after the stores with a write barrier, pairing with the reader\'s read barrier',
      code: `${ver}void update(struct tbl *t, int i, int v) { fill(t, i, v); smp_wmb(); atomic_inc(&t->version); }`,
    },
    {
      name: 'a barrier inside a macro the writer calls orders the stores',
      code: `${ver}#define publish_fence() do { note_it(); smp_mb(); } while (0)
void update(struct tbl *t, int i, int v) { fill(t, i, v); publish_fence(); atomic_inc(&t->version); }`,
    },
    {
      name: 'clearing the version withdraws, it publishes nothing',
      code: `struct tbl { int version; int slot[16]; };
int lookup(struct tbl *t) { int ver = READ_ONCE(t->version); smp_rmb(); return t->slot[ver]; }
void reset(struct tbl *t) { t->slot[0] = 0; WRITE_ONCE(t->version, 0); }`,
    },
    {
      name: 'the writer publishes the object with its own flag after a barrier: the read-barriered field is data',
      code: `struct ent { int dom; int ref; int flags; };
void set_ent(struct ent *e, int d, int r, int f) { e->dom = d; e->ref = r; smp_wmb(); write_atomic(&e->flags, f); }
int use_ent(struct ent *e, int d) { int r = e->ref; smp_rmb(); if (e->dom != d) return -1; return r; }`,
    },
    {
      name: 'the field is set on an object the writer allocated and publishes only afterwards',
      code: `${ver}struct tbl *make(struct tbl *old, int i, int v) {
	struct tbl *t = xzalloc(struct tbl);
	fill(old, i, v);
	t->version = 1;
	list_add(&t->link, &all_tbls);
	return t;
}`,
    },
  ],
  invalid: [
    {
      name: 'a version bumped after storing through a helper, while a reader orders its walk with a read barrier',
      code: `${ver}void update(struct tbl *t, int i, int v) { fill(t, i, v); atomic_inc(&t->version); }`,
      functions: ['update', 'lookup'],
      message: /update updates tbl.version .* after calls that store shared state \(the last: fill\(\)\).* lookup reads tbl.version and orders its later reads with a read barrier/,
      check: (fs) => expect(fs[0]!.extra?.pattern).toBe('version'),
    },
    {
      name: 'the allocated object is published before the field is set',
      code: `${ver}struct tbl *make(struct tbl *old, int i, int v) {
	struct tbl *t = xzalloc(struct tbl);
	list_add(&t->link, &all_tbls);
	fill(old, i, v);
	t->version = 1;
	return t;
}`,
      functions: ['make', 'lookup'],
      message: /make updates tbl.version .* after calls that store shared state \(the last: fill\(\)\)/,
    },
    {
      name: 'the writer holds a lock of the same type on another object than the one it stores to',
      code: `struct irq_desc { int status; };
struct virq { spinlock_t lock; int target; struct irq_desc *desc; };
void retarget(struct virq *owner, struct virq *q, int cpu) {
	spin_lock(&owner->lock);
	q->target = cpu;
	irq_set_affinity(q->desc, cpu);
	spin_unlock(&owner->lock);
}
int route(struct virq *q) { int t = -1; spin_lock(&q->lock); if (q->target) t = q->target; spin_unlock(&q->lock); return t; }`,
      functions: ['retarget', 'route'],
    },
    {
      name: 'seed 001 shape: list_del_init then irq_set_affinity, tested on the other CPU',
      code: `${irq}void retire(struct pending_irq *p, int cpu) {
	list_del_init(&p->inflight);
	irq_set_affinity(p->desc, cpu);
}
void inject(struct vcpu *v, struct pending_irq *n) {
	spin_lock(&v->lock);
	if (!list_empty(&n->inflight))
		n->status = 1;
	spin_unlock(&v->lock);
}
void do_irq(struct vcpu *v, struct pending_irq *n) { inject(v, n); }`,
      functions: ['retire', 'inject'],
      message: /pending_irq\.inflight.*irq_set_affinity/,
      check: (fs) => {
        twoSides('retire', 'inject')(fs);
        // the reader's chain starts at its entry function
        expect(fs[0]!.witness[1]!.callChain).toEqual(['do_irq', 'inject']);
      },
    },
    {
      name: 'a conditional RMW between the store and the hand-off does not order it (unordered on failure)',
      code: `${irq}void retire(struct pending_irq *p, int cpu) {
	list_del_init(&p->inflight);
	if (test_and_clear_bit(3, &p->status))
		irq_set_affinity(p->desc, cpu);
}
void inject(struct pending_irq *n) { if (!list_empty(&n->inflight)) n->status = 1; }`,
      functions: ['retire', 'inject'],
    },
    {
      name: 'message passing with marked accesses but no barriers, across files',
      files: {
        'a.c': `${msg}void producer(struct msg *m) { m->data = 42; WRITE_ONCE(m->ready, 1); }`,
        'b.c': `${msg}int consumer(struct msg *m) { if (READ_ONCE(m->ready)) return m->data; return 0; }`,
      },
      functions: ['producer', 'consumer'],
      message: /message passing/,
      check: twoSides('producer', 'consumer'),
    },
    {
      name: 'store buffering with marked accesses and no barriers',
      code: `${sb}void a(struct sb *s) { WRITE_ONCE(s->x, 1); if (READ_ONCE(s->y)) do_a(); }
void b(struct sb *s) { WRITE_ONCE(s->y, 1); if (READ_ONCE(s->x)) do_b(); }`,
      functions: ['a', 'b'],
      message: /store buffering/,
    },
  ],
});

ruleTester('missing-barrier-lowconf', {
  valid: [
    {
      name: 'marked message passing is reported by missing-barrier, not here',
      code: `${msg}void producer(struct msg *m) { m->data = 42; WRITE_ONCE(m->ready, 1); }
int consumer(struct msg *m) { if (READ_ONCE(m->ready)) return m->data; return 0; }`,
    },
    {
      name: 'plain sequential code: no marked access, atomic or barrier on the locations anywhere',
      code: `${msg}void both(struct msg *m) {
	m->data = 42;
	m->ready = 1;
	if (m->ready)
		use(m->data);
}`,
    },
  ],
  invalid: [
    {
      name: 'plain accesses on both sides in one function, the flag marked elsewhere: low confidence',
      code: `${msg}void both(struct msg *m) {
	m->data = 42;
	m->ready = 1;
	if (m->ready)
		use(m->data);
}
void drop(struct msg *m) { WRITE_ONCE(m->ready, 0); }`,
      functions: ['both'],
      check: (fs) => expect(Number(fs[0]!.extra?.score)).toBeLessThan(3),
    },
  ],
});
