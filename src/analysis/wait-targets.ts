// Calls that run, or wait for, other code on behalf of the caller while the caller's locks
// stay held: waiting for a callback to finish (rules `waits`: kill_timer waits for the
// timer's handler, on_selected_cpus(..., 1) for the function it sends) and calls that may
// fault into a handler on this CPU (rules `contexts`: a guest-memory copy raising a page
// fault). As lockdep does for flush_work, each such call counts as taking every lock the
// waited-for or interrupting code takes, so those locks order after what is held here
// (lock-order cycles) and one of them already held is a self-deadlock (reentry-deadlock).
import type { AccessPath, CallEvent, FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import type { TypeEnv } from './type-env.js';
import type { MacroDef } from '../frontend/decls.js';

export interface WaitTarget {
  fn: FunctionIR;
  /** For messages: `kill_timer() waits for the handler to finish`. */
  why: string;
  /** The callback's arguments in the caller's terms, where known (its data pointer); stable per call site. */
  call: { args: (AccessPath | null)[]; argText: string[] };
  /** A fault handler run on this CPU (rules `contexts`) rather than a waited-for callback. */
  fault?: boolean;
}

/** More callbacks than this bound to one object class: the binding is too loose to follow. */
const MAX_BOUND = 4;
const IDENT = /^[A-Za-z_]\w*$/;
const FALSY = new Set(['0', 'false', 'NULL']);

export type WaitResolver = (caller: FunctionIR, e: CallEvent) => WaitTarget[];

export function waitResolver(functions: FunctionIR[], env: TypeEnv, rules: RuleSet, lookup: (file: string, name: string) => FunctionIR | null, macros: MacroDef[] = []): WaitResolver | undefined {
  const faults = rules.contexts.filter((c) => c.kind === 'fault');
  if (!rules.waits.size && !faults.length) return undefined;
  // callbacks registered on each object class: init_timer(&v->t, handler, ...) binds vcpu.t -> handler
  const bound = new Map<string, Map<string, FunctionIR>>();
  // registrations passing the item's container as the callback's data (init_timer(&v->t, fn, v, cpu)):
  // per class, how many fields of the item's path name that container, when every registration agrees
  const dataDepth = new Map<string, number | null>();
  if ([...rules.waits.values()].some((w) => w.bound !== undefined)) {
    for (const fn of functions) {
      for (const b of fn.blocks) {
        for (const e of b.events) {
          if (e.k !== 'call') continue;
          const api = rules.deferred.get(e.callee);
          if (!api || api.op !== 'register') continue;
          const obj = e.args[api.arg];
          const cls = obj ? env.classOf(obj) : '';
          if (!cls) continue;
          const depth = containerDepth(obj!, e.args.filter((a, i) => i !== api.arg && a !== null) as AccessPath[]);
          const prev = dataDepth.get(cls);
          dataDepth.set(cls, prev === undefined || prev === depth ? depth : null);
          for (let i = 0; i < e.argText.length; i++) {
            if (i === api.arg) continue;
            const t = e.argText[i]!.trim().replace(/^&\s*/, '');
            if (!IDENT.test(t)) continue;
            const cb = lookup(fn.file, t);
            if (!cb) continue;
            let m = bound.get(cls);
            if (!m) bound.set(cls, (m = new Map()));
            m.set(cb.key, cb);
          }
        }
      }
    }
  }
  // handlers by name, static ones included: a fault runs them whatever file the faulting call is in
  const wanted = new Set(faults.flatMap((c) => c.entries));
  const handlers = new Map<string, FunctionIR>();
  for (const fn of functions) if (wanted.has(fn.name) && !handlers.has(fn.name)) handlers.set(fn.name, fn);
  const faultAt = new Map<string, { entries: FunctionIR[]; why: string }>();
  for (const c of faults) {
    const entries = c.entries.map((n) => handlers.get(n)).filter((f): f is FunctionIR => !!f);
    if (entries.length) for (const n of faultingAccessors(c.at, c.fixupMarks, macros)) faultAt.set(n, { entries, why: c.why });
  }
  const cache = new WeakMap<CallEvent, WaitTarget[]>();
  return (caller, e) => {
    let r = cache.get(e);
    if (r) return r;
    r = [];
    const w = rules.waits.get(e.callee);
    if (w && !(w.waitArg !== undefined && FALSY.has(e.argText[w.waitArg]?.trim() ?? ''))) {
      if (w.fn !== undefined) {
        const t = e.argText[w.fn]?.trim().replace(/^&\s*/, '');
        const cb = t && IDENT.test(t) ? lookup(caller.file, t) : null;
        const data = w.dataArg !== undefined ? e.args[w.dataArg] ?? null : null;
        if (cb && cb.key !== caller.key) r.push({ fn: cb, why: `${e.callee}() ${w.why} ${cb.name}()`, call: { args: [data], argText: [] } });
      } else if (w.bound !== undefined) {
        const obj = e.args[w.bound];
        const cls = obj ? env.classOf(obj) : '';
        const cbs = cls ? bound.get(cls) : undefined;
        if (cbs && cbs.size <= MAX_BOUND) {
          const depth = dataDepth.get(cls);
          const data = obj && typeof depth === 'number' ? truncate(obj, depth) : null;
          for (const cb of cbs.values()) if (cb.key !== caller.key) r.push({ fn: cb, why: `${e.callee}() ${w.why} ${cb.name}()`, call: { args: [data], argText: [] } });
        }
      }
    }
    const f = faultAt.get(e.callee);
    if (f) {
      for (const h of f.entries) if (h.key !== caller.key) r.push({ fn: h, why: `${e.callee}() ${f.why} ${h.name}()`, call: { args: [], argText: [] }, fault: true });
    }
    cache.set(e, r);
    return r;
  };
}

/** An asm memory operand (`"m" (__m(addr))`, `"=m"`, `"+m"`). */
const MEM_OPERAND = /"[=+&]*m"|\b__m\s*\(/;

/**
 * The calls that may fault: `at` (rules), the tree's function-like macros whose inline asm
 * has an exception-table fixup (a `marks` name) on a memory access, and every macro that
 * uses one of those (get_unsafe -> get_unsafe_size -> get_unsafe_asm), to a fixpoint.
 */
export function faultingAccessors(at: string[], marks: string[], macros: MacroDef[]): Set<string> {
  const out = new Set(at);
  if (!marks.length || !macros.length) return out;
  const markRe = new RegExp(marks.map((m) => m.replace(/[.]/g, '\\.')).join('|'));
  const byName = new Map<string, MacroDef[]>();
  for (const m of macros) {
    const l = byName.get(m.name);
    if (l) l.push(m);
    else byName.set(m.name, [m]);
  }
  for (const [n, defs] of byName) if (defs.some((d) => markRe.test(d.body) && MEM_OPERAND.test(d.body))) out.add(n);
  // macros calling a faulting accessor (one name per call: `name (`)
  const callsOf = new Map<string, Set<string>>();
  for (const [n, defs] of byName) {
    const c = new Set<string>();
    for (const d of defs) for (const m of d.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (m[1] !== n) c.add(m[1]!);
    callsOf.set(n, c);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const [n, c] of callsOf) {
      if (out.has(n)) continue;
      for (const x of c) {
        if (out.has(x)) {
          out.add(n);
          changed = true;
          break;
        }
      }
    }
  }
  return out;
}

/** How many leading fields of `obj` (`&v->arch.t`) one of `others` names (`v`: 0), or null. */
function containerDepth(obj: AccessPath, others: AccessPath[]): number | null {
  for (const a of others) {
    if (a.root !== obj.root || a.fields.length >= obj.fields.length) continue;
    if (a.fields.every((f, i) => obj.fields[i] === f)) return a.fields.length;
  }
  return null;
}

function truncate(p: AccessPath, n: number): AccessPath {
  const fields = p.fields.slice(0, n);
  const arrows = p.arrows.slice(0, n);
  let text = p.text.replace(/^&\s*/, '').split(/->|\./)[0]!.trim();
  for (let i = 0; i < n; i++) text += (arrows[i] ? '->' : '.') + fields[i];
  return { ...p, fields, arrows, text };
}
