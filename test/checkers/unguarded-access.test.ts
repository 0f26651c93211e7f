import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

// a port whose counters every path updates under the port's lock
const port = `struct port { spinlock_t lock; unsigned int pending; unsigned int flags; };
void port_queue(struct port *p) { spin_lock(&p->lock); p->pending++; spin_unlock(&p->lock); }
void port_drain(struct port *p) { spin_lock(&p->lock); if (p->pending) p->pending--; spin_unlock(&p->lock); }
int port_busy(struct port *p) { int r; spin_lock(&p->lock); r = p->pending != 0; spin_unlock(&p->lock); return r; }
`;

ruleTester('unguarded-access', {
  valid: [
    {
      name: 'every access holds the lock, also through the callers of a helper',
      code: `${port}static void port_zero(struct port *p) { p->pending = 0; }
void port_reset(struct port *p) { spin_lock(&p->lock); port_zero(p); spin_unlock(&p->lock); }`,
    },
    {
      name: 'a freshly allocated port is set up before anyone can see it',
      code: `${port}struct port *port_new(void) {
	struct port *p = xzalloc(struct port);
	if (!p)
		return NULL;
	p->pending = 0;
	spin_lock_init(&p->lock);
	return p;
}`,
    },
    {
      name: 'a port handed in fresh by the only caller',
      code: `${port}static void port_setup(struct port *p) { p->pending = 0; }
struct port *port_new(void) {
	struct port *p = xzalloc(struct port);
	if (p)
		port_setup(p);
	return p;
}`,
    },
    {
      name: 'the object is on the only caller\'s stack',
      code: `${port}static void port_clear(struct port *p) { p->pending = 0; }
int port_probe_one(void) { struct port tmp; port_clear(&tmp); return 0; }`,
    },
    {
      name: 'boot-time code runs before other CPUs exist',
      code: `${port}struct port boot_port;
static void __init port_boot_setup(struct port *p) { p->pending = 0; }
void __init boot_init(void) { port_boot_setup(&boot_port); }`,
    },
    {
      name: 'the port is freed after the write on every path: torn down, no longer shared',
      code: `${port}void port_destroy(struct port *p) {
	p->pending = 0;
	xfree(p);
}`,
    },
    {
      name: 'the write uses WRITE_ONCE: meant to be lock-free',
      code: `${port}void port_kick(struct port *p) { WRITE_ONCE(p->pending, 1); }`,
    },
    {
      name: 'the field is also updated with atomics: lock-free by design',
      code: `${port}void port_kick(struct port *p) { p->pending = 1; }
void port_flag(struct port *p) { set_bit(0, &p->pending); }`,
    },
    {
      name: 'an indirect-call target with no known caller goes to -lowconf',
      code: `${port}int cf_check port_cb(struct port *p) { p->pending = 0; return 0; }`,
    },
    {
      name: 'too little evidence: three guarded accesses',
      code: `struct q { spinlock_t lock; int n; };
void q_add(struct q *q) { spin_lock(&q->lock); q->n++; spin_unlock(&q->lock); }
void q_sub(struct q *q) { spin_lock(&q->lock); q->n--; spin_unlock(&q->lock); }
void q_clear(struct q *q) { q->n = 0; }`,
    },
    {
      name: 'a caller holds the lock, taken on an object the call does not pass on',
      code: `${port}struct hub { spinlock_t lock; struct port *ports; };
static void hub_port_clear(struct port *p) { p->pending = 0; }
void hub_reset(struct hub *h, struct port *p) { spin_lock(&p->lock); hub_port_clear(h->ports); spin_unlock(&p->lock); }`,
    },
  ],
  invalid: [
    {
      name: 'a counter reset from an entry point with no lock, while every other access holds it',
      code: `${port}void port_stats_reset(struct port *p) { p->pending = 0; }`,
      functions: ['port_stats_reset'],
      locks: ['port.lock'],
      message: /port_stats_reset writes p->pending \(port\.pending\) without holding port\.lock, which guards it at 4 other accesses in 3 functions/,
      check: (f) => {
        const [a, b] = f[0]!.witness;
        expect(a!.label).toBe('CPU0 (unguarded write)');
        expect(b!.label).toBe('CPU1 (guarded access)');
        // the other side is a read-modify-write under the lock
        expect(b!.steps.at(-1)!.event).toMatch(/under port\.lock/);
        expect(b!.steps.at(-1)!.code).toMatch(/pending(\+\+|--)/);
        // no extractor: the bound lost-update template illustrates it, it confirms nothing
        expect(f[0]!.confirmation.method).toBe('template');
      },
    },
    {
      name: 'an unlocked read-modify-write through a helper called from an entry without the lock',
      code: `${port}static void port_bump(struct port *p) { p->pending += 2; }
void port_irq(struct port *p) { port_bump(p); }`,
      functions: ['port_irq', 'port_bump'],
      message: /port_bump writes p->pending/,
    },
  ],
});

