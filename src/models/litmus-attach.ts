// The herd7 litmus test of a memory-ordering model, attached to its verdict so a maintainer
// can re-check it with `herd7 -conf linux-kernel.cfg`. Extracted models check their property
// with assertions on registers; herd7 wants a final-state `exists` clause, so each assertion
// becomes "the conditions that let the CPU reach it held, and it failed" over `N:reg`.
// When herd7 cannot express the model, says why.
import { LitmusError, toLitmus } from './litmus.js';
import { scriptModel, type ModelScript, type ScriptStep } from './extract/index.js';

const regs = (cond: string, cpu: number): string => cond.replace(/\b([rt]\d+)\b/g, `cpu${cpu}.$1`);

/**
 * The bad outcomes of a thread's assertions, over `cpuN.reg`, and its steps without them; a
 * leave (`if (!(c)) { ...; return }`) becomes `if (c) { rest }` (herd7 has no return).
 */
function badOf(steps: ScriptStep[], cpu: number, guards: string[], bad: string[]): ScriptStep[] {
  const out: ScriptStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!;
    if (st.call === 'if' && 'cond' in st) {
      if (st.then.some((x) => x.call === 'ret')) {
        const m = /^!\((.*)\)$/.exec(st.cond);
        const c = m ? m[1]! : `!(${st.cond})`;
        out.push({ call: 'if', cond: c, then: badOf(steps.slice(i + 1), cpu, [...guards, c], bad) });
        return out;
      }
      out.push({ ...st, then: badOf(st.then, cpu, [...guards, st.cond], bad) });
      continue;
    }
    if (st.call === 'assert') {
      const c = String((st as { args: unknown[] }).args[0]);
      bad.push([...guards, `!(${c})`].map((x) => `(${regs(x, cpu)})`).join(' && '));
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
      const threads = s.threads.map((t, i) => ({ ...t, steps: badOf(t.steps, i, [], bad) }));
      if (bad.length !== 1) return { why: `the model has ${bad.length} assertions; herd7 takes one final-state condition` };
      m = { ...s, threads, invariant: { cond: `!(${bad[0]})`, outcome: s.expect } };
    }
    return toLitmus(scriptModel(m, valuation));
  } catch (e) {
    if (e instanceof LitmusError || e instanceof Error) return { why: e.message };
    throw e;
  }
}
