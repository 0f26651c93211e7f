// What the interprocedural analysis knows about each function and each lock operation.
import type { AccessPath, IrqMode, Loc, LockMode, LockRef } from '../ir/types.js';

/** One hop of a call chain: the function and the site in it (a call, or the lock operation itself). */
export interface ChainStep {
  fn: string;
  loc: Loc;
  /** The call at this site goes through a function-pointer table (`ops->read(...)`). */
  indirect?: boolean;
  /** The call here waits for, or may fault into, the next step's function (`kill_timer() waits for the handler h()`). */
  waits?: string;
  /** That is a fault raised here (rules `contexts`), not a wait: the handler's objects are the faulting context's. */
  fault?: boolean;
}

/** A lock acquisition as seen from some function: where, how, and the call chain that reaches it. */
export interface Acq {
  key: string;
  lock: LockRef;
  mode: LockMode;
  irq: IrqMode;
  nested: boolean;
  /** A trylock: never waits, so it adds no lock-order edge. */
  try: boolean;
  noOrder: boolean;
  level?: number;
  /** The level is one of these, decided by a test inside the lock function (the object's kind). */
  levels?: number[];
  levelBy?: string;
  api: string;
  /** From the analyzed function down to the lock operation. */
  chain: ChainStep[];
  /** Re-taking a lock the caller held and this function dropped (`__must_hold` style). */
  retake?: boolean;
  /**
   * Caller-held locks released on the way to this acquisition (`__releases` helpers like
   * ptrace_stop): at a call site they are not held when this lock is taken, so no edge.
   */
  droppedBefore?: LockRef[];
  /** Taken only when this function's parameter `param` is `value` (`if (lockit) lock()`). */
  guard?: { param: number; value: boolean };
}

export type LockStatus = 'held' | 'released' | 'mixed';

export interface LockEntry extends Acq {
  status: LockStatus;
  /** Release site, when status is 'released'. */
  releasedAt?: ChainStep[];
  /** Released without being taken here: the caller's lock. */
  dropped?: boolean;
  /** Asserted held here (`lockdep_assert_held`): a caller's lock, not taken by this function. */
  assumed?: boolean;
  /**
   * Taken by a call that returns whether it took it (`if (get_maps())`): 'mixed' until a branch
   * tests the result `condOn` (the call's assignedTo); held where it is `condWhen`, else `condPrior`.
   */
  condOn?: string;
  /** Taken again while held (a recursive lock, or a callee's nested take): releases to undo first. */
  nest?: number;
  condWhen?: boolean;
  condPrior?: LockEntry;
}

export interface Summary {
  /** Every lock the function may take (transitively), callee-relative instances, shortest chains. */
  acquires: Acq[];
  /** Locks held at every return that the function took itself: it is a lock function for its callers. */
  returnsHolding: Acq[];
  /** Locks released at every return that the function did not take: an unlock function. */
  releasesHeld: { key: string; lock: LockRef; chain: ChainStep[] }[];
  /**
   * Locks the function releases on some paths but not all (it did not take them): after a
   * call the caller no longer knows it holds them. Keeps a half-modelled unlock helper
   * from leaving a lock "held" up the call graph, which would invent lock-order edges.
   */
  mayRelease?: { key: string; lock: LockRef }[];
  /** Locks held at some returns but not all (conditional lock functions): 'mixed' after a call. */
  mayAcquire?: Acq[];
  /**
   * Locks held exactly at the returns whose value is non-zero (`when` true: `return
   * spin_trylock(l)`, a pointer or NULL) or zero (`when` false): a caller testing the result
   * holds them on that branch.
   */
  condHolding?: (Acq & { when: boolean })[];
  /**
   * Locks the caller must hold (a must-hold contract): asserted held here (`ASSERT(spin_is_locked
   * (&d->lock))`, `lockdep_assert_held`), or required by a callee, without this function taking
   * them first. `always`: on every path through the function (the assertion or call is
   * unavoidable), else on some. The chain runs from this function down to the assertion.
   */
  requires?: Requirement[];
}

export interface Requirement {
  key: string;
  lock: LockRef;
  chain: ChainStep[];
  always: boolean;
}

/** A point that needs a lock held (an assertion, or a call of a function that requires it), on one path. */
export interface NeedFact {
  fn: string;
  /** The block it is in. */
  block: number;
  key: string;
  lock: LockRef;
  /** From this function down to the assertion. */
  chain: ChainStep[];
  /** What the callee's contract says (an assertion here: always). */
  always: boolean;
  /** The lock's status here on this path ('untouched': this function has not taken or released it). */
  status: LockStatus | 'untouched';
  prev?: LockEntry;
  /** Another lock of the same class is held or may be here (maybe the same object, named differently). */
  sameClass?: LockEntry;
}

/** Facts recorded while running the lockset dataflow over one function, for the checkers. */
/** An acquisition with at least one lock already held (or a direct one): lock order and recursion. */
export interface AcquireFact {
  fn: string;
  acq: Acq;
  /** Locks held (status 'held') just before. */
  held: LockEntry[];
  /** The same lock instance already held (recursive acquisition). */
  again?: LockEntry;
}

export interface ReleaseFact {
  fn: string;
  key: string;
  lock: LockRef;
  chain: ChainStep[];
  /** Status of that lock just before: 'released' means a definite double unlock. */
  before: LockStatus | 'untouched';
  prev?: LockEntry;
}

export interface ReturnFact {
  fn: string;
  loc: Loc;
  value?: string;
  /** The literal a returned local holds on this path (`ret` after `ret = -EINVAL`), if known. */
  literal?: string;
  /** The returned local is negative here (`if (rc < 0) goto out; ... return rc;`). */
  failure?: boolean;
  state: LockEntry[];
}

export interface FunctionLocks {
  acquires: AcquireFact[];
  releases: ReleaseFact[];
  returns: ReturnFact[];
  /** Caller-held locks a callee may release (mapped into this function's terms). */
  mayReleases?: { key: string; lock: LockRef }[];
  /** Points needing a lock held (assertions, calls of must-hold functions), per path. */
  needs?: NeedFact[];
  /** Every lock this function may take (directly or in callees), shortest chain per instance: its summary. */
  taken?: Map<string, Acq>;
}

export function instKey(p: AccessPath): string {
  let s = p.rootArgs !== undefined ? `${p.root}(${p.rootArgs})` : p.root;
  for (let i = 0; i < p.fields.length; i++) s += (p.arrows[i] ? '->' : '.') + p.fields[i];
  return s;
}
