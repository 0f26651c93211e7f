// Barrier pairing by shared location, for missing-barrier: a reader that loads V and then
// orders its later reads with a read barrier (`v = atomic_read(&d->version); smp_rmb(); walk()`)
// declares V a publication (a version or sequence number, an index). Every writer of V then owes
// the pairing write barrier: stores made before the update of V (its own, or in a callee it
// calls) with no write barrier or release between are seen out of order by that reader. An
// increment of V is a publication here, not a statistic.
import type { AccessIndex } from '../analysis/access-index.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { Program } from '../analysis/program.js';
import { memAccess, sameSubsystem, sharedClass, type MemAccess } from './shared-mem.js';

/** What a reader loads after its read barrier: location classes, and whether it calls into code that reads. */
interface AfterBarrier {
  reads: Set<string>;
  calls: boolean;
}

export interface PairSide {
  fn: FunctionIR;
  /** Writer: the earlier store (or the call that stores); reader: the load of V. */
  a: IrEvent;
  /** Writer: the update of V; reader: the read barrier. */
  b: IrEvent;
  aAcc?: MemAccess;
  bAcc?: MemAccess;
  held: Set<string>;
  /** Writer: the callee whose stores precede the update, when `a` is a call. */
  via?: string;
  /** Reader: what it reads after the barrier. */
  after?: AfterBarrier;
}

export interface PairCandidate {
  loc: string;
  writer: PairSide;
  readers: PairSide[];
}

const READ_BARRIER = new Set(['rmb', 'full', 'acquire']);

/** Locations some function loads and then orders with a read barrier right after (the next few events). */
function readerVersions(p: Program, ix: AccessIndex): Map<string, PairSide[]> {
  const out = new Map<string, PairSide[]>();
  for (const fn of p.functions) {
    for (const b of fn.blocks) {
      b.events.forEach((r, i) => {
        const ra = memAccess(r);
        if (!ra?.read || ra.write || ra.ordering === 'acquire') return;
        const v = ix.cls(ra.path);
        if (!sharedClass(v)) return;
        for (let j = i + 1; j < Math.min(b.events.length, i + 4); j++) {
          const n = b.events[j]!;
          if (n.k === 'barrier') {
            if (!READ_BARRIER.has(n.kind)) return;
            const list = out.get(v) ?? [];
            if (!list.some((s) => s.fn === fn)) {
              const after: AfterBarrier = { reads: new Set(), calls: false };
              let k = 0;
              ix.walk(fn, n, () => ++k > 300, (e) => {
                const a = memAccess(e);
                if (a?.read) after.reads.add(ix.cls(a.path));
                else if (e.k === 'call' && p.resolveCallee(fn, e.callee)) after.calls = true;
              });
              list.push({ fn, a: r, b: n, aAcc: ra, held: ix.heldClasses(fn, r), after });
            }
            out.set(v, list);
            return;
          }
          if (n.k !== 'load' && n.k !== 'assign') return;
        }
      });
    }
  }
  return out;
}

/** Functions that store to shared memory themselves or in a callee (two calls deep): 2 through a parameter, 1 otherwise, 0 not. */
class Storers {
  private memo = new Map<string, number>();
  constructor(private readonly p: Program, private readonly ix: AccessIndex) {}
  rank(fn: FunctionIR, depth = 2): number {
    // keyed by the depth left: an answer computed with fewer levels is not reused with more (nor
    // the reverse), so the result does not depend on the order functions are visited in
    const key = `${depth}\0${fn.key}`;
    const m = this.memo.get(key);
    if (m !== undefined) return m;
    this.memo.set(key, 0);
    const allocs = this.ix.allocLocals(fn);
    let r = 0;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        const a = memAccess(e);
        if (a?.write && !(a.path.root.startsWith('local:') && allocs.has(a.path.root.slice(6))) && sharedClass(this.ix.cls(a.path))) r = Math.max(r, a.path.root.startsWith('param:') ? 2 : 1);
        else if (e.k === 'call' && depth > 0) {
          const c = this.p.resolveCallee(fn, e.callee);
          if (c) r = Math.max(r, this.rank(c, depth - 1));
        }
        if (r === 2) break;
      }
      if (r === 2) break;
    }
    this.memo.set(key, r);
    return r;
  }
}

const UNPUBLISH = /^(0|NULL|false|0U|0UL)$/;

