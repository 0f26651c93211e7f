// The rest of the tree. A branch condition reads shared state the model's CPUs do not write,
// but other code in the tree may: between two reads on one path the value can change. For each
// such variable an environment CPU writes every candidate value in turn, holding the locks that
// every writer in the tree holds (so lock-protected state stays stable under the lock). Past
// `maxEnv` environment CPUs, conditions on further written variables are dropped (both edges
// possible). Variables nobody writes are constants for the race: their initial value is
// enumerated (see valuations.ts).
import { writeIndex } from '../../checkers/shared-writes.js';
import type { Program } from '../../analysis/program.js';
import type { ModelScript, ScriptStep, ScriptThread } from './script.js';

function mentions(cond: string, v: string): boolean {
  const esc = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.])${esc}($|[^\\w.])`).test(cond);
}

export function dropConds(steps: ScriptStep[], vars: string[]): ScriptStep[] {
  const out: ScriptStep[] = [];
  for (const s of steps) {
    if (s.call === 'if' && 'cond' in s) {
      if (vars.some((v) => mentions(s.cond, v))) continue;
      out.push({ ...s, then: dropConds(s.then, vars) });
    } else out.push(s);
  }
  return out;
}

/** Variables the model's CPUs write, with the `file:line`s of their writes. */
function written(steps: ScriptStep[], out: Map<string, Set<string>>): void {
  const add = (v: unknown, src: unknown): void => {
    if (typeof v !== 'string') return;
    let s = out.get(v);
    if (!s) out.set(v, (s = new Set()));
    const o = src as { file?: string; line?: number } | undefined;
    if (o?.file && o.line !== undefined) s.add(`${o.file}:${o.line}`);
  };
  for (const s of steps) {
    if (s.call === 'if' && 'cond' in s) written(s.then, out);
    else if (s.call === 'store') add((s as { args: unknown[] }).args[0], (s as { args: unknown[] }).args[2]);
    else if (s.call === 'rmw') add((s as { args: unknown[] }).args[1], (s as { args: unknown[] }).args[4]);
  }
}

/** Adds the environment CPUs; returns the variables whose conditions were dropped. */
export function addEnvironment(p: Program, s: ModelScript, condVars: Map<string, Set<number>>, condClass: Map<string, string> | undefined, maxEnv = 2, othersOfOwn = true): string[] {
  if (!condVars.size) return [];
  const mine = new Map<string, Set<string>>();
  for (const t of s.threads) written(t.steps, mine);
  const wi = writeIndex(p);
  const envThreads: ScriptThread[] = [];
  const dropped: string[] = [];
  for (const [v, vals] of condVars) {
    const cls = condClass?.get(v);
    // writers the model's CPUs do not run (a model CPU's own write is in its thread already)
    const own = mine.get(v);
    if (own && !othersOfOwn) continue;
    const sites = (cls ? (wi.byClass.get(cls) ?? []) : []).filter((w) => !own?.has(`${w.e.loc.file}:${w.e.loc.line}`));
    if (!sites.length) continue; // nobody writes it: a constant for the race
    if (envThreads.length >= maxEnv) {
      dropped.push(v);
      continue;
    }
    // locks every writer holds, among the model's locks
    let held: string[] | undefined;
    for (const w of sites) held = (held ?? [...w.held]).filter((l) => w.held.has(l));
    const locks = (held ?? []).filter((l) => s.locks.includes(l));
    const w0 = sites[0]!;
    const at = { file: w0.e.loc.file, line: w0.e.loc.line };
    const steps: ScriptStep[] = [];
    for (const c of vals) {
      for (const l of locks) steps.push({ call: 'lock', args: [l, { ...at, code: `/* a writer of ${cls} (${w0.fn.name}, ...) takes ${l} */` }] });
      steps.push({ call: 'store', args: [v, c, { ...at, code: `/* ${w0.fn.name}${sites.length > 1 ? ` (one of ${sites.length} writers)` : ''} sets ${cls} */` }] });
      for (const l of [...locks].reverse()) steps.push({ call: 'unlock', args: [l, { ...at, code: `/* releases ${l} */` }] });
    }
    envThreads.push({ name: `ENV: other writers of ${cls} (${[...new Set(sites.map((x) => x.fn.name))].slice(0, 3).join(', ')})`, steps });
  }
  if (dropped.length) s.threads = s.threads.map((t) => ({ ...t, steps: dropConds(t.steps, dropped) }));
  s.threads.push(...envThreads);
  for (const v of dropped) condVars.delete(v);
  return dropped;
}
