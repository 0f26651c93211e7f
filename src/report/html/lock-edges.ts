// The lock-order edges a finding's witness paths show: each path that takes a lock while
// holding another is one edge (first lock -> last lock), labelled with the function and line
// where, holding the first, it goes on to take the second. Edges of the finding's cycle
// (its `locks` in order, for lock-order findings) are marked.
import type { Finding, WitnessPath, WitnessStep } from '../finding.js';

export interface LockEdge {
  from: string;
  to: string;
  /** The step where the path, holding `from`, heads for `to`. */
  at: WitnessStep;
  /** Witness labels showing this edge (`CPU0`, `CPU0 (also 2)`). */
  labels: string[];
  cycle: boolean;
}

const ACQUIRE = /^acquire (\S+)/;

export function pathEdge(w: WitnessPath): { from: string; to: string; at: WitnessStep } | undefined {
  const acq = w.steps.map((s, i) => ({ i, cls: ACQUIRE.exec(s.event)?.[1] })).filter((x): x is { i: number; cls: string } => !!x.cls);
  if (acq.length < 2) return undefined;
  const first = acq[0]!;
  const last = acq[acq.length - 1]!;
  return { from: first.cls, to: last.cls, at: w.steps[Math.min(first.i + 1, last.i)]! };
}

export function lockEdges(f: Finding): LockEdge[] {
  const cycle = new Set<string>();
  // a cycle through its locks in order; one lock: two instances of it nested (a self-loop)
  if (f.category === 'lock-order') f.locks.forEach((l, i) => cycle.add(`${l}>${f.locks[(i + 1) % f.locks.length]}`));
  const out = new Map<string, LockEdge>();
  for (const w of f.witness) {
    const e = pathEdge(w);
    if (!e) continue;
    const k = `${e.from}>${e.to}`;
    const had = out.get(k);
    if (had) had.labels.push(w.label);
    else out.set(k, { ...e, labels: [w.label], cycle: cycle.has(k) });
  }
  return [...out.values()];
}
