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
  })
  .strict()
  .refine((e) => e.arg !== undefined || e.global !== undefined, {
    message: 'a lock API needs `arg` (which argument is the lock) or `global` (a fixed lock class)',
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
  .object({ names, arg: z.number().int().min(0).optional(), why: z.string() })
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
export type ModelBinding = z.infer<typeof ModelBindingSchema>;
export type RuleFile = z.infer<typeof RuleFileSchema>;
