// The whole-tree program: every function's IR with lock classes resolved, the call graph,
// bottom-up summaries (recursion to a fixpoint) and the lockset facts checkers read.
import type { FileFacts } from '../frontend/file-facts.js';
import type { CallEvent, FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import { TypeEnv } from './type-env.js';
import { runLockset, type LocksetContext } from './lockset.js';
import type { FunctionLocks, Summary } from './summary-types.js';
import { stronglyConnected } from './scc.js';
import { waitResolver, type WaitTarget } from './wait-targets.js';
import { applyMacroAliases, applyMacroLocks, deriveMacroAliases, deriveMacroLocks } from './macro-locks.js';

export interface Program {
  env: TypeEnv;
  rules: RuleSet;
  functions: FunctionIR[];
  byKey: Map<string, FunctionIR>;
  /** Non-static definitions by name. */
  byName: Map<string, FunctionIR[]>;
  resolveCallee(caller: FunctionIR, name: string): FunctionIR | undefined;
  /**
   * The functions an indirect call (`ops->read(...)`) may run: those bound to that member of
   * the called object's struct type by a designated initializer or an assignment anywhere in
   * the tree, when there are at most MAX_INDIRECT_TARGETS of them; else none.
   */
  indirectTargets(caller: FunctionIR, e: CallEvent, max?: number): FunctionIR[];
  /** Whether call event `e` in `caller` may run the function `calleeKey` (directly or through a table). */
  mayCall(caller: FunctionIR, e: CallEvent, calleeKey: string): boolean;
  /** What a call waits for or may fault into (rules `waits`, `contexts`), run as if called there. */
  waitTargets(caller: FunctionIR, e: CallEvent): WaitTarget[];
  /** Callee keys per function key. */
  calls: Map<string, Set<string>>;
  /** Caller keys per function key. */
  callers: Map<string, Set<string>>;
  summaries: Map<string, Summary>;
  locks: Map<string, FunctionLocks>;
  files: FileFacts[];
  /** Integer macros and enumerators by name (first definition wins). */
  constants: Map<string, number>;
}

function blockCount(f: FunctionIR): number {
  return f.blocks.length;
}

export function buildProgram(files: FileFacts[], rules: RuleSet): Program {
  const env = new TypeEnv();
  for (const f of files) env.add(f);
  const functions: FunctionIR[] = [];
  const byKey = new Map<string, FunctionIR>();
  const byName = new Map<string, FunctionIR[]>();
  for (const f of files) {
    for (const fn of f.functions) {
      const prev = byKey.get(fn.key);
      // the same function defined twice (#ifdef arms, duplicate inputs): keep the larger body
      if (prev && blockCount(prev) >= blockCount(fn)) continue;
      byKey.set(fn.key, fn);
    }
  }
  // static inline functions in headers are part of every file that includes them
  const headerStatics = new Map<string, FunctionIR>();
  for (const fn of byKey.values()) {
    functions.push(fn);
    if (fn.isStatic && fn.file.endsWith('.h') && !headerStatics.has(fn.name)) headerStatics.set(fn.name, fn);
    if (!fn.isStatic) {
      const list = byName.get(fn.name) ?? [];
      list.push(fn);
      byName.set(fn.name, list);
    }
  }
  // calls to lock macros (`#define vgic_lock(v) spin_lock_irq(&(v)->domain->arch.vgic.lock)`)
  const fnNames = new Set(functions.map((f) => f.name));
  const statics = new Set(files.flatMap((f) => f.globals.filter((g) => g.isStatic).map((g) => `${f.file}\0${g.name}`)));
  applyMacroLocks(functions, deriveMacroLocks(files, rules), (n) => fnNames.has(n), (file, n) => statics.has(`${file}\0${n}`));
  applyMacroAliases(functions, deriveMacroAliases(files, (n) => fnNames.has(n)));
  // lock classes, now that every struct and typedef is known
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if ((e.k === 'acquire' || e.k === 'release') && !e.lock.cls) e.lock.cls = env.classOf(e.lock.inst);
      }
    }
  }
  const staticsByFile = new Map<string, Map<string, FunctionIR>>();
  for (const fn of functions) {
    if (!fn.isStatic) continue;
    let m = staticsByFile.get(fn.file);
    if (!m) staticsByFile.set(fn.file, (m = new Map()));
    m.set(fn.name, fn);
  }
  const lookup = (file: string, name: string): FunctionIR | null => {
    const local = staticsByFile.get(file)?.get(name);
    if (local) return local;
    return byName.get(name)?.[0] ?? headerStatics.get(name) ?? null;
  };
  // checkers resolve the same call sites many times: one map per calling file
  const resolved = new Map<string, Map<string, FunctionIR | null>>();
  const resolveCallee = (caller: FunctionIR, name: string): FunctionIR | undefined => {
    let m = resolved.get(caller.file);
    if (!m) resolved.set(caller.file, (m = new Map()));
    let r = m.get(name);
    if (r === undefined) m.set(name, (r = lookup(caller.file, name)));
    return r ?? undefined;
  };
  const indirectTargets = indirectResolver(files, functions, env, lookup);
  const waits = waitResolver(functions, env, rules, lookup);
  const waitTargets = (caller: FunctionIR, e: CallEvent): WaitTarget[] => (waits ? waits(caller, e) : []);
  const calls = new Map<string, Set<string>>();
  const callers = new Map<string, Set<string>>();
  const waitEdges = new Map<string, Set<string>>();
  for (const fn of functions) {
    const out = new Set<string>();
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call') continue;
        if (waits) {
          // summarized before the caller, but not a call: callers/calls stay the real call graph
          for (const t of waits(fn, e)) {
            let w = waitEdges.get(fn.key);
            if (!w) waitEdges.set(fn.key, (w = new Set()));
            w.add(t.fn.key);
          }
        }
        if (e.via) {
          for (const t of indirectTargets(fn, e)) out.add(t.key);
          continue;
        }
        const c = resolveCallee(fn, e.callee);
        if (c) out.add(c.key);
      }
    }
    calls.set(fn.key, out);
    for (const c of out) {
      let s = callers.get(c);
      if (!s) callers.set(c, (s = new Set()));
      s.add(fn.key);
    }
  }
  const summaries = new Map<string, Summary>();
  const locks = new Map<string, FunctionLocks>();
  const ctx: LocksetContext = { env, rules, resolveCallee, indirectTargets, ...(waits ? { waitTargets: waits } : {}), summaries };
  const sig = (s: Summary) =>
    `${s.acquires.map((a) => a.key).join(',')}|${s.returnsHolding.map((a) => a.key).join(',')}|${s.releasesHeld.map((a) => a.key).join(',')}|${(s.mayRelease ?? []).map((a) => a.key).join(',')}|${(s.mayAcquire ?? []).map((a) => a.key).join(',')}`;
  const succ = (k: string): Set<string> => {
    const c = calls.get(k) ?? new Set<string>();
    const w = waitEdges.get(k);
    return w ? new Set([...c, ...w]) : c;
  };
  for (const comp of stronglyConnected(functions.map((f) => f.key), succ)) {
    const recursive = comp.length > 1 || succ(comp[0]!).has(comp[0]!);
    for (let round = 0; round < (recursive ? 6 : 1); round++) {
      let changed = false;
      for (const key of comp) {
        const fn = byKey.get(key)!;
        const { facts, summary } = runLockset(fn, ctx);
        const prev = summaries.get(key);
        if (!prev || sig(prev) !== sig(summary)) changed = true;
        summaries.set(key, summary);
        locks.set(key, facts);
      }
      if (!changed) break;
    }
  }
  const mayCall = (caller: FunctionIR, e: CallEvent, calleeKey: string): boolean =>
    e.via ? indirectTargets(caller, e).some((t) => t.key === calleeKey) : resolveCallee(caller, e.callee)?.key === calleeKey;
  const constants = new Map<string, number>();
  for (const f of files) for (const [n, v] of f.constants ?? []) if (!constants.has(n)) constants.set(n, v);
  return { env, rules, functions, byKey, byName, resolveCallee, indirectTargets, waitTargets, mayCall, calls, callers, summaries, locks, files, constants };
}

