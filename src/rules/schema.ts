// Schema of the data files in rules/: lock APIs, atomics, barriers, frees, hand-offs,
// deferred callbacks and model bindings. Users extend these with `--rules DIR`.
import { z } from 'zod';

const names = z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier')).min(1);

export const LockApiSchema = z
  .object({
    names,
    /**
     * `assert`: the lock is held here, taken by a caller (`lockdep_assert_held(&l)`);
     * `held-test`: a predicate that asserts it inside `ASSERT(...)` (`ASSERT(spin_is_locked(&l))`).
     */
    op: z.enum(['acquire', 'release', 'assert', 'held-test']),
    /** Argument holding the lock (0-based). Omit with `global`. */
    arg: z.number().int().min(0).optional(),
    /** Fixed lock class for argument-less APIs: `rcu`, `pcidevs_lock`, `bql`. */
    global: z.string().optional(),
    /** Member path appended to the argument: `vgic_lock_rank(v, rank, f)` locks `rank->lock`; `domain->arch.vgic.lock`. */
    field: z.string().optional(),
    mode: z.enum(['exclusive', 'shared', 'recursive']).default('exclusive'),
    irq: z.enum(['none', 'irq', 'irqsave', 'bh']).default('none'),
    /** Trylock: holds only on the true branch of the result. */
    try: z.boolean().default(false),
    /**
     * Returns whether it took the lock (a bool lock function that fails on an invalid object):
     * tested in a condition, the lock is held on the success branch only; unlike `try` it waits.
     */
    cond: z.boolean().default(false),
    /** Inverted trylock result: holds when the call returns 0 (e.g. pthread_mutex_trylock). */
    tryZero: z.boolean().default(false),
    /** `_nested` forms: same-class nesting is declared intended. */
    nested: z.boolean().default(false),
    /** Scope guard (QEMU_LOCK_GUARD): released when the enclosing block ends. */
    guard: z.boolean().default(false),
    /** Block guard (WITH_QEMU_LOCK_GUARD(m) { ... }): held over the following block. */
    scoped: z.boolean().default(false),
    /** Declared ordering level (Xen mm-locks.h): locks must be taken in increasing level. */
    level: z.number().int().optional(),
    /** Does not order (rcu_read_lock is not a lock for inversions with spinlocks). */
    noOrder: z.boolean().default(false),
    /**
     * The object held is the returned pointer, when the call's result is stored (`d =
     * rcu_lock_domain_by_id(id)`: the domain, or NULL without it). With `try`: held on the
     * branch that tests the result non-NULL. Without `try`, a call whose result is not stored
     * holds its `arg` (`rcu_lock_domain(d);`), if given.
     */
    result: z.boolean().default(false),
  })
  .strict()
  .refine((e) => e.arg !== undefined || e.global !== undefined || e.result, {
    message: 'a lock API needs `arg` (which argument is the lock), `global` (a fixed lock class) or `result` (the returned object)',
  })
  .refine((e) => !e.result || (e.op === 'acquire' && e.global === undefined && !(e.try && e.arg !== undefined)), {
    message: '`result` is for acquire APIs without `global` (and, with `try`, without `arg`)',
  });

export const AtomicApiSchema = z
  .object({
    names,
    /** Argument that is the memory location (0-based). */
    arg: z.number().int().min(0),
    /** Operand argument (bit number, value) if any. */
    operand: z.number().int().min(0).optional(),
    returns: z.boolean(),
    ordering: z.enum(['relaxed', 'acquire', 'release', 'full']),
    reads: z.boolean().default(true),
    writes: z.boolean().default(true),
  })
  .strict();

export const BarrierApiSchema = z
  .object({ names, kind: z.enum(['full', 'wmb', 'rmb', 'compiler', 'acquire', 'release']) })
  .strict();

export const OnceApiSchema = z
  .object({ names, arg: z.number().int().min(0).default(0), op: z.enum(['load', 'store']) })
  .strict();

