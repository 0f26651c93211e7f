// Helpers for the lifetime checkers: the type an access path points to, reachability from a
// function's entry avoiding some events, and the deferred-callback registry (which struct
// embeds which work item / timer / wait entry / RCU head, with which callback, armed where).
import type { AccessIndex } from '../analysis/access-index.js';
import type { Program } from '../analysis/program.js';
import type { AccessPath, CallEvent, FunctionIR, IrEvent } from '../ir/types.js';
import type { DeferredApi } from '../rules/schema.js';

/** Struct name of the object a pointer path points to (`irqfd` -> `_irqfd`, `pdev->vpci` -> `vpci`). */
export function pointeeType(p: Program, path: AccessPath): string | undefined {
  const env = p.env;
  let t = env.resolve(path.rootType ?? (path.root.startsWith('global:') ? env.globals.get(path.root.slice(7).split('@')[0]!) : undefined));
  for (const f of path.fields) {
    if (!t) return undefined;
    if (f === '[]') {
      t = { name: t.name, ptr: Math.max(0, t.ptr - 1) };
      continue;
    }
    t = env.fieldType(t.name, f);
  }
  if (!t || t.ptr < 1 || t.name.startsWith('?') || t.name === 'void' || t.name === 'char') return undefined;
  return t.name;
}

/** Whether `target` can be reached from fn's entry without passing an event for which `stop` holds. */
export function reachableAvoiding(fn: FunctionIR, target: IrEvent, stop: (e: IrEvent) => boolean): boolean {
  const seen = new Uint8Array(fn.blocks.length);
  const work = [0];
  seen[0] = 1;
  while (work.length) {
    const b = work.pop()!;
    let blocked = false;
    for (const e of fn.blocks[b]!.events) {
      if (e === target) return true;
      if (stop(e)) {
        blocked = true;
        break;
      }
    }
    if (blocked) continue;
    for (const s of fn.blocks[b]!.succ) if (!seen[s]) {
      seen[s] = 1;
      work.push(s);
    }
  }
  return false;
}

const INIT_RE = /^(INIT_|__INIT_|init_|__init_|timer_setup|setup_timer|tasklet_init|tasklet_setup|hrtimer_init|kthread_init_work|softirq_tasklet_init|init_timer|qemu_bh_new|aio_bh_new|timer_new)/;

export interface DeferredItem {
  /** Type-based name of the embedded item: `_irqfd.wait`. */
  cls: string;
  /** The struct embedding it: `_irqfd`. */
  container: string;
  kind: DeferredApi['kind'];
  callbacks: Set<string>;
  regs: { fn: FunctionIR; e: CallEvent }[];
  /** Operations that make the callback pending (queue, hook, arm). */
  arms: { fn: FunctionIR; e: CallEvent }[];
}

export interface DeferredRegistry {
  byContainer: Map<string, Map<string, DeferredItem>>;
  /** Item classes (and `*kind` for whole-queue cancels) each function cancels, transitively. */
  cancels(fn: FunctionIR): Set<string>;
  /** The cancel calls of fn itself. */
  cancelEvents(fn: FunctionIR): Map<IrEvent, Set<string>>;
  /** Functions registered as callbacks of some item, by name. */
  callbackOf: Map<string, DeferredItem[]>;
}

function itemPaths(e: CallEvent, api: DeferredApi): AccessPath[] {
  const out: AccessPath[] = [];
  const first = e.args[api.arg];
  if (first && first.fields.length) out.push(first);
  for (const a of e.args) if (a && a !== first && a.fields.length) out.push(a);
  return out;
}

const regCache = new WeakMap<Program, DeferredRegistry>();

