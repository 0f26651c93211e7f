// Whether the tree checks its declared lock levels at run time. A generated lock function
// passes its level to a function (`_mm_lock(d, l, func, LEVEL, rec)`); following the level
// parameter down the calls that receive it, a function that compares it (or a value computed
// from it) with `<`/`>` and, on one edge of that test, calls a function that never returns
// (`BUG()`, `panic()`: the rules' `noreturn`) is a run-time order check. A violation of the
// order is then a failure on one path, with no second CPU. A generated function that passes
// the level to anything besides the check records it as the CPU's current level (a read-side
// variant that only checks does not raise the level for what follows it).
import type { FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import type { LevelUse, LockLevels, RuntimeCheck } from './lock-levels.js';

const MAX_DEPTH = 3;
const word = (n: string): RegExp => new RegExp(`(?<![\\w.>])${n.replace(/[$]/g, '\\$&')}\\b`);
/** A relational comparison (not `->`, `<<`, `>>`). */
const RELATIONAL = /(?<![-<>])[<>]=?(?![<>])/;

export function findLevelChecks(L: LockLevels, functions: FunctionIR[], rules: RuleSet): void {
  const byName = new Map<string, FunctionIR>();
  for (const fn of functions) if (!byName.has(fn.name)) byName.set(fn.name, fn);
  const memo = new Map<string, LevelUse>();
  for (const list of L.generated.values()) {
    for (const g of list) {
      if (g.callee === undefined || g.param === undefined) continue;
      const k = `${g.callee}/${g.param}`;
      let use = memo.get(k);
      if (!use) {
        const fn = byName.get(g.callee);
        use = fn ? levelUse(fn, g.param, byName, rules.noreturn) : { records: false };
        memo.set(k, use);
      }
      L.checks.set(g.name, use);
    }
  }
}

/** What `fn` does with its parameter `param` (the level): tested with a stop on failure, passed on. */
function levelUse(fn: FunctionIR, param: number, byName: Map<string, FunctionIR>, noreturn: Set<string>): LevelUse {
  const check = checkIn(fn, param, byName, noreturn, 0);
  const p = fn.params[param]?.name;
  let records = false;
  if (p && check) {
    const w = word(p);
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call' || e.callee === check.via[1] || e.callee === check.via[0]) continue;
        if (e.argText.some((a) => w.test(a))) records = true;
      }
    }
  }
  return { ...(check ? { check } : {}), records };
}

function checkIn(fn: FunctionIR, param: number, byName: Map<string, FunctionIR>, noreturn: Set<string>, depth: number): RuntimeCheck | undefined {
  const p = fn.params[param]?.name;
  if (!p) return undefined;
  const derived = [word(p)];
  const mentions = (t: string): boolean => derived.some((w) => w.test(t));
  let adjust: string | undefined;
  const blocks = new Map(fn.blocks.map((b) => [b.id, b]));
  const stopsNear = (id: number, hops: number): string | undefined => {
    const b = blocks.get(id);
    if (!b) return undefined;
    for (const e of b.events) if (e.k === 'call' && noreturn.has(e.callee)) return e.callee;
    if (hops === 0 || b.events.some((e) => e.k === 'branch')) return undefined;
    for (const s of b.succ) {
      const f = stopsNear(s, hops - 1);
      if (f) return f;
    }
    return undefined;
  };
  const calls: { callee: string; param: number; block: number }[] = [];
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if (e.k === 'call') {
        const i = e.argText.findIndex((a) => mentions(a));
        if (i < 0) continue;
        // `lvl = _lock_level(d, l)`: the value tested is computed from the level
        if (e.assignedTo) {
          derived.push(word(e.assignedTo));
          adjust ??= `${e.callee}(${e.argText.join(', ')})`;
        }
        if (e.argText[i]!.trim() === p || derived.some((w) => new RegExp(`^${w.source}$`).test(e.argText[i]!.trim()))) calls.push({ callee: e.callee, param: i, block: b.id });
      } else if (e.k === 'branch' && mentions(e.text) && RELATIONAL.test(e.text.replace(/->/g, '.'))) {
        for (const s of b.succ) {
          const fatal = stopsNear(s, 2);
          if (fatal) return { via: [fn.name], at: `${e.loc.file}:${e.loc.line}`, test: e.text.trim(), fatal, ...(adjust ? { adjust } : {}) };
        }
      }
    }
  }
  if (depth >= MAX_DEPTH) return undefined;
  for (const c of calls) {
    const callee = byName.get(c.callee);
    if (!callee || callee === fn) continue;
    const r = checkIn(callee, c.param, byName, noreturn, depth + 1);
    if (!r) continue;
    // the call into the check sits under a test of this function (a recursive re-take skips it)
    const pred = fn.blocks.find((p) => p.succ.includes(c.block) && p.events.some((e) => e.k === 'branch'));
    const test = pred ? [...pred.events].reverse().find((e) => e.k === 'branch') : undefined;
    const g = r.guard ?? (test?.k === 'branch' ? test.text.trim() : undefined);
    return { ...r, via: [fn.name, ...r.via], ...(r.adjust ?? adjust ? { adjust: (r.adjust ?? adjust)! } : {}), ...(g ? { guard: g } : {}) };
  }
  return undefined;
}
