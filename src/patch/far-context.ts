// The far side of a patch's races and cycles: files outside the touched files' neighbourhood
// that a lock-order cycle or a race through the patched functions needs. From the tree's call
// and lock index (call-index.ts) and the functions the patch changes:
//   - the patch's locks: those the changed functions take, directly or through callees (a few
//     levels down), and the files of the callee chains that take them (first: one chain per
//     lock name, and without it no cycle through the patch's locks is seen);
//   - closing callers: callers of the changed functions (transitively, a few levels up) that
//     take one of those locks themselves (the other order, or a recursive take), with the
//     files of the call chain down to the patch;
//   - lock partners: functions that take one of the patch's locks and another of them, in
//     their own body or in a direct callee (a possible reverse order);
//   - context roots: an interrupting context's entry (the NMI or machine-check handler, a
//     fatal trap, the interrupt entry; from the rules) among the callers, with the chain down:
//     a lock the patch takes is taken from that context too (nmi-unsafe-lock, irq-safety);
//   - direct callers that take any lock.
// Ranked in that order (rarer lock names first: a name most of the tree takes, `lock`, says
// little) and capped; what the cap leaves out is counted so the report can say so.
import type { CallIndex, IndexedFunction } from './call-index.js';

export interface FarLimits {
  /** Files added for callers, lock partners and deep callee chains. */
  far: number;
  /** Levels of callers above the changed functions. */
  callerDepth: number;
  /** Levels of callees below them whose locks count as the patch's. */
  calleeDepth: number;
}

export const DEFAULT_FAR_LIMITS: FarLimits = { far: 60, callerDepth: 3, calleeDepth: 5 };

const COUNT_OF = { 'closing-caller': 'closingCallers', 'lock-chain': 'lockChain', 'lock-partner': 'lockPartners', 'context-root': 'contextRoots', caller: 'callers' } as const;

/** Functions visited per direction (a name every file calls, `printk`, fans out fast). */
const VISIT_CAP = 6000;
/** A name defined in more files than this (a per-driver static helper) is not followed. */
const MAX_DEFS = 4;
/** A member stored with more functions than this (`.init`, `.read`) is not followed. */
const MAX_MEMBER_FNS = 8;

export interface FarCandidate {
  file: string;
  kind: 'closing-caller' | 'lock-chain' | 'lock-partner' | 'context-root' | 'caller';
  /** Why: the function and lock that made it a candidate. */
  why: string;
  score: number;
  /** Files of the call chain it needs to reach the patch (added with it). */
  needs: string[];
}

export interface FarContext {
  files: string[];
  counts: { closingCallers: number; lockChain: number; lockPartners: number; contextRoots: number; callers: number };
  /** The patch's lock names (what the search looked for). */
  locks: string[];
  /** Candidate files the cap left out (0: the whole far side is in). */
  leftOut: number;
  candidates: number;
  /** Traversals stopped by the visit cap. */
  visitCapped: boolean;
}

interface Visit {
  fn: IndexedFunction;
  depth: number;
  /** The function one step nearer the patch. */
  via?: Visit;
}

/**
 * Breadth first from `seeds` along `next`, in order of depth, where a step into a function
 * `outside` the touched files costs a level and a step within them is free (the touched files
 * are analysed anyway); functions at `maxDepth` are visited, not expanded. True when the visit
 * cap stopped it.
 */
function walk(seeds: IndexedFunction[], next: (fn: IndexedFunction) => IndexedFunction[], maxDepth: number, outside: (fn: IndexedFunction) => boolean, visit: (v: Visit) => void): boolean {
  const seen = new Set<IndexedFunction>(seeds);
  // a deque as two stacks of levels: same-level steps join the current level
  let level: Visit[] = seeds.map((fn) => ({ fn, depth: 0 }));
  for (let depth = 0; level.length; depth++) {
    const later: Visit[] = [];
    for (let i = 0; i < level.length; i++) {
      const v = level[i]!;
      visit(v);
      if (depth >= maxDepth && outside(v.fn)) continue;
      for (const fn of next(v.fn)) {
        if (seen.has(fn)) continue;
        if (seen.size >= VISIT_CAP) return true;
        seen.add(fn);
        if (outside(fn)) later.push({ fn, depth: depth + 1, via: v });
        else level.push({ fn, depth, via: v });
      }
    }
    if (depth >= maxDepth) break;
    level = later;
  }
  return false;
}

/** The name at the patch's end of a visit chain. */
function chainTail(v: Visit): string {
  let x = v;
  while (x.via) x = x.via;
  return x.fn.name;
}

function chainFiles(v: Visit | undefined): string[] {
  const out: string[] = [];
  for (let x = v; x; x = x.via) out.push(x.fn.file);
  return out;
}

/**
 * `changed`: the patch's changed functions (their post- and pre-image versions);
 * `own`: every function of the touched files (calls among them need no file);
 * `present`: files already in the analysis (touched and near context).
 */
