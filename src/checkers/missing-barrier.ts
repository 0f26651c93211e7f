// missing-barrier (memory-ordering): message passing and store buffering without the
// barriers LKMM requires.
//
//  * hand-off: a writer stores to a shared location D and then hands work to another CPU
//    (an IRQ affinity change, an IPI, a softirq on another CPU: rules `handoffs`) with no
//    smp_wmb/smp_mb/release between; a reader elsewhere tests D. (Seed 001.)
//  * flag: a writer stores D then publishes F (a store, set_bit, atomic_set, a list op on
//    the field) with no write barrier; a reader tests F then loads D with no read barrier
//    (or an address dependency on F).
//  * store buffering: one side stores X then tests Y, another stores Y then tests X, with no
//    full barrier on one of the sides.
//
// LKMM: value-returning RMWs are full barriers (unless only their failure path leads on:
// conditional RMWs are unordered on failure); set_bit/atomic_inc and plain accesses are not.
// Lock operations in the same function count as ordering (the locks in callees do not:
// lock+unlock of an unrelated lock is not a barrier). Accesses both sides make under a common
// lock class are never reported; for hand-offs only a global lock counts, since the other CPU
// handles another instance of a per-object lock class.
// Writers and readers are joined on type-based location names (`pending_irq.inflight`).
import { scoredRules } from './scored-rules.js';
import type { AccessIndex } from '../analysis/access-index.js';
import { accessIndex } from '../analysis/access-index.js';
import type { AccessPath, FunctionIR, IrEvent } from '../ir/types.js';
import type { Program } from '../analysis/program.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { normalizeCode } from './witness.js';
import { barrierPairs, type PairCandidate } from './barrier-pairing.js';
import {
  BarrierCallees,
  conditionalRmw,
  intersect,
  intersects,
  isFieldClass,
  memAccess,
  ORDERED_HANDOFFS,
  sameSubsystem,
  sharedClass,
  sidePath,
  type MemAccess,
} from './shared-mem.js';

interface Side {
  fn: FunctionIR;
  a: IrEvent;
  b: IrEvent;
  aAcc: MemAccess;
  bAcc?: MemAccess;
  held: Set<string>;
}

const INIT_FN = /(^|_)(init|setup|alloc|create|new|probe|register|start|open)(_|$)/;
const DIAG_FN = /(^|_)(show|print|dump|debug|validate|stat|stats|seq|trace|torture)(_|$)|torture/;
/** A store and its publication (or a test and its read) this many lines apart are unrelated. */
const NEAR_LINES = 12;

/** Bit operations name the bit: `afs_vnode.flags#AFS_VNODE_CB_PROMISED`. */
function bitKey(cls: string, e: IrEvent): string {
  return e.k === 'atomic' && e.operand && /bit/.test(e.op) ? `${cls}#${e.operand}` : cls;
}

/** Counters and statistics (`++`, `+=`, atomic_inc/add/sub) are neither data nor flags. */
function isCounter(a: MemAccess, e: IrEvent): boolean {
  if (e.k === 'store' && e.rmw && /^(\+\+|--|\+=|-=)$/.test(e.rmw)) return true;
  return a.kind === 'atomic' && /(inc|dec|add|sub)/.test(a.op) && !a.returns;
}

/** Two accesses to fields of one object (same base pointer), or to globals. */
function sameObject(a: AccessPath, b: AccessPath): boolean {
  const ga = a.root.startsWith('global:') && a.fields.length === 0;
  const gb = b.root.startsWith('global:') && b.fields.length === 0;
  if (ga || gb) return ga && gb;
  if (a.root !== b.root) return false;
  const n = Math.min(a.fields.length, b.fields.length) - 1;
  for (let i = 0; i < n; i++) if (a.fields[i] !== b.fields[i]) return false;
  return a.fields.length === b.fields.length;
}

function rootOf(cls: string): string {
  const c = cls.replace(/@[^.]*\.[ch]\b/, '');
  const i = c.indexOf('.');
  return i < 0 ? c : c.slice(0, i);
}

function related(d: string, f: string): boolean {
  return rootOf(d) === rootOf(f) || !isFieldClass(d) || !isFieldClass(f);
}

function isGlobalClass(c: string): boolean {
  return !isFieldClass(c);
}

