// Confirmation: extract a model for each finding, explore it within state limits, and record
// the verdict, the violating interleaving, the initial values it needs and the assumptions it
// rests on. `refuted` is proven within the model's stated abstraction, and says why (the path
// conditions, a lock both sides hold); limits give `unknown` with the reason. A template model
// (no model could be extracted) never confirms: its run is kept as an illustration.
import type { Program } from '../analysis/program.js';
import type { LockGraph } from '../analysis/lock-graph.js';
import type { SourceLookup } from '../checkers/api.js';
import type { Confirmation, Finding, TraceStep } from '../report/finding.js';
import { explore, type ExploreResult } from './explorer/explore.js';
import { ModelError } from './explorer/program.js';
import { extractModel, scriptModel, type ModelScript } from './extract/index.js';
import { distinctValuations } from './extract/valuations.js';
import { assumptionsOf } from './assumptions.js';
import { explainRefutation } from './refutation.js';
import { litmusOf } from './litmus-attach.js';
import { withCallerLocks } from './caller-locks.js';

export interface ConfirmOptions {
  /** States per exploration (default 20,000). */
  maxStates?: number;
  /** States per finding, all explorations together (default 200,000). */
  budgetStates?: number;
  /** Source lines for ops that are not witness steps. */
  source?: SourceLookup;
  /** The run's lock-order graph: a lock-level violation's second side is a path in it. */
  lockGraph?: LockGraph;
}

/** Kept for callers that looked for it; messages are no longer changed by the verdict. */
export const REFUTED_NOTE = ' (model: refuted, no violating interleaving within bounds)';

export const MAX_STATES = 20_000;
export const BUDGET_STATES = 200_000;

export interface RunVerdict {
  result: ExploreResult | undefined;
  confirmation: Confirmation;
  valuation: Record<string, number>;
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 100) / 100;

/** Explore a model script over its initial valuations until the expected violation shows up. */
export function runScript(s: ModelScript, method: 'extracted' | 'template' | undefined, opts: ConfirmOptions = {}): RunVerdict {
  const t0 = performance.now();
  const budget = opts.budgetStates ?? BUDGET_STATES;
  const distinct = distinctValuations(s);
  const vals = distinct.length ? distinct : [{}];
  let states = 0;
  let refuted = 0;
  let other: { r: ExploreResult; v: Record<string, number> } | undefined;
  let unknown: string | undefined;
  let last: ExploreResult | undefined;
  const done = (c: Confirmation): Confirmation => ({ ...c, ...(method ? { method } : {}), states, ms: ms(t0) });
  // a deadlock the model predicts is one among its own CPUs: an environment CPU (other writers
  // of tested state) takes its locks in no order the code gives, so a state where a model CPU
  // waits on one is a dead end of the abstraction, not the violation
  const passive = s.expect === 'DEADLOCK' ? s.threads.reduce((m, t, i) => (t.name.startsWith('ENV') ? m | (1 << i) : m), 0) : 0;
  for (const v of vals) {
    const left = budget - states;
    if (left <= 0) {
      unknown = `state budget: ${budget} states spent after ${refuted} of ${vals.length} initial valuations`;
      break;
    }
    let r: ExploreResult;
    try {
      // bounded by states, not wall-clock: the same input gives the same verdict under any load
      r = explore(scriptModel(s, v), { maxStates: Math.min(opts.maxStates ?? MAX_STATES, left), timeMs: Number.POSITIVE_INFINITY, maxPreemptions: 2, ...(passive ? { passive } : {}) });
    } catch (e) {
      if (e instanceof ModelError || e instanceof Error) return { result: undefined, valuation: v, confirmation: done({ status: 'unknown', reason: `model does not compile: ${e.message}` }) };
      throw e;
    }
    last = r;
    states += r.states;
    // an environment CPU takes its locks in no order the code gives it: a deadlock it is part
    // of is not one the code shows. The model CPUs alone must deadlock (no writer in between).
    if (r.status === 'confirmed' && r.outcome === 'DEADLOCK' && envInCycle(s, r)) {
      const own = { ...s, threads: s.threads.filter((t) => !t.name.startsWith('ENV')) };
      const r2 = explore(scriptModel(own, v), { maxStates: Math.max(1, Math.min(opts.maxStates ?? MAX_STATES, budget - states)), timeMs: Number.POSITIVE_INFINITY, maxPreemptions: 2 });
      states += r2.states;
      if (r2.status === 'confirmed') r = r2;
      else {
        unknown ??= `the only deadlock found needs an environment CPU (${r.message ?? ''}), whose lock order is not taken from the code`;
        continue;
      }
    }
    if (r.status === 'confirmed') {
      if (r.outcome === s.expect) {
        return { result: r, valuation: v, confirmation: done({ status: 'confirmed', outcome: r.outcome, trace: r.trace, ...(r.message ? { reason: r.message } : {}), ...(Object.keys(v).length ? { initialValues: { ...v } } : {}) }) };
      }
      other ??= { r, v };
    } else if (r.status === 'refuted') refuted++;
    else unknown ??= r.reason ?? 'limit';
  }
  if (other) {
    return { result: other.r, valuation: other.v, confirmation: done({ status: 'unknown', outcome: other.r.outcome, trace: other.r.trace, reason: `the model ends in ${other.r.outcome}, not the ${s.expect} the finding predicts (${other.r.message ?? ''})` }) };
  }
  if (unknown) return { result: last, valuation: {}, confirmation: done({ status: 'unknown', reason: unknown }) };
  if (s.valuationSpace && s.valuationSpace > s.valuations.length) {
    return { result: last, valuation: {}, confirmation: done({ status: 'unknown', reason: `no violation for the first ${s.valuations.length} of ${s.valuationSpace} initial valuations of ${Object.keys(vals[0]!).join(', ')} (the rest not explored)` }) };
  }
  const why = last?.reason ?? 'exhaustive';
  return { result: last, valuation: {}, confirmation: done({ status: 'refuted', reason: vals.length > 1 ? `${why}; ${vals.length} distinct initial valuations (of ${s.valuations.length}) of ${Object.keys(vals[0]!).join(', ')}` : why }) };
}