export function deferredRegistry(p: Program, ix: AccessIndex): DeferredRegistry {
  const c = regCache.get(p);
  if (c) return c;
  const byContainer = new Map<string, Map<string, DeferredItem>>();
  const itemClasses = new Set<string>();
  const get = (cls: string, kind: DeferredApi['kind']): DeferredItem => {
    const container = cls.split('.')[0]!;
    let m = byContainer.get(container);
    if (!m) byContainer.set(container, (m = new Map()));
    let it = m.get(cls);
    if (!it) m.set(cls, (it = { cls, container, kind, callbacks: new Set(), regs: [], arms: [] }));
    return it;
  };
  // pass 1: registrations (with callbacks)
  for (const fn of p.functions) {
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'call') continue;
      const api = p.rules.deferred.get(e.callee);
      if (!api || api.op !== 'register') continue;
      const path = itemPaths(e, api)[0];
      if (!path) continue;
      const cls = ix.cls(path);
      if (!cls.includes('.')) continue;
      const it = get(cls, api.kind);
      itemClasses.add(cls);
      for (const t of e.argText) if (/^[A-Za-z_]\w*$/.test(t) && (p.byName.has(t) || p.byKey.has(`${fn.file}::${t}`))) it.callbacks.add(t);
      it.regs.push({ fn, e });
    }
  }
  // pass 2: arming operations (any argument naming a known item)
  for (const fn of p.functions) {
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'call') continue;
      const api = p.rules.deferred.get(e.callee);
      if (!api || api.op !== 'register' || INIT_RE.test(e.callee)) continue;
      for (const a of e.args) {
        if (!a || !a.fields.length) continue;
        const cls = ix.cls(a);
        if (!itemClasses.has(cls)) continue;
        byContainer.get(cls.split('.')[0]!)?.get(cls)?.arms.push({ fn, e });
      }
    }
  }
  const callbackOf = new Map<string, DeferredItem[]>();
  for (const m of byContainer.values()) for (const it of m.values()) for (const cb of it.callbacks) {
    const l = callbackOf.get(cb) ?? [];
    l.push(it);
    callbackOf.set(cb, l);
  }
  const own = new Map<string, Map<IrEvent, Set<string>>>();
  const cancelEvents = (fn: FunctionIR): Map<IrEvent, Set<string>> => {
    let m = own.get(fn.key);
    if (m) return m;
    m = new Map();
    for (const b of fn.blocks) for (const e of b.events) {
      const api = e.k === 'call' ? p.rules.deferred.get(e.callee) : undefined;
      const sync = e.k === 'barrier' && (e.api === 'synchronize_rcu' || e.api === 'synchronize_srcu');
      if (sync) {
        m.set(e, new Set(['*rcu']));
        continue;
      }
      if (e.k !== 'call' || !api || api.op !== 'cancel') continue;
      const s = new Set<string>();
      for (const a of e.args) if (a && a.fields.length) {
        const cls = ix.cls(a);
        if (itemClasses.has(cls)) s.add(cls);
      }
      if (!s.size) s.add(`*${api.kind}`); // a whole-queue flush / drain / barrier
      m.set(e, s);
    }
    own.set(fn.key, m);
    return m;
  };
  const trans = new Map<string, Set<string>>();
  const cancels = (fn: FunctionIR, depth = 3): Set<string> => {
    const c0 = trans.get(fn.key);
    if (c0) return c0;
    const s = new Set<string>();
    trans.set(fn.key, s);
    for (const v of cancelEvents(fn).values()) for (const x of v) s.add(x);
    if (depth > 0) {
      for (const b of fn.blocks) for (const e of b.events) {
        if (e.k !== 'call') continue;
        const cal = p.resolveCallee(fn, e.callee);
        if (cal) for (const x of cancels(cal, depth - 1)) s.add(x);
      }
    }
    return s;
  };
  const reg: DeferredRegistry = { byContainer, cancels: (fn) => cancels(fn), cancelEvents, callbackOf };
  regCache.set(p, reg);
  return reg;
}

/** Whether event e cancels the item (its class, its whole kind, or a callee that does). */
export function cancelsItem(p: Program, reg: DeferredRegistry, fn: FunctionIR, e: IrEvent, it: DeferredItem): boolean {
  const own = reg.cancelEvents(fn).get(e);
  if (own && (own.has(it.cls) || own.has(`*${it.kind}`))) return true;
  if (e.k === 'call') {
    const c = p.resolveCallee(fn, e.callee);
    if (c) {
      const s = reg.cancels(c);
      if (s.has(it.cls) || s.has(`*${it.kind}`)) return true;
    }
  }
  return false;
}