/**
 * End of an object's life: `free` (the memory goes back), `unmap` (a mapping is torn down: pointers
 * into it dangle), `put` (a reference dropped: the object may go with it).
 */
export const FreeApiSchema = z
  .object({
    names,
    arg: z.number().int().min(0).default(0),
    kind: z.enum(['free', 'unmap', 'put']).default('free'),
    /** The API also sets the pointer to NULL (`XFREE(p)`): no dangling local after it. */
    clears: z.boolean().default(false),
  })
  .strict();

/** Calls that hand data to another CPU (publish): raising a softirq, an IPI, irq affinity. */
export const HandoffApiSchema = z
  .object({
    names,
    arg: z.number().int().min(0).optional(),
    why: z.string(),
    /** The implementation orders the caller's earlier stores before the other CPU runs (an IPI send with a full barrier). */
    ordered: z.boolean().default(false),
  })
  .strict();

/** Deferred callbacks: registration, and what makes a later free safe. */
export const DeferredApiSchema = z
  .object({
    names,
    kind: z.enum(['work', 'softirq', 'tasklet', 'timer', 'waitqueue', 'rcu']),
    op: z.enum(['register', 'cancel']),
    /** Argument naming the object (the work item, timer, wait entry). */
    arg: z.number().int().min(0).default(0),
  })
  .strict();

/**
 * Calls that wait for a callback to finish (lockdep: waiting is acquiring). Holding a lock
 * across the call orders it before every lock the callback takes; the callback taking it
 * deadlocks. The callback is either the one registered (rules `deferred`, op register) on the
 * object in argument `bound` (`kill_timer(&t)` waits for t's handler), or the function passed
 * as argument `fn` (`on_selected_cpus(mask, fn, info, 1)`). With `waitArg`, only when that
 * argument is not the literal 0.
 */
export const WaitApiSchema = z
  .object({
    names,
    bound: z.number().int().min(0).optional(),
    fn: z.number().int().min(0).optional(),
    waitArg: z.number().int().min(0).optional(),
    /** With `fn`: the argument passed on as the callback's first parameter (its data pointer). */
    dataArg: z.number().int().min(0).optional(),
    why: z.string(),
  })
  .strict()
  .refine((e) => (e.bound === undefined) !== (e.fn === undefined), {
    message: 'a wait API needs exactly one of `bound` (argument whose registered callback it waits for) or `fn` (argument that is the callback)',
  });

/**
 * Contexts that interrupt the running code on the same CPU and run their handlers there:
 * `fault` (a page fault raised by the calls in `at`, handled by `entries`). A lock held at
 * such a call orders before every lock the handlers take; a handler taking it deadlocks.
 * `nmi` (a non-maskable interrupt or machine check: `irqsave` does not keep it out) and
 * `crash` (a fatal trap handler, entered wherever the fault hit): any lock the interrupted
 * code holds stays held while `entries`, and the functions registered by `handlers`, run
 * (rule nmi-unsafe-lock). `forceUnlock` calls re-initialise the lock they are given (argument
 * 0): a context path doing so before printing has made that lock safe to take.
 */
export const ContextSchema = z
  .object({
    kind: z.enum(['fault', 'nmi', 'crash']),
    /** The handlers that run in this context (`do_page_fault`, `do_nmi`). */
    entries: names,
    /** Calls that may raise it (guest-memory copies): `fault` only. */
    at: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier')).default([]),
    /**
     * Names that mark an exception-table fixup in a macro body (`_ASM_EXTABLE(1b, 3b)`): a
     * function-like macro of the tree whose inline asm has one and a memory operand is a
     * faulting accessor too, and so is a macro that uses one, or a call in `at` (the tree's
     * own guest-copy helpers). `fault` only.
     */
    fixupMarks: z.array(z.string().regex(/^[A-Za-z_.][A-Za-z0-9_.]*$/, 'a C identifier or section name')).default([]),
    /** Registrations whose argument `arg` is a function run in this context (`set_nmi_callback(fn)`). */
    handlers: z.array(z.object({ names, arg: z.number().int().min(0) }).strict()).default([]),
    /** Calls that force the lock in argument 0 open (`spin_lock_init`). */
    forceUnlock: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier')).default([]),
    /** Predicates on the interrupted registers that say it was guest code (`guest_mode(regs)`): it held no lock of ours. */
    guestTests: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier')).default([]),
    why: z.string(),
  })
  .strict()
  .refine((c) => c.kind !== 'fault' || c.at.length > 0, { message: 'a fault context needs `at` (the calls that may raise it)' });