/** The test a read feeds: the next branch in its block, before any store or call. */
function inCondition(fn: FunctionIR, e: IrEvent, acc: MemAccess, ix: AccessIndex): boolean {
  const p = ix.pos(fn, e);
  if (!p) return false;
  const evs = fn.blocks[p.block]!.events;
  for (let i = p.idx + 1; i < evs.length; i++) {
    const n = evs[i]!;
    if (n.k === 'branch') return acc.kind === 'list' || n.reads.some((r) => r === acc.path);
    if (n.k === 'store' || n.k === 'acquire' || n.k === 'release' || n.k === 'return') return false;
    if (n.k === 'call' && !memAccess(n)) return false;
  }
  return false;
}

export interface Candidate {
  kind: 'handoff' | 'flag' | 'sb' | 'version';
  /** Version: the writer's sides (the earlier store or storing call, the update of V) and the readers' (load of V, read barrier). */
  pair?: PairCandidate;
  key: string;
  writer: Side;
  /** Hand-off: further stores published by the same call. */
  extraStores?: Side[];
  readers: Side[];
  locations: string[];
  score: number;
}

const MAX_PER_FN = 64;

const candCache = new WeakMap<object, Candidate[]>();
export function missingBarrierCandidates(ctx: CheckerContext): Candidate[] {
  let c = candCache.get(ctx.program);
  if (!c) candCache.set(ctx.program, (c = computeCandidates(ctx)));
  return c;
}

