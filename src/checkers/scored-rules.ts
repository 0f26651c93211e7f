// A rule and its off-by-default `-lowconf` companion over one scored candidate list: the
// candidates are computed once per program, at or above the threshold go to the rule,
// the rest to the companion.
import type { Category, Severity } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';

export interface ScoredRulesSpec<C extends { score: number }> {
  id: string;
  category: Category;
  severity: Severity;
  description: string;
  lowDescription: string;
  threshold: number;
  candidates: (ctx: CheckerContext) => C[];
  report: (ctx: CheckerContext, c: C) => void;
}

export function scoredRules<C extends { score: number }>(spec: ScoredRulesSpec<C>): [Checker, Checker] {
  const cache = new WeakMap<object, C[]>();
  const cands = (ctx: CheckerContext): C[] => {
    let c = cache.get(ctx.program);
    if (!c) cache.set(ctx.program, (c = spec.candidates(ctx)));
    return c;
  };
  return [
    {
      meta: { id: spec.id, category: spec.category, severity: spec.severity, description: spec.description, defaultOn: true },
      run(ctx) {
        for (const c of cands(ctx)) if (c.score >= spec.threshold) spec.report(ctx, c);
      },
    },
    {
      meta: { id: `${spec.id}-lowconf`, category: spec.category, severity: 'note', description: spec.lowDescription, defaultOn: false },
      run(ctx) {
        for (const c of cands(ctx)) if (c.score < spec.threshold) spec.report(ctx, c);
      },
    },
  ];
}