/** A registration whose argument `arg` is a function run in hard-interrupt context. */
export const IrqHandlerRegSchema = z.object({ names, arg: z.number().int().min(0) }).strict();

/**
 * Hard-interrupt context (lockdep's irq-safe / irq-unsafe): which functions run in it and
 * which calls turn interrupts off and on. Lock APIs with `irq: irq|irqsave` disable them too.
 */
export const IrqContextSchema = z
  .object({
    /** Functions that run in interrupt context (`do_IRQ`). */
    entries: z.array(z.string()).default([]),
    /** Registrations of interrupt handlers (`request_irq(irq, flags, handler, ...)`: arg 2). */
    handlers: z.array(IrqHandlerRegSchema).default([]),
    /** Struct members whose bound functions run in interrupt context (`hw_interrupt_type.ack`). */
    members: z.array(z.string().regex(/^[A-Za-z_]\w*\.[A-Za-z_]\w*$/, 'struct.member')).default([]),
    /** Calls and releases that turn interrupts off (`local_irq_disable`), save-and-disable, enable, restore. */
    disable: z.array(z.string()).default([]),
    save: z.array(z.string()).default([]),
    enable: z.array(z.string()).default([]),
    restore: z.array(z.string()).default([]),
    /** Predicates asserting interrupts are enabled: `ASSERT(!local_irq_is_enabled())` says they are off. */
    enabledTests: z.array(z.string()).default([]),
    /** Name patterns (regular expressions) of entry points that run with interrupts on (hypercall handlers). */
    enabledEntries: z.array(z.string()).default([]),
  })
  .strict();

/** Functions that never return (panic, BUG): paths through them end there. */
export const NoreturnSchema = z.object({ names }).strict();

export const ModelBindingSchema = z
  .object({ rule: z.string(), template: z.string(), description: z.string().optional() })
  .strict();

export const RuleFileSchema = z
  .object({
    project: z.string(),
    description: z.string().optional(),
    locks: z.array(LockApiSchema).default([]),
    atomics: z.array(AtomicApiSchema).default([]),
    barriers: z.array(BarrierApiSchema).default([]),
    once: z.array(OnceApiSchema).default([]),
    frees: z.array(FreeApiSchema).default([]),
    handoffs: z.array(HandoffApiSchema).default([]),
    deferred: z.array(DeferredApiSchema).default([]),
    noreturn: z.array(NoreturnSchema).default([]),
    waits: z.array(WaitApiSchema).default([]),
    contexts: z.array(ContextSchema).default([]),
    irq: IrqContextSchema.optional(),
    models: z.array(ModelBindingSchema).default([]),
  })
  .strict();

export type LockApi = z.infer<typeof LockApiSchema>;
export type AtomicApi = z.infer<typeof AtomicApiSchema>;
export type BarrierApi = z.infer<typeof BarrierApiSchema>;
export type OnceApi = z.infer<typeof OnceApiSchema>;
export type FreeApi = z.infer<typeof FreeApiSchema>;
export type HandoffApi = z.infer<typeof HandoffApiSchema>;
export type DeferredApi = z.infer<typeof DeferredApiSchema>;
export type WaitApi = z.infer<typeof WaitApiSchema>;
export type ContextSpec = z.infer<typeof ContextSchema>;
export type IrqContext = z.infer<typeof IrqContextSchema>;
export type ModelBinding = z.infer<typeof ModelBindingSchema>;
export type RuleFile = z.infer<typeof RuleFileSchema>;
