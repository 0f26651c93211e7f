// The herd7 litmus test of a memory-ordering model, attached to its verdict so a maintainer
// can re-check it with `herd7 -conf linux-kernel.cfg`. Extracted models check their property
// with assertions on registers; herd7 wants a final-state `exists` clause, so each assertion
// becomes "the conditions that let the CPU reach it held, and it failed" over `N:reg`.
// When herd7 cannot express the model, says why.
import { LitmusError, toLitmus } from './litmus.js';
import { scriptModel, type ModelScript, type ScriptStep } from './extract/index.js';

const regs = (cond: string, cpu: number): string => cond.replace(/(?<![\w.])([rt]\d+)\b/g, `cpu${cpu}.$1`);

/**
 * The bad outcomes of a thread's assertions, over `cpuN.reg`, and its steps without them; a
 * leave (`if (!(c)) { ...; return }`) becomes `if (c) { rest }` (herd7 has no return).
 */
/** herd7 compares names with constants: a bare `x` is `x != 0`, `!x` is `x == 0`. */
function truth(c: string): string {
  let t = c.trim();
  while (/^\((.*)\)$/.test(t) && !/\).*\(/.test(t.slice(1, -1))) t = t.slice(1, -1).trim();
  const neg = /^!\s*\(?\s*([\w.]+)\s*\)?$/.exec(t);
  if (neg) return `${neg[1]} == 0`;
  if (/^[\w.]+$/.test(t)) return `${t} != 0`;
  const inner = /^!\((.*)\)$/.exec(t);
  if (inner && !/\).*\(/.test(inner[1]!)) return `!(${truth(inner[1]!)})`;
  return c;
}

/** A condition reading shared variables directly: load each into a register first (herd7 branches on registers). */
function loadShared(cond: string, shared: string[], out: ScriptStep[], next: { n: number }): string {
  let c = cond;
  for (const v of shared) {
    const re = new RegExp(`(^|[^\\w.])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.])`, 'g');
    if (!re.test(c)) continue;
    const r = `t${900 + next.n++}`;
    out.push({ call: 'load', args: [r, v, { order: 'once' }] });
    c = c.replace(re, (_m, pre: string) => `${pre}${r}`);
  }
  return c;
}

function badOf(steps: ScriptStep[], cpu: number, guards: string[], bad: string[], shared: string[] = [], next = { n: 0 }): ScriptStep[] {
  const out: ScriptStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!;
    if (st.call === 'if' && 'cond' in st) {
      if (st.then.some((x) => x.call === 'ret')) {
        const m = /^!\((.*)\)$/.exec(st.cond);
        const c = loadShared(m ? m[1]! : `!(${st.cond})`, shared, out, next);
        out.push({ call: 'if', cond: c, then: badOf(steps.slice(i + 1), cpu, [...guards, c], bad, shared, next) });
        return out;
      }
      const c = loadShared(st.cond, shared, out, next);
      out.push({ ...st, cond: c, then: badOf(st.then, cpu, [...guards, c], bad, shared, next) });
      continue;
    }
    if (st.call === 'assert') {
      const c = String((st as { args: unknown[] }).args[0]);
      bad.push([...guards, `!(${c})`].map((x) => `(${truth(regs(x, cpu))})`).join(' && '));
      continue;
    }
    out.push(st);
  }
  return out;
}

export function litmusOf(s: ModelScript, valuation: Record<string, number>): string | { why: string } {
  if (s.memory !== 'lkmm') return { why: 'the model runs sequentially consistent memory (a race on one location), not LKMM' };
  try {
    let m = s;
    if (!s.invariant) {
      const bad: string[] = [];
      const shared = Object.keys(s.vars).sort((a, b) => b.length - a.length);
      const threads = s.threads.map((t, i) => ({ ...t, steps: badOf(t.steps, i, [], bad, shared) }));
      if (bad.length !== 1) return { why: `the model has ${bad.length} assertions; herd7 takes one final-state condition` };
      m = { ...s, threads, invariant: { cond: `!(${bad[0]})`, outcome: s.expect } };
    }
    return toLitmus(scriptModel(m, valuation));
  } catch (e) {
    if (e instanceof LitmusError || e instanceof Error) return { why: e.message };
    throw e;
  }
}
