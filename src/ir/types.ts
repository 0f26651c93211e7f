// The per-function IR every analysis, checker and model extractor reads.
// A function is a control-flow graph of basic blocks; each block holds events in
// program order. Nothing downstream of src/frontend ever looks at C syntax again.

export interface Loc {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

/**
 * A symbolic access path: where a value lives, relative to something a caller can
 * name. `root` is `param:N`, `global:NAME`, `local:NAME`, `ret` (a call's result),
 * or `?` (unresolved). `fields` are the member names walked from the root, `derefs`
 * marks which steps went through a pointer (`->`) rather than `.`.
 */
export interface AccessPath {
  root: string;
  fields: string[];
  /** Parallel to `fields`: true where the step was `->` (or `[i]`/`*` through a pointer). */
  arrows: boolean[];
  /** C type of the root, normalized (`vcpu*`, `spinlock_t`), if known. */
  rootType?: string;
  /** The source text, for messages: `old->arch.vgic.lock`. */
  text: string;
  /** For `ret:NAME` roots, the call's argument text: `JFS_IP(dip)` and `JFS_IP(ip)` are different objects. */
  rootArgs?: string;
}

export type LockMode = 'exclusive' | 'shared' | 'recursive';
export type IrqMode = 'none' | 'irq' | 'irqsave' | 'bh';

/** A lock as an event refers to it. */
export interface LockRef {
  /** Lock class: `vcpu.arch.vgic.lock`, `domain.event_lock`, or a global's name. */
  cls: string;
  /** Instance path, used to tell two instances of one class apart and to map callee params to caller args. */
  inst: AccessPath;
}

interface EventBase {
  loc: Loc;
}

export interface AcquireEvent extends EventBase {
  k: 'acquire';
  lock: LockRef;
  mode: LockMode;
  irq: IrqMode;
  /** trylock: the event sits on the success edge only. */
  try: boolean;
  /** `_nested` / subclass annotation: same-class nesting is intended. */
  nested: boolean;
  api: string;
  /** Taken only when a parameter is true (`if (lockit) spin_lock(...)`) or false. */
  guard?: { param: number; value: boolean };
  /** Not taken here: asserted held (`lockdep_assert_held`), so a caller took it. */
  assumed?: boolean;
  /**
   * Tied to a result tested later (the call's assignedTo): a trylock (a trylock macro, `if
   * (!obj_trylock(o))`) is held where a branch says `condOn` is `condWhen`; an acquisition
   * that returns its object (`d = rcu_lock_domain(x)`) is held unless a branch finds it NULL.
   */
  condOn?: string;
  condWhen?: boolean;
  /** A lock macro that acts only while a global flag has this value (`if (!lock_all) spin_lock(l)`). */
  onlyIf?: FlagTest;
  /** Declared ordering level, from the tree's own definitions (src/analysis/lock-levels.ts). */
  level?: number;
  /** The level is one of these, decided by a test the lock function makes (the object's kind). */
  levels?: number[];
  /** Which lock function decides among `levels`. */
  levelBy?: string;
}

/** A global flag's value a lock macro tests before it acts. */
export interface FlagTest {
  name: string;
  value: boolean;
}

export interface ReleaseEvent extends EventBase {
  k: 'release';
  lock: LockRef;
  mode: LockMode;
  onlyIf?: FlagTest;
  api: string;
}

export interface CallEvent extends EventBase {
  k: 'call';
  callee: string;
  /** Access paths of the arguments where they are lvalue-ish (`&x->y`, `p`, `p->q`), else null. */
  args: (AccessPath | null)[];
  /** Argument source text. */
  argText: string[];
  /** Local variable the result is assigned to, if any. */
  assignedTo?: string;
  /** An indirect call (`callee` is `*member`): the member expression called through (`ops->read`). */
  via?: AccessPath;
  /** Locks this call takes are taken at this declared ordering level (an order-check marker before it). */
  level?: number;
  /** Runs only when a parameter is non-zero / zero (a flags test dominates it: src/analysis/flag-guards.ts). */
  guard?: { param: number; value: boolean };
  /** A bare identifier statement (`LOAD_LOCK;`): an object-like macro, dropped unless it is a lock macro. */
  bare?: boolean;
  /** Inside `if (param)` / `if (!param)`: a lock macro called here is taken only then (`if (do_locking) foo_lock(d)`). */
  underParam?: { param: number; value: boolean };
  /** The whole condition of an `ASSERT(...)`: a held-test macro there asserts its lock held. */
  asserted?: boolean;
}

export interface LoadEvent extends EventBase {
  k: 'load';
  path: AccessPath;
  /** READ_ONCE / ACCESS_ONCE / read_atomic / atomic_read. */
  once: boolean;
  /** Local variable the value lands in, if any (`x = p->f`). */
  into?: string;
}

export interface StoreEvent extends EventBase {
  k: 'store';
  path: AccessPath;
  once: boolean;
  /** Right-hand side source text, shortened. */
  value: string;
  /** Compound assignment (`|=`, `&=`, `+=`, `++`): a non-atomic read-modify-write. */
  rmw?: string;
}

export type Ordering = 'relaxed' | 'acquire' | 'release' | 'full';

export interface AtomicEvent extends EventBase {
  k: 'atomic';
  op: string; // test_and_set_bit, cmpxchg, atomic_inc, set_bit, ...
  path: AccessPath;
  /** Value-returning RMW (full barrier in LKMM) or not. */
  returns: boolean;
  ordering: Ordering;
  /** Bit number / operand text where the API has one. */
  operand?: string;
  /** Whether the op reads, writes, or both. */
  reads: boolean;
  writes: boolean;
}

export type BarrierKind = 'full' | 'wmb' | 'rmb' | 'compiler' | 'acquire' | 'release';

export interface BarrierEvent extends EventBase {
  k: 'barrier';
  kind: BarrierKind;
  api: string;
}

export interface FreeEvent extends EventBase {
  k: 'free';
  path: AccessPath;
  api: string;
  /** Not a plain free (absent): a mapping torn down, or a reference dropped. */
  kind?: 'unmap' | 'put';
  /** The API also sets the pointer to NULL (`XFREE(p)`). */
  clears?: boolean;
}

export interface ReturnEvent extends EventBase {
  k: 'return';
  /** Normalized return value text (`0`, `-EINVAL`, `NULL`, `ret`); undefined for void/fall-off. */
  value?: string;
}

/** A literal assigned to a local (`ret = -EINVAL;`): lets checkers tell return values apart. */
export interface AssignEvent extends EventBase {
  k: 'assign';
  name: string;
  value: string;
  /**
   * With value '?': the local now points into the object another local points to
   * (`q = p`, `q = p + i`, `q = &p->f`, `q = (T *)p`).
   */
  alias?: string;
  /** The alias points inside (`p + i`, `&p->f`), not at the start: freeing it does not free `alias`'s object. */
  interior?: boolean;
  /**
   * An argument of an iteration macro (`for_each_x(d, v) { }`), rebound per iteration if it
   * is the cursor; whether it is (and not the container walked) is unknown.
   */
  cursor?: boolean;
}

/**
 * On one edge out of a branch, what the condition says about one of its atoms: a local,
 * parameter or global (`locked`), a call's result (`%L:C`, the call event's assignedTo), or a
 * condition's text (`#q&FLAG`). Lets the lock analysis follow `if (flag) lock(); ... if (flag)
 * unlock();` per path, and a call that returns whether it took a lock.
 */
export interface AssumeEvent extends EventBase {
  k: 'assume';
  name: string;
  value: boolean;
  /** Only says which way a call's success went (`rc < 0` false: rc is not an error), not a value. */
  weak?: boolean;
}

/** A branch condition: recorded so models can keep conditions on shared state. */
export interface BranchEvent extends EventBase {
  k: 'branch';
  text: string;
  /** Shared locations read by the condition. */
  reads: AccessPath[];
}

export type IrEvent =
  | AcquireEvent
  | ReleaseEvent
  | CallEvent
  | LoadEvent
  | StoreEvent
  | AtomicEvent
  | BarrierEvent
  | FreeEvent
  | ReturnEvent
  | BranchEvent
  | AssignEvent
  | AssumeEvent;

export interface Block {
  id: number;
  events: IrEvent[];
  succ: number[];
}

export interface Param {
  name: string;
  type: string; // normalized: `vcpu*`, `int`
}

export interface FunctionIR {
  /** Unique key: name, or `file::name` for static functions. */
  key: string;
  name: string;
  file: string;
  loc: Loc;
  endLine: number;
  isStatic: boolean;
  params: Param[];
  returnType: string;
  /** Block 0 is the entry; `exit` is the unique exit block. */
  blocks: Block[];
  exit: number;
  /** Sparse-style annotations: `__acquires(x)` etc. (raw text). */
  annotations: string[];
  /** Regions tree-sitter could not parse inside the body. */
  parseErrors: number;
}
