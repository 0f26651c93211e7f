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
import { applyDispatchMacros, deriveDispatchMacros } from './dispatch-macros.js';
import { applyMacroAliases, applyMacroLocks, deriveMacroAliases, deriveMacroLocks, dropBareNames } from './macro-locks.js';
import { applyHeldTests, deriveHeldTests } from './held-tests.js';
import { deriveAnnotationLocks } from './annotation-locks.js';
import { applyLockLevels, deriveLockLevels, type LockLevels } from './lock-levels.js';
import { applyFlagGuards } from './flag-guards.js';

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
  /** The tree's declared lock levels (lock-levels.ts), with where each one is declared. */
  levels?: LockLevels;
  /** The build configuration this program is (`x86`, `arm64`), when the tree has several. */
  config?: string;
  /** Keys of functions taken unchanged from the base configuration's program. */
  reused?: Set<string>;
}

function blockCount(f: FunctionIR): number {
  return f.blocks.length;
}

export interface BuildOptions {
  /**
   * Copy each function before the program rewrites its events (lock macros, lock classes):
   * the same extracted functions then serve several configurations' programs.
   */
  copy?: boolean;
  /**
   * An already built program of another configuration sharing files with this one: a
   * function whose definition, events and callees are the same there is taken from it
   * (IR, summary, lockset facts) instead of being analysed again.
   */
  base?: Program;
  /** The configuration's name (`x86`, `arm64`), for reports. */
  config?: string;
}

/** An event copy the program may rewrite without touching the extracted original. */
function copyFunction(fn: FunctionIR): FunctionIR {
  return {
    ...fn,
    blocks: fn.blocks.map((b) => ({ ...b, events: b.events.map((e) => (e.k === 'acquire' || e.k === 'release' ? { ...e, lock: { ...e.lock } } : { ...e })) })),
  };
}

/** What calls and lock classes a function's events name: equal in two programs, equal analysis input. */
function eventSignature(fn: FunctionIR): string {
  const parts: string[] = [];
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if (e.k === 'acquire' || e.k === 'release') parts.push(`${e.k[0]}${e.lock.cls}`);
      else if (e.k === 'call') parts.push(`c${e.callee}${e.via ? '*' : ''}`);
    }
    parts.push('|');
  }
  return parts.join(',');
}

interface Lookup {
  byName: Map<string, FunctionIR[]>;
  headerStatics: Map<string, FunctionIR>;
  staticsByFile: Map<string, Map<string, FunctionIR>>;
}

function lookupTables(functions: FunctionIR[]): Lookup {
  const byName = new Map<string, FunctionIR[]>();
  // static inline functions in headers are part of every file that includes them
  const headerStatics = new Map<string, FunctionIR>();
  const staticsByFile = new Map<string, Map<string, FunctionIR>>();
  for (const fn of functions) {
    if (fn.isStatic) {
      if (fn.file.endsWith('.h') && !headerStatics.has(fn.name)) headerStatics.set(fn.name, fn);
      let m = staticsByFile.get(fn.file);
      if (!m) staticsByFile.set(fn.file, (m = new Map()));
      m.set(fn.name, fn);
    } else {
      const list = byName.get(fn.name) ?? [];
      list.push(fn);
      byName.set(fn.name, list);
    }
  }
  return { byName, headerStatics, staticsByFile };
}

