import { ruleTester, runRule } from '../helpers/rule-tester.js';
import { describe, expect, it } from 'vitest';

const decls = `struct timer { int x; };
struct tasklet { int y; };
struct obj { spinlock_t lock; struct timer t; struct tasklet tl; int n; };
struct other { spinlock_t lock; int m; };
static DEFINE_SPINLOCK(glock);
static void obj_timer_fn(void *data)
{
    struct obj *o = data;
    spin_lock(&o->lock);
    o->n++;
    spin_unlock(&o->lock);
}
void obj_init(struct obj *o)
{
    init_timer(&o->t, obj_timer_fn, o, 0);
}
static void remote_fn(void *info)
{
    spin_lock(&glock);
    spin_unlock(&glock);
}
`;

ruleTester('reentry-deadlock', {
  valid: [
    {
      name: 'the timer is killed after the lock is dropped',
      code: `${decls}void obj_destroy(struct obj *o) { spin_lock(&o->lock); o->n = 0; spin_unlock(&o->lock); kill_timer(&o->t); }`,
    },
    {
      name: 'stop_timer does not wait for a running handler',
      code: `${decls}void obj_stop(struct obj *o) { spin_lock(&o->lock); stop_timer(&o->t); spin_unlock(&o->lock); }`,
    },
    {
      name: 'on_selected_cpus without waiting',
      code: `${decls}void poke(void) { spin_lock(&glock); on_selected_cpus(&cpu_online_map, remote_fn, NULL, 0); spin_unlock(&glock); }`,
    },
    {
      name: 'the callback takes a lock the waiter does not hold',
      code: `${decls}static void other_fn(void *info) { struct other *x = info; spin_lock(&x->lock); spin_unlock(&x->lock); }
void poke(struct other *x) { spin_lock(&glock); on_selected_cpus(&cpu_online_map, other_fn, x, 1); spin_unlock(&glock); }`,
    },
    {
      name: 'the callback takes the lock only on its crash path',
      code: `${decls}static void bad_fn(void *info) { panic("x"); }
void panic(const char *s) { spin_lock(&glock); spin_unlock(&glock); }
void poke(void) { spin_lock(&glock); on_selected_cpus(&cpu_online_map, bad_fn, NULL, 1); spin_unlock(&glock); }`,
    },
  ],
  invalid: [
    {
      name: 'kill_timer while holding the lock the handler takes on the same object',
      code: `${decls}void obj_destroy(struct obj *o)
{
    spin_lock(&o->lock);
    kill_timer(&o->t);
    spin_unlock(&o->lock);
}`,
      functions: ['obj_destroy', 'obj_timer_fn'],
      locks: ['obj.lock'],
      message: /kill_timer\(\) waits for a running timer handler to finish obj_timer_fn\(\), which takes obj\.lock/,
      check: (fs) => expect(fs[0]!.category).toBe('lock-order'),
    },
    {
      name: 'on_selected_cpus with wait, the function takes a held global, through a helper',
      code: `${decls}static void do_poke(void) { on_selected_cpus(&cpu_online_map, remote_fn, NULL, 1); }
void poke(void) { spin_lock(&glock); do_poke(); spin_unlock(&glock); }`,
      functions: ['poke', 'do_poke', 'remote_fn'],
      message: /on_selected_cpus\(\) waits for the other CPUs to finish remote_fn\(\)/,
    },
    {
      name: 'tasklet_kill while holding the lock its handler takes',
      code: `${decls}static void obj_tasklet_fn(void *data) { struct obj *o = data; spin_lock(&o->lock); o->n--; spin_unlock(&o->lock); }
void obj_tl_init(struct obj *o) { tasklet_init(&o->tl, obj_tasklet_fn, o); }
void obj_tl_kill(struct obj *o) { spin_lock(&o->lock); tasklet_kill(&o->tl); spin_unlock(&o->lock); }`,
      functions: ['obj_tl_kill', 'obj_tasklet_fn'],
      locks: ['obj.lock'],
    },
  ],
});

