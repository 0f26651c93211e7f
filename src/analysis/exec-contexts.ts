// Execution contexts that interrupt whatever the CPU was doing and cannot be kept out by
// disabling interrupts (rules `contexts`, kinds `nmi` and `crash`): the NMI handler and its
// registered callbacks, the machine-check handler, fatal trap handlers. A lock the
// interrupted code held stays held while they run (lockdep's NMI rule: NMI context must not
// take locks that normal context takes).
// Derived here: the entries (named, and registered by the tree's own calls), which functions
// run only in such a context (every caller is one of them), the lock classes a context path
// forces open (`spin_lock_init(&l)` reached from an entry: the crash path's designed
// mitigation), and the "crash mode" flags such a path raises next to that (`busted = true`)
// which the code tests to keep away from the locks it could not force open.
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { Program } from './program.js';

export type ExecKind = 'nmi' | 'crash' | 'fault';

export interface ExecEntry {
  fn: FunctionIR;
  kind: ExecKind;
  /** For messages: `the NMI handler`, `registered by set_nmi_callback() in f (file:line)`. */
  why: string;
}

export interface ExecContexts {
  entries: ExecEntry[];
  /** Function keys reachable from some entry (over direct and resolved indirect calls). */
  reach: Set<string>;
  /** Function keys that run only in such a context: entries, and functions all of whose callers do. */
  only: Set<string>;
  /** Lock classes a function reachable from an entry re-initialises (forces open). */
  forced: Map<string, { fn: string; api: string }>;
  /** Global flags set to a constant by a function on a context path that also forces a lock open. */
  crashFlags: Set<string>;
  /**
   * Whether call/acquire event `e` of `fn` runs only where a crash flag tested false (`if
   * (!busted) ...`) or a guest-mode test on the interrupted registers held (`if
   * (guest_mode(regs))`: the context interrupted guest code, which holds no hypervisor lock).
   */
  underSafeTest(fn: FunctionIR, e: IrEvent): boolean;
  /**
   * Whether call/acquire event `e` of `fn` runs only where a guest-mode test on the faulting
   * registers said false (`if (!guest_mode(regs))`): the code says this path serves faults
   * raised by hypervisor code.
   */
  underHypervisorTest(fn: FunctionIR, e: IrEvent): boolean;
}

const caches = { interrupt: new WeakMap<Program, ExecContexts>(), fault: new WeakMap<Program, ExecContexts>() };
const IDENT = /^[A-Za-z_]\w*$/;

/**
 * `interrupt`: the nmi and crash contexts. `fault`: the page-fault handler (rules `contexts`
 * kind fault) as a context of its own, entered from whatever access faulted.
 */