/** The deadlock's blocked CPUs include an environment CPU (`CPU2 blocked: ...` of an `ENV:` thread). */
function envInCycle(s: ModelScript, r: ExploreResult): boolean {
  for (const m of (r.message ?? '').matchAll(/CPU(\d+) blocked/g)) if (s.threads[Number(m[1])]?.name.startsWith('ENV')) return true;
  return false;
}

type FnRanges = Map<string, { name: string; lo: number; hi: number }[]>;
const rangesOf = new WeakMap<Program, FnRanges>();

function fnRanges(program: Program): FnRanges {
  let byFile = rangesOf.get(program);
  if (byFile) return byFile;
  byFile = new Map();
  for (const f of program.functions) {
    let l = byFile.get(f.file);
    if (!l) byFile.set(f.file, (l = []));
    l.push({ name: f.name, lo: f.loc.line, hi: f.endLine });
  }
  rangesOf.set(program, byFile);
  return byFile;
}

/** Function names per CPU step, so the trace names both sides' functions. */
function nameFunctions(trace: TraceStep[], program: Program): TraceStep[] {
  const byFile = fnRanges(program);
  const lastFn = new Map<number, string>();
  return trace.map((t0) => {
    // a kept branch runs as "leave unless cond": say which way the C branch went, not the guard's value
    const t = /^if \(!\(/.test(t0.op) && (t0.note === 'false' || t0.note === 'true') ? { ...t0, note: t0.note === 'false' ? 'goes as on the path' : 'goes the other way: this CPU leaves the path' } : t0;
    if (!t.file || t.line === undefined || t.cpu < 0) return t;
    const fn = byFile.get(t.file)?.find((x) => x.lo <= t.line! && t.line! <= x.hi)?.name;
    if (!fn || lastFn.get(t.cpu) === fn) return t;
    lastFn.set(t.cpu, fn);
    return { ...t, note: t.note ? `${t.note}; in ${fn}` : `in ${fn}` };
  });
}

export function confirmFinding(f: Finding, program: Program, opts: ConfirmOptions = {}): Confirmation {
  const t0 = performance.now();
  const x = extractModel(f, program, opts.source, opts.lockGraph);
  if (!x.ok) return { status: 'unknown', reason: `no model: ${x.reason}`, ms: ms(t0) };
  if (x.method === 'template') {
    const t = runScript(x.script, x.method, opts).confirmation;
    // the textbook shape of the rule, run on the finding's locks: it shows the scenario, it
    // checks nothing about the code
    const ill = t.trace?.length ? { illustration: { ...(t.outcome ? { outcome: t.outcome } : {}), trace: t.trace } } : {};
    return { status: 'unknown', method: 'template', reason: `no model: ${x.why}`, ...ill, states: t.states ?? 0, ms: ms(t0) };
  }
  // a side the model found (a level violation's designed-order path) joins the finding's witness
  if (x.script.sides) for (const p of x.script.sides) if (!f.witness.some((w) => w.label === p.label)) f.witness.push(p);
  // the callers' common locks are checked by the model, not assumed away
  const cl = withCallerLocks(x.script, f, program);
  const script = cl.script;
  const v = runScript(script, x.method, opts);
  let c = v.confirmation;
  if (c.trace) c.trace = nameFunctions(c.trace, program);
  if (c.status === 'refuted') {
    const e = explainRefutation(script, f, opts);
    c.reason = e.reason;
    c.states = (c.states ?? 0) + e.states;
  }
  c.assumptions = assumptionsOf(f, script, c);
  if (cl.assumption) c.assumptions.splice(1, 0, cl.assumption);
  if (f.category === 'memory-ordering') {
    const l = litmusOf(script, v.valuation);
    if (typeof l === 'string') c.litmus = l;
    else c.assumptions.push({ kind: 'abstraction', text: `no herd7 litmus test: ${l.why}`, checked: false });
  }
  c = { ...c, ms: ms(t0) };
  return c;
}

/** States for confirming off-by-default (`-lowconf`) findings in one run, all together. */
export const LOWCONF_BUDGET_STATES = 20_000_000;

/**
 * Confirm every finding in place. Default rules' findings are always confirmed; the
 * low-confidence companions share a state budget, past which a finding is `unknown` with
 * the reason (`lockcheck model --emit ID` confirms one on its own).
 */
export function confirmFindings(findings: Finding[], program: Program, opts: ConfirmOptions & { lowconfBudgetStates?: number } = {}): void {
  const budget = opts.lowconfBudgetStates ?? LOWCONF_BUDGET_STATES;
  let spent = 0;
  for (const f of findings) {
    const low = f.rule.endsWith('-lowconf');
    if (low && spent >= budget) {
      f.confirmation = { status: 'unknown', reason: `not confirmed: the ${budget}-state budget for low-confidence findings was spent; 'lockcheck model --emit ${f.id} PATH...' writes its model to run` };
      continue;
    }
    f.confirmation = confirmFinding(f, program, opts);
    if (low) spent += f.confirmation.states ?? 0;
  }
}