describe('reentry-deadlock-lowconf', () => {
  it('a handler locking an object of the class it does not get from the waiter is low confidence', () => {
    const code = `${decls}struct pool { spinlock_t lock; struct timer t; };
static struct pool *the_pool;
static void pool_fn(void *unused) { spin_lock(&the_pool->lock); spin_unlock(&the_pool->lock); }
void pool_init(struct pool *p) { init_timer(&p->t, pool_fn, NULL, 0); }
void pool_fini(struct pool *p) { spin_lock(&p->lock); kill_timer(&p->t); spin_unlock(&p->lock); }`;
    expect(runRule('reentry-deadlock', { name: 'x', code })).toEqual([]);
    const low = runRule('reentry-deadlock-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/low confidence/);
  });

  it('a guest-memory copy under a lock the page-fault handler takes is low confidence', () => {
    const code = `struct dom { spinlock_t lock; };
struct dom *current_dom(void);
static int fixup(void) { struct dom *d = current_dom(); spin_lock(&d->lock); spin_unlock(&d->lock); return 0; }
void do_page_fault(void *regs) { fixup(); }
int op(struct dom *d, void *buf, void *src) { int rc; spin_lock(&d->lock); rc = copy_to_guest(buf, src, 1); spin_unlock(&d->lock); return rc; }`;
    expect(runRule('reentry-deadlock', { name: 'x', code })).toEqual([]);
    const low = runRule('reentry-deadlock-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/copy_to_guest\(\) may fault into do_page_fault\(\)/);
  });
});

describe('waits in the lock-order graph', () => {
  it('a lock held across kill_timer orders before the handler lock: an inversion with the reverse order', () => {
    const code = `struct timer { int x; };
struct a { spinlock_t lock; struct timer t; };
struct b { spinlock_t lock; };
static struct b *bb;
static void a_timer(void *data) { spin_lock(&bb->lock); spin_unlock(&bb->lock); }
void a_init(struct a *x) { init_timer(&x->t, a_timer, x, 0); }
void a_fini(struct a *x) { spin_lock(&x->lock); kill_timer(&x->t); spin_unlock(&x->lock); }
void b_then_a(struct a *x) { spin_lock(&bb->lock); spin_lock(&x->lock); spin_unlock(&x->lock); spin_unlock(&bb->lock); }`;
    const fs = runRule('lock-inversion', { name: 'x', code });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.message).toMatch(/\[kill_timer\(\) waits for a running timer handler to finish a_timer\(\)\] a_timer/);
  });
});

describe('faults in the lock-order graph', () => {
  it('a cycle needing a page fault under a lock is low confidence, and so is its level order', () => {
    const code = `struct dom { spinlock_t big; spinlock_t mm; };
struct dom *current_dom(void);
static int fixup(void) { struct dom *d = current_dom(); spin_lock(&d->big); spin_unlock(&d->big); return 0; }
void do_page_fault(void *regs) { fixup(); }
int mm_op(struct dom *d, void *buf, void *src) { int rc; spin_lock(&d->mm); rc = copy_to_guest(buf, src, 1); spin_unlock(&d->mm); return rc; }
void big_op(struct dom *d) { spin_lock(&d->big); spin_lock(&d->mm); spin_unlock(&d->mm); spin_unlock(&d->big); }`;
    expect(runRule('lock-inversion', { name: 'x', code })).toEqual([]);
    const low = runRule('lock-inversion-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/\[copy_to_guest\(\) may fault into do_page_fault\(\)\] do_page_fault -> fixup.*low confidence: an edge needs a page fault/);
  });
});

describe('rules: waits', () => {
  it('a wait entry needs exactly one of bound and fn', async () => {
    const { parseRuleFile } = await import('../../src/rules/load.js');
    expect(() => parseRuleFile('x.yaml', 'project: x\nwaits:\n  - names: [w]\n    bound: 0\n    fn: 1\n    why: waits\n')).toThrow(/exactly one of/);
    expect(parseRuleFile('x.yaml', 'project: x\nwaits:\n  - names: [w]\n    fn: 1\n    why: waits\n').waits[0]!.fn).toBe(1);
  });
});

describe('faulting accessors from the tree', () => {
  it('a macro whose asm has an exception-table fixup on a memory operand, used through another macro, may fault', () => {
    const code = `struct dom { spinlock_t lock; };
struct dom *current_dom(void);
#define read_probe_asm(x, addr, err) asm volatile ( "1: mov %2,%0\\n2:\\n" _ASM_EXTABLE(1b, 2b) : "=r" (x), "+r" (err) : "m" (*(addr)) )
#define read_probe(x, addr, err) read_probe_asm(x, addr, err)
static int fixup(void) { struct dom *d = current_dom(); spin_lock(&d->lock); spin_unlock(&d->lock); return 0; }
void do_page_fault(void *regs) { fixup(); }
int peek(struct dom *d, unsigned long *p) { unsigned long v; int err = 0; spin_lock(&d->lock); read_probe(v, p, err); spin_unlock(&d->lock); return err; }`;
    const low = runRule('reentry-deadlock-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/read_probe\(\) may fault into do_page_fault\(\)/);
  });

  it('an exception-table fixup with no memory operand (a faulting instruction, not an access) is no page fault', () => {
    const code = `struct dom { spinlock_t lock; };
struct dom *current_dom(void);
#define probe_insn(err) asm volatile ( "1: ud2\\n2:\\n" _ASM_EXTABLE(1b, 2b) : "+r" (err) )
static int fixup(void) { struct dom *d = current_dom(); spin_lock(&d->lock); spin_unlock(&d->lock); return 0; }
void do_page_fault(void *regs) { fixup(); }
int poke(struct dom *d) { int err = 0; spin_lock(&d->lock); probe_insn(err); spin_unlock(&d->lock); return err; }`;
    expect(runRule('reentry-deadlock-lowconf', { name: 'x', code })).toEqual([]);
  });
});
