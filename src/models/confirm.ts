// Confirmation: extract a model for each finding, explore it with small limits, and record
// the verdict and the violating interleaving on the finding. A refuted finding is kept (its
// message says so); limits give `unknown` with the reason.
import type { Program } from '../analysis/program.js';
import type { SourceLookup } from '../checkers/api.js';
import type { Confirmation, Finding, TraceStep } from '../report/finding.js';
import { explore, type ExploreResult } from './explorer/explore.js';
import { ModelError } from './explorer/program.js';
import { extractModel, scriptModel, type ModelScript } from './extract/index.js';
import { distinctValuations } from './extract/valuations.js';

export interface ConfirmOptions {
  /** States per exploration (default 20,000). */
  maxStates?: number;
  /** Time budget per finding in ms (default 100). */
  timeMs?: number;
  /** Source lines for ops that are not witness steps. */
  source?: SourceLookup;
}

export const REFUTED_NOTE = ' (model: refuted, no violating interleaving within bounds)';

export interface RunVerdict {
  result: ExploreResult | undefined;
  confirmation: Confirmation;
  valuation: Record<string, number>;
}

/** Explore a model script over its initial valuations until the expected violation shows up. */
export function runScript(s: ModelScript, method: 'extracted' | 'template' | undefined, opts: ConfirmOptions = {}): RunVerdict {
  const t0 = performance.now();
  const budget = opts.timeMs ?? 100;
  const distinct = distinctValuations(s);
  const vals = distinct.length ? distinct : [{}];
  let states = 0;
  let refuted = 0;
  let other: { r: ExploreResult; v: Record<string, number> } | undefined;
  let unknown: string | undefined;
  let last: ExploreResult | undefined;
  const done = (c: Confirmation): Confirmation => ({ ...c, ...(method ? { method } : {}), states, ms: Math.round((performance.now() - t0) * 100) / 100 });
  for (const v of vals) {
    const left = budget - (performance.now() - t0);
    if (left <= 0) {
      unknown = `time limit: ${refuted} of ${vals.length} initial valuations explored`;
      break;
    }
    let r: ExploreResult;
    try {
      r = explore(scriptModel(s, v), { maxStates: opts.maxStates ?? 20_000, timeMs: Math.max(1, left), maxPreemptions: 2 });
    } catch (e) {
      if (e instanceof ModelError || e instanceof Error) return { result: undefined, valuation: v, confirmation: done({ status: 'unknown', reason: `model does not compile: ${e.message}` }) };
      throw e;
    }
    last = r;
    states += r.states;
    if (r.status === 'confirmed') {
      if (r.outcome === s.expect) {
        return { result: r, valuation: v, confirmation: done({ status: 'confirmed', outcome: r.outcome, trace: r.trace, ...(r.message ? { reason: r.message } : {}) }) };
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
  return trace.map((t) => {
    if (!t.file || t.line === undefined || t.cpu < 0) return t;
    const fn = byFile.get(t.file)?.find((x) => x.lo <= t.line! && t.line! <= x.hi)?.name;
    if (!fn || lastFn.get(t.cpu) === fn) return t;
    lastFn.set(t.cpu, fn);
    return { ...t, note: t.note ? `${t.note}; in ${fn}` : `in ${fn}` };
  });
}

export function confirmFinding(f: Finding, program: Program, opts: ConfirmOptions = {}): Confirmation {
  const t0 = performance.now();
  const x = extractModel(f, program, opts.source);
  if (!x.ok) return { status: 'unknown', reason: `no model: ${x.reason}`, ms: Math.round((performance.now() - t0) * 100) / 100 };
  const v = runScript(x.script, x.method, opts);
  const c = v.confirmation;
  if (c.trace) c.trace = nameFunctions(c.trace, program);
  if (x.note) c.reason = `${c.reason ?? ''} [${x.note}]`.trim();
  c.ms = Math.round((performance.now() - t0) * 100) / 100;
  return c;
}

/** Total time for confirming off-by-default (`-lowconf`) findings in one run. */
export const LOWCONF_BUDGET_MS = 10_000;

/**
 * Confirm every finding in place. Default rules' findings are always confirmed; the
 * low-confidence companions share a time budget, past which a finding is `unknown` with
 * the reason (`lockcheck model --emit ID` confirms one on its own).
 */
export function confirmFindings(findings: Finding[], program: Program, opts: ConfirmOptions & { lowconfBudgetMs?: number } = {}): void {
  const budget = opts.lowconfBudgetMs ?? LOWCONF_BUDGET_MS;
  let spent = 0;
  for (const f of findings) {
    const low = f.rule.endsWith('-lowconf');
    if (low && spent >= budget) {
      f.confirmation = { status: 'unknown', reason: `not confirmed: the ${Math.round(budget / 1000)} s budget for low-confidence findings was spent; 'lockcheck model --emit ${f.id} PATH...' writes its model to run` };
      continue;
    }
    const t0 = performance.now();
    f.confirmation = confirmFinding(f, program, opts);
    if (low) spent += performance.now() - t0;
    if (f.confirmation.status === 'refuted' && !f.message.endsWith(REFUTED_NOTE)) f.message += REFUTED_NOTE;
  }
}