/**
 * After updating V the writer publishes the object with its own protocol: a write barrier and then
 * a marked store to the same object (`e->ref = r; smp_wmb(); write_atomic(&e->flags, f)`): V is data.
 */
function publishesLater(ix: AccessIndex, fn: FunctionIR, w: IrEvent, wa: MemAccess): boolean {
  let barrier = false;
  let found = false;
  let n = 0;
  ix.walk(fn, w, () => found || ++n > 60, (e) => {
    if (e.k === 'barrier' && (e.kind === 'wmb' || e.kind === 'full' || e.kind === 'release')) barrier = true;
    const a = memAccess(e);
    if (a?.write && (barrier || a.ordering === 'release') && a.kind !== 'plain' && a.path.root === wa.path.root) found = true;
  });
  return found;
}

/**
 * Whether `local`, a fresh allocation of fn, is still private at `line`: no call is handed it and
 * no store writes it anywhere before that line (`sv = xzalloc(...); sv->f = x; list_add(&sv->l, ...)`).
 */
function unpublishedAt(fn: FunctionIR, local: string, line: number): boolean {
  const named = new RegExp(`(^|[^\\w])${local}([^\\w]|$)`);
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if (e.loc.line > line) continue;
      if (e.k === 'call' && e.assignedTo !== local && e.argText.some((t) => named.test(t))) return false;
      if (e.k === 'store' && named.test(e.value)) return false;
    }
  }
  return true;
}

export function barrierPairs(p: Program, ix: AccessIndex, writeOrders: (fn: FunctionIR) => (e: IrEvent) => boolean): PairCandidate[] {
  const versions = readerVersions(p, ix);
  if (!versions.size) return [];
  const storers = new Storers(p, ix);
  const out: PairCandidate[] = [];
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    const orders = writeOrders(fn);
    const best = new Map<string, { rank: number; c: PairCandidate }>();
    for (const b of fn.blocks) {
      for (const s of b.events) {
        // the earlier store: a shared store, or a call to a function that stores
        const sa = memAccess(s);
        let via: string | undefined;
        let rank = 3; // a direct store
        if (sa?.write) {
          if (sa.path.root.startsWith('local:') && allocs.has(sa.path.root.slice(6))) continue;
          if (!sharedClass(ix.cls(sa.path))) continue;
        } else if (s.k === 'call' && !sa) {
          const c = p.resolveCallee(fn, s.callee);
          rank = c ? storers.rank(c) : 0;
          if (!c || !rank || orders(s)) continue;
          via = c.name;
        } else continue;
        const sLoc = sa ? ix.cls(sa.path) : '';
        let n = 0;
        ix.walk(fn, s, (e) => orders(e) || ++n > 200, (e) => {
          const wa = memAccess(e);
          if (!wa?.write || wa.ordering === 'release' || (wa.returns && wa.ordering === 'full')) return;
          const v = ix.cls(wa.path);
          if (v === sLoc) return;
          // a field of an object this function allocated and has not handed anyone yet: nobody reads it
          if (wa.path.root.startsWith('local:') && allocs.has(wa.path.root.slice(6)) && unpublishedAt(fn, wa.path.root.slice(6), e.loc.line)) return;
          const rs = versions.get(v);
          if (!rs) return;
          // clearing V (a store of 0/NULL) withdraws, it publishes nothing
          if (e.k === 'store' && !e.rmw && UNPUBLISH.test(e.value.trim())) return;
          const prev = best.get(v);
          // keep the nearest direct store, else the nearest call storing through its parameters
          if (prev && (prev.rank > rank || (prev.rank === rank && prev.c.writer.a.loc.line >= s.loc.line))) return;
          const held = ix.heldClasses(fn, e);
          // the reader must read what was stored (or call into code that reads) after its barrier
          const readers = rs.filter((r) => sameSubsystem(r.fn.file, fn.file) && ![...r.held].some((l) => held.has(l))
            && (sa ? r.after!.reads.has(sLoc) : r.after!.calls));
          if (!readers.length) return;
          if (publishesLater(ix, fn, e, wa)) return;
          best.set(v, { rank, c: { loc: v, writer: { fn, a: s, b: e, ...(sa ? { aAcc: sa } : {}), bAcc: wa, held, ...(via ? { via } : {}) }, readers } });
        });
      }
    }
    for (const b of best.values()) out.push(b.c);
  }
  return out;
}
