// The model format: a few threads (CPUs), each a list of visible operations over named
// shared variables, locks and heap objects. `ModelJSON` is the plain serializable form
// (what the engine emits from C); `model()` is the builder that lets a hand-written model
// read like the C it stands for.

export type LockMode = 'exclusive' | 'shared' | 'recursive';
/** `once` = READ_ONCE/WRITE_ONCE: ordered like relaxed, but marked. */
export type MemOrder = 'relaxed' | 'once' | 'acquire' | 'release';
export type FenceKind = 'full' | 'wmb' | 'rmb' | 'acquire' | 'release';
/** Atomic read-modify-write operations. Bit ops take the bit number as `arg`. */
export type RmwOp =
  | 'xchg'
  | 'cmpxchg'
  | 'add'
  | 'sub'
  | 'or'
  | 'and'
  | 'set_bit'
  | 'clear_bit'
  | 'test_and_set_bit'
  | 'test_and_clear_bit';

/** Where an operation comes from: shown in traces. */
export interface Src {
  file?: string;
  line?: number;
  /** The C statement, trimmed. */
  code?: string;
}

/** Expressions are C-like strings over the thread's registers and the shared variables. */
export type Expr = string | number;

export type Op = Src &
  (
    | { k: 'lock'; lock: string; mode?: LockMode }
    | { k: 'unlock'; lock: string; mode?: LockMode }
    | { k: 'trylock'; lock: string; into: string; mode?: LockMode }
    | { k: 'load'; into: string; var: string; order?: MemOrder; obj?: string }
    | { k: 'store'; var: string; value: Expr; order?: MemOrder; obj?: string }
    | {
        k: 'rmw';
        op: RmwOp;
        var: string;
        /** Operand: added value, new value (xchg/cmpxchg), or bit number. */
        arg: Expr;
        /** cmpxchg's expected old value. */
        expected?: Expr;
        /** Register receiving the old value (bit ops: the old bit, 0/1). */
        into?: string;
        /** Value-returning RMW: a full barrier in LKMM. Defaults: true if `into` is set. */
        returns?: boolean;
        obj?: string;
      }
    | { k: 'fence'; kind: FenceKind }
    | { k: 'alloc'; obj: string; index?: Expr }
    | { k: 'free'; obj: string; index?: Expr }
    | { k: 'use'; obj: string; index?: Expr }
    /** Block until `cond` holds (a wait); never true -> blocked forever. */
    | { k: 'assume'; cond: Expr }
    | { k: 'assert'; cond: Expr; outcome?: string; msg?: string }
    /** Local computation: `into = value` (registers only; fused into the preceding step). */
    | { k: 'local'; into: string; value: Expr }
    /** Jump to op index `to` when `cond` is true (always when absent). Jumps only go forward.
     *  `test`: the C condition of the `if`/`while` this jump skips on (shown in traces). */
    | { k: 'jump'; to: number; cond?: Expr; test?: Expr }
    /** A bounded loop ran out of unrolled iterations: the search result becomes `unknown`. */
    | { k: 'bound'; limit: number }
  );

export interface ThreadJSON {
  name?: string;
  ops: Op[];
}

export interface InvariantJSON {
  /** Must hold once every thread has finished. Names: shared variables and `cpuN.reg`. */
  cond: Expr;
  /** Outcome shown when violated: `LOST UPDATE`, `LOST EVENT`, ... (default `ASSERTION`). */
  outcome?: string;
  msg?: string;
}

export interface ModelJSON {
  name: string;
  /** Shared variables with their initial values. */
  vars: Record<string, number>;
  locks: string[];
  /** Heap objects: name -> number of instances. Instances start allocated (live). */
  objects?: Record<string, number>;
  threads: ThreadJSON[];
  invariant?: InvariantJSON;
  /** `sc` (default): sequential consistency. `lkmm`: relaxed accesses per the Linux kernel memory model. */
  memory?: 'sc' | 'lkmm';
  /** Free text: what the model stands for. */
  description?: string;
}

// ---------------------------------------------------------------------------------------------
// Builder

export interface OpOpts extends Src {
  mode?: LockMode;
  order?: MemOrder;
  /** The access dereferences this object (checked for use after free). */
  obj?: string;
}

export interface AssertOpts extends Src {
  outcome?: string;
  msg?: string;
}

type Body = (t: ThreadBuilder) => void;

/** Builds one thread's op list; control flow (if/while/return) compiles to forward jumps. */
export class ThreadBuilder {
  readonly ops: Op[] = [];
  private defaultFile: string | undefined;
  private readonly returns: number[] = [];
  private readonly breaks: number[][] = [];

  constructor(readonly name?: string) {}

  /** Default file for the following ops. */
  file(path: string): this {
    this.defaultFile = path;
    return this;
  }