export function execContexts(p: Program, which: 'interrupt' | 'fault' = 'interrupt'): ExecContexts {
  const cache = caches[which];
  const c = cache.get(p);
  if (c) return c;
  const specs = p.rules.contexts.filter((s) => (which === 'fault' ? s.kind === 'fault' : s.kind !== 'fault'));
  const entries: ExecEntry[] = [];
  const seen = new Set<string>();
  const add = (fn: FunctionIR | undefined | null, kind: ExecKind, why: string) => {
    if (!fn || seen.has(fn.key)) return;
    seen.add(fn.key);
    entries.push({ fn, kind, why });
  };
  const named = new Map<string, { kind: ExecKind; why: string }>();
  for (const s of specs) for (const n of s.entries) if (!named.has(n)) named.set(n, { kind: s.kind, why: s.why });
  // every function (p.functions may be a configuration's view without the shared ones)
  const all = [...p.byKey.values()];
  for (const fn of all) {
    const n = named.get(fn.name);
    if (n) add(fn, n.kind, n.why);
  }
  const regs = new Map<string, { kind: ExecKind; arg: number; why: string }>();
  for (const s of specs) for (const h of s.handlers) for (const n of h.names) regs.set(n, { kind: s.kind, arg: h.arg, why: s.why });
  const forceApis = new Set(specs.flatMap((s) => s.forceUnlock));
  if (regs.size) {
    for (const fn of all) {
      for (const b of fn.blocks) {
        for (const e of b.events) {
          if (e.k !== 'call') continue;
          const r = regs.get(e.callee);
          if (!r) continue;
          const t = e.argText[r.arg]?.trim().replace(/^&\s*/, '');
          if (!t || !IDENT.test(t)) continue;
          const h = p.resolveCallee(fn, t) ?? p.byKey.get(`${fn.file}::${t}`);
          add(h, r.kind, `${r.why}: registered by ${e.callee}() in ${fn.name} (${e.loc.file}:${e.loc.line})`);
        }
      }
    }
  }
  // reach: forward over the call graph
  const reach = new Set<string>(entries.map((e) => e.fn.key));
  const work = [...reach];
  while (work.length) {
    const k = work.pop()!;
    for (const t of p.calls.get(k) ?? []) if (!reach.has(t)) { reach.add(t); work.push(t); }
  }
  // only: greatest fixpoint within reach
  const only = new Set<string>([...reach].filter((k) => seen.has(k) || (p.callers.get(k)?.size ?? 0) > 0));
  let changed = true;
  while (changed) {
    changed = false;
    for (const k of only) {
      if (seen.has(k)) continue;
      if ([...(p.callers.get(k) ?? [])].some((c) => !only.has(c))) { only.delete(k); changed = true; }
    }
  }
  // forced-open lock classes and the flags raised beside them
  const forced = new Map<string, { fn: string; api: string }>();
  const crashFlags = new Set<string>();
  const forcers = new Set<string>();
  for (const k of reach) {
    const fn = p.byKey.get(k);
    if (!fn) continue;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call' || !forceApis.has(e.callee)) continue;
        const a = e.args[0];
        const cls = a ? p.env.classOf(a) : '';
        if (cls) { forced.set(cls, { fn: fn.name, api: e.callee }); forcers.add(k); }
      }
    }
  }
  // a force-unlock helper's callers on the context path raise the flag next to the call too
  const nearForce = new Set<string>(forcers);
  for (const k of forcers) for (const c of p.callers.get(k) ?? []) if (reach.has(c)) nearForce.add(c);
  for (const k of nearForce) {
    const fn = p.byKey.get(k);
    if (!fn) continue;
    for (const b of fn.blocks) for (const e of b.events) if (e.k === 'store' && e.path.root.startsWith('global:') && e.path.fields.length === 0 && /^(?:1|true)$/.test(e.value.trim())) crashFlags.add(e.path.root.slice('global:'.length).replace(/@.*$/, ''));
  }
  const guestTests = new Set(specs.flatMap((s) => s.guestTests));
  const guardedCache = new Map<string, Set<IrEvent>>();
  const hyperCache = new Map<string, Set<IrEvent>>();
  // hyper: the events under a guest-mode test that said false, instead of the safe ones
  const guarded = (fn: FunctionIR, hyper = false): Set<IrEvent> => {
    const cache = hyper ? hyperCache : guardedCache;
    let g = cache.get(fn.key);
    if (g) return g;
    g = new Set();
    cache.set(fn.key, g);
    // results of guest-mode tests in this function (`if (guest_mode(regs))`: the call's result atom)
    const guestAtoms = new Set<string>();
    for (const b of fn.blocks) for (const e of b.events) if (e.k === 'call' && e.assignedTo && guestTests.has(e.callee)) guestAtoms.add(e.assignedTo);
    if (hyper ? !guestAtoms.size : !crashFlags.size && !guestAtoms.size) return g;
    // which way an assume makes the code past it safe: a crash flag false, a guest-mode test true
    const safeWhen = (name: string): boolean | undefined =>
      hyper ? (guestAtoms.has(name) ? false : undefined) : guestAtoms.has(name) ? true : crashFlags.has(name.replace(/@.*$/, '')) ? false : undefined;
    const apply = (s: Set<string>, e: IrEvent) => {
      if (e.k !== 'assume') return;
      const w = safeWhen(e.name);
      if (w === undefined) return;
      if (e.value === w) s.add(e.name);
      else s.delete(e.name);
    };
    // must-analysis: safe facts on every path into each block
    const n = fn.blocks.length;
    const inSet: (Set<string> | undefined)[] = new Array(n);
    inSet[0] = new Set();
    let ch = true;
    let rounds = 0;
    while (ch && rounds++ < 30) {
      ch = false;
      for (const b of fn.blocks) {
        if (!inSet[b.id]) continue;
        const o = new Set(inSet[b.id]);
        for (const e of b.events) apply(o, e);
        for (const t of b.succ) {
          const prev = inSet[t];
          const next = prev ? new Set([...prev].filter((x) => o.has(x))) : o;
          if (!prev || next.size !== prev.size) { inSet[t] = next; ch = true; }
        }
      }
    }
    for (const b of fn.blocks) {
      const s = new Set(inSet[b.id] ?? []);
      for (const e of b.events) {
        apply(s, e);
        if (s.size && (e.k === 'call' || e.k === 'acquire')) g.add(e);
      }
    }
    return g;
  };
  const ctx: ExecContexts = { entries, reach, only, forced, crashFlags, underSafeTest: (fn, e) => guarded(fn).has(e), underHypervisorTest: (fn, e) => guarded(fn, true).has(e) };
  cache.set(p, ctx);
  return ctx;
}
