// Guard inference, Eraser/RacerX style, over the whole program: for each struct field (type-based
// location name), every plain access with the lock classes held there (the function's own
// must-held locks, what every caller holds on entry, and whether any caller chain may hold a
// lock at all), and the lock that consistently guards it. Accesses to an object nobody else can
// see yet (freshly allocated here, handed in fresh by every caller, reached only from __init
// code) or any more (freed later on this path, handed in by callers that free it after the
// call) are Eraser's virgin/exclusive states and are set apart, not counted either way.
import type { AccessPath, FunctionIR, IrEvent } from '../ir/types.js';
import { memAccess, isFieldClass, sharedClass, type MemAccess } from '../checkers/shared-mem.js';
import { accessIndex, type AccessIndex } from './access-index.js';
import { endOfLife } from './end-of-life.js';
import type { Program } from './program.js';

export type Exempt = 'fresh' | 'init' | 'teardown' | 'task-local';

export interface FieldAccess {
  fn: FunctionIR;
  e: IrEvent;
  acc: MemAccess;
  /** Exclusive lock classes held on every path here (own locks and every caller's). */
  held: Set<string>;
  /** Every lock class held here, also those held in shared mode at a write (not in `held`). */
  anyHeld: Set<string>;
  /** Why the access cannot race (the object is not shared at this point), if so. */
  exempt?: Exempt;
}

export interface Guard {
  /** The field's location name. */
  cls: string;
  lock: string;
  /** Accesses holding `lock`. */
  under: FieldAccess[];
  /** Functions those are in. */
  fns: number;
  /** Of `under`, the writes. */
  writes: number;
}

/** Locks that exclude nothing between two writers (readers' sections) or are not a lock at all. */
export function exclusiveLocks(s: Iterable<string>): string[] {
  return [...s].filter((c) => c !== 'rcu' && !c.includes('srcu') && c !== '');
}

const TASK_LOCAL = /^(global:current|ret:get_current)$/;
/** Lock initializers: an object whose lock is being initialized is not yet shared. */
const LOCK_INIT = /^(spin_lock_init|rspin_lock_init|rwlock_init|percpu_rwlock_resource_init|mutex_init|__mutex_init|init_rwsem|__init_rwsem|sema_init|seqlock_init|seqcount_init|raw_spin_lock_init|qemu_mutex_init|qemu_rec_mutex_init|qemu_spin_init|pthread_mutex_init|pthread_rwlock_init)$/;

export class GuardInference {
  readonly ix: AccessIndex;
  private byClass?: Map<string, FieldAccess[]>;
  private may?: Map<string, Set<string>>;
  private initOnly?: Set<string>;
  private dyingMemo = new Map<string, boolean>();
  private freshMemo = new Map<string, boolean>();
  private ctorMemo = new Map<string, Set<string>>();
  private modeMemo = new Map<string, Map<string, string>>();
  private guards = new Map<string, Guard | null>();

  constructor(readonly program: Program) {
    this.ix = accessIndex(program);
  }

  /** Every plain, once, atomic or list access of field `cls` in the program. */
  accesses(cls: string): FieldAccess[] {
    return this.index().get(cls) ?? [];
  }

  classes(): IterableIterator<[string, FieldAccess[]]> {
    return this.index().entries();
  }

  private index(): Map<string, FieldAccess[]> {
    if (this.byClass) return this.byClass;
    const out = new Map<string, FieldAccess[]>();
    const ix = this.ix;
    for (const fn of this.program.functions) {
      let allocs: Set<string> | undefined;
      for (const b of fn.blocks) for (const e of b.events) {
        const acc = memAccess(e);
        if (!acc || !acc.path.fields.length) continue;
        const cls = ix.cls(acc.path);
        if (!sharedClass(cls) || !isFieldClass(cls) || !namedField(cls)) continue;
        let l = out.get(cls);
        if (!l) out.set(cls, (l = []));
        if (l.length > 600) continue;
        allocs ??= ix.allocLocals(fn);
        const all = exclusiveLocks(ix.heldClasses(fn, e));
        // a write holding a lock in shared mode (read_lock) is not excluded from other such writers
        const shared = acc.write ? this.sharedHeld(fn, e) : EMPTY;
        const x: FieldAccess = { fn, e, acc, held: new Set(all.filter((l) => !shared.has(l))), anyHeld: new Set(all) };
        const ex = this.exemptOf(fn, e, acc.path, allocs);
        if (ex) x.exempt = ex;
        l.push(x);
      }
    }
    this.byClass = out;
    return out;
  }