/** More targets than this for one struct member: a generic interface (file_operations.read), not followed. */
export const MAX_INDIRECT_TARGETS = 4;

/**
 * Binds struct members to functions from designated initializers (`.read = vgic_read`) and
 * from stores of a function's name (`ops->read = vgic_read;`), by the member's struct type.
 */
function indirectResolver(files: FileFacts[], functions: FunctionIR[], env: TypeEnv, lookup: (file: string, name: string) => FunctionIR | null): (caller: FunctionIR, e: CallEvent) => FunctionIR[] {
  const table = new Map<string, Map<string, FunctionIR>>();
  const bind = (type: string | undefined, member: string, fn: FunctionIR | null): void => {
    if (!type || !fn) return;
    const k = `${type}.${member}`;
    let m = table.get(k);
    if (!m) table.set(k, (m = new Map()));
    m.set(fn.key, fn);
  };
  for (const f of files) {
    for (const [type, member, name] of f.fnptrs) bind(env.resolve(type)?.name, member, lookup(f.file, name));
  }
  // `r->write = write_handler;` with write_handler a parameter: whatever callers pass there
  const viaParam = new Map<string, { member: [string, string]; index: number }[]>();
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        // `= handler`, `= &handler`, `= handler ?: default_handler`, `= x ? a : b`
        if (e.k !== 'store' || e.rmw || !/^[\w\s&?:]+$/.test(e.value)) continue;
        const type = env.containerOf(e.path);
        const member = e.path.fields[e.path.fields.length - 1]!;
        if (!type) continue;
        for (const [name] of e.value.matchAll(/[A-Za-z_]\w*/g)) {
          const index = fn.params.findIndex((p) => p.name === name);
          if (index >= 0) {
            const l = viaParam.get(fn.key) ?? [];
            l.push({ member: [type, member], index });
            viaParam.set(fn.key, l);
          } else bind(type, member, lookup(fn.file, name));
        }
      }
    }
  }
  if (viaParam.size) {
    for (const fn of functions) {
      for (const b of fn.blocks) {
        for (const e of b.events) {
          if (e.k !== 'call' || e.via) continue;
          const callee = lookup(fn.file, e.callee);
          const regs = callee ? viaParam.get(callee.key) : undefined;
          if (!regs) continue;
          for (const r of regs) {
            const arg = e.argText[r.index]?.trim().replace(/^&\s*/, '');
            if (arg && /^[A-Za-z_]\w*$/.test(arg)) bind(r.member[0], r.member[1], lookup(fn.file, arg));
          }
        }
      }
    }
  }
  const cache = new WeakMap<CallEvent, FunctionIR[]>();
  return (caller, e, max = MAX_INDIRECT_TARGETS) => {
    if (!e.via) return [];
    let r = cache.get(e);
    if (!r) {
      const type = env.containerOf(e.via);
      const m = type ? table.get(`${type}.${e.callee.slice(1)}`) : undefined;
      r = m ? [...m.values()].filter((t) => t.key !== caller.key) : [];
      cache.set(e, r);
    }
    return r.length <= max ? r : [];
  };
}
