// The lock-order graph over lock classes: an edge A -> B when B is taken while A is held,
// with witnesses (function, where each lock was taken, call chains). Trylocks add no edge.
import type { Program } from './program.js';
import type { Acq, LockEntry } from './summary-types.js';

export interface EdgeWitness {
  /** The function in which both locks are visible. */
  fn: string;
  fnKey: string;
  held: LockEntry;
  acq: Acq;
}

export interface LockGraph {
  /** from class -> to class -> witnesses (shortest first, at most MAX_WITNESSES). */
  edges: Map<string, Map<string, EdgeWitness[]>>;
  /** Same class, two instances nested, not annotated as nested. */
  selfNesting: EdgeWitness[];
  /** Declared level order violated (Xen mm-locks.h). */
  levelViolations: EdgeWitness[];
}

const MAX_WITNESSES = 4;

/** Witness order: shorter first; an edge from a lock only asserted held comes after one where the holder is seen taking it. */
function chainLen(w: EdgeWitness): number {
  return w.held.chain.length + w.acq.chain.length + (w.held.assumed ? 100 : 0);
}

/** The last two steps of a path's text: `a->b->fs_info->chunk_mutex` -> `fs_info->chunk_mutex`. */
function tail(text: string): string {
  const parts = text.replace(/^&/, '').replace(/[()\s]/g, '').split(/->|\./);
  return parts.slice(-2).join('.');
}

function rootName(text: string): string {
  const m = /^&?\(?\s*([A-Za-z_]\w*)/.exec(text);
  return m ? m[1]! : text;
}

/** `if (a < b) { lock(a); lock(b); }`: the code orders the two instances by address. */
function addressOrdered(prog: Program, fnKey: string, a: string, b: string): boolean {
  const fn = prog.byKey.get(fnKey);
  if (!fn || a === b) return false;
  for (const blk of fn.blocks) {
    for (const e of blk.events) {
      if (e.k !== 'branch' || !/[<>]/.test(e.text)) continue;
      if (e.text.includes(a) && e.text.includes(b)) return true;
    }
  }
  return false;
}

export function buildLockGraph(prog: Program): LockGraph {
  const g: LockGraph = { edges: new Map(), selfNesting: [], levelViolations: [] };
  for (const [fnKey, facts] of prog.locks) {
    for (const f of facts.acquires) {
      const acq = f.acq;
      if (acq.try || acq.noOrder || acq.retake || !acq.lock.cls) continue;
      for (const h of f.held) {
        if (h.noOrder || !h.lock.cls || h.key === acq.key) continue;
        const w: EdgeWitness = { fn: f.fn, fnKey, held: h, acq };
        if (h.level !== undefined && acq.level !== undefined && acq.level < h.level) g.levelViolations.push(w);
        // `_nested(lock, subclass)` is its own lockdep class: no edge between it and plain uses
        if (acq.nested || h.nested) continue;
        if (h.lock.cls === acq.lock.cls) {
          if (h.chain[0]!.loc.line === acq.chain[0]!.loc.line && h.chain[0]!.loc.col === acq.chain[0]!.loc.col && h.chain.length === acq.chain.length) continue; // one site in a loop
          if (acq.lock.inst.root.startsWith('?') || h.lock.inst.root.startsWith('?')) continue;
          // taken inside a callee on an object the caller cannot name: may well be the same one
          if (acq.lock.inst.root.startsWith('@') || h.lock.inst.root.startsWith('@')) continue;
          // `&fs_info->chunk_mutex` twice: the same spelling most likely names the same object
          if (tail(h.lock.inst.text) === tail(acq.lock.inst.text)) continue;
          if (addressOrdered(prog, fnKey, rootName(h.lock.inst.text), rootName(acq.lock.inst.text))) continue;
          g.selfNesting.push(w);
          continue;
        }
        let m = g.edges.get(h.lock.cls);
        if (!m) g.edges.set(h.lock.cls, (m = new Map()));
        const list = m.get(acq.lock.cls) ?? [];
        if (list.length < MAX_WITNESSES || chainLen(w) < chainLen(list[list.length - 1]!)) {
          if (!list.some((x) => x.fn === w.fn && x.acq.chain[0]!.loc.line === acq.chain[0]!.loc.line)) {
            list.push(w);
            list.sort((x, y) => chainLen(x) - chainLen(y));
            if (list.length > MAX_WITNESSES) list.pop();
          }
        }
        m.set(acq.lock.cls, list);
      }
    }
  }
  return g;
}

/** Elementary cycles of the class graph, each once (rotated to start at its smallest class), bounded. */
export function findCycles(g: LockGraph, maxLen = 4, maxCycles = 500): string[][] {
  const nodes = [...new Set([...g.edges.keys(), ...[...g.edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const out: string[][] = [];
  const seen = new Set<string>();
  const succ = (n: string) => [...(g.edges.get(n)?.keys() ?? [])].sort();
  for (const start of nodes) {
    // only cycles whose smallest node is `start`
    const path = [start];
    const dfs = (n: string): void => {
      if (out.length >= maxCycles) return;
      for (const s of succ(n)) {
        if (s === start && path.length >= 2) {
          const key = path.join('>');
          if (!seen.has(key)) {
            seen.add(key);
            out.push([...path]);
          }
        } else if (s > start && !path.includes(s) && path.length < maxLen) {
          path.push(s);
          dfs(s);
          path.pop();
        }
      }
    };
    dfs(start);
  }
  return out;
}