  private exemptOf(fn: FunctionIR, e: IrEvent, path: AccessPath, allocs: Set<string>): Exempt | undefined {
    if (TASK_LOCAL.test(path.root)) return 'task-local';
    if (path.root.startsWith('local:') && allocs.has(path.root.slice(6))) return 'fresh';
    if (this.constructing(fn).has(path.root)) return 'fresh';
    if (this.freshParam(fn, path.root, 3)) return 'fresh';
    if (this.initOnlyFn(fn.key)) return 'init';
    if (this.freedLater(fn, e, path.root)) return 'teardown';
    if (this.dyingParam(fn, path.root, 3)) return 'teardown';
    return undefined;
  }

  /** A pointer parameter every caller passes a fresh object for: allocated there, or fresh in that caller too. */
  private freshParam(fn: FunctionIR, root: string, depth: number): boolean {
    if (!root.startsWith('param:') || depth <= 0) return false;
    const k = `${fn.key}#${root}#${depth}`;
    const m = this.freshMemo.get(k);
    if (m !== undefined) return m;
    this.freshMemo.set(k, false);
    const i = Number(root.slice(6));
    const p = this.program;
    const callers = [...(p.callers.get(fn.key) ?? [])].map((c) => p.byKey.get(c)).filter((c): c is FunctionIR => !!c && c !== fn);
    const v = callers.length > 0 && callers.every((c) => {
      const allocs = this.ix.allocLocals(c);
      let any = false;
      for (const b of c.blocks) for (const e of b.events) {
        if (e.k !== 'call' || !p.mayCall(c, e, fn.key)) continue;
        any = true;
        const a = e.args[i];
        if (a && onStack(a, e.argText[i])) continue; // `&req`: the caller's own stack object
        if (!a || a.fields.length) return false;
        if (a.root.startsWith('local:') && allocs.has(a.root.slice(6))) continue;
        if (this.constructing(c).has(a.root)) continue;
        if (!this.freshParam(c, a.root, depth - 1)) return false;
      }
      return any;
    });
    this.freshMemo.set(k, v);
    return v;
  }

  /** Lock classes this function holds in shared mode at e (taken by its own read_lock-style acquire). */
  private sharedHeld(fn: FunctionIR, e: IrEvent): Set<string> {
    const here = this.ix.held(fn).get(e);
    if (!here?.length) return EMPTY;
    let modes = this.modeMemo.get(fn.key);
    if (!modes) {
      modes = new Map();
      for (const b of fn.blocks) for (const x of b.events) if (x.k === 'acquire') modes.set(`${x.loc.line}:${x.loc.col}`, x.mode);
      this.modeMemo.set(fn.key, modes);
    }
    let out: Set<string> | undefined;
    for (const l of here) if (modes.get(`${l.loc.line}:${l.loc.col}`) === 'shared') (out ??= new Set()).add(l.cls);
    return out ?? EMPTY;
  }

  /**
   * Whether every function without callers that reaches fn (through up to a few callers) is
   * called only through a pointer (static, or marked as an indirect-call target): the locks its
   * callers hold are not known.
   */
  onlyIndirectRoots(fn: FunctionIR): boolean {
    const p = this.program;
    const seen = new Set<string>([fn.key]);
    let frontier = [fn.key];
    let roots = 0;
    for (let depth = 0; depth < 8 && frontier.length && seen.size < 400; depth++) {
      const next: string[] = [];
      for (const k of frontier) {
        const cs = [...(p.callers.get(k) ?? [])].filter((c) => c !== k);
        if (!cs.length) {
          const f = p.byKey.get(k);
          if (!f) continue;
          roots++;
          if (!f.isStatic && !f.annotations.includes('indirect')) return false;
          continue;
        }
        for (const c of cs) if (!seen.has(c)) {
          seen.add(c);
          next.push(c);
        }
      }
      frontier = next;
    }
    return roots > 0 && frontier.length === 0;
  }

