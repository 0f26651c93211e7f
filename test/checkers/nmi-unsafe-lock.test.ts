import { describe, expect, it } from 'vitest';
import { ruleTester, runRule } from '../helpers/rule-tester.js';

// do_nmi and fatal_trap are context entries in rules/xen.yaml (contexts: nmi, crash);
// set_nmi_callback registers an NMI callback. A log ring with a queue lock, and a
// watchdog that prints when it fires.
const ring = `struct ring { spinlock_t lock; int head; };
static struct ring the_ring;
static void ring_kick(void)
{
    unsigned long flags;
    spin_lock_irqsave(&the_ring.lock, flags);
    the_ring.head++;
    spin_unlock_irqrestore(&the_ring.lock, flags);
}
long do_ring_op(int v)
{
    ring_kick();
    return v;
}
`;

ruleTester('nmi-unsafe-lock', {
  valid: [
    {
      name: 'the NMI path forces the lock open before it takes it',
      code: `${ring}static void watchdog_fire(void)
{
    spin_lock_init(&the_ring.lock);
    ring_kick();
}
void do_nmi(void) { watchdog_fire(); }`,
    },
    {
      name: 'a helper that forces the lock open, called on the NMI path',
      code: `${ring}void ring_force_unlock(void) { spin_lock_init(&the_ring.lock); }
void do_nmi(void) { ring_force_unlock(); ring_kick(); }`,
    },
    {
      name: 'the NMI path tests the crash flag its force-unlock helper raises',
      code: `${ring}static DEFINE_SPINLOCK(out_lock);
static bool locks_busted;
void out_force_unlock(void) { spin_lock_init(&out_lock); locks_busted = true; }
static void emit(void) { if ( !locks_busted ) ring_kick(); }
void do_nmi(void) { out_force_unlock(); emit(); }`,
    },
    {
      name: 'the lock is taken only in NMI context',
      code: `static DEFINE_SPINLOCK(nmi_only);
static int nmi_hits;
static void count_hit(void) { spin_lock(&nmi_only); nmi_hits++; spin_unlock(&nmi_only); }
void do_nmi(void) { count_hit(); }`,
    },
    {
      name: 'a trylock in the NMI handler does not wait',
      code: `${ring}void do_nmi(void) { if ( spin_trylock(&the_ring.lock) ) { the_ring.head++; spin_unlock(&the_ring.lock); } }`,
    },
    {
      name: 'reached only when the interrupted registers were guest code',
      code: `${ring}struct cpu_user_regs;
void do_nmi(struct cpu_user_regs *regs) { if ( guest_mode(regs) ) ring_kick(); }`,
    },
    {
      name: 'a recursive lock the same CPU may take again',
      code: `static DEFINE_RSPINLOCK(log_lock);
static int lines;
static void log_line(void) { rspin_lock(&log_lock); lines++; rspin_unlock(&log_lock); }
long do_log_op(void) { log_line(); return 0; }
void do_nmi(void) { log_line(); }`,
    },
  ],
  invalid: [
    {
      name: 'the NMI handler takes a lock normal context takes with irqsave',
      code: `${ring}void do_nmi(void) { ring_kick(); }`,
      functions: ['do_nmi', 'ring_kick'],
      locks: ['the_ring@test.c.lock'],
      message: /the_ring@test\.c\.lock taken in NMI context by do_nmi \(via ring_kick\).*and in normal context by ring_kick \(spin_lock_irqsave\): .*irqsave or not/,
      check: (fs) => {
        expect(fs[0]!.severity).toBe('warning');
        expect(fs[0]!.category).toBe('lock-order');
      },
    },
    {
      name: 'a callback registered with set_nmi_callback',
      code: `${ring}static int on_nmi(const struct cpu_user_regs *regs, int cpu) { ring_kick(); return 1; }
void start_sampling(void) { set_nmi_callback(on_nmi); }`,
      functions: ['on_nmi', 'ring_kick'],
      message: /registered by set_nmi_callback\(\) in start_sampling/,
    },
    {
      name: 'a fatal trap handler prints through a queue lock after forcing only the console open',
      code: `${ring}static DEFINE_SPINLOCK(console_lock);
void console_force_unlock(void) { spin_lock_init(&console_lock); }
static void put_line(void) { spin_lock(&console_lock); ring_kick(); spin_unlock(&console_lock); }
void fatal_trap(void) { console_force_unlock(); put_line(); }`,
      functions: ['fatal_trap', 'put_line', 'ring_kick'],
      locks: ['the_ring@test.c.lock'],
      message: /fatal-trap context by fatal_trap/,
    },
    {
      name: 'a crash path re-entered through a nested panic() spins on its own bit gate',
      code: `static unsigned long crash_flags;
#define CRASH_BUSY 0
static void one_cpu(void)
{
    if ( test_and_set_bit(CRASH_BUSY, &crash_flags) )
        for ( ; ; ) ;
}
static void quiesce_hw(void) { if ( hw_timed_out() ) panic("hw stuck"); }
void crash_now(void) { one_cpu(); quiesce_hw(); }
void panic(const char *fmt, ...) { crash_now(); for ( ; ; ) ; }
void fatal_trap(void) { crash_now(); }`,
      functions: ['crash_now', 'one_cpu', 'panic'],
      message: /bit CRASH_BUSY of crash_flags is held by crash_now \(via one_cpu\) .* calls panic\(\), which re-enters the crash path/,
    },
  ],
});

describe('nmi-unsafe-lock-lowconf', () => {
  it('a context side that reaches the lock only after panic() is low confidence', () => {
    const code = `${ring}void panic(const char *fmt, ...) { ring_kick(); for ( ; ; ) ; }
void do_nmi(void) { panic("watchdog"); }`;
    expect(runRule('nmi-unsafe-lock', { name: 'x', code })).toEqual([]);
    const low = runRule('nmi-unsafe-lock-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/only after panic\(\)/);
  });

  it('an NMI entry of one architecture is not paired with a lock user of another', () => {
    const nmi = `struct ring { spinlock_t lock; int head; };
extern struct ring the_ring;
void do_nmi(void) { spin_lock(&the_ring.lock); the_ring.head = 0; spin_unlock(&the_ring.lock); }`;
    const user = `struct ring { spinlock_t lock; int head; };
struct ring the_ring;
long do_ring_op(void) { spin_lock(&the_ring.lock); the_ring.head++; spin_unlock(&the_ring.lock); return 0; }`;
    expect(runRule('nmi-unsafe-lock', { name: 'x', files: { 'arch/a/nmi.c': nmi, 'arch/b/ring.c': user } })).toEqual([]);
    expect(runRule('nmi-unsafe-lock', { name: 'x', files: { 'arch/a/nmi.c': nmi, 'arch/a/ring.c': user } })).toHaveLength(1);
  });
});