export function buildProgram(files: FileFacts[], rules: RuleSet, opts: BuildOptions = {}): Program {
  const env = new TypeEnv();
  for (const f of files) env.add(f);
  let functions: FunctionIR[] = [];
  const byKey = new Map<string, FunctionIR>();
  for (const f of files) {
    for (const fn of f.functions) {
      const prev = byKey.get(fn.key);
      // the same function defined twice (#ifdef arms, duplicate inputs): keep the larger body
      if (prev && blockCount(prev) >= blockCount(fn)) continue;
      byKey.set(fn.key, fn);
    }
  }
  for (const [k, fn] of byKey) {
    const own = opts.copy ? copyFunction(fn) : fn;
    byKey.set(k, own);
    functions.push(own);
  }
  // calls to lock macros (`#define vgic_lock(v) spin_lock_irq(&(v)->domain->arch.vgic.lock)`)
  const fnNames = new Set(functions.map((f) => f.name));
  const statics = new Set(files.flatMap((f) => f.globals.filter((g) => g.isStatic).map((g) => `${f.file}\0${g.name}`)));
  // declared lock levels, as the tree's own macros define them (lock-levels.ts)
  const levels = deriveLockLevels(files, functions, rules);
  const isStatic = (file: string, n: string): boolean => statics.has(`${file}\0${n}`);
  applyMacroLocks(functions, new Map([...deriveAnnotationLocks(files), ...deriveMacroLocks(files, rules)]), (n) => fnNames.has(n), isStatic, levels);
  dropBareNames(functions);
  // `ASSERT(shadow_locked_by_me(d))`: held-test macros the tree defines (held-tests.ts)
  applyHeldTests(functions, deriveHeldTests(files, rules), (n) => fnNames.has(n), isStatic);
  applyMacroAliases(functions, deriveMacroAliases(files, (n) => fnNames.has(n)));
  // `SCHED_OP(ops, free_vdata, p)`: the hook call a dispatch macro makes (dispatch-macros.ts)
  applyDispatchMacros(functions, deriveDispatchMacros(files, (n) => fnNames.has(n)));
  applyLockLevels(functions, levels);
  applyFlagGuards(functions);
  // lock classes, now that every struct and typedef is known
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if ((e.k === 'acquire' || e.k === 'release') && !e.lock.cls) e.lock.cls = env.classOf(e.lock.inst);
      }
    }
  }
  let tables = lookupTables(functions);
  const lookup = (file: string, name: string): FunctionIR | null => {
    const local = tables.staticsByFile.get(file)?.get(name);
    if (local) return local;
    return tables.byName.get(name)?.[0] ?? tables.headerStatics.get(name) ?? null;
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
  const hooks: HookReleases = {};
  let indirect = indirectResolver(files, functions, env, lookup, hooks);
  const indirectTargets = (caller: FunctionIR, e: CallEvent, max?: number): FunctionIR[] => indirect(caller, e, max);
  const macroDefs = files.flatMap((f) => f.macros);
  let waits = waitResolver(functions, env, rules, lookup, macroDefs);
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
  const ctx: LocksetContext = { env, rules, resolveCallee, indirectTargets, ...(hooks.releases ? { hookReleases: hooks.releases } : {}), ...(waits ? { waitTargets } : {}), summaries };
  const sig = (s: Summary) =>
    `${s.acquires.map((a) => a.key).join(',')}|${s.returnsHolding.map((a) => a.key).join(',')}|${s.releasesHeld.map((a) => a.key).join(',')}|${(s.mayRelease ?? []).map((a) => a.key).join(',')}|${(s.mayAcquire ?? []).map((a) => a.key).join(',')}|${(s.requires ?? []).map((a) => `${a.key}${a.always ? '!' : ''}`).join(',')}`;
  const base = opts.base;
  const reused = new Set<string>();
  const sameAsBase = base ? reuseTest(base, summaries, resolveCallee, indirectTargets, waitTargets) : undefined;
  const succ = (k: string): Set<string> => {
    const c = calls.get(k) ?? new Set<string>();
    const w = waitEdges.get(k);
    return w ? new Set([...c, ...w]) : c;
  };
  for (const comp of stronglyConnected(functions.map((f) => f.key), succ)) {
    const recursive = comp.length > 1 || succ(comp[0]!).has(comp[0]!);
    if (sameAsBase && !recursive && sameAsBase(byKey.get(comp[0]!)!)) {
      const k = comp[0]!;
      reused.add(k);
      summaries.set(k, base!.summaries.get(k)!);
      const l = base!.locks.get(k);
      if (l) locks.set(k, l);
      continue;
    }
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
  if (reused.size) {
    // the base's own objects for what was taken from it: its lockset facts point into them
    functions = functions.map((fn) => (reused.has(fn.key) ? base!.byKey.get(fn.key)! : fn));
    for (const fn of functions) byKey.set(fn.key, fn);
    tables = lookupTables(functions);
    resolved.clear();
    // table targets bound before the swap: the same functions, now the base's objects
    const before = indirect;
    const swapped = new WeakMap<FunctionIR[], FunctionIR[]>();
    indirect = (caller, e, max) => {
      const r = before(caller, e, max);
      let m = swapped.get(r);
      if (!m) swapped.set(r, (m = r.map((t) => byKey.get(t.key) ?? t)));
      return m;
    };
    waits = waitResolver(functions, env, rules, lookup, macroDefs);
  }
  const byName = tables.byName;
  const mayCall = (caller: FunctionIR, e: CallEvent, calleeKey: string): boolean =>
    e.via ? indirectTargets(caller, e).some((t) => t.key === calleeKey) : resolveCallee(caller, e.callee)?.key === calleeKey;
  const constants = new Map<string, number>();
  for (const f of files) for (const [n, v] of f.constants ?? []) if (!constants.has(n)) constants.set(n, v);
  const program: Program = { env, rules, functions, byKey, byName, resolveCallee, indirectTargets, waitTargets, mayCall, calls, callers, summaries, locks, files, constants };
  if (levels.byName.size) program.levels = levels;
  if (opts.config !== undefined) program.config = opts.config;
  if (base) program.reused = reused;
  return program;
}

const signatures = new WeakMap<FunctionIR, string>();
const summaryTexts = new WeakMap<Summary, string>();

function summaryText(s: Summary | undefined): string {
  if (!s) return '';
  let t = summaryTexts.get(s);
  if (t === undefined) summaryTexts.set(s, (t = JSON.stringify(s)));
  return t;
}

/**
 * Whether a function's analysis here would repeat the base program's, so its summary and
 * lockset facts can be taken from there: the same definition (file) with the same events,
 * and at every call the functions it may run (directly or through a table) summarised
 * exactly as the base's are (the same summary, chains and all: a callee that takes no lock
 * in either, or one taken from the base itself). Called bottom-up, callees first.
 */
function reuseTest(
  base: Program,
  summaries: Map<string, Summary>,
  resolveCallee: (caller: FunctionIR, name: string) => FunctionIR | undefined,
  indirectTargets: (caller: FunctionIR, e: CallEvent) => FunctionIR[],
  waitTargets: (caller: FunctionIR, e: CallEvent) => WaitTarget[],
): (fn: FunctionIR) => boolean {
  const signature = (fn: FunctionIR): string => {
    let t = signatures.get(fn);
    if (t === undefined) signatures.set(fn, (t = eventSignature(fn)));
    return t;
  };
  const same = (mine: FunctionIR[], theirs: FunctionIR[]): boolean => {
    if (mine.length !== theirs.length) return false;
    const a = mine.map((f) => summaryText(summaries.get(f.key))).sort();
    const b = theirs.map((f) => summaryText(base.summaries.get(f.key))).sort();
    return a.every((x, i) => x === b[i]);
  };
  return (fn) => {
    const b = base.byKey.get(fn.key);
    if (!b || b.file !== fn.file || !base.summaries.has(b.key) || signature(b) !== signature(fn)) return false;
    for (let i = 0; i < fn.blocks.length; i++) {
      const mine = fn.blocks[i]!.events;
      const theirs = b.blocks[i]!.events;
      for (let j = 0; j < mine.length; j++) {
        const e = mine[j]!;
        if (e.k !== 'call') continue;
        // a call that waits for a callback: the callback's locks are not in the summaries compared here
        if (waitTargets(fn, e).length) return false;
        const eb = theirs[j] as CallEvent;
        if (e.via) {
          if (!same(indirectTargets(fn, e), base.indirectTargets(b, eb))) return false;
          continue;
        }
        const c = resolveCallee(fn, e.callee);
        const cb = base.resolveCallee(b, eb.callee);
        if (c && cb && summaries.get(c.key) === base.summaries.get(cb.key)) continue;
        if (!same(c ? [c] : [], cb ? [cb] : [])) return false;
      }
    }
    return true;
  };
}

/** More targets than this for one struct member: a generic interface (file_operations.read), not followed. */
export const MAX_INDIRECT_TARGETS = 4;

/**
 * Binds struct members to functions from designated initializers (`.read = vgic_read`) and
 * from stores of a function's name (`ops->read = vgic_read;`), by the member's struct type.
 */
/** Lock classes released by the implementations of an indirect call's sibling hooks. */
interface HookReleases {
  /** The classes that some function bound to any member of `e.via`'s struct type releases itself. */
  releases?: (e: CallEvent) => Set<string> | undefined;
}

function indirectResolver(files: FileFacts[], functions: FunctionIR[], env: TypeEnv, lookup: (file: string, name: string) => FunctionIR | null, hooks: HookReleases = {}): (caller: FunctionIR, e: CallEvent, max?: number) => FunctionIR[] {
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
  // per struct type, the lock classes its hook implementations release themselves (the
  // `.done` of a table whose `.claim` returns holding the lock)
  let released: Map<string, Set<string>> | undefined;
  hooks.releases = (e) => {
    if (!e.via) return undefined;
    if (!released) {
      released = new Map();
      for (const [k, m] of table) {
        const type = k.slice(0, k.lastIndexOf('.'));
        for (const fn of m.values()) {
          // an unlock hook: releases a class it never takes itself
          const rel = new Set<string>();
          const acq = new Set<string>();
          for (const b of fn.blocks) {
            for (const ev of b.events) {
              if (ev.k === 'release' && ev.lock.cls) rel.add(ev.lock.cls);
              else if (ev.k === 'acquire' && ev.lock.cls) acq.add(ev.lock.cls);
            }
          }
          for (const c of rel) {
            if (acq.has(c)) continue;
            let set = released.get(type);
            if (!set) released.set(type, (set = new Set()));
            set.add(c);
          }
        }
      }
    }
    const type = env.containerOf(e.via);
    return type ? released.get(type) : undefined;
  };
  // a table pointer whose type is unknown (a dispatch macro given `VCPU2OP(v)`): the one type
  // that binds hooks to this member, if only one does
  let byMember: Map<string, string | null> | undefined;
  const onlyTypeWith = (member: string): string | undefined => {
    if (!byMember) {
      byMember = new Map();
      for (const k of table.keys()) {
        const i = k.lastIndexOf('.');
        const [t, m] = [k.slice(0, i), k.slice(i + 1)];
        byMember.set(m, byMember.has(m) && byMember.get(m) !== t ? null : t);
      }
    }
    return byMember.get(member) ?? undefined;
  };
  const cache = new WeakMap<CallEvent, FunctionIR[]>();
  return (caller, e, max = MAX_INDIRECT_TARGETS) => {
    if (!e.via) return [];
    let r = cache.get(e);
    if (!r) {
      const type = env.containerOf(e.via) ?? ((e.via.root === '?' || e.via.root.startsWith('ret:')) && e.via.fields.length === 1 ? onlyTypeWith(e.callee.slice(1)) : undefined);
      const m = type ? table.get(`${type}.${e.callee.slice(1)}`) : undefined;
      r = m ? [...m.values()].filter((t) => t.key !== caller.key) : [];
      cache.set(e, r);
    }
    return r.length <= max ? r : [];
  };
}