ruleTester('unguarded-access-lowconf', {
  valid: [
    {
      name: 'elements of an array of a plain type are no field: no guard is inferred',
      code: `typedef unsigned long mfn_t;
struct pool { spinlock_t lock; mfn_t *slots; };
void pool_a(struct pool *p, int i) { mfn_t *s = p->slots; spin_lock(&p->lock); s[i] = 1; spin_unlock(&p->lock); }
void pool_b(struct pool *p, int i) { mfn_t *s = p->slots; spin_lock(&p->lock); s[i] = 2; s[i + 1] = 3; spin_unlock(&p->lock); }
void pool_c(struct pool *p, int i) { mfn_t *s = p->slots; spin_lock(&p->lock); s[i] = 0; spin_unlock(&p->lock); }
void other(mfn_t *m, int i) { m[i] = 0; }`,
    },
    {
      name: 'the strict deviant is reported by the default rule, not here',
      code: `${port}void port_stats_reset(struct port *p) { p->pending = 0; }`,
    },
  ],
  invalid: [
    {
      name: 'another function reads the field unlocked too: the guard is less certain',
      code: `${port}void port_stats_reset(struct port *p) { p->pending = 0; }
int port_peek(struct port *p) { return p->pending; }`,
      functions: ['port_stats_reset'],
      message: /lower confidence: 1 other unguarded access/,
    },
    {
      name: 'reached only through a function pointer (an indirect-call target): the callers\' locks are unknown',
      code: `${port}int cf_check port_cb(struct port *p) { p->pending = 0; return 0; }`,
      functions: ['port_cb'],
      message: /lower confidence: reached only through function pointers/,
    },
    {
      name: 'a write under the read side of the lock that guards the field',
      code: `struct tab { rwlock_t rw; unsigned int hint; };
void tab_set(struct tab *t, unsigned int v) { write_lock(&t->rw); t->hint = v; write_unlock(&t->rw); }
void tab_clear(struct tab *t) { write_lock(&t->rw); t->hint = 0; write_unlock(&t->rw); }
unsigned int tab_get(struct tab *t) { unsigned int v; read_lock(&t->rw); v = t->hint; read_unlock(&t->rw); return v; }
int tab_has(struct tab *t) { int r; read_lock(&t->rw); r = t->hint != 0; read_unlock(&t->rw); return r; }
unsigned int tab_pick(struct tab *t) {
	unsigned int v;
	read_lock(&t->rw);
	v = t->hint + 1;
	t->hint = v;
	read_unlock(&t->rw);
	return v;
}`,
      functions: ['tab_pick'],
      locks: ['tab.rw'],
      message: /lower confidence: holds tab\.rw/,
    },
    {
      name: 'one caller holds another lock around the call (it may serialize the path by other means)',
      code: `${port}struct owner { spinlock_t big; struct port *port; };
void port_stats_reset(struct port *p) { p->pending = 0; }
void owner_suspend(struct owner *o) { spin_lock(&o->big); port_stats_reset(o->port); spin_unlock(&o->big); }
void owner_clear(struct owner *o) { port_stats_reset(o->port); }`,
      functions: ['port_stats_reset'],
      message: /lower confidence: some callers hold owner\.big/,
    },
    {
      name: 'the writer holds another lock',
      code: `${port}spinlock_t stats_lock;
void port_stats_reset(struct port *p) { spin_lock(&stats_lock); p->pending = 0; spin_unlock(&stats_lock); }`,
      functions: ['port_stats_reset'],
      message: /lower confidence: holds stats_lock/,
    },
  ],
});