  /** Roots (locals, parameters) whose lock this function initializes: it is constructing that object. */
  constructing(fn: FunctionIR): Set<string> {
    let s = this.ctorMemo.get(fn.key);
    if (s) return s;
    s = new Set();
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'call' || !LOCK_INIT.test(e.callee)) continue;
      const a = e.args[0];
      if (a && a.fields.length && (a.root.startsWith('local:') || a.root.startsWith('param:'))) s.add(a.root);
    }
    // a local pointing into another object (`s = &d->sub`): that object is being constructed too
    if (s.size) {
      const rootOf = (name: string) => {
        const i = fn.params.findIndex((q) => q.name === name);
        return i >= 0 ? `param:${i}` : `local:${name}`;
      };
      for (const b of fn.blocks) for (const e of b.events) {
        if (e.k === 'assign' && e.alias && s.has(`local:${e.name}`)) s.add(rootOf(e.alias));
      }
    }
    this.ctorMemo.set(fn.key, s);
    return s;
  }

  /** A parameter every caller frees (ends the life of) after the call: the object is being torn down. */
  private dyingParam(fn: FunctionIR, root: string, depth: number): boolean {
    if (!root.startsWith('param:') || depth <= 0) return false;
    const k = `${fn.key}#${root}#${depth}`;
    const m = this.dyingMemo.get(k);
    if (m !== undefined) return m;
    this.dyingMemo.set(k, false);
    const i = Number(root.slice(6));
    const p = this.program;
    const callers = [...(p.callers.get(fn.key) ?? [])].map((c) => p.byKey.get(c)).filter((c): c is FunctionIR => !!c && c !== fn);
    const v = callers.length > 0 && callers.every((c) => {
      let any = false;
      for (const b of c.blocks) for (const e of b.events) {
        if (e.k !== 'call' || !p.mayCall(c, e, fn.key)) continue;
        any = true;
        const a = e.args[i];
        if (!a || a.fields.length) return false;
        if (!this.freedLater(c, e, a.root) && !this.dyingParam(c, a.root, depth - 1)) return false;
      }
      return any;
    });
    this.dyingMemo.set(k, v);
    return v;
  }

  /** The object `root` points to is freed or unmapped later on every path through this access (not a reference drop). */
  private freedLater(fn: FunctionIR, from: IrEvent, root: string): boolean {
    if (!(root.startsWith('local:') || root.startsWith('param:'))) return false;
    const ends = (x: IrEvent) => (x.k === 'free' || x.k === 'call') && endOfLife(this.program, fn, x).some((l) => l.kind !== 'put' && l.path.root === root && l.path.fields.length === 0);
    let freed = false;
    let returns = false;
    this.ix.walk(fn, from, (x) => x.k === 'return' || ends(x), (x) => {
      if (x.k === 'return') returns = true;
      else if (ends(x)) freed = true;
    }, 1500);
    return freed && !returns;
  }

  /** Functions reached only from __init code (every caller is __init or itself reached only from it). */
  initOnlyFn(key: string): boolean {
    if (!this.initOnly) {
      const p = this.program;
      const s = new Set<string>();
      for (const fn of p.functions) if (fn.annotations.includes('init')) s.add(fn.key);
      // least fixpoint: add functions all of whose (known, >= 1) callers are in the set
      let changed = true;
      for (let round = 0; changed && round < 12; round++) {
        changed = false;
        for (const fn of p.functions) {
          if (s.has(fn.key)) continue;
          const cs = p.callers.get(fn.key);
          if (!cs || cs.size === 0) continue;
          let all = true;
          for (const c of cs) if (c !== fn.key && !s.has(c)) {
            all = false;
            break;
          }
          if (all) {
            s.add(fn.key);
            changed = true;
          }
        }
      }
      this.initOnly = s;
    }
    return this.initOnly.has(key);
  }

  /**
   * Lock classes some caller chain may hold when fn runs (held at any call site, whatever object
   * the lock belongs to, plus what may be held at that caller's entry). An access whose function
   * may run under L is not counted as unguarded by L.
   */
  mayHeld(fnKey: string): Set<string> {
    if (!this.may) this.may = this.computeMay();
    return this.may.get(fnKey) ?? EMPTY;
  }

  private computeMay(): Map<string, Set<string>> {
    const p = this.program;
    const sites = new Map<string, { caller: string; held: string[] }[]>();
    for (const fn of p.functions) {
      const calls = p.calls.get(fn.key);
      if (!calls || calls.size === 0) continue;
      const held = this.ix.held(fn);
      for (const b of fn.blocks) for (const e of b.events) {
        if (e.k !== 'call') continue;
        const targets = e.via ? p.indirectTargets(fn, e, Infinity) : [p.resolveCallee(fn, e.callee)];
        const h = exclusiveLocks((held.get(e) ?? []).map((l) => l.cls));
        for (const c of targets) {
          if (!c || c.key === fn.key) continue;
          let l = sites.get(c.key);
          if (!l) sites.set(c.key, (l = []));
          l.push({ caller: fn.key, held: h });
        }
      }
    }
    const out = new Map<string, Set<string>>();
    const queue = [...sites.keys()];
    const queued = new Set(queue);
    const budget = queue.length * 20;
    for (let head = 0; head < queue.length && head < budget; head++) {
      const k = queue[head]!;
      queued.delete(k);
      const cur = out.get(k) ?? new Set<string>();
      const before = cur.size;
      for (const s of sites.get(k)!) {
        for (const l of s.held) cur.add(l);
        for (const l of out.get(s.caller) ?? []) cur.add(l);
      }
      if (cur.size === before && out.has(k)) continue;
      out.set(k, cur);
      for (const next of p.calls.get(k) ?? []) {
        if (sites.has(next) && !queued.has(next)) {
          queued.add(next);
          queue.push(next);
        }
      }
    }
    return out;
  }

  /** Whether L may be held at this access: on every path (held), or on some caller chain. */
  mayBeUnder(a: FieldAccess, lock: string): boolean {
    return a.held.has(lock) || this.mayHeld(a.fn.key).has(lock);
  }

  /**
   * The lock guarding field `cls`: the exclusive lock class held at the most of its non-exempt
   * plain accesses, if it is held at >= minUnder of them in >= minFns functions, with >= 1 write.
   */
  guardOf(cls: string, minUnder = 4, minFns = 2): Guard | undefined {
    const c = this.guards.get(cls);
    if (c !== undefined) return c ?? undefined;
    const counted = this.accesses(cls).filter((a) => !a.exempt && (a.acc.kind === 'plain' || a.acc.kind === 'list'));
    const count = new Map<string, number>();
    for (const a of counted) for (const l of a.held) count.set(l, (count.get(l) ?? 0) + 1);
    let best: string | undefined;
    for (const [l, n] of count) if (!best || n > count.get(best)! || (n === count.get(best)! && l < best)) best = l;
    let g: Guard | null = null;
    if (best) {
      const under = counted.filter((a) => a.held.has(best!));
      const fns = new Set(under.map((a) => a.fn.key)).size;
      const writes = under.filter((a) => a.acc.write).length;
      if (under.length >= minUnder && fns >= minFns && writes >= 1) g = { cls, lock: best, under, fns, writes };
    }
    this.guards.set(cls, g);
    return g ?? undefined;
  }

  /** Whether the field is meant to be accessed without the lock: some access uses an atomic API or WRITE_ONCE. */
  lockFree(cls: string): boolean {
    return this.accesses(cls).some((a) => a.acc.kind === 'atomic' || (a.acc.kind === 'once' && a.acc.write));
  }
}

const EMPTY: Set<string> = new Set();

/** An argument `&x` taking the address of a by-value struct local (on the caller's stack; arrays are typed as pointers and not told apart). */
function onStack(a: AccessPath, text: string | undefined): boolean {
  if (!a.root.startsWith('local:') || !(text ?? '').trim().startsWith('&')) return false;
  return !!a.rootType && !a.rootType.includes('*') && a.fields.length === 0;
}

/** A class naming a struct member (`port.pending`, `tbl.ent.[].pin`), not only elements of an array of a type (`mfn_t.[]`). */
function namedField(cls: string): boolean {
  const i = cls.indexOf('.');
  return cls.slice(i + 1).split('.').some((f) => f !== '[]' && f !== '');
}

const cache = new WeakMap<Program, GuardInference>();
export function guardInference(p: Program): GuardInference {
  let g = cache.get(p);
  if (!g) cache.set(p, (g = new GuardInference(p)));
  return g;
}
