import { describe, expect, it } from 'vitest';
import { ruleTester, runRule } from '../helpers/rule-tester.js';

// a port whose lock the interrupt handler takes; do_port_op is a hypercall handler (rules
// irq.enabledEntries), so what it calls runs with interrupts on
const decls = `struct port { spinlock_t lock; int n; };
static struct port the_port;
static void port_irq(int irq, void *dev)
{
    spin_lock(&the_port.lock);
    the_port.n++;
    spin_unlock(&the_port.lock);
}
void port_setup(void)
{
    request_irq(3, 0, port_irq, "port", NULL);
}
`;

ruleTester('irq-safety', {
  valid: [
    {
      name: 'the other side takes the lock with spin_lock_irqsave',
      code: `${decls}long do_port_op(int v) { unsigned long flags; spin_lock_irqsave(&the_port.lock, flags); the_port.n = v; spin_unlock_irqrestore(&the_port.lock, flags); return 0; }`,
    },
    {
      name: 'a helper called only with interrupts saved and disabled',
      code: `${decls}static void port_set(int v) { spin_lock(&the_port.lock); the_port.n = v; spin_unlock(&the_port.lock); }
long do_port_op(int v) { unsigned long flags; local_irq_save(flags); port_set(v); local_irq_restore(flags); return 0; }`,
    },
    {
      name: 'a helper that asserts interrupts are off',
      code: `${decls}void port_set(int v) { ASSERT(!local_irq_is_enabled()); spin_lock(&the_port.lock); the_port.n = v; spin_unlock(&the_port.lock); }
long do_port_op(int v) { port_set(v); return 0; }`,
    },
    {
      name: 'under another lock taken with interrupts off',
      code: `${decls}static DEFINE_SPINLOCK(outer);
long do_port_op(int v) { spin_lock_irq(&outer); spin_lock(&the_port.lock); the_port.n = v; spin_unlock(&the_port.lock); spin_unlock_irq(&outer); return 0; }`,
    },
    {
      name: 'a lock no interrupt handler takes',
      code: `${decls}static DEFINE_SPINLOCK(other);
long do_port_op(int v) { spin_lock(&other); the_port.n = v; spin_unlock(&other); return 0; }`,
    },
  ],
  invalid: [
    {
      name: 'a hypercall handler takes the handler lock with plain spin_lock',
      code: `${decls}long do_port_op(int v)
{
    spin_lock(&the_port.lock);
    the_port.n = v;
    spin_unlock(&the_port.lock);
    return 0;
}`,
      functions: ['do_port_op', 'port_irq'],
      message: /taken with interrupts enabled in do_port_op \(spin_lock\) and in interrupt context by port_irq, registered by request_irq\(\)/,
      check: (fs) => expect(fs[0]!.category).toBe('lock-order'),
    },
    {
      name: 'taken after spin_unlock_irq turned interrupts back on',
      code: `${decls}static DEFINE_SPINLOCK(outer);
void port_kick(int v)
{
    spin_lock_irq(&outer);
    spin_unlock_irq(&outer);
    spin_lock(&the_port.lock);
    the_port.n = v;
    spin_unlock(&the_port.lock);
}`,
      functions: ['port_kick'],
    },
    {
      name: 'a helper reached with interrupts on through a caller',
      code: `${decls}static void port_set(int v) { spin_lock(&the_port.lock); the_port.n = v; spin_unlock(&the_port.lock); }
long do_port_op(int v) { port_set(v); return 0; }`,
      message: /called with interrupts enabled from do_port_op/,
    },
  ],
});

describe('irq-safety-lowconf', () => {
  it('a function nobody calls, with no sign interrupts are on, is low confidence', () => {
    const code = `${decls}void port_write(int v) { spin_lock(&the_port.lock); the_port.n = v; spin_unlock(&the_port.lock); }`;
    expect(runRule('irq-safety', { name: 'x', code })).toEqual([]);
    const low = runRule('irq-safety-lowconf', { name: 'x', code });
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/no caller chain from a known process-context entry/);
  });

  it('code of two architectures is never paired', () => {
    const irq = `struct port { spinlock_t lock; int n; };
static void port_irq(int irq, void *dev) { struct port *p = dev; spin_lock(&p->lock); p->n++; spin_unlock(&p->lock); }
void port_setup(struct port *p) { request_irq(3, 0, port_irq, "port", p); }`;
    const op = `struct port { spinlock_t lock; int n; };
long do_port_op(struct port *p, int v) { spin_lock(&p->lock); p->n = v; spin_unlock(&p->lock); return 0; }`;
    expect(runRule('irq-safety', { name: 'x', files: { 'arch/a/irq.c': irq, 'arch/b/port.c': op } })).toEqual([]);
    expect(runRule('irq-safety', { name: 'x', files: { 'arch/a/irq.c': irq, 'arch/a/port.c': op } })).toHaveLength(1);
  });
});
