// The C front end on kernel C as it really is.
import { describe, expect, it } from 'vitest';
import { extractFile } from '../../src/frontend/file-facts.js';
import { loadRules } from '../../src/rules/load.js';
import type { FunctionIR, IrEvent } from '../../src/ir/types.js';
import { analyzeSources } from '../../src/engine/analyze.js';

const rules = loadRules();

function events(fn: FunctionIR): IrEvent[] {
  return fn.blocks.flatMap((b) => b.events);
}

function fnOf(code: string, name: string): FunctionIR {
  const f = extractFile('t.c', code, rules).functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name}`);
  return f;
}

describe('declarations', () => {
  it('collects structs with nested anonymous members, typedefs, globals and statics', () => {
    const facts = extractFile('t.c', `
typedef struct vcpu vcpu_t;
struct arch_vcpu { struct { spinlock_t lock; struct list_head inflight; } vgic; };
struct vcpu { struct arch_vcpu arch; struct domain *domain; };
static DEFINE_SPINLOCK(my_lock);
int counter;
static int helper(void) { return 0; }
static inline int hdr_fn(struct vcpu *v) { return 1; }
`, rules);
    expect(facts.structs.find((s) => s.name === 'arch_vcpu')?.fields.vgic).toBe('arch_vcpu::vgic');
    expect(facts.structs.find((s) => s.name === 'arch_vcpu::vgic')?.fields.lock).toBe('spinlock_t');
    expect(facts.typedefs).toContainEqual(['vcpu_t', 'vcpu']);
    expect(facts.globals.map((g) => [g.name, g.isStatic])).toEqual([['my_lock', true], ['counter', false]]);
    expect(facts.functions.map((f) => f.key)).toEqual(['t.c::helper', 't.c::hdr_fn']);
  });

  it('keeps functions after a region tree-sitter cannot parse', () => {
    const facts = extractFile('t.c', `
