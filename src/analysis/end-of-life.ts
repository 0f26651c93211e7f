// End of an object's life as an event: a free, an unmap or a reference drop of a local or
// parameter, made directly or by a callee (2-3 levels down) that ends its parameter's life on
// every path that does anything (`if (!p) return;` excepted).
import type { Program } from './program.js';
import type { AccessPath, FunctionIR, IrEvent } from '../ir/types.js';

export type EndKind = 'free' | 'unmap' | 'put';

export interface EndOfLife {
  /** The path whose object ends (the argument at a call site). */
  path: AccessPath;
  kind: EndKind;
  /** The API that ends it (`xfree`), and the callees it was reached through, outermost first. */
  api: string;
  via: string[];
  /** The API sets the pointer itself to NULL (`XFREE(p)`); copies of it still dangle. */
  clears?: boolean;
}

/** Parameters a function ends the life of on every non-trivial path: index -> how. */
type Summary = Map<number, { kind: EndKind; api: string; via: string[] }>;

const cache = new WeakMap<Program, Map<string, Summary>>();
const MAX_DEPTH = 3;

function paramIndex(p: AccessPath): number {
  return p.root.startsWith('param:') && !p.fields.length ? Number(p.root.slice(6)) : -1;
}

/** The end-of-life event e is, if any: its own free event, or a call to a function that ends a parameter. */
export function endOfLife(prog: Program, fn: FunctionIR, e: IrEvent, depth = MAX_DEPTH): EndOfLife[] {
  if (e.k === 'free') return [{ path: e.path, kind: e.kind ?? 'free', api: e.api, via: [], ...(e.clears ? { clears: true } : {}) }];
  if (e.k !== 'call' || e.via || depth <= 0 || prog.rules.frees.has(e.callee)) return [];
  const callee = prog.resolveCallee(fn, e.callee);
  if (!callee || callee === fn) return [];
  const out: EndOfLife[] = [];
  for (const [i, s] of summary(prog, callee, depth - 1)) {
    const a = e.args[i];
    if (a && e.argText[i] && !e.argText[i]!.startsWith('&')) out.push({ path: a, kind: s.kind, api: s.api, via: [callee.name, ...s.via] });
  }
  return out;
}

function summary(prog: Program, fn: FunctionIR, depth: number): Summary {
  let m = cache.get(prog);
  if (!m) cache.set(prog, (m = new Map()));
  const key = `${fn.key}#${depth}`;
  const c = m.get(key);
  if (c) return c;
  const out: Summary = new Map();
  m.set(key, out); // recursion: a cycle ends nothing
  if (!fn.params.length) return out;
  // which events end which parameter
  const ends = new Map<IrEvent, number[]>();
  const how = new Map<number, { kind: EndKind; api: string; via: string[] }>();
  for (const b of fn.blocks) for (const e of b.events) {
    const l = endOfLife(prog, fn, e, depth).filter((x) => paramIndex(x.path) >= 0);
    if (!l.length) continue;
    ends.set(e, l.map((x) => paramIndex(x.path)));
    for (const x of l) if (!how.has(paramIndex(x.path))) how.set(paramIndex(x.path), { kind: x.kind, api: x.api, via: x.via });
  }
  for (const [i, h] of how) {
    if (reachesExitAlive(fn, ends, i)) continue;
    out.set(i, h);
  }
  return out;
}

/** Whether the exit is reached, having done something other than test and return (branch
 * assumptions are tests too), without ending param i. */
function reachesExitAlive(fn: FunctionIR, ends: Map<IrEvent, number[]>, i: number): boolean {
  const seen = new Set<string>();
  const work: [number, boolean][] = [[0, false]];
  while (work.length) {
    const [b, busy0] = work.pop()!;
    let busy = busy0;
    let ended = false;
    for (const e of fn.blocks[b]!.events) {
      if (ends.get(e)?.includes(i)) {
        ended = true;
        break;
      }
      if (e.k !== 'branch' && e.k !== 'return' && e.k !== 'assign' && e.k !== 'assume') busy = true;
    }
    if (ended) continue;
    if (b === fn.exit && busy) return true;
    for (const s of fn.blocks[b]!.succ) {
      const k = `${s}:${busy}`;
      if (!seen.has(k)) {
        seen.add(k);
        work.push([s, busy]);
      }
    }
  }
  return false;
}

/**
 * An indirect call's end of life (`ops->free_vdata(ops, p)`): a parameter some target the call
 * can reach ends on every path of that target (the table in use decides; one implementation
 * that frees is enough for the object to be gone). Named by the targets that end it.
 */
export function indirectEndOfLife(prog: Program, fn: FunctionIR, e: IrEvent): EndOfLife[] {
  if (e.k !== 'call' || !e.via) return [];
  const targets = prog.indirectTargets(fn, e);
  if (!targets.length) return [];
  const by = new Map<number, { names: string[]; kind: EndKind; api: string; via: string[] }>();
  for (const t of targets) {
    for (const [i, s] of summary(prog, t, MAX_DEPTH - 1)) {
      const x = by.get(i);
      if (x) x.names.push(t.name);
      else by.set(i, { names: [t.name], kind: s.kind, api: s.api, via: s.via });
    }
  }
  const out: EndOfLife[] = [];
  for (const [i, s] of by) {
    const a = e.args[i];
    const uniq = [...new Set(s.names)];
    const names = `${uniq.slice(0, 3).join(', ')}${uniq.length > 3 ? ', ...' : ''}`;
    if (a && e.argText[i] && !e.argText[i]!.startsWith('&')) out.push({ path: a, kind: s.kind, api: s.api, via: [`${e.callee.slice(1)} (${names})`, ...s.via] });
  }
  return out;
}
