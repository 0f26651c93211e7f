// Why a refuted model is safe, found by checking what the refutation depends on: the model
// is re-run without its path conditions, then without each lock its CPUs share. The first
// change that lets the predicted violation happen is the reason, named with its C lines.
import type { Finding } from '../report/finding.js';
import { runScript, type ConfirmOptions } from './confirm.js';
import type { ModelScript, ScriptStep } from './extract/index.js';

type IfStep = Extract<ScriptStep, { then: ScriptStep[] }>;

interface Leave {
  cpu: number;
  step: IfStep;
}

const isEnv = (name: string): boolean => name.startsWith('ENV');
const at = (src: unknown): string => {
  const s = src as { file?: string; line?: number } | undefined;
  return s?.file && s.line !== undefined ? `${s.file.split('/').pop()}:${s.line}` : '';
};

function leaves(s: ModelScript): Leave[] {
  const out: Leave[] = [];
  s.threads.forEach((t, cpu) => {
    if (isEnv(t.name)) return;
    for (const st of t.steps) if (st.call === 'if' && 'cond' in st && st.then.some((x) => x.call === 'ret')) out.push({ cpu, step: st });
  });
  return out;
}

const without = (s: ModelScript, drop: Set<ScriptStep>): ModelScript => ({ ...s, threads: s.threads.map((t) => ({ ...t, steps: t.steps.filter((x) => !drop.has(x)) })) });

function withoutLock(s: ModelScript, lock: string): ModelScript {
  const strip = (steps: ScriptStep[]): ScriptStep[] =>
    steps.filter((x) => !((x.call === 'lock' || x.call === 'unlock') && (x as { args: unknown[] }).args[0] === lock)).map((x) => (x.call === 'if' && 'cond' in x ? { ...x, then: strip(x.then) } : x));
  return { ...s, locks: s.locks.filter((l) => l !== lock), threads: s.threads.map((t) => ({ ...t, steps: strip(t.steps) })) };
}

const condText = (l: Leave): string => {
  const src = l.step.src as { code?: string } | undefined;
  const code = src?.code ?? `if (${l.step.cond})`;
  return `CPU${l.cpu} \`${code.replace(/\s+/g, ' ')}\`${at(l.step.src) ? ` (${at(l.step.src)})` : ''}`;
};

export function explainRefutation(s: ModelScript, f: Finding, opts: ConfirmOptions): { reason: string; states: number } {
  let states = 0;
  const o = { ...opts, budgetStates: Math.min(opts.budgetStates ?? 50_000, 50_000) };
  const violates = (m: ModelScript): boolean => {
    const v = runScript(m, 'extracted', o);
    states += v.confirmation.states ?? 0;
    return v.confirmation.status === 'confirmed';
  };
  const vals = s.valuations.length ? ` for every initial value tried (${[...new Set(s.valuations.flatMap((v) => Object.keys(v)))].join(', ')})` : '';
  const ls = leaves(s);
  if (ls.length && violates(without(s, new Set(ls.map((l) => l.step))))) {
    // the fewest conditions that matter: each one whose removal alone lets it happen
    const single = ls.length <= 8 ? ls.filter((l) => violates(without(s, new Set([l.step])))) : [];
    const named = (single.length ? single : ls).slice(0, 4).map(condText).join('; ');
    return { reason: `the path conditions exclude it: ${named}${ls.length > 4 && !single.length ? ` (+${ls.length - 4} more)` : ''} cannot hold together with the rest of the interleaving${vals}`, states };
  }
  const cpus = s.threads.filter((t) => !isEnv(t.name));
  const takes = (steps: ScriptStep[], l: string): ScriptStep | undefined => {
    for (const x of steps) {
      if ((x.call === 'lock' || x.call === 'trylock') && (x as { args: unknown[] }).args[x.call === 'trylock' ? 1 : 0] === l) return x;
      if (x.call === 'if' && 'cond' in x) {
        const y = takes(x.then, l);
        if (y) return y;
      }
    }
    return undefined;
  };
  const focus = (l: string): boolean => f.locks.some((k) => l === k || l.startsWith(`${k}/`));
  for (const l of s.locks) {
    if (focus(l)) continue;
    const sites = cpus.map((t) => takes(t.steps, l));
    if (sites.filter(Boolean).length < 2) continue;
    if (violates(withoutLock(s, l))) {
      const srcOf = (x: ScriptStep): string => {
        const a = (x as { args: unknown[] }).args[x.call === 'trylock' ? 2 : 1] as { code?: string } | undefined;
        return at(a) || a?.code || '?';
      };
      const where = sites.map((x, i) => (x ? `CPU${i}: ${srcOf(x)}` : '')).filter(Boolean).join('; ');
      return { reason: `both sides hold ${l} (${where}) around the steps: they cannot interleave there`, states };
    }
  }
  return { reason: `no interleaving of the extracted model reaches ${s.expect}${vals}, and neither its path conditions nor a lock both sides share alone explains it (see the assumptions)`, states };
}