void before(void) { spin_lock(&a); spin_unlock(&a); }
@@@ this is not C @@@ {{{
void after(void) { spin_lock(&b); spin_unlock(&b); }
`, rules);
    expect(facts.functions.map((f) => f.name)).toEqual(['before', 'after']);
    expect(facts.parseErrors).toBeGreaterThan(0);
  });

  it('reads sparse annotations on the definition', () => {
    const fn = fnOf('void f(struct s *x) __acquires(&x->lock)\n{ spin_lock(&x->lock); }', 'f');
    expect(fn.annotations).toEqual(['acquires(&x->lock)']);
  });
});

describe('events', () => {
  it('records lock operations with API, mode and irq form', () => {
    const ev = events(fnOf(`void f(struct d *p, unsigned long fl) {
	spin_lock_irqsave(&p->lock, fl);
	read_lock(&p->rw);
	read_unlock(&p->rw);
	spin_unlock_irqrestore(&p->lock, fl);
}`, 'f'));
    const locks = ev.filter((e) => e.k === 'acquire' || e.k === 'release').map((e) => e.k === 'acquire' ? `+${e.api}:${e.mode}:${e.irq}:${e.lock.inst.text}` : `-${e.api}`);
    expect(locks).toEqual(['+spin_lock_irqsave:exclusive:irqsave:&p->lock', '+read_lock:shared:none:&p->rw', '-read_unlock', '-spin_unlock_irqrestore']);
  });

  it('records loads, stores (with read-modify-write), atomics, barriers and frees', () => {
    const ev = events(fnOf(`void f(struct q *q, int port) {
	q->head = port;
	q->flags |= 4;
	smp_wmb();
	set_bit(EVTCHN_FIFO_LINKED, &q->word);
	if (test_and_set_bit(1, &q->word)) return;
	x = READ_ONCE(q->tail);
	xfree(q->buf);
}`, 'f'));
    const kinds = ev.filter((e) => e.k !== 'branch').map((e) => {
      switch (e.k) {
        case 'store': return `store ${e.path.text}${e.rmw ? ` ${e.rmw}` : ''}`;
        case 'atomic': return `atomic ${e.op} ${e.path.text} returns=${e.returns} ${e.ordering}`;
        case 'barrier': return `barrier ${e.kind}`;
        case 'load': return `load ${e.path.text}${e.once ? ' once' : ''}`;
        case 'free': return `free ${e.path.text} ${e.api}`;
        default: return e.k;
      }
    });
    expect(kinds).toEqual([
      'store q->head',
      'store q->flags |=',
      'barrier wmb',
      'atomic set_bit &q->word returns=false relaxed',
      'atomic test_and_set_bit &q->word returns=true full',
      'return',
      'load q->tail once',
      'load q->buf',
      'free q->buf xfree',
      'return',
    ]);
  });

  it('puts a trylock acquire on its success edge only', () => {
    const fn = fnOf(`int f(struct s *x) {
	if (!spin_trylock(&x->lock))
		return -EBUSY;
	x->n = 1;
	spin_unlock(&x->lock);
	return 0;
}`, 'f');
    // the block holding the acquire must not reach the -EBUSY return
    const acqBlock = fn.blocks.find((b) => b.events.some((e) => e.k === 'acquire'))!;
    const busy = fn.blocks.find((b) => b.events.some((e) => e.k === 'return' && e.value === '-EBUSY'))!;
    expect(acqBlock).toBeDefined();
    const reach = new Set<number>();
    const walk = (id: number) => { if (reach.has(id)) return; reach.add(id); for (const s of fn.blocks[id]!.succ) walk(s); };
    walk(acqBlock.id);
    expect(reach.has(busy.id)).toBe(false);
  });

  it('treats list_for_each_entry(...) { } as a loop that can exit', () => {
    const fn = fnOf(`void f(struct list_head *h) {
	struct item *it;
	list_for_each_entry(it, h, node) {
		spin_lock(&it->lock);
		spin_unlock(&it->lock);
	}
	done();
}`, 'f');
    const r = analyzeSources([{ path: 't.c', text: 'void f(struct list_head *h) { struct item *it; list_for_each_entry(it, h, node) { spin_lock(&it->lock); spin_unlock(&it->lock); } done(); }' }]);
    expect(r.findings).toEqual([]);
    expect(events(fn).some((e) => e.k === 'call' && e.callee === 'done')).toBe(true);
    const doneBlock = fn.blocks.find((b) => b.events.some((e) => e.k === 'call' && e.callee === 'done'))!;
    const reach = new Set<number>();
    const walk = (id: number) => { if (reach.has(id)) return; reach.add(id); for (const s of fn.blocks[id]!.succ) walk(s); };
    walk(0);
    expect(reach.has(doneBlock.id)).toBe(true);
  });

  it('keeps the block of a one-argument iteration macro (parsed as a nested function definition)', () => {
    const fn = fnOf(`void f(void) {
    struct unit *u;
    start();
    for_each_unit ( u )
    {
        spin_lock(&u->lock);
        flush_unit(u);
        spin_unlock(&u->lock);
    }
    done();
}`, 'f');
    const calls = events(fn).filter((e) => e.k === 'call').map((e) => (e.k === 'call' ? e.callee : ''));
    expect([...calls].sort()).toEqual(['done', 'flush_unit', 'start']);
    expect(events(fn).filter((e) => e.k === 'acquire')).toHaveLength(1);
  });

  it('makes a one-CPU-only bit gate an acquisition on its fall-through path', () => {
    const fn = fnOf(`static unsigned long st_flags;
void only_first(void) {
    if ( test_and_set_bit(ST_BUSY, &st_flags) )
        for ( ; ; )
            cpu_relax();
    go();
}
void retry(void) {
    if ( test_and_set_bit(ST_BUSY, &st_flags) )
        return;
    go();
}`, 'only_first');
    const acq = events(fn).filter((e) => e.k === 'acquire');
    expect(acq.map((e) => (e.k === 'acquire' ? [e.api, e.lock.inst.text] : []))).toEqual([['test_and_set_bit', 'bit ST_BUSY of st_flags']]);
    // a test whose then-arm returns is a plain flag test, not a gate
    expect(events(fnOf(`static unsigned long st_flags;
void retry(void) { if ( test_and_set_bit(ST_BUSY, &st_flags) ) return; go(); }`, 'retry')).some((e) => e.k === 'acquire')).toBe(false);
  });

  it('inlines statement expressions and do { } while (0) bodies', () => {
    const ev = events(fnOf(`void f(struct s *x) {
	int v = ({ spin_lock(&x->lock); x->n; });
	do { spin_unlock(&x->lock); } while (0);
}`, 'f'));
    expect(ev.filter((e) => e.k === 'acquire' || e.k === 'release').map((e) => e.k)).toEqual(['acquire', 'release']);
  });

  it('holds a WITH_QEMU_LOCK_GUARD lock over its block and a QEMU_LOCK_GUARD lock to the end of scope', () => {
    const ev = events(fnOf(`void f(MapCache *mc) {
	WITH_QEMU_LOCK_GUARD(&mc->lock) {
		mc->n++;
	}
	{
		QEMU_LOCK_GUARD(&mc->lock2);
		if (mc->x)
			return;
		mc->y = 1;
	}
}`, 'f'));
    const seq = ev.filter((e) => e.k === 'acquire' || e.k === 'release' || e.k === 'return').map((e) => (e.k === 'acquire' || e.k === 'release' ? `${e.k} ${e.lock.inst.text}` : e.k));
    expect(seq).toEqual(['acquire &mc->lock', 'release &mc->lock', 'acquire &mc->lock2', 'release &mc->lock2', 'return', 'release &mc->lock2', 'return']);
  });

  it('treats #ifdef arms as alternative paths, not a sequence', () => {
    const r = analyzeSources([{ path: 't.c', text: `static DEFINE_SPINLOCK(a);
void f(void) {
#ifdef CONFIG_X
	spin_lock(&a);
#else
	spin_lock(&a);
#endif
	spin_unlock(&a);
}` }]);
    expect(r.findings.filter((f) => f.rule === 'recursive-lock')).toEqual([]);
  });
});

describe('function heads with attribute macros', () => {
  it('recovers definitions whose head carries attributes, with or without arguments, in any position', () => {
    const facts = extractFile('t.c', `
static inline int __nonnull(1, 2) pick(struct obj *o, int *out) { return *out; }
static int __init __attribute__((unused)) setup_once(int x) { return x; }
int __section(".text.cold") __nonnull(1) cold_path(int *p) { return *p; }
__attribute__((noreturn)) void halt_now(void) { for (;;); }
int __must_check try_get(struct obj *o) { return 1; }
void f(struct obj *o) { __foo(o) bar(o); }
`, rules);
    expect(facts.functions.map((f) => f.name)).toEqual(['pick', 'setup_once', 'cold_path', 'halt_now', 'try_get', 'f']);
    const pick = facts.functions[0]!;
    expect(pick.params.map((p) => p.name)).toEqual(['o', 'out']);
  });

  it('keeps a lock annotation after the parameters readable', () => {
    const fn = fnOf('void __nonnull(1) f(struct s *x) __acquires(&x->lock)\n{ spin_lock(&x->lock); }', 'f');
    expect(fn.annotations).toEqual(['acquires(&x->lock)']);
  });
});

describe('lock classes', () => {
  it('names a lock by the struct type and field path from the last dereference, across files', () => {
    const r = analyzeSources([
      { path: 'a.h', text: 'struct domain { spinlock_t event_lock; };\nstruct vcpu { struct domain *domain; struct { struct { spinlock_t lock; } vgic; } arch; };' },
      { path: 'a.c', text: `void f(struct vcpu *v, void *p) {
	spin_lock(&v->domain->event_lock);
	spin_lock(&v->arch.vgic.lock);
	spin_lock(&((struct vcpu *)p)->arch.vgic.lock);
	spin_lock(&container_of(p, struct domain, node)->event_lock);
}` },
    ]);
    const fn = r.program.functions.find((f) => f.name === 'f')!;
    const classes = events(fn).filter((e) => e.k === 'acquire').map((e) => (e.k === 'acquire' ? e.lock.cls : ''));
    expect(classes).toEqual(['domain.event_lock', 'vcpu.arch.vgic.lock', 'vcpu.arch.vgic.lock', 'domain.event_lock']);
  });
});
