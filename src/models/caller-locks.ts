// Locks the callers hold: a global lock held at every call site of both entry functions (the
// access index's entry locksets) serialises the two paths, though neither path takes it. The
// model takes it around each CPU, so the explorer checks it (a refutation then names it).
import type { Program } from '../analysis/program.js';
import { accessIndex } from '../analysis/access-index.js';
import type { Assumption, Finding } from '../report/finding.js';
import type { ModelScript, ScriptStep } from './extract/index.js';

/** A lock class that is one lock (a global or file-static variable), not a class of many instances. */
const isGlobal = (cls: string): boolean => cls.includes('@') || !cls.includes('.');

export function withCallerLocks(s: ModelScript, f: Finding, program: Program): { script: ModelScript; assumption?: Assumption } {
  const cpus = s.threads.map((t, i) => ({ t, i })).filter(({ t }) => !t.name.startsWith('ENV'));
  if (cpus.length < 2) return { script: s };
  const entries = cpus.map(({ t }) => f.witness.find((p) => t.name.startsWith(`${p.label}:`))?.callChain[0]);
  if (entries.some((e) => !e)) return { script: s };
  const idx = accessIndex(program);
  const fnOf = (name: string) => program.functions.filter((x) => x.name === name);
  let common: Set<string> | undefined;
  for (const e of entries) {
    const fns = fnOf(e!);
    if (fns.length !== 1) return { script: s }; // several functions of that name: cannot tell which
    const held = [...idx.entryHeld(fns[0]!.key)].filter(isGlobal);
    common = common ? new Set(held.filter((l) => common!.has(l))) : new Set(held);
  }
  const locks = [...(common ?? [])].filter((l) => !s.locks.includes(l) && !f.locks.includes(l));
  const names = [...new Set(entries)].join(', ');
  if (!locks.length) return { script: s, assumption: { kind: 'concurrency', text: `the callers of ${names} hold no common global lock at every call site (checked against the tree's call sites; locks of per-object instances are not compared)`, checked: true } };
  const threads = s.threads.map((t, i) => {
    if (!cpus.some((c) => c.i === i)) return t;
    const entry = entries[cpus.findIndex((c) => c.i === i)]!;
    const pre: ScriptStep[] = locks.map((l) => ({ call: 'lock', args: [l, { code: `/* every caller of ${entry} holds ${l} */` }] }));
    const post: ScriptStep[] = [...locks].reverse().map((l) => ({ call: 'unlock', args: [l, { code: `/* the caller releases ${l} */` }] }));
    return { ...t, steps: [...pre, ...t.steps, ...post] };
  });
  return {
    script: { ...s, locks: [...s.locks, ...locks], threads },
    assumption: { kind: 'concurrency', text: `every call site of ${names} holds ${locks.join(', ')}: the model takes ${locks.length === 1 ? 'it' : 'them'} around each CPU`, checked: true },
  };
}
