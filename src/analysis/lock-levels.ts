// Declared lock levels as the tree writes them, read the way the compiler would (Xen's
// arch/x86/mm/mm-locks.h is the model, but nothing here names it):
//   - a generator macro with one parameter defines functions per name and passes a level,
//     `#define declare_mm_lock(name) ... mm_lock_##name(...) { _mm_lock(..., MM_LOCK_ORDER_##name, rec); }`
//     (older trees pass `__LINE__`: the level is the line of the invocation);
//   - each file-scope invocation `declare_mm_lock(nestedp2m)` gives `mm_lock_nestedp2m` the
//     level `MM_LOCK_ORDER_nestedp2m` (an integer #define) or that line;
//   - a paste macro `#define mm_lock(name, d, l) mm_lock_##name(d, l, __func__, 0)` picks the
//     generated function by its argument;
//   - a lock macro or lock function that calls them takes its lock at that level; one whose
//     calls give different levels (`if (p2m_is_altp2m(p)) mm_write_lock(altp2m, ...) else
//     mm_write_lock(p2m, ...)`) takes it at one of them, decided by the object it is given;
//   - a leveled call that takes no lock itself (`page_alloc_mm_pre_lock(d)`) is an order-check
//     marker: the next lock taken in that function (directly or by the next calls) has its level.
// Nothing in a rules table overrides these; a table's `level:` only applies where the tree
// defines no level for that name.
import type { FileFacts } from '../frontend/file-facts.js';
import type { FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import { callArgs, splitArgs } from './macro-locks.js';
import { findLevelChecks } from './level-checks.js';

export interface LevelSpec {
  /** Sorted, distinct. One entry: a definite level. */
  levels: number[];
  /** With several levels: the lock function whose test decides among them. */
  by?: string;
  /**
   * An order-check marker: every generated function behind it hands its level to a function
   * that takes no lock (`_mm_enforce_order_lock_pre`), or to one the tree does not define. A
   * call of a lock function this analysis could not turn into a lock (`shr_lock()` on a
   * generated `mm_lock_shr`) is no marker: its level must not land on the next lock taken.
   */
  marker?: boolean;
}

export interface LockLevels {
  /** Generated functions, lock macros and lock functions by name. */
  byName: Map<string, LevelSpec>;
  /** Paste macros: the generated function is `prefix` + the argument at `param`. */
  paste: Map<string, { prefix: string; param: number }>;
  /**
   * Where each level comes from, for a reader to check: `mm-locks.h:190`, the invocation
   * `declare_mm_lock(p2m)` and the constant `MM_LOCK_ORDER_p2m 16` (or the invocation's line).
   */
  sources: Map<number, LevelSource[]>;
  /** Each generated lock function, by level: the call its body passes the level to. */
  generated: Map<number, GeneratedLockFn[]>;
  /** What each generated lock function does with its level at run time (level-checks.ts). */
  checks: Map<string, LevelUse>;
}

export interface GeneratedLockFn {
  /** `mm_lock_p2m` */
  name: string;
  /** The function its body passes the level to (`_mm_lock`), and at which argument. */
  callee?: string;
  param?: number;
}

/** A run-time test of the level that stops the machine when it fails. */
export interface RuntimeCheck {
  /** Calls from the generated function's callee down to the function with the test. */
  via: string[];
  /** `file:line` of the test. */
  at: string;
  /** The test as written: `( unlikely(_get_lock_level() > lvl) )`. */
  test: string;
  /** The call that stops on failure (`BUG`). */
  fatal: string;
  /** A call the level goes through before the test (`_lock_level(d, l)`): an adjustment from other arguments. */
  adjust?: string;
  /** A test the call into the check sits under (`!(locked_by_me(l) && rec)`: a recursive re-take skips it). */
  guard?: string;
}

export interface LevelUse {
  /** The level is tested before the lock is taken, and a failed test stops. */
  check?: RuntimeCheck;
  /** The level is also passed on to something else than the test (recorded as the CPU's current level). */
  records: boolean;
}

export interface LevelSource {
  /** The generated lock function (`mm_lock_p2m`). */
  name: string;
  /** `file:line` of the invocation that declares it. */
  declared: string;
  /** The level: `MM_LOCK_ORDER_p2m = 16`, or `__LINE__` (the invocation's line). */
  constant: string;
  /** The invocation as written: `declare_mm_lock(p2m)`. */
  text: string;
}

const CALL = /([A-Za-z_]\w*)\s*\(/g;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The level spec of a call `callee(args)`, if the tree declares one. */
export function levelOfCall(L: LockLevels, callee: string, argText: string[]): LevelSpec | undefined {
  const p = L.paste.get(callee);
  if (p) {
    const a = argText[p.param]?.trim();
    return a && /^[A-Za-z_]\w*$/.test(a) ? L.byName.get(p.prefix + a) : undefined;
  }
  return L.byName.get(callee);
}

/** The spec of a wrapper from its calls' specs: one inner lock function that decides the level names it. */
function specOf(inner: LevelSpec[], by: string): LevelSpec {
  const l = [...new Set(inner.flatMap((s) => s.levels))].sort((a, b) => a - b);
  const deciders = [...new Set(inner.map((s) => s.by).filter((b) => b !== undefined))];
  const marker = inner.every((s) => s.marker) ? { marker: true } : {};
  return l.length > 1 ? { levels: l, by: deciders.length === 1 ? deciders[0]! : by, ...marker } : { levels: l, ...marker };
}

/** Whether the tree's function of this name takes a lock itself or in the functions it calls (a few calls deep). */
function lockTaker(functions: FunctionIR[]): (name: string) => boolean {
  const byName = new Map<string, FunctionIR>();
  for (const fn of functions) if (!byName.has(fn.name)) byName.set(fn.name, fn);
  const memo = new Map<string, boolean>();
  const takes = (name: string, depth: number): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fn = byName.get(name);
    if (!fn || depth > 3) return false;
    memo.set(name, false);
    const r = fn.blocks.some((b) => b.events.some((e) => (e.k === 'acquire' && !e.assumed) || (e.k === 'call' && !e.via && takes(e.callee, depth + 1))));
    memo.set(name, r);
    return r;
  };
  return (name) => takes(name, 0);
}

export function deriveLockLevels(files: FileFacts[], functions: FunctionIR[], rules: RuleSet): LockLevels {
  const L: LockLevels = { byName: new Map(), paste: new Map(), sources: new Map(), generated: new Map(), checks: new Map() };
  const macros = files.flatMap((f) => f.macros);
  const constants = new Map<string, number>();
  for (const f of files) for (const [n, v] of f.constants ?? []) if (!constants.has(n)) constants.set(n, v);
  // generator macros: templates `prefix##N(` with the level argument in their body
  const gens = new Map<string, { prefix: string; constPrefix?: string; line?: true; callee?: string; param?: number }[]>();
  for (const m of macros) {
    if (m.params.length !== 1 || !m.body.includes('##')) continue;
    const N = esc(m.params[0]!);
    const tmpl = [...m.body.matchAll(new RegExp(`([A-Za-z_]\\w*)\\s*##\\s*${N}\\b\\s*\\(`, 'g'))];
    const out: { prefix: string; constPrefix?: string; line?: true; callee?: string; param?: number }[] = [];
    tmpl.forEach((t, i) => {
      const seg = m.body.slice(t.index! + t[0].length, tmpl[i + 1]?.index ?? m.body.length);
      const c = new RegExp(`([A-Za-z_]\\w*)\\s*##\\s*${N}\\b(?!\\s*\\()`).exec(seg);
      const to = levelCallee(seg, c ? new RegExp(`\\b${esc(c[1]!)}\\s*##\\s*${N}\\b`) : /\b__LINE__\b/);
      if (c) out.push({ prefix: t[1]!, constPrefix: c[1]!, ...to });
      else if (/\b__LINE__\b/.test(seg)) out.push({ prefix: t[1]!, line: true, ...to });
    });
    if (out.length) gens.set(m.name, out);
  }
  if (gens.size === 0) return L;
  const takes = lockTaker(functions);
  for (const f of files) {
    for (const [name, arg, line] of f.topCalls ?? []) {
      for (const t of gens.get(name) ?? []) {
        const level = t.line ? line : constants.get(t.constPrefix! + arg);
        if (level === undefined) continue;
        L.byName.set(t.prefix + arg, { levels: [level], ...(t.callee && takes(t.callee) ? {} : { marker: true }) });
        const gl = L.generated.get(level) ?? [];
        if (!gl.some((g) => g.name === t.prefix + arg)) gl.push({ name: t.prefix + arg, ...(t.callee ? { callee: t.callee, param: t.param! } : {}) });
        L.generated.set(level, gl);
        const src: LevelSource = { name: t.prefix + arg, declared: `${f.file}:${line}`, text: `${name}(${arg})`, constant: t.line ? '__LINE__' : `${t.constPrefix!}${arg} = ${level}` };
        const list = L.sources.get(level) ?? [];
        if (!list.some((x) => x.declared === src.declared)) list.push(src);
        L.sources.set(level, list);
      }
    }
  }
  if (L.byName.size === 0) return L;
  // paste macros: `mm_lock(name, d, l)` -> `mm_lock_##name(...)`
  for (const m of macros) {
    if (gens.has(m.name) || m.params.length < 1) continue;
    const b = /^[\s(]*(?:do\s*\{\s*)?([A-Za-z_]\w*)\s*##\s*([A-Za-z_]\w*)\s*\(/.exec(m.body);
    const param = b ? m.params.indexOf(b[2]!) : -1;
    if (b && param >= 0) L.paste.set(m.name, { prefix: b[1]!, param });
  }
  // lock macros and the rules tables' lock functions the tree defines itself (`static inline
  // void p2m_lock(...)`), built on them; rounds: macros of functions of macros
  const lockFns = functions.filter((fn) => rules.locks.get(fn.name)?.op === 'acquire');
  for (let round = 0; round < 4; round++) {
    let added = 0;
    for (const m of macros) {
      if (gens.has(m.name) || L.paste.has(m.name) || L.byName.has(m.name)) continue;
      const levels: LevelSpec[] = [];
      for (const c of m.body.matchAll(CALL)) {
        const argsText = callArgs(m.body, c.index! + c[0].length - 1);
        const spec = levelOfCall(L, c[1]!, argsText === undefined ? [] : splitArgs(argsText));
        if (spec) levels.push(spec);
      }
      if (levels.length) {
        L.byName.set(m.name, specOf(levels, m.name));
        added++;
      }
    }
    for (const fn of lockFns) {
      if (L.byName.has(fn.name)) continue;
      const levels: LevelSpec[] = [];
      for (const b of fn.blocks) {
        for (const e of b.events) {
          const spec = e.k === 'call' ? levelOfCall(L, e.callee, e.argText) : e.k === 'acquire' ? L.byName.get(e.api) : undefined;
          if (spec) levels.push(spec);
        }
      }
      if (levels.length) {
        L.byName.set(fn.name, specOf(levels, fn.name));
        added++;
      }
    }
    if (!added) break;
  }
  findLevelChecks(L, functions, rules);
  return L;
}

/** The call in a generated function's body that is given the level (`_mm_lock(d, l, func, MM_LOCK_ORDER_##name, rec)`), and the argument. */
function levelCallee(seg: string, levelArg: RegExp): { callee?: string; param?: number } {
  const body = seg.indexOf('{');
  if (body < 0) return {};
  for (const c of seg.slice(body).matchAll(CALL)) {
    const at = body + c.index! + c[0].length - 1;
    const t = callArgs(seg, at);
    if (t === undefined) continue;
    const i = splitArgs(t).findIndex((a) => levelArg.test(a));
    if (i >= 0) return { callee: c[1]!, param: i };
  }
  return {};
}

/** Puts the declared levels on acquire events, and an order-check marker's level on what follows it. */
export function applyLockLevels(functions: FunctionIR[], L: LockLevels): void {
  if (L.byName.size === 0) return;
  for (const fn of functions) {
    let pending: number | undefined;
    let post: number | undefined;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k === 'acquire') {
          if (e.assumed) continue;
          if (e.level === undefined && !e.levels) {
            const spec = L.byName.get(e.api);
            if (spec) setLevel(e, spec);
            else if (pending !== undefined) e.level = pending;
          }
          if (pending !== undefined) {
            post = pending;
            pending = undefined;
          }
        } else if (e.k === 'call') {
          const spec = levelOfCall(L, e.callee, e.argText);
          // a leveled lock call that is no acquire here (a lock it could not name): no marker
          if (spec && !spec.marker) continue;
          if (spec && spec.levels.length === 1) {
            const l = spec.levels[0]!;
            // the second half of a pre/post pair around the lock it orders
            if (post === l || pending === l) {
              if (post === l) post = undefined;
              if (pending === l) {
                pending = undefined;
                post = undefined;
              }
            } else pending = l;
          } else if (!spec && pending !== undefined && e.level === undefined) e.level = pending;
        }
      }
    }
  }
}

function setLevel(e: { level?: number; levels?: number[]; levelBy?: string }, spec: LevelSpec): void {
  if (spec.levels.length === 1) e.level = spec.levels[0]!;
  else {
    e.levels = spec.levels;
    if (spec.by) e.levelBy = spec.by;
  }
}

export { setLevel };
