// What every rule's extractor shares: the rule context, a fresh slicing environment, thread
// names, and the assembly of a ModelScript (variables, locks, environment CPUs, valuations).
import type { Program } from '../../analysis/program.js';
import type { LockGraph } from '../../analysis/lock-graph.js';
import type { SourceLookup } from '../../checkers/api.js';
import type { Finding, WitnessPath } from '../../report/finding.js';
import type { ModelScript, ScriptThread } from './script.js';
import type { SliceEnv, SOp } from './slice.js';
import { addEnvironment, dropConds } from './environment.js';
import { shadowSteps } from './assemble.js';
import { candidatesAround } from './slice.js';
import type { ScriptStep } from './script.js';
import { chainText } from '../../report/chain.js';

/**
 * Writes of state outside the finding's locations stay in the model when a kept condition
 * tests that state (`p->pending++` before `if (p->pending > 8)`), else they go. The values they
 * write are candidate initial values too. A tested variable some path writes with a value the
 * model cannot evaluate is havoc: its conditions go either way (returned, to be dropped).
 */
function keepTested(threads: ScriptThread[], env: SliceEnv): Set<string> {
  const havoc = new Set<string>();
  const go = (steps: ScriptStep[]): ScriptStep[] => {
    const out: ScriptStep[] = [];
    for (const st of steps) {
      const sh = shadowSteps.get(st);
      if (sh) {
        const vals = env.condVars.get(sh.v);
        if (!vals) continue;
        if (sh.havoc) havoc.add(sh.v);
        const a = (st as { call: string; args: unknown[] }).args;
        if (st.call === 'store' && typeof a[1] === 'number') candidatesAround(vals, a[1]);
        // `x -= 2` before `x >= 5`: the start values that reach each side after the update
        const k = st.call === 'store' && typeof a[1] === 'string' ? /^\w+ ([-+]) (\d+)$/.exec(a[1]) : null;
        if (k) for (const x of [...vals]) candidatesAround(vals, k[1] === '-' ? x + Number(k[2]) : x - Number(k[2]), 16);
        out.push(st);
        continue;
      }
      if (st.call === 'if' && 'cond' in st) out.push({ ...st, then: go(st.then) });
      else out.push(st);
    }
    return out;
  };
  for (const t of threads) t.steps = go(t.steps);
  return havoc;
}

export interface RuleContext {
  finding: Finding;
  program: Program;
  source?: SourceLookup;
  /** The run's lock-order graph (built from the program when absent). */
  lockGraph?: LockGraph;
  /** A level violation's model: CPU0's `cls` taken before it holds `before` is another instance. */
  levelOuter?: { cls: string; before: string };
}

export function newEnv(program: Program, over: Partial<SliceEnv> = {}): SliceEnv {
  return {
    program,
    locations: new Set(),
    accessesAtTargetsOnly: false,
    objects: new Set(),
    focusLocks: new Set(),
    condVars: new Map(),
    constants: new Map(),
    regs: 0,
    ...over,
  };
}

export const threadName = (p: WitnessPath): string => `${p.label}: ${chainText(p)}`;

export function mainPaths(f: Finding): WitnessPath[] {
  return f.witness.filter((p) => !/\balso\b/.test(p.label));
}

/** Initial valuations: the cartesian product of candidate values (the first `cap` of them), and its size. */
function valuations(env: SliceEnv, cap = 512): { list: Record<string, number>[]; space: number } {
  // a constant the tree does not define (`K.NAME`) may be any value another condition
  // compares with: `size != K.DABT_WORD` on one line, `size == 2` on the next
  const all = new Set<number>();
  for (const [v, vals] of env.condVars) if (!v.startsWith('K.')) for (const x of vals) all.add(x);
  for (const [v, vals] of env.condVars) if (v.startsWith('K.')) for (const x of all) if (vals.size < 5) vals.add(x);
  let out: Record<string, number>[] = [{}];
  let space = 1;
  for (const [v, vals] of env.condVars) {
    space *= vals.size;
    const next: Record<string, number>[] = [];
    for (const o of out) for (const x of vals) next.push({ ...o, [v]: x });
    out = next.length > cap ? next.slice(0, cap) : next;
  }
  return out.length === 1 && Object.keys(out[0]!).length === 0 ? { list: [], space: 1 } : { list: out, space };
}

function varsOf(threads: SOp[][], env: SliceEnv, init: Record<string, number> = {}): Record<string, number> {
  const vars: Record<string, number> = {};
  for (const ops of threads) for (const o of ops) if ('v' in o) vars[o.v] = init[o.v] ?? 0;
  for (const v of env.condVars.keys()) vars[v] = init[v] ?? 0;
  return vars;
}

function locksOf(threads: SOp[][]): string[] {
  const s = new Set<string>();
  for (const ops of threads) for (const o of ops) if (o.k === 'lock' || o.k === 'unlock' || o.k === 'trylock') s.add(o.lock);
  return [...s];
}

export function base(ctx: RuleContext, env: SliceEnv, ops0: SOp[][], threads: ScriptThread[], expect: string, extra: Partial<ModelScript> = {}): ModelScript {
  const f = ctx.finding;
  let ops = ops0;
  const tested0 = new Set(env.condVars.keys());
  const havoc = keepTested(threads, env);
  const assumptions = [...(env.assumed ?? [])];
  if (havoc.size) {
    for (const t of threads) t.steps = dropConds(t.steps, [...havoc]);
    for (const v of havoc) {
      env.condVars.delete(v);
      assumptions.push({ kind: 'abstraction', text: `${v} is written with a value the model cannot evaluate: conditions on it go either way`, checked: false });
    }
  }
  const tested = (o: SOp): boolean => !('shadow' in o && o.shadow) || tested0.has(o.v);
  ops = ops.map((o) => o.filter(tested));
  const s: ModelScript = {
    name: `${f.rule}-${f.id}`,
    description: f.message,
    vars: varsOf(ops, env),
    locks: locksOf(ops),
    threads,
    valuations: [],
    expect,
    ...extra,
  };
  // (models of a shared location keep their own writers: another writer of it is another finding)
  const dropped = addEnvironment(ctx.program, s, env.condVars, env.condClass, 2, env.locations.size === 0);
  for (const v of dropped) assumptions.push({ kind: 'abstraction', text: `${v} is written elsewhere in the tree and the model has no environment CPU left for it: conditions on it go either way`, checked: false });
  if (assumptions.length) s.assumptions = assumptions;
  const v = valuations(env);
  s.valuations = v.list;
  if (v.list.length && v.space > v.list.length) s.valuationSpace = v.space;
  return s;
}

export const count = (ops: SOp[], k: SOp['k'], lock?: string): number => ops.filter((o) => o.k === k && (!lock || ('lock' in o && (o.lock === lock || o.lock.startsWith(`${lock}/`))))).length;
