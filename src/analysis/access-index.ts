// Shared-access facts for the memory-ordering and lifetime checkers: which locks are held
// at each event (the lockset transfer re-run per event, must-held), which lock classes every
// caller holds on entry, forward walks over a function's events that stop at a predicate,
// call chains from an entry function down to an event, and type-based location names.
// Built lazily from the Program; nothing here is quadratic over all functions.
import { reversePostorder } from '../ir/cfg.js';
import type { AccessPath, CallEvent, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { Program } from './program.js';
import { lockKey, mappedAt } from './lockset.js';
import type { ChainStep } from './summary-types.js';

export interface HeldLock {
  key: string;
  cls: string;
  inst: AccessPath;
  /** Where it was taken (this function or a callee returning with it held). */
  loc: Loc;
}

export interface EventPos {
  block: number;
  idx: number;
}

/** List operations on a field behave as stores to it (writers) or loads of it (readers). */
export const LIST_WRITES = new Map<string, number>([
  ['list_add', 0], ['list_add_tail', 0], ['list_del', 0], ['list_del_init', 0], ['list_move', 0], ['list_move_tail', 0],
  ['list_add_rcu', 0], ['list_add_tail_rcu', 0], ['list_del_rcu', 0], ['list_replace', 0], ['list_replace_init', 0],
  ['hlist_add_head', 0], ['hlist_del', 0], ['hlist_del_init', 0], ['hlist_add_head_rcu', 0], ['hlist_del_rcu', 0], ['hlist_del_init_rcu', 0],
  ['list_del_init_careful', 0],
]);
export const LIST_READS = new Map<string, number>([
  ['list_empty', 0], ['list_empty_careful', 0], ['hlist_unhashed', 0], ['hlist_empty', 0], ['list_is_singular', 0],
]);

/** Call-site argument path of a list op / list test, if the call is one. */
export function listOp(e: IrEvent): { path: AccessPath; write: boolean } | undefined {
  if (e.k !== 'call') return undefined;
  const w = LIST_WRITES.get(e.callee);
  if (w !== undefined) {
    const p = e.args[w];
    return p && p.fields.length ? { path: p, write: true } : undefined;
  }
  const r = LIST_READS.get(e.callee);
  if (r !== undefined) {
    const p = e.args[r];
    return p && p.fields.length ? { path: p, write: false } : undefined;
  }
  return undefined;
}

type Held = Map<string, HeldLock>;

export class AccessIndex {
  private heldCache = new Map<string, Map<IrEvent, HeldLock[]>>();
  private posCache = new Map<string, Map<IrEvent, EventPos>>();
  private entry?: Map<string, Set<string>>;
  private chainCache = new Map<string, ChainStep[]>();
  private classCache = new WeakMap<AccessPath, string>();
  private allocCache = new Map<string, Set<string>>();

  constructor(readonly program: Program) {}

  cls(p: AccessPath): string {
    let c = this.classCache.get(p);
    if (c === undefined) {
      c = this.program.env.classOf(p);
      this.classCache.set(p, c);
    }
    return c;
  }

  pos(fn: FunctionIR, e: IrEvent): EventPos | undefined {
    let m = this.posCache.get(fn.key);
    if (!m) {
      m = new Map();
      for (const b of fn.blocks) b.events.forEach((ev, idx) => m!.set(ev, { block: b.id, idx }));
      this.posCache.set(fn.key, m);
    }
    return m.get(e);
  }

  /** Locks held (must, on every path) just before each event of fn, from this function's own lock operations and callee summaries. */
  held(fn: FunctionIR): Map<IrEvent, HeldLock[]> {
    const c = this.heldCache.get(fn.key);
    if (c) return c;
    const out = new Map<IrEvent, HeldLock[]>();
    this.heldCache.set(fn.key, out);
    const hasLock = fn.blocks.some((b) => b.events.some((e) => e.k === 'acquire' || e.k === 'release' || (e.k === 'call' && this.lockCallee(fn, e))));
    if (!hasLock) return out;
    const entry: (Held | undefined)[] = new Array(fn.blocks.length);
    entry[0] = new Map();
    const order = reversePostorder(fn);
    let changed = true;
    for (let round = 0; changed && round < 30; round++) {
      changed = false;
      for (const id of order) {
        const st = entry[id];
        if (!st) continue;
        const o = this.transfer(fn, id, st, null);
        for (const s of fn.blocks[id]!.succ) {
          const prev = entry[s];
          if (!prev) {
            entry[s] = new Map(o);
            changed = true;
          } else {
            let shrunk = false;
            for (const k of [...prev.keys()]) if (!o.has(k)) {
              prev.delete(k);
              shrunk = true;
            }
            if (shrunk) changed = true;
          }
        }
      }
    }
    for (const id of order) if (entry[id]) this.transfer(fn, id, entry[id]!, out);
    return out;
  }

  private lockCallee(fn: FunctionIR, e: CallEvent): boolean {
    const callee = this.program.resolveCallee(fn, e.callee);
    const s = callee ? this.program.summaries.get(callee.key) : undefined;
    return !!s && (s.returnsHolding.length > 0 || s.releasesHeld.length > 0);
  }

  private transfer(fn: FunctionIR, id: number, input: Held, out: Map<IrEvent, HeldLock[]> | null): Held {
    const st: Held = new Map(input);
    // events between two lock operations share one array
    let snapshot: HeldLock[] | undefined;
    for (const e of fn.blocks[id]!.events) {
      if (out) out.set(e, (snapshot ??= [...st.values()]));
      if (e.k === 'acquire' || e.k === 'release' || e.k === 'call') snapshot = undefined;
      if (e.k === 'acquire') {
        const cls = e.lock.cls || this.program.env.classOf(e.lock.inst);
        st.set(lockKey(e.lock), { key: lockKey(e.lock), cls, inst: e.lock.inst, loc: e.loc });
      } else if (e.k === 'release') {
        releaseFrom(st, lockKey(e.lock), e.lock.cls);
      } else if (e.k === 'call') {
        const callee = this.program.resolveCallee(fn, e.callee);
        const s = callee ? this.program.summaries.get(callee.key) : undefined;
        if (!s || !callee) continue;
        // the same call-site mapping (cached) the lockset uses
        for (const r of s.releasesHeld) {
          const { lock: l, key } = mappedAt(e, r.lock, callee.name, this.program.env);
          releaseFrom(st, key, l.cls);
        }
        for (const h of s.returnsHolding) {
          const { lock: l, key } = mappedAt(e, h.lock, callee.name, this.program.env);
          st.set(key, { key, cls: l.cls, inst: l.inst, loc: e.loc });
        }
      }
    }
    return st;
  }

  /** Lock classes held at every direct call site of fn (transitively through callers' entries); empty for entry points. */
  entryHeld(fnKey: string): Set<string> {
    if (!this.entry) this.entry = this.computeEntry();
    return this.entry.get(fnKey) ?? EMPTY;
  }

  private computeEntry(): Map<string, Set<string>> {
    const p = this.program;
    // call sites per callee: (caller, classes held at the site); self-calls add nothing
    const sites = new Map<string, { caller: string; held: Set<string> }[]>();
    for (const fn of p.functions) {
      const calls = p.calls.get(fn.key);
      if (!calls || calls.size === 0) continue;
      const held = this.held(fn);
      for (const b of fn.blocks) {
        for (const e of b.events) {
          if (e.k !== 'call') continue;
          // a handler reached through a function-pointer table has those call sites as callers
          // (however many handlers share the member: each site may run each of them)
          const targets = e.via ? p.indirectTargets(fn, e, Infinity) : [p.resolveCallee(fn, e.callee)];
          // a held lock protects the callee's accesses when it is a global lock or belongs to an
          // object the call passes on (`spin_lock(&ld->event_lock); f(rvcpu, rchn)` protects
          // nothing f touches on another domain); `current` differs per CPU
          const list = held.get(e);
          let h = EMPTY;
          if (list?.length) {
            const roots = new Set<string>();
            for (const a of e.args) if (a) roots.add(a.root);
            for (const l of list) {
              const r = l.inst.root;
              if (!l.cls || !((r.startsWith('global:') && r !== 'global:current') || roots.has(r))) continue;
              if (h === EMPTY) h = new Set();
              h.add(l.cls);
            }
          }
          for (const c of targets) {
            if (!c || c.key === fn.key) continue;
            let l = sites.get(c.key);
            if (!l) sites.set(c.key, (l = []));
            l.push({ caller: fn.key, held: h });
          }
        }
      }
    }
    // greatest fixpoint from top (undefined = not yet known; sets only shrink), by worklist:
    // a callee is revisited only when one of its callers' entry sets changed
    const entry = new Map<string, Set<string>>();
    const meet = (callee: string): Set<string> | undefined => {
      let acc: Set<string> | undefined;
      for (const s of sites.get(callee)!) {
        const ce = sites.has(s.caller) ? entry.get(s.caller) : EMPTY;
        if (ce === undefined) continue; // caller unknown yet: top
        if (!acc) {
          acc = ce.size === 0 ? s.held : s.held.size === 0 ? ce : new Set([...s.held, ...ce]);
        } else {
          let next: Set<string> | undefined;
          for (const x of acc) if (!s.held.has(x) && !ce.has(x)) (next ??= new Set(acc)).delete(x);
          if (next) acc = next;
        }
        if (acc.size === 0) return EMPTY;
      }
      return acc;
    };
    const queue = [...sites.keys()];
    const queued = new Set(queue);
    const budget = queue.length * 12;
    for (let head = 0; head < queue.length && head < budget; head++) {
      const callee = queue[head]!;
      queued.delete(callee);
      const acc = meet(callee);
      if (!acc) continue;
      const prev = entry.get(callee);
      if (prev && prev.size === acc.size && [...prev].every((x) => acc.has(x))) continue;
      entry.set(callee, acc);
      for (const next of p.calls.get(callee) ?? []) {
        if (sites.has(next) && !queued.has(next)) {
          queued.add(next);
          queue.push(next);
        }
      }
    }
    return entry;
  }

  /** Lock classes held at event e of fn: its own must-held locks plus what every caller holds. */
  heldClasses(fn: FunctionIR, e: IrEvent): Set<string> {
    const s = new Set(this.entryHeld(fn.key));
    for (const l of this.held(fn).get(e) ?? []) if (l.cls) s.add(l.cls);
    return s;
  }

  /**
   * Walks forward from just after `from` in program order (all CFG paths), calling `visit` on each
   * event; the walk does not continue past an event for which `stop` returns true. Bounded.
   */
  walk(fn: FunctionIR, from: IrEvent, stop: (e: IrEvent) => boolean, visit: (e: IrEvent) => void, limit = 2000): void {
    const p = this.pos(fn, from);
    if (!p) return;
    const seen = new Uint8Array(fn.blocks.length);
    const work: [number, number][] = [[p.block, p.idx + 1]];
    let n = 0;
    while (work.length) {
      const [b, start] = work.pop()!;
      const evs = fn.blocks[b]!.events;
      let blocked = false;
      for (let i = start; i < evs.length; i++) {
        if (++n > limit) return;
        const e = evs[i]!;
        visit(e);
        if (stop(e)) {
          blocked = true;
          break;
        }
      }
      if (blocked) continue;
      for (const s of fn.blocks[b]!.succ) {
        if (seen[s]) continue;
        seen[s] = 1;
        work.push([s, 0]);
      }
    }
  }

  /** Whether `to` is reachable from `from` without passing an event for which `stop` holds. */
  reaches(fn: FunctionIR, from: IrEvent, to: IrEvent, stop: (e: IrEvent) => boolean): boolean {
    let found = false;
    this.walk(fn, from, (e) => found || e === to || stop(e), (e) => {
      if (e === to) found = true;
    });
    return found;
  }

  /** Shortest call chain from an entry function (no callers) down to `fn`, ending at `loc` in fn. */
  chainTo(fn: FunctionIR, loc: Loc, maxDepth = 6): ChainStep[] {
    const up = this.callerPath(fn.key, maxDepth);
    return [...up, { fn: fn.name, loc }];
  }

  /** Call sites from an entry down to (not including) fnKey: [entry@site, ..., parent@site]. */
  callerPath(fnKey: string, maxDepth = 6): ChainStep[] {
    const cached = this.chainCache.get(fnKey);
    if (cached) return cached;
    const p = this.program;
    // BFS up the callers graph to the nearest function nobody calls
    const prev = new Map<string, string>();
    const q = [fnKey];
    prev.set(fnKey, '');
    let top = fnKey;
    let depth = 0;
    let frontier = q;
    outer: while (frontier.length && depth < maxDepth) {
      const next: string[] = [];
      for (const k of frontier) {
        const cs = p.callers.get(k);
        if (!cs || cs.size === 0 || (cs.size === 1 && cs.has(k))) {
          top = k;
          break outer;
        }
        for (const c of [...cs].sort()) {
          if (prev.has(c)) continue;
          prev.set(c, k);
          next.push(c);
          top = c;
        }
      }
      frontier = next;
      depth++;
    }
    const steps: ChainStep[] = [];
    let cur = top;
    while (cur && cur !== fnKey) {
      const callee = prev.get(cur)!;
      const caller = p.byKey.get(cur)!;
      const site = this.callSite(caller, callee);
      if (site) steps.push({ fn: caller.name, loc: site });
      cur = callee;
    }
    this.chainCache.set(fnKey, steps);
    return steps;
  }

  callSite(caller: FunctionIR, calleeKey: string): Loc | undefined {
    for (const b of caller.blocks) for (const e of b.events) if (e.k === 'call' && this.program.mayCall(caller, e, calleeKey)) return e.loc;
    return undefined;
  }

  private freshMemo = new Map<string, boolean>();
  /** A pointer parameter every caller passes a freshly allocated local for: the object is not yet visible to other CPUs. */
  freshParam(fn: FunctionIR, path: AccessPath): boolean {
    if (!path.root.startsWith('param:')) return false;
    const i = Number(path.root.slice(6));
    const k = `${fn.key}#${i}`;
    let v = this.freshMemo.get(k);
    if (v !== undefined) return v;
    const p = this.program;
    const callers = [...(p.callers.get(fn.key) ?? [])].map((c) => p.byKey.get(c)!).filter(Boolean);
    v = callers.length > 0 && callers.every((c) => {
      const allocs = this.allocLocals(c);
      let all = true;
      let any = false;
      for (const b of c.blocks) for (const e of b.events) {
        if (e.k !== 'call' || !p.mayCall(c, e, fn.key)) continue;
        any = true;
        const a = e.args[i];
        if (!a || !a.root.startsWith('local:') || a.fields.length || !allocs.has(a.root.slice(6))) all = false;
      }
      return any && all;
    });
    this.freshMemo.set(k, v);
    return v;
  }

  /** Locals of fn assigned from an allocator (`p = kzalloc(...)`): objects nobody else can see yet. */
  allocLocals(fn: FunctionIR): Set<string> {
    let s = this.allocCache.get(fn.key);
    if (s) return s;
    s = new Set();
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k === 'call' && e.assignedTo && ALLOC_RE.test(e.callee)) s.add(e.assignedTo);
    }
    this.allocCache.set(fn.key, s);
    return s;
  }
}

const ALLOC_RE = /(^|_)(k[mzv]?alloc|kcalloc|kmalloc_array|kmem_cache_(z)?alloc|vmalloc|vzalloc|xmalloc|xzalloc|xvzalloc|xvmalloc|g_new0?|g_malloc0?|alloc|new|create|dup)(_|$)/;

const EMPTY: Set<string> = new Set();

function releaseFrom(st: Held, key: string, cls: string): void {
  if (st.delete(key)) return;
  if (!cls) return;
  let only: string | undefined;
  for (const [k, v] of st) {
    if (v.cls !== cls) continue;
    if (only) return;
    only = k;
  }
  if (only) st.delete(only);
}


/** One index per Program, shared by every checker in a run. */
const indexes = new WeakMap<Program, AccessIndex>();
export function accessIndex(p: Program): AccessIndex {
  let i = indexes.get(p);
  if (!i) indexes.set(p, (i = new AccessIndex(p)));
  return i;
}
