// The lock-order graph over lock classes: an edge A -> B when B is taken while A is held,
// with witnesses (function, where each lock was taken, call chains). Trylocks add no edge.
import type { Program } from './program.js';
import { stronglyConnected } from './scc.js';
import type { Acq, LockEntry } from './summary-types.js';

export interface EdgeWitness {
  /** The function in which both locks are visible. */
  fn: string;
  fnKey: string;
  held: LockEntry;
  acq: Acq;
  /** Why this witness is only a possible problem (a level the object's kind decides). */
  weak?: string;
}

/** The declared level(s) a lock is taken at: one, several (decided by the object's kind), or none. */
export function levelsOf(a: Acq): number[] | undefined {
  return a.level !== undefined ? [a.level] : a.levels;
}

/** Why a lock's level is not decided here, when it is not. */
export function kindUndecided(a: Acq): string | undefined {
  if (a.level !== undefined || !a.levels) return undefined;
  return `${a.lock.cls}'s level (${a.levels.join(' or ')}) depends on which kind of object ${a.levelBy ?? a.api}() is given, which the code does not decide here`;
}

export interface LockGraph {
  /** from class -> to class -> witnesses (shortest first, at most MAX_WITNESSES). */
  edges: Map<string, Map<string, EdgeWitness[]>>;
  /** Same class, two instances nested, not annotated as nested. */
  selfNesting: EdgeWitness[];
  /** Declared level order violated (Xen mm-locks.h). */
  levelViolations: EdgeWitness[];
  /** One class nested at two declared levels in the designed (increasing) order: host, then alternate table. */
  levelNested?: EdgeWitness[];
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

/** A name (or a lock expression's text, such as `(*p2m)->lock`) as a literal in a RegExp. */
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function rootName(text: string): string {
  // `&a->lock`, `&(*a)->lock`, `(*a)->lock`: the local the instance is reached from
  const m = /^[&(*\s]*([A-Za-z_]\w*)/.exec(text);
  return m ? m[1]! : text;
}

/**
 * `if (a < b) { lock(a); lock(b); }`: the code orders the two instances by address, or by
 * the values they were derived from (`a = &per_cpu(x, cpu_a); b = ...; if (cpu_a < cpu_b)`).
 */
function addressOrdered(prog: Program, fnKey: string, a: string, b: string): boolean {
  const fn = prog.byKey.get(fnKey);
  if (!fn || a === b) return false;
  // the names each local was computed from, one assignment deep
  const from = (name: string): Set<string> => {
    const out = new Set([name]);
    for (const blk of fn.blocks) {
      for (const e of blk.events) {
        if (e.k === 'call' && e.assignedTo === name) for (const t of e.argText) for (const m of t.matchAll(/[A-Za-z_]\w*/g)) out.add(m[0]);
        if (e.k === 'load' && e.into === name) out.add(e.path.root.replace(/^\w+:/, ''));
      }
    }
    return out;
  };
  const A = from(a);
  const B = from(b);
  const has = (text: string, names: Set<string>, not: Set<string>) => [...names].some((n) => !not.has(n) && new RegExp(`(^|\\W)${escapeRe(n)}(\\W|$)`).test(text));
  for (const blk of fn.blocks) {
    for (const e of blk.events) {
      if (e.k !== 'branch' || !/[<>]/.test(e.text)) continue;
      if (has(e.text, A, B) && has(e.text, B, A)) return true;
    }
  }
  return false;
}

/** A witness that runs through a function that never returns (panic(), BUG()): not a path two CPUs take together with the rest. */
function throughNoreturn(prog: Program, h: LockEntry, acq: Acq): boolean {
  const nr = prog.rules.noreturn;
  if (nr.size === 0) return false;
  for (const c of h.chain) if (nr.has(c.fn)) return true;
  for (const c of acq.chain) if (nr.has(c.fn)) return true;
  return false;
}

/** Declared levels of a held lock and the lock taken under it: a definite violation, a possible one (reason), or none. */
function levelCheck(h: Acq, acq: Acq): { weak?: string } | undefined {
  const H = levelsOf(h);
  const A = levelsOf(acq);
  if (!H || !A) return undefined;
  if (Math.max(...A) < Math.min(...H)) return {};
  if (Math.min(...A) < Math.max(...H)) return { weak: kindUndecided(acq) ?? kindUndecided(h) ?? 'the levels depend on the objects\' kinds' };
  return undefined;
}

export function buildLockGraph(prog: Program): LockGraph {
  const g: LockGraph = { edges: new Map(), selfNesting: [], levelViolations: [], levelNested: [] };
  for (const [fnKey, facts] of prog.locks) {
    for (const f of facts.acquires) {
      const acq = f.acq;
      if (acq.try || acq.noOrder || acq.retake || !acq.lock.cls) continue;
      // already held (a recursive lock taken again): it does not wait, so it orders nothing
      if (f.held.some((h) => h.key === acq.key)) continue;
      for (const h of f.held) {
        if (h.noOrder || !h.lock.cls || h.key === acq.key) continue;
        if (throughNoreturn(prog, h, acq)) continue;
        const w: EdgeWitness = { fn: f.fn, fnKey, held: h, acq };
        const lv = levelCheck(h, acq);
        if (lv && h.lock.cls !== acq.lock.cls) g.levelViolations.push(lv.weak ? { ...w, weak: lv.weak } : w);
        // `_nested(lock, subclass)` is its own lockdep class: no edge between it and plain uses
        if (acq.nested || h.nested) continue;
        if (h.lock.cls === acq.lock.cls) {
          // one class taken at two declared levels (a host and an alternate table): the tree's
          // designed order when both levels are known and increase; a violation when they decrease
          const H = levelsOf(h);
          const A = levelsOf(acq);
          if (H && A && H.length === 1 && A.length === 1 && H[0] !== A[0]) {
            if (A[0]! < H[0]!) g.levelViolations.push(w);
            else if (g.levelNested!.length < 10_000) g.levelNested!.push(w);
            continue;
          }
          if (h.chain[0]!.loc.line === acq.chain[0]!.loc.line && h.chain[0]!.loc.col === acq.chain[0]!.loc.col && h.chain.length === acq.chain.length) continue; // one site in a loop
          if (acq.lock.inst.root.startsWith('?') || h.lock.inst.root.startsWith('?')) continue;
          // taken inside a callee on an object the caller cannot name: may well be the same one
          if (acq.lock.inst.root.startsWith('@') || h.lock.inst.root.startsWith('@')) continue;
          // `&fs_info->chunk_mutex` twice: the same spelling most likely names the same object
          if (tail(h.lock.inst.text) === tail(acq.lock.inst.text)) continue;
          if (addressOrdered(prog, fnKey, rootName(h.lock.inst.text), rootName(acq.lock.inst.text))) continue;
          const undecided = kindUndecided(h) ?? kindUndecided(acq);
          g.selfNesting.push(undecided ? { ...w, weak: undecided } : w);
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

/**
 * Cycles of the class graph, shortest first and never starved: within each strongly connected
 * component, the shortest cycle through each edge (breadth-first from the edge's head back to
 * its tail), each cycle once (rotated to start at its smallest class). At most `maxLen` locks;
 * at most `maxCycles` in all, the shortest kept.
 */
export function findCycles(g: LockGraph, maxLen = 4, maxCycles = 500): string[][] {
  const succ = (n: string) => [...(g.edges.get(n)?.keys() ?? [])].sort();
  const nodes = [...new Set([...g.edges.keys(), ...[...g.edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const comp of stronglyConnected(nodes, succ)) {
    if (comp.length < 2) continue;
    const inComp = new Set(comp);
    for (const u of [...comp].sort()) {
      for (const v of succ(u)) {
        if (!inComp.has(v) || v === u) continue;
        // shortest path v -> ... -> u inside the component
        const prev = new Map<string, string>([[v, '']]);
        let frontier = [v];
        let found = v === u;
        for (let depth = 1; depth < maxLen && !found && frontier.length; depth++) {
          const next: string[] = [];
          for (const x of frontier) {
            for (const y of succ(x)) {
              if (!inComp.has(y) || prev.has(y)) continue;
              prev.set(y, x);
              if (y === u) {
                found = true;
                break;
              }
              next.push(y);
            }
            if (found) break;
          }
          frontier = next;
        }
        if (!found) continue;
        const path: string[] = [];
        for (let x = prev.get(u)!; x !== ''; x = prev.get(x)!) path.unshift(x);
        const cycle = [u, ...path];
        if (new Set(cycle).size !== cycle.length) continue;
        const min = cycle.indexOf([...cycle].sort()[0]!);
        const rot = [...cycle.slice(min), ...cycle.slice(0, min)];
        const key = rot.join('>');
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(rot);
      }
    }
  }
  out.sort((a, b) => a.length - b.length || (a.join('>') < b.join('>') ? -1 : 1));
  return out.slice(0, maxCycles);
}
