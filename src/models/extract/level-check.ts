// A declared lock-level violation where the tree checks the order at run time (a lock
// function compares the level with the CPU's current one and stops: src/analysis/
// level-checks.ts): the violating path alone fails, with no second CPU. The model is that one
// path, its branch conditions kept and checked like any other model's; taking the lower-level
// lock while the higher-level one is held fails the tree's own check (`ORDER CHECK`). An
// infeasible path refutes; a path the model cannot walk leaves the verdict to the two-path model.
import { levelsOf, type EdgeWitness } from '../../analysis/lock-graph.js';
import type { Program } from '../../analysis/program.js';
import type { RuntimeCheck } from '../../analysis/lock-levels.js';
import type { Acq } from '../../analysis/summary-types.js';
import type { Assumption } from '../../report/finding.js';
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { base, newEnv, threadName, type RuleContext } from './model-base.js';
import type { ModelScript } from './script.js';
import { slicePath, type SOp } from './slice.js';

export const ORDER_CHECK = 'ORDER CHECK';

export interface LevelRuntime {
  check: RuntimeCheck;
  assumptions: Assumption[];
}

const short = (at: string): string => at.replace(/^.*\//, '');
const lv = (a: Acq): string => (levelsOf(a) ?? []).join(' or ');

/** The run-time check the violation fails, or why the tree has none that applies. */
export function runtimeCheckOf(program: Program, v: EdgeWitness): LevelRuntime | string {
  const L = program.levels;
  if (!L?.checks.size) return 'the tree does not check its lock levels at run time';
  if (v.weak) return `the violation depends on the objects' kinds (${v.weak})`;
  const A = v.acq;
  const B = v.held;
  const la = levelsOf(A);
  const lb = levelsOf(B);
  if (!la || !lb) return 'a lock without a declared level';
  const fns = (l: number) => (L.generated.get(l) ?? []).map((g) => ({ g, use: L.checks.get(g.name) }));
  let check: RuntimeCheck | undefined;
  for (const l of la) {
    const list = fns(l);
    const un = list.find((x) => !x.use?.check);
    if (!list.length || un) return `taking ${A.lock.cls} at level ${l} is not checked at run time${un ? ` (${un.g.name})` : ''}`;
    check ??= list[0]!.use!.check;
  }
  // the held lock must have raised the CPU's level: a read-side variant that only checks does not
  for (const l of lb) {
    const list = fns(l);
    const ok = B.mode === 'shared' ? list.length > 0 && list.every((x) => x.use?.records) : list.some((x) => x.use?.records);
    if (!ok) return `holding ${B.lock.cls} (level ${l}${B.mode === 'shared' ? ', shared' : ''}) does not record its level for the check`;
  }
  const c = check!;
  const recorders = lb.flatMap((l) => fns(l).filter((x) => x.use?.records).map((x) => x.g.name));
  const assumptions: Assumption[] = [
    { kind: 'lock-class', text: `the tree checks the order at run time: taking ${A.lock.cls} (level ${lv(A)}) goes through ${c.via.join(' -> ')}, which tests \`${c.test}\` (${short(c.at)}) and calls ${c.fatal}() when it fails; ${B.lock.cls} (level ${lv(B)}) records its level when taken (${[...new Set(recorders)].join(', ')}): the violating path alone fails, no second CPU is needed`, checked: true, source: short(c.at) },
    ...(c.adjust ? [{ kind: 'abstraction' as const, text: `the level tested is computed by \`${c.adjust}\` from other arguments too: taken to shift both locks' levels alike (not checked)`, checked: false }] : []),
    ...(c.guard ? [{ kind: 'path' as const, text: `${c.via[0]} runs the check only when \`${c.guard}\`: taken to hold (the lower-level lock is not already held by this CPU)`, checked: false }] : []),
  ];
  return { check: c, assumptions };
}

export function levelCheckModel(ctx: RuleContext, v: EdgeWitness, rc: LevelRuntime): ModelScript {
  const f = ctx.finding;
  const A = v.acq;
  const B = v.held;
  const same = A.lock.cls === B.lock.cls;
  const aName = same ? `${A.lock.cls}/A` : A.lock.cls!;
  const bName = same ? `${B.lock.cls}/B` : B.lock.cls!;
  const env = newEnv(ctx.program, { focusLocks: new Set(f.locks) });
  env.lockName = (cls, _inst, held) => {
    if (same && cls === A.lock.cls) return held.some((h) => h.startsWith(`${cls}/`)) ? aName : bName;
    // a lock of A's class held before B is taken is another object (a host table's, then an alternate's)
    if (!same && cls === A.lock.cls && !held.includes(bName)) return `${cls}/outer`;
    return cls;
  };
  const p0 = { ...f.witness[0]!, label: 'CPU0' };
  const ops = slicePath(env, p0, 0);
  const takes = (n: string) => ops.some((o) => (o.k === 'lock' || o.k === 'trylock') && o.lock === n);
  if (!takes(bName)) throw new ExtractError(`the extracted path does not take ${B.lock.cls} (held on entry?)`);
  if (!takes(aName)) throw new ExtractError(`the extracted path does not take ${A.lock.cls} while holding ${B.lock.cls}`);
  const ghost = 'order_level_held';
  const where = short(rc.check.at);
  // the check fires at the violating acquisition (another take of A's class on the way may be a
  // recursive re-take of a lock this CPU holds, which the check skips)
  const site = A.chain[A.chain.length - 1]!.loc;
  const isSite = (o: SOp) => (o.k === 'lock' || o.k === 'trylock') && o.lock === aName && o.line === site.line && o.file === site.file;
  if (!ops.some(isSite)) throw new ExtractError(`the extracted path does not reach the violating acquisition (${short(`${site.file}:${site.line}`)})`);
  const out: SOp[] = [];
  for (const o of ops) {
    if (isSite(o)) {
      out.push({ k: 'assert', cond: `${ghost} == 0`, outcome: ORDER_CHECK, msg: `takes ${A.lock.cls} (level ${lv(A)}) while holding ${B.lock.cls} (level ${lv(B)}): \`${rc.check.test}\` fails (${where}), ${rc.check.fatal}()`, fn: o.fn, ...src(o) });
    }
    out.push(o);
    if ((o.k === 'lock' || o.k === 'trylock') && o.lock === bName) out.push({ k: 'rmw', op: 'add', v: ghost, arg: 1, returns: false, fn: o.fn, ...src(o), code: `/* the CPU's lock level is now ${lv(B)} (${B.lock.cls}) */` });
    if (o.k === 'unlock' && o.lock === bName) out.push({ k: 'rmw', op: 'add', v: ghost, arg: -1, returns: false, fn: o.fn, ...src(o), code: `/* ${B.lock.cls} released: its level no longer held */` });
  }
  const threads = [{ name: threadName(p0), steps: assemble(out, ctx.source ? { source: ctx.source } : {}) }];
  return base(ctx, env, [out], threads, ORDER_CHECK);
}

function src(o: SOp): { file?: string; line?: number; code?: string } {
  return { ...(o.file ? { file: o.file } : {}), ...(o.line !== undefined ? { line: o.line } : {}), ...(o.code ? { code: o.code } : {}) };
}