function computeCandidates(ctx: CheckerContext): Candidate[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const wBar = new BarrierCallees(p, new Set(['full', 'wmb', 'release']));
  const rBar = new BarrierCallees(p, new Set(['full', 'rmb', 'acquire']));
  const fBar = new BarrierCallees(p, new Set(['full']));
  const callee = (fn: FunctionIR, e: IrEvent) => (e.k === 'call' ? p.resolveCallee(fn, e.callee) : undefined);
  const macroBar = macroBarriers(p);
  const writeOrders = (fn: FunctionIR) => (e: IrEvent): boolean => {
    if (e.k === 'barrier') return e.kind === 'full' || e.kind === 'wmb' || e.kind === 'release';
    if (e.k === 'acquire' || e.k === 'release') return true;
    if (e.k === 'atomic') return e.ordering === 'release' || (e.returns && e.ordering === 'full' && !conditionalRmw(fn, e, ix));
    if (e.k === 'call') {
      if (ORDERED_HANDOFFS.has(e.callee) || p.rules.handoffs.get(e.callee)?.ordered) return true;
      const c = callee(fn, e);
      if (!c && macroBar.get(e.callee)?.some((k) => ['full', 'wmb', 'release'].includes(k))) return true; // a barrier inside a macro
      return !!c && wBar.has(c);
    }
    return false;
  };
  const readOrders = (fn: FunctionIR) => (e: IrEvent): boolean => {
    if (e.k === 'barrier') return e.kind === 'full' || e.kind === 'rmb' || e.kind === 'acquire';
    if (e.k === 'acquire' || e.k === 'release') return true;
    if (e.k === 'atomic') return e.ordering === 'acquire' || (e.returns && e.ordering === 'full' && !conditionalRmw(fn, e, ix));
    if (e.k === 'call') {
      const c = callee(fn, e);
      if (!c && macroBar.get(e.callee)?.some((k) => ['full', 'rmb', 'acquire'].includes(k))) return true; // a barrier inside a macro
      return !!c && rBar.has(c);
    }
    return false;
  };
  const fullOrders = (fn: FunctionIR) => (e: IrEvent): boolean => {
    if (e.k === 'barrier') return e.kind === 'full';
    if (e.k === 'acquire' || e.k === 'release') return true;
    if (e.k === 'atomic') return e.returns && e.ordering === 'full' && !conditionalRmw(fn, e, ix);
    if (e.k === 'call') {
      if (ORDERED_HANDOFFS.has(e.callee) || p.rules.handoffs.get(e.callee)?.ordered) return true;
      const c = callee(fn, e);
      if (!c && macroBar.get(e.callee)?.some((k) => ['full'].includes(k))) return true; // a barrier inside a macro
      return !!c && fBar.has(c);
    }
    return false;
  };

  // a hand-off whose body we have and that takes a lock or has a barrier orders earlier stores (its unlock is a release)
  const lockBar = new BarrierCallees(p, new Set(['full', 'wmb', 'release']));
  const takesLock = new Map<string, boolean>();
  const orderedHandoff = (fn: FunctionIR, e: IrEvent): boolean => {
    const c = callee(fn, e);
    if (!c) return false;
    let t = takesLock.get(c.key);
    if (t === undefined) {
      const s = p.summaries.get(c.key);
      t = (s?.acquires.length ?? 0) > 0 || lockBar.has(c);
      takesLock.set(c.key, t);
    }
    return t;
  };
  const freshParam = (fn: FunctionIR, path: AccessPath): boolean => ix.freshParam(fn, path);
  // ---- writer side: store D, then (no write barrier) a hand-off or a publish of F; and SB stores
  const handoffG = new Map<IrEvent, { fn: FunctionIR; h: IrEvent; stores: (Side & { loc: string })[] }>(); // per hand-off call
  const flagW = new Map<string, Side[]>(); // F \0 D
  const sbSide = new Map<string, Side[]>(); // X \0 Y
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    const wOrders = writeOrders(fn);
    const fOrders = fullOrders(fn);
    let nFlag = 0;
    let nSb = 0;
    for (const b of fn.blocks) {
      for (const w of b.events) {
        const wa = memAccess(w);
        // a value-returning RMW is ordered before everything after it when it succeeds
        if (!wa?.write || wa.ordering === 'release' || (wa.returns && wa.ordering === 'full')) continue;
        if (wa.path.root.startsWith('local:') && allocs.has(wa.path.root.slice(6))) continue;
        if (freshParam(fn, wa.path)) continue;
        const d = ix.cls(wa.path);
        if (!sharedClass(d)) continue;
        const seenH = new Set<IrEvent>();
        let dist = 0;
        ix.walk(fn, w, (e) => wOrders(e) || ++dist > 200, (e) => {
          if (e.k === 'call' && p.rules.handoffs.has(e.callee) && !p.rules.handoffs.get(e.callee)!.ordered && !ORDERED_HANDOFFS.has(e.callee) && !orderedHandoff(fn, e)) {
            if (seenH.has(e)) return;
            seenH.add(e);
            let g = handoffG.get(e);
            if (!g) handoffG.set(e, (g = { fn, h: e, stores: [] }));
            g.stores.push({ fn, a: w, b: e, aAcc: wa, held: intersect(ix.heldClasses(fn, w), ix.heldClasses(fn, e)), loc: d });
            return;
          }
          const pa = memAccess(e);
          if (!pa?.write || nFlag >= MAX_PER_FN) return;
          if (pa.ordering === 'release' || pa.ordering === 'full') return;
          if (isCounter(wa, w) || isCounter(pa, e)) return; // statistics, not data and flags
          if (Math.abs(e.loc.line - w.loc.line) > NEAR_LINES || !sameObject(wa.path, pa.path)) return;
          const f0 = ix.cls(pa.path);
          if (!sharedClass(f0) || f0 === d || !related(d, f0)) return;
          const f = bitKey(f0, e); // a flag bit is its own location: readers must test that bit
          const k = `${f}\0${d}`;
          const list = flagW.get(k) ?? [];
          if (list.some((s) => s.fn === fn)) return;
          nFlag++;
          list.push({ fn, a: w, b: e, aAcc: wa, bAcc: pa, held: intersect(ix.heldClasses(fn, w), ix.heldClasses(fn, e)) });
          flagW.set(k, list);
        });
        if (nSb >= MAX_PER_FN) continue;
        ix.walk(fn, w, fOrders, (e) => {
          const ra = memAccess(e);
          if (!ra?.read || ra.write || nSb >= MAX_PER_FN) return;
          if (ra.ordering === 'acquire' || (ra.returns && ra.ordering === 'full')) return;
          const y = ix.cls(ra.path);
          if (!sharedClass(y) || y === d || !related(d, y)) return;
          if (!inCondition(fn, e, ra, ix)) return;
          const k = `${d}\0${y}`;
          const list = sbSide.get(k) ?? [];
          if (list.some((s) => s.fn === fn)) return;
          nSb++;
          list.push({ fn, a: w, b: e, aAcc: wa, bAcc: ra, held: intersect(ix.heldClasses(fn, w), ix.heldClasses(fn, e)) });
          sbSide.set(k, list);
        });
      }
    }
  }

  // ---- reader side, only for locations some writer publishes
  const wantHandoff = new Set<string>();
  for (const g of handoffG.values()) for (const st of g.stores) wantHandoff.add(st.loc);
  const wantFlag = new Set<string>();
  for (const k of flagW.keys()) wantFlag.add(k.split('\0')[0]!);
  const handoffR = new Map<string, Side[]>();
  const flagR = new Map<string, Side[]>();
  for (const fn of p.functions) {
    let n = 0;
    for (const b of fn.blocks) {
      for (const r of b.events) {
        const ra = memAccess(r);
        if (!ra?.read || ra.write) continue;
        const c0 = ix.cls(ra.path);
        const c = bitKey(c0, r);
        if (wantHandoff.has(c0) && inCondition(fn, r, ra, ix)) {
          const list = handoffR.get(c0) ?? [];
          if (!list.some((s) => s.fn === fn)) {
            list.push({ fn, a: r, b: r, aAcc: ra, held: ix.heldClasses(fn, r) });
            handoffR.set(c0, list);
          }
        }
        if (!wantFlag.has(c) || n >= MAX_PER_FN) continue;
        if (ra.ordering === 'acquire' || (ra.returns && ra.ordering === 'full')) continue;
        if (!inCondition(fn, r, ra, ix)) continue;
        const into = r.k === 'load' ? r.into : r.k === 'call' ? r.assignedTo : undefined;
        ix.walk(fn, r, readOrders(fn), (e) => {
          const da = memAccess(e);
          if (!da?.read || n >= MAX_PER_FN) return;
          if (Math.abs(e.loc.line - r.loc.line) > NEAR_LINES || !sameObject(ra.path, da.path)) return;
          const d = ix.cls(da.path);
          if (!sharedClass(d) || d === c0) return;
          if (into && da.path.root === `local:${into}`) return; // address dependency on the flag
          const k = `${c}\0${d}`;
          if (!flagW.has(k)) return;
          const list = flagR.get(k) ?? [];
          if (list.some((s) => s.fn === fn)) return;
          n++;
          list.push({ fn, a: r, b: e, aAcc: ra, bAcc: da, held: intersect(ix.heldClasses(fn, r), ix.heldClasses(fn, e)) });
          flagR.set(k, list);
        });
      }
    }
  }

  const out: Candidate[] = [];
  for (const g of handoffG.values()) {
    // stores nearest the hand-off first, list ops and plain stores before bit operations
    const rank = (s: Side) => (s.aAcc.kind === 'atomic' ? 1 : 0);
    const stores = g.stores.slice().reverse().sort((x, y) => rank(x) - rank(y));
    const withReaders: (Side & { loc: string })[] = [];
    const rs: Side[] = [];
    for (const st of stores) {
      // a global lock held on both sides orders them; so does the lock of the very object whose
      // field both sides access (`irq->lock` around `irq->target`): a per-object lock of another
      // struct type may be another instance on the other CPU (the seed's vcpu lock)
      const own = ownLocks(ix, st, st.loc);
      const readers = (handoffR.get(st.loc) ?? []).filter((r) => r.fn !== g.fn && sameSubsystem(r.fn.file, g.fn.file)
        && ![...intersect(st.held, r.held)].some((l) => isGlobalClass(l) || own.has(l)));
      if (!readers.length) continue;
      withReaders.push(st);
      for (const r of readers) if (!rs.some((x) => x.fn === r.fn)) rs.push(r);
    }
    if (!withReaders.length) continue;
    let score = 3;
    if (INIT_FN.test(g.fn.name)) score -= 2;
    const w0 = withReaders[0]!;
    out.push({ kind: 'handoff', key: (g.h as { callee: string }).callee, writer: w0, extraStores: withReaders.slice(1, 4), readers: rs, locations: [...new Set(withReaders.map((x) => x.loc))], score });
  }
  // intent: a pair of plain accesses is a message-passing hypothesis only when the code shows the
  // location is accessed concurrently somewhere (a marked access, a bit or list op, an atomic)
  // or one side's function orders accesses (a barrier): plain sequential code (boot-time
  // parsing, per-CPU state, decompressors) is not
  const marked = markedClasses(p, ix);
  const barrierFns = new Set<string>();
  for (const fn of p.functions) if (fn.blocks.some((b) => b.events.some((e) => e.k === 'barrier' && e.kind !== 'compiler'))) barrierFns.add(fn.key);
  const anchored = (locs: string[], sides: Side[]) =>
    locs.some((l) => marked.has(l.replace(/#.*$/, ''))) || sides.some((s) => barrierFns.has(s.fn.key) || s.aAcc.kind !== 'plain' || (s.bAcc && s.bAcc.kind !== 'plain'));
  for (const [k, writers] of flagW) {
    const readers = flagR.get(k) ?? [];
    if (!readers.length) continue;
    const [f, d] = k.split('\0') as [string, string];
    for (const w of writers) {
      const rs = readers.filter((r) => !intersects(w.held, r.held) && sameSubsystem(r.fn.file, w.fn.file));
      if (!rs.length || !anchored([f, d], [w, ...rs])) continue;
      // the flag is a lockless flag on purpose when both sides use marked accesses for it
      // (set_bit/test_bit, WRITE_ONCE/READ_ONCE, atomic_set/atomic_read) and hold no lock
      // (bit operations do not count: flag words use them by convention, lock-protected or not)
      let score = 0;
      const marked = (a?: MemAccess) => !!a && (a.kind === 'once' || (a.kind === 'atomic' && !/bit/.test(a.op)));
      if (marked(w.bAcc) && rs.some((r) => marked(r.aAcc))) score += 2;
      if (marked(w.aAcc) || rs.some((r) => marked(r.bAcc))) score += 1;
      if (w.held.size === 0 && rs.some((r) => r.held.size === 0)) score += 1;
      else score -= 1;
      if (!rs.some((r) => r.fn !== w.fn)) score -= 2; // the same function on both sides: usually one CPU's state
      if (rs.every((r) => DIAG_FN.test(r.fn.name))) score -= 2; // show/print/validate readers tolerate races
      if (INIT_FN.test(w.fn.name)) score -= 2;
      out.push({ kind: 'flag', key: k, writer: w, readers: rs, locations: [f, d], score });
    }
  }
  const doneSb = new Set<string>();
  for (const [k, sides] of sbSide) {
    const [x, y] = k.split('\0') as [string, string];
    const other = sbSide.get(`${y}\0${x}`);
    if (!other || doneSb.has(`${y}\0${x}`)) continue;
    doneSb.add(k);
    for (const a of sides) {
      const bs = other.filter((o) => o.fn !== a.fn && !intersects(a.held, o.held) && sameSubsystem(o.fn.file, a.fn.file));
      if (!bs.length || !anchored([x, y], [a, ...bs])) continue;
      let score = 0;
      const marked = (s: Side) => s.aAcc.kind !== 'plain' && (s.bAcc?.kind ?? 'plain') !== 'plain';
      if (marked(a) && bs.some(marked)) score += 2;
      if (a.held.size === 0 && bs.some((b) => b.held.size === 0)) score += 1;
      else score -= 1;
      if (INIT_FN.test(a.fn.name)) score -= 2;
      out.push({ kind: 'sb', key: k, writer: a, readers: bs, locations: [x, y], score });
    }
  }
  // a reader's read barrier after loading V pairs with every writer of V
  for (const c of barrierPairs(p, ix, writeOrders)) {
    const w = c.writer;
    let score = 3;
    if (INIT_FN.test(w.fn.name)) score -= 2;
    if (!c.readers.some((r) => r.fn !== w.fn) && w.held.size === 0) score -= 1;
    const side = (s: typeof w): Side => ({ fn: s.fn, a: s.a, b: s.b, aAcc: (s.aAcc ?? s.bAcc)!, ...(s.bAcc ? { bAcc: s.bAcc } : {}), held: s.held });
    out.push({ kind: 'version', key: c.loc, writer: side(w), readers: c.readers.map(side), locations: [c.loc], score, pair: c });
  }
  return out;
}

/** Location classes some function accesses with a marked access (READ_ONCE/WRITE_ONCE, atomics, bit ops, list ops). */
function markedClasses(p: Program, ix: AccessIndex): Set<string> {
  const out = new Set<string>();
  for (const fn of p.functions) for (const b of fn.blocks) for (const e of b.events) {
    const a = memAccess(e);
    if (a && a.kind !== 'plain') out.add(ix.cls(a.path));
  }
  return out;
}

/** Function-like macros whose body has a barrier (`#define prepare_wait(p) do { ...; smp_mb(); } while (0)`): the kinds. */
function macroBarriers(p: Program): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const names = [...p.rules.barriers.keys()].filter((n) => /^[A-Za-z_]\w*$/.test(n));
  if (!names.length) return out;
  const re = new RegExp(`\\b(${names.join('|')})\\s*\\(`, 'g');
  for (const f of p.files) for (const m of f.macros) {
    if (out.has(m.name) || p.rules.barriers.has(m.name)) continue;
    const kinds = [...m.body.matchAll(re)].map((x) => p.rules.barriers.get(x[1]!)!.kind);
    if (kinds.length) out.set(m.name, kinds);
  }
  return out;
}

/**
 * Lock classes held at the side's first access that belong to the accessed object itself: the
 * lock's struct type is the location's (`vgic_irq.irq_lock` for `vgic_irq.target_vcpu`) and,
 * when this function takes it, through the same base pointer as the access.
 */
function ownLocks(ix: AccessIndex, s: Side, loc: string): Set<string> {
  const out = new Set<string>();
  if (!isFieldClass(loc)) return out;
  const local = ix.held(s.fn).get(s.a) ?? [];
  for (const c of s.held) {
    if (!isFieldClass(c) || rootOf(c) !== rootOf(loc)) continue;
    const mine = local.filter((l) => l.cls === c);
    if (mine.length && !mine.some((l) => l.inst.root === s.aAcc.path.root)) continue;
    out.add(c);
  }
  return out;
}

function lineOf(ctx: CheckerContext, e: IrEvent): string {
  return normalizeCode(ctx.source.line(e.loc.file, e.loc.line));
}

function report(ctx: CheckerContext, c: Candidate): void {
  const ix = accessIndex(ctx.program);
  const w = c.writer;
  const readers = c.readers.slice(0, 3);
  const r0 = readers[0]!;
  const witness: WitnessPath[] = [];
  const accText = (a: MemAccess | undefined, e: IrEvent, verb: string) => (a ? `${a.op === 'store' || a.op === 'load' ? verb : a.op} ${ix.cls(a.path)} (${a.path.text})` : e.k === 'call' ? `call ${e.callee} (hand-off)` : verb);
  if (c.kind === 'handoff') {
    const h = w.b as Extract<IrEvent, { k: 'call' }>;
    const stores = [w, ...(c.extraStores ?? [])].sort((x, y) => x.a.loc.line - y.a.loc.line);
    witness.push(sidePath('CPU0 (writer)', ix, w.fn, [
      ...stores.map((s) => ({ loc: s.a.loc, event: accText(s.aAcc, s.a, 'store') })),
      { loc: h.loc, event: `call ${h.callee} (hand-off to another CPU, no write barrier since the store)` },
    ], ctx.source));
    readers.forEach((r, i) => witness.push(sidePath(i === 0 ? 'CPU1 (reader)' : `CPU1 (reader, also ${i + 1})`, ix, r.fn, [
      { loc: r.a.loc, event: `${accText(r.aAcc, r.a, 'load')} in a test` },
    ], ctx.source)));
  } else if (c.kind === 'flag') {
    witness.push(sidePath('CPU0 (writer)', ix, w.fn, [
      { loc: w.a.loc, event: accText(w.aAcc, w.a, 'store') },
      { loc: w.b.loc, event: `${accText(w.bAcc, w.b, 'store')} (publish, no write barrier since the store)` },
    ], ctx.source));
    readers.forEach((r, i) => witness.push(sidePath(i === 0 ? 'CPU1 (reader)' : `CPU1 (reader, also ${i + 1})`, ix, r.fn, [
      { loc: r.a.loc, event: `${accText(r.aAcc, r.a, 'load')} (test)` },
      { loc: r.b.loc, event: `${accText(r.bAcc, r.b, 'load')} (no read barrier since the test)` },
    ], ctx.source)));
  } else if (c.kind === 'version') {
    const pw = c.pair!.writer;
    witness.push(sidePath('CPU0 (writer)', ix, w.fn, [
      { loc: w.a.loc, event: pw.via ? `call ${pw.via} (stores shared state)` : accText(pw.aAcc, w.a, 'store') },
      { loc: w.b.loc, event: `${accText(pw.bAcc, w.b, 'store')} (publishes, no write barrier since the stores)` },
    ], ctx.source));
    readers.forEach((r, i) => witness.push(sidePath(i === 0 ? 'CPU1 (reader)' : `CPU1 (reader, also ${i + 1})`, ix, r.fn, [
      { loc: r.a.loc, event: `${accText(r.aAcc, r.a, 'load')}` },
      { loc: r.b.loc, event: 'read barrier: later reads are ordered after it, pairing with a write barrier on the writer' },
    ], ctx.source)));
  } else {
    witness.push(sidePath('CPU0', ix, w.fn, [
      { loc: w.a.loc, event: accText(w.aAcc, w.a, 'store') },
      { loc: w.b.loc, event: `${accText(w.bAcc, w.b, 'load')} (no full barrier since the store)` },
    ], ctx.source));
    readers.forEach((r, i) => witness.push(sidePath(i === 0 ? 'CPU1' : `CPU1 (also ${i + 1})`, ix, r.fn, [
      { loc: r.a.loc, event: accText(r.aAcc, r.a, 'store') },
      { loc: r.b.loc, event: `${accText(r.bAcc, r.b, 'load')} (no full barrier since the store)` },
    ], ctx.source)));
  }
  const functions = [...new Set(witness.flatMap((p) => p.callChain))];
  const rNames = [...new Set(readers.map((r) => r.fn.name))].join(', ');
  let message: string;
  if (c.kind === 'handoff') {
    const h = w.b as Extract<IrEvent, { k: 'call' }>;
    message = `${w.fn.name} stores ${c.locations.join(', ')} (line ${w.a.loc.line}) and then hands off to another CPU with ${h.callee}() (line ${h.loc.line}) with no smp_wmb()/smp_mb() between: ${rNames} on the other CPU may test the old value`;
  } else if (c.kind === 'flag') {
    message = `message passing without barriers: ${w.fn.name} stores ${c.locations[1]} (line ${w.a.loc.line}) then publishes ${c.locations[0]} (line ${w.b.loc.line}) with no write barrier between; ${rNames} tests ${c.locations[0]} and then reads ${c.locations[1]} with no read barrier or acquire`;
  } else if (c.kind === 'version') {
    const pw = c.pair!.writer;
    message = `${w.fn.name} updates ${c.locations[0]} (line ${w.b.loc.line}) after ${pw.via ? `calls that store shared state (the last: ${pw.via}())` : `storing ${ix.cls(pw.aAcc!.path)}`} (line ${w.a.loc.line}) with no write barrier between, while ${rNames} reads ${c.locations[0]} and orders its later reads with a read barrier: that barrier has no write barrier to pair with`;
  } else {
    message = `store buffering: ${w.fn.name} stores ${c.locations[0]} then tests ${c.locations[1]} (line ${w.b.loc.line}) and ${rNames} stores ${c.locations[1]} then tests ${c.locations[0]}, with no full barrier between: both CPUs may miss each other's store`;
  }
  ctx.report({
    file: w.b.loc.file,
    line: w.b.loc.line,
    col: w.b.loc.col,
    function: w.fn.name,
    functions,
    locks: [],
    message,
    witness,
    fingerprint: c.kind === 'handoff'
      ? [c.kind, w.fn.name, lineOf(ctx, w.b)]
      : [c.kind, ...c.locations, w.fn.name, lineOf(ctx, w.a), lineOf(ctx, w.b), ...[...new Set(readers.map((r) => r.fn.name))].sort()],
    extra: { score: c.score, pattern: c.kind, locations: c.locations },
  });
}

/** Findings at or above this score are reported by `missing-barrier`; the rest by the off-by-default `missing-barrier-lowconf`. */
export const MISSING_BARRIER_THRESHOLD = 3;

export const [missingBarrier, missingBarrierLowconf] = scoredRules<Candidate>({
  id: 'missing-barrier',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A store published to another CPU (flag, pointer, list op, IPI/softirq/IRQ hand-off) without a write barrier, or read back without a read barrier.',
  lowDescription: 'Lower-confidence missing-barrier pairs (plain accesses on both sides, store buffering without marked accesses); off by default.',
  threshold: MISSING_BARRIER_THRESHOLD,
  candidates: missingBarrierCandidates,
  report,
});
