// Initial valuations that behave differently. Many candidate valuations of the condition
// variables make every kept branch go the same way: those runs are the same run. A valuation
// is kept once per signature: the values of variables the threads read or write (or that a
// condition mixes with registers), plus the truth of every condition over the others.
import { exprNames, parseExpr, type ExprAst } from '../explorer/expr.js';
import type { ModelScript, ScriptStep } from './script.js';

function evalAst(e: ExprAst, env: Record<string, number>): number {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'id':
      return (env[e.name] ?? 0) | 0;
    case 'un': {
      const a = evalAst(e.a, env);
      return e.op === '!' ? (a === 0 ? 1 : 0) : e.op === '-' ? -a | 0 : ~a;
    }
    case 'bin': {
      const a = evalAst(e.a, env);
      if (e.op === '&&') return a !== 0 && evalAst(e.b, env) !== 0 ? 1 : 0;
      if (e.op === '||') return a !== 0 || evalAst(e.b, env) !== 0 ? 1 : 0;
      const b = evalAst(e.b, env);
      switch (e.op) {
        case '|': return a | b;
        case '^': return a ^ b;
        case '&': return a & b;
        case '==': return a === b ? 1 : 0;
        case '!=': return a !== b ? 1 : 0;
        case '<': return a < b ? 1 : 0;
        case '<=': return a <= b ? 1 : 0;
        case '>': return a > b ? 1 : 0;
        case '>=': return a >= b ? 1 : 0;
        case '<<': return a << b;
        case '>>': return a >> b;
        case '+': return (a + b) | 0;
        case '-': return (a - b) | 0;
        case '*': return Math.imul(a, b);
        case '/': return b === 0 ? 0 : (a / b) | 0;
        case '%': return b === 0 ? 0 : a % b | 0;
        default: return 0;
      }
    }
  }
}

function walk(steps: ScriptStep[], conds: string[], touched: Set<string>): void {
  for (const s of steps) {
    if (s.call === 'if' && 'cond' in s) {
      conds.push(s.cond);
      walk(s.then, conds, touched);
      continue;
    }
    const a = (s as { args: unknown[] }).args;
    if (s.call === 'store' && typeof a[0] === 'string') touched.add(a[0]);
    else if (s.call === 'load' && typeof a[1] === 'string') touched.add(a[1]);
    else if (s.call === 'rmw' && typeof a[1] === 'string') touched.add(a[1]);
  }
}

/** The valuations of `s` that can behave differently (in their original order). */
export function distinctValuations(s: ModelScript): Record<string, number>[] {
  if (s.valuations.length <= 1) return s.valuations;
  const keys = Object.keys(s.valuations[0]!);
  const conds: string[] = [];
  const touched = new Set<string>();
  for (const t of s.threads) walk(t.steps, conds, touched);
  if (s.invariant) conds.push(String(s.invariant.cond));
  const dynamic = new Set(keys.filter((k) => touched.has(k)));
  const statics: ExprAst[] = [];
  for (const c of conds) {
    let ast: ExprAst;
    try {
      ast = parseExpr(c);
    } catch {
      return s.valuations;
    }
    const names = [...exprNames(ast)];
    const onKeys = names.filter((n) => keys.includes(n));
    if (!onKeys.length) continue;
    if (names.every((n) => keys.includes(n) && !dynamic.has(n))) statics.push(ast);
    else for (const n of onKeys) dynamic.add(n);
  }
  const seen = new Set<string>();
  const out: Record<string, number>[] = [];
  for (const v of s.valuations) {
    const sig = [...[...dynamic].map((k) => v[k]), '|', ...statics.map((a) => evalAst(a, v))].join(',');
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(v);
  }
  return out;
}