export function selectFar(
  idx: CallIndex,
  changed: IndexedFunction[],
  own: IndexedFunction[],
  present: ReadonlySet<string>,
  touched: ReadonlySet<string>,
  limits: FarLimits = DEFAULT_FAR_LIMITS,
  roots: ReadonlySet<string> = new Set(),
): FarContext {
  const outside = (fn: IndexedFunction): boolean => !touched.has(fn.file);
  const ownByName = new Map<string, IndexedFunction[]>();
  for (const f of own) ownByName.set(f.name, [...(ownByName.get(f.name) ?? []), f]);
  const direct = (name: string): IndexedFunction[] => {
    const mine = ownByName.get(name);
    if (mine) return mine;
    const d = (idx.defs.get(name) ?? []).filter(outside);
    return d.length > MAX_DEFS ? [] : d;
  };
  // a call through a function-pointer member reaches the functions stored into it
  const stored = (member: string): string[] => {
    const fns = idx.members.get(member);
    return fns && fns.size <= MAX_MEMBER_FNS ? [...fns] : [];
  };
  const defsOf = (name: string): IndexedFunction[] => [...direct(name), ...stored(name).flatMap(direct)];
  // callers of a name: direct, and through each member it is stored into
  const callersOf = (name: string): IndexedFunction[] => [
    ...(idx.callers.get(name) ?? []),
    ...[...(idx.storedAs.get(name) ?? [])].filter((m) => stored(m).includes(name)).flatMap((m) => idx.callers.get(m) ?? []),
  ];
  const callsName = (o: IndexedFunction, name: string): boolean => o.calls.has(name) || [...(idx.storedAs.get(name) ?? [])].some((m) => o.calls.has(m) && stored(m).includes(name));
  let visitCapped = false;
  // 1. Down: the changed functions' callees, and the locks taken on the way.
  const lockDepth = new Map<string, { depth: number; at: Visit }>();
  const downCalls = (fn: IndexedFunction): IndexedFunction[] => [...fn.calls].flatMap(defsOf);
  visitCapped = walk(changed, downCalls, limits.calleeDepth, outside, (v) => {
    for (const l of v.fn.locks) if (!lockDepth.has(l)) lockDepth.set(l, { depth: v.depth, at: v });
  }) || visitCapped;
  const locks = new Set(lockDepth.keys());
  // Rarer names weigh more: log(functions / takers).
  const weight = (l: string): number => Math.log((idx.functions + 1) / ((idx.takers.get(l)?.length ?? 0) + 1));
  const cands: FarCandidate[] = [];
  // The files of the callee chains that take the patch's locks.
  for (const [l, { depth, at }] of lockDepth) {
    if (depth === 0) continue;
    cands.push({ file: at.fn.file, kind: 'lock-chain', why: `${at.fn.name} takes ${l}`, score: 500 + weight(l) - depth, needs: chainFiles(at.via) });
  }
  // 2. Up: callers of the changed functions.
  const up = new Set<IndexedFunction>();
  const upCalls = (fn: IndexedFunction): IndexedFunction[] => [...callersOf(fn.name).filter(outside), ...own.filter((o) => callsName(o, fn.name))];
  visitCapped = walk(changed, upCalls, limits.callerDepth, outside, (w) => {
    up.add(w.fn);
    const v = w.via;
    if (!v || !outside(w.fn)) return;
    // an interrupting context's entry above the patch (its locks are taken from that context too)
    if (roots.has(w.fn.name)) cands.push({ file: w.fn.file, kind: 'context-root', why: `${w.fn.name} (an interrupting context's entry) reaches ${chainTail(w)}`, score: 450 - w.depth, needs: chainFiles(v) });
    const shared = [...w.fn.locks].filter((l) => locks.has(l));
    if (shared.length) {
      const best = shared.sort((x, y) => weight(y) - weight(x))[0]!;
      cands.push({ file: w.fn.file, kind: 'closing-caller', why: `${w.fn.name} takes ${best} and calls ${v.fn.name}`, score: 400 + weight(best) - w.depth, needs: chainFiles(v) });
    } else if (w.depth === 1 && w.fn.locks.size) {
      cands.push({ file: w.fn.file, kind: 'caller', why: `${w.fn.name} calls ${v.fn.name} and takes ${[...w.fn.locks][0]}`, score: 100 - w.depth, needs: chainFiles(v) });
    }
  }) || visitCapped;
  // 3. Lock partners: take one of the patch's locks and another of them (own body or a direct callee).
  for (const l of locks) {
    for (const fn of idx.takers.get(l) ?? []) {
      if (!outside(fn) || up.has(fn)) continue;
      let other: { lock: string; file?: string } | undefined;
      for (const m of fn.locks) if (m !== l && locks.has(m)) other = { lock: m };
      if (!other) {
        for (const c of fn.calls) {
          for (const g of defsOf(c)) {
            const m = [...g.locks].find((x) => x !== l && locks.has(x));
            if (m) other = { lock: m, file: g.file };
          }
          if (other) break;
        }
      }
      if (!other) continue;
      cands.push({ file: fn.file, kind: 'lock-partner', why: `${fn.name} takes ${l} and ${other.lock}`, score: 200 + Math.min(weight(l), weight(other.lock)), needs: other.file ? [other.file] : [] });
    }
  }
  // Rank, one entry per file (its best reason), then fill up to the cap.
  cands.sort((a, b) => b.score - a.score || a.file.localeCompare(b.file));
  const files: string[] = [];
  const have = new Set(present);
  const counts = { closingCallers: 0, lockChain: 0, lockPartners: 0, contextRoots: 0, callers: 0 };
  const seen = new Set<string>();
  let leftOut = 0;
  for (const c of cands) {
    if (seen.has(c.file) || present.has(c.file)) continue;
    seen.add(c.file);
    const add = [...new Set([...c.needs, c.file])].filter((f) => !have.has(f));
    if (files.length + add.length > limits.far) {
      leftOut++;
      continue;
    }
    for (const f of add) {
      have.add(f);
      files.push(f);
    }
    if (add.length) counts[COUNT_OF[c.kind]]++;
  }
  return { files, counts, locks: [...locks].sort(), leftOut, candidates: seen.size, visitCapped };
}