  private push(op: Op, src?: Src): this {
    const file = src?.file ?? this.defaultFile;
    const full: Op = { ...op };
    if (file !== undefined) full.file = file;
    if (src?.line !== undefined) full.line = src.line;
    if (src?.code !== undefined) full.code = src.code;
    this.ops.push(full);
    return this;
  }

  lock(lock: string, o: OpOpts = {}): this {
    return this.push({ k: 'lock', lock, ...(o.mode ? { mode: o.mode } : {}) }, o);
  }
  unlock(lock: string, o: OpOpts = {}): this {
    return this.push({ k: 'unlock', lock, ...(o.mode ? { mode: o.mode } : {}) }, o);
  }
  trylock(into: string, lock: string, o: OpOpts = {}): this {
    return this.push({ k: 'trylock', lock, into, ...(o.mode ? { mode: o.mode } : {}) }, o);
  }
  load(into: string, v: string, o: OpOpts = {}): this {
    return this.push({ k: 'load', into, var: v, ...(o.order ? { order: o.order } : {}), ...(o.obj ? { obj: o.obj } : {}) }, o);
  }
  store(v: string, value: Expr, o: OpOpts = {}): this {
    return this.push({ k: 'store', var: v, value, ...(o.order ? { order: o.order } : {}), ...(o.obj ? { obj: o.obj } : {}) }, o);
  }
  /** Generic atomic RMW. */
  rmw(op: RmwOp, v: string, arg: Expr, into: string | undefined, o: OpOpts & { expected?: Expr; returns?: boolean } = {}): this {
    const r: Op = { k: 'rmw', op, var: v, arg };
    if (into !== undefined) r.into = into;
    if (o.expected !== undefined) r.expected = o.expected;
    if (o.returns !== undefined) r.returns = o.returns;
    if (o.obj) r.obj = o.obj;
    return this.push(r, o);
  }
  /** `into = xchg(v, value)`: full barrier. */
  xchg(into: string, v: string, value: Expr, o: OpOpts = {}): this {
    return this.rmw('xchg', v, value, into, o);
  }
  /** `into = cmpxchg(v, expected, value)`: full barrier. */
  cmpxchg(into: string, v: string, expected: Expr, value: Expr, o: OpOpts = {}): this {
    return this.rmw('cmpxchg', v, value, into, { ...o, expected });
  }
  /** `atomic_add(n, v)` / `atomic_inc(v)`: no return value, no barrier. */
  atomicAdd(v: string, n: Expr = 1, o: OpOpts = {}): this {
    return this.rmw('add', v, n, undefined, o);
  }
  /** `into = atomic_add_return(n, v)` (the NEW value, like the kernel's): full barrier. */
  atomicAddReturn(into: string, v: string, n: Expr = 1, o: OpOpts = {}): this {
    this.rmw('add', v, n, into, o);
    return this.local(into, `${into} + (${typeof n === 'number' ? n : n})`);
  }
  setBit(v: string, bit: Expr, o: OpOpts = {}): this {
    return this.rmw('set_bit', v, bit, undefined, o);
  }
  clearBit(v: string, bit: Expr, o: OpOpts = {}): this {
    return this.rmw('clear_bit', v, bit, undefined, o);
  }
  testAndSetBit(into: string, v: string, bit: Expr, o: OpOpts = {}): this {
    return this.rmw('test_and_set_bit', v, bit, into, o);
  }
  testAndClearBit(into: string, v: string, bit: Expr, o: OpOpts = {}): this {
    return this.rmw('test_and_clear_bit', v, bit, into, o);
  }
  /** `into = test_bit(bit, v)`: a plain load plus a local mask. */
  testBit(into: string, v: string, bit: Expr, o: OpOpts = {}): this {
    this.load(into, v, o);
    return this.local(into, bit === 0 ? `${into} & 1` : `(${into} >> (${bit})) & 1`);
  }
  fence(kind: FenceKind, o: Src = {}): this {
    return this.push({ k: 'fence', kind }, o);
  }
  mb(o: Src = {}): this {
    return this.fence('full', { code: 'smp_mb();', ...o });
  }
  wmb(o: Src = {}): this {
    return this.fence('wmb', { code: 'smp_wmb();', ...o });
  }
  rmb(o: Src = {}): this {
    return this.fence('rmb', { code: 'smp_rmb();', ...o });
  }
  alloc(obj: string, o: Src & { index?: Expr } = {}): this {
    return this.push({ k: 'alloc', obj, ...(o.index !== undefined ? { index: o.index } : {}) }, o);
  }
  free(obj: string, o: Src & { index?: Expr } = {}): this {
    return this.push({ k: 'free', obj, ...(o.index !== undefined ? { index: o.index } : {}) }, o);
  }
  use(obj: string, o: Src & { index?: Expr } = {}): this {
    return this.push({ k: 'use', obj, ...(o.index !== undefined ? { index: o.index } : {}) }, o);
  }
  /** Wait until `cond` holds. */
  assume(cond: Expr, o: Src = {}): this {
    return this.push({ k: 'assume', cond }, o);
  }
  assert(cond: Expr, o: AssertOpts = {}): this {
    const a: Op = { k: 'assert', cond };
    if (o.outcome) a.outcome = o.outcome;
    if (o.msg) a.msg = o.msg;
    return this.push(a, o);
  }
  /** Local computation `into = value` over registers. */
  local(into: string, value: Expr, o: Src = {}): this {
    return this.push({ k: 'local', into, value }, o);
  }

  /** `if (cond) then else otherwise`. A condition naming shared variables is a visible read. */
  if(cond: Expr, then: Body, otherwise?: Body, o: Src = {}): this {
    const jIdx = this.ops.length;
    this.push({ k: 'jump', to: -1, cond: negate(cond), test: cond }, o);
    then(this);
    if (otherwise) {
      const skip = this.ops.length;
      this.push({ k: 'jump', to: -1 });
      patch(this.ops, jIdx, this.ops.length);
      otherwise(this);
      patch(this.ops, skip, this.ops.length);
    } else {
      patch(this.ops, jIdx, this.ops.length);
    }
    return this;
  }

  /**
   * `while (cond) body`, unrolled `limit` times. If the loop could still go round after
   * `limit` iterations the thread stops there and the search reports `unknown`.
   */
  while(cond: Expr, limit: number, body: Body, o: Src = {}): this {
    const exits: number[] = [];
    this.breaks.push(exits);
    for (let i = 0; i < limit; i++) {
      exits.push(this.ops.length);
      this.push({ k: 'jump', to: -1, cond: negate(cond), test: cond }, o);
      body(this);
    }
    exits.push(this.ops.length);
    this.push({ k: 'jump', to: -1, cond: negate(cond), test: cond }, o);
    this.push({ k: 'bound', limit }, o);
    this.breaks.pop();
    for (const e of exits) patch(this.ops, e, this.ops.length);
    return this;
  }

  /** `for (;;) body` with `break_()` to leave, unrolled `limit` times. */
  loop(limit: number, body: Body, o: Src = {}): this {
    return this.while(1, limit, body, o);
  }

  /** `break` out of the innermost while/loop. */
  break_(o: Src = {}): this {
    const exits = this.breaks[this.breaks.length - 1];
    if (!exits) throw new Error('break_() outside a loop');
    exits.push(this.ops.length);
    return this.push({ k: 'jump', to: -1 }, o);
  }

  /** `return` from the thread's function. */
  ret(o: Src = {}): this {
    this.returns.push(this.ops.length);
    return this.push({ k: 'jump', to: -1 }, o);
  }

  build(): ThreadJSON {
    for (const r of this.returns) patch(this.ops, r, this.ops.length);
    return this.name ? { name: this.name, ops: this.ops } : { ops: this.ops };
  }
}

function negate(cond: Expr): Expr {
  if (typeof cond === 'number') return cond === 0 ? 1 : 0;
  return `!(${cond})`;
}

function patch(ops: Op[], idx: number, to: number): void {
  const op = ops[idx];
  if (!op || op.k !== 'jump') throw new Error('internal: patching a non-jump');
  op.to = to;
}

export interface ModelSpec {
  name: string;
  vars?: Record<string, number>;
  locks?: string[];
  objects?: Record<string, number> | string[];
  /** One builder function per CPU; or `[name, fn]` pairs. */
  threads: (Body | [string, Body])[];
  invariant?: Expr | InvariantJSON;
  memory?: 'sc' | 'lkmm';
  description?: string;
}

/** Build a serializable model from builder functions. */
export function model(spec: ModelSpec): ModelJSON {
  const threads = spec.threads.map((th) => {
    const [name, fn] = Array.isArray(th) ? th : [undefined, th];
    const b = new ThreadBuilder(name);
    fn(b);
    return b.build();
  });
  const objects = Array.isArray(spec.objects) ? Object.fromEntries(spec.objects.map((o) => [o, 1])) : spec.objects;
  const m: ModelJSON = {
    name: spec.name,
    vars: { ...(spec.vars ?? {}) },
    locks: [...(spec.locks ?? [])],
    threads,
  };
  if (objects && Object.keys(objects).length) m.objects = objects;
  if (spec.invariant !== undefined) {
    m.invariant = typeof spec.invariant === 'object' ? spec.invariant : { cond: spec.invariant };
  }
  if (spec.memory) m.memory = spec.memory;
  if (spec.description) m.description = spec.description;
  return m;
}
