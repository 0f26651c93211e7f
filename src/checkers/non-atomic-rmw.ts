// non-atomic-rmw (memory-ordering): `__set_bit`, `|=`, `&=`, `++` on a word that other paths
// update atomically (set_bit, atomic_*, cmpxchg) or under a lock this path does not hold:
// the plain read-modify-write can overwrite the other CPU's update (a lost bit / lost count).
// Reported by default when the other side is an atomic RMW of the same word (the author of
// that side decided the word is concurrently updated); lock-only evidence is scored lower.
import { scoredRules } from './scored-rules.js';
import { accessIndex, type AccessIndex } from '../analysis/access-index.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { atomicRmw, isFieldClass, memAccess, sameSubsystem, sharedClass, sidePath, type MemAccess } from './shared-mem.js';
import { writeIndex, type WriteSite } from './shared-writes.js';
import { normalizeCode } from './witness.js';

interface Cand {
  fn: FunctionIR;
  e: IrEvent;
  acc: MemAccess;
  loc: string;
  others: WriteSite[];
  why: 'atomic' | 'lock';
  lock?: string;
  score: number;
}

const NON_ATOMIC_BITOPS = new Set(['__set_bit', '__clear_bit', '__change_bit']);
const INIT_FN = /(^|_)(init|setup|alloc|create|new|probe|register|prepare|reset)(_|$)/;
const TASK_LOCAL = /^(global:current|ret:get_current)$/;

function exclusive(s: Set<string>): string[] {
  return [...s].filter((c) => c !== 'rcu' && !c.includes('srcu'));
}

const FREEING = /(^|_)(free|put|release|destroy)(_|$)/;

/**
 * The object the RMW updates is passed to a freeing function later in this function (`pg->count
 * &= ~MASK; ...; free_page(d, pg)`): this path drops the last reference, so nobody else updates it.
 */
function freedAfter(ix: AccessIndex, fn: FunctionIR, e: IrEvent, acc: MemAccess): boolean {
  const base = /^[A-Za-z_]\w*/.exec(acc.path.text)?.[0];
  if (!base || acc.path.root.startsWith('global:')) return false;
  const word = new RegExp(`(^|[^\\w])${base}([^\\w]|$)`);
  let found = false;
  ix.walk(fn, e, () => found, (n) => {
    if (n.k === 'free' && n.path.root === acc.path.root && n.path.fields.length === 0) found = true;
    else if (n.k === 'call' && (FREEING.test(n.callee) || ix.program.rules.frees.has(n.callee)) && n.argText.some((t) => word.test(t))) found = true;
  }, 400);
  return found;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const wi = writeIndex(p);
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    for (const b of fn.blocks) {
      for (const e of b.events) {
        const acc = memAccess(e);
        if (!acc?.write) continue;
        const plainRmw = (e.k === 'store' && !!e.rmw && !e.once) || (e.k === 'atomic' && NON_ATOMIC_BITOPS.has(e.op));
        if (!plainRmw) continue;
        if (acc.path.root.startsWith('local:') && allocs.has(acc.path.root.slice(6))) continue;
        if (TASK_LOCAL.test(acc.path.root) || ix.freshParam(fn, acc.path)) continue;
        if (freedAfter(ix, fn, e, acc)) continue; // the last user: the object is handed to a free next
        const loc = ix.cls(acc.path);
        if (!sharedClass(loc) || !isFieldClass(loc)) continue; // struct fields; globals are often per-CPU or init-only
        const here = ix.heldClasses(fn, e);
        const ws = (wi.byClass.get(loc) ?? []).filter((w) => sameSubsystem(w.fn.file, fn.file));
        // others updating the same word atomically (same bit for bit ops, any RMW otherwise)
        const bit = e.k === 'atomic' ? e.operand : undefined;
        const atomicOthers = ws.filter((w) => w.fn !== fn && !INIT_FN.test(w.fn.name) && atomicRmw(w.acc) && !NON_ATOMIC_BITOPS.has(w.acc.op)
          && !exclusive(w.held).some((l) => here.has(l)));
        void bit;
        if (atomicOthers.length) {
          let score = 3;
          if (INIT_FN.test(fn.name)) score -= 2;
          if (exclusive(here).length) score -= 1;
          if (fn.isStatic && !(p.callers.get(fn.key)?.size)) score -= 1; // ops-table callback: caller's locking unknown
          if (e.k === 'atomic') score -= 1; // __set_bit/__clear_bit: the author asserts exclusive access (usually a private object)
          out.push({ fn, e, acc, loc, others: atomicOthers, why: 'atomic', score });
          continue;
        }
        // others updating it under a lock this path does not hold
        const byLock = new Map<string, WriteSite[]>();
        for (const w of ws) {
          if (w.fn === fn) continue;
          for (const l of exclusive(w.held)) {
            if (here.has(l)) continue;
            const list = byLock.get(l) ?? [];
            list.push(w);
            byLock.set(l, list);
          }
        }
        let best: [string, WriteSite[]] | undefined;
        for (const [l, list] of byLock) {
          const fns = new Set(list.map((w) => w.fn.key)).size;
          if (!best || fns > new Set(best[1].map((w) => w.fn.key)).size) best = [l, list];
        }
        if (!best) continue;
        // the lock must be the word's protection: most writers of it hold that lock
        const holders = ws.filter((w) => w.held.has(best![0])).length;
        if (holders * 2 < ws.length) continue;
        const nfns = new Set(best[1].map((w) => w.fn.key)).size;
        // lock-only evidence stays off by default: helpers called with the lock held from
        // callers outside the analyzed tree look the same
        let score = nfns >= 2 ? 2 : 1;
        if (INIT_FN.test(fn.name)) score -= 2;
        out.push({ fn, e, acc, loc, others: best[1], why: 'lock', lock: best[0], score });
      }
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const opText = c.e.k === 'store' ? `${c.acc.path.text} ${c.e.rmw}` : `${(c.e as { op: string }).op}(${c.acc.path.text})`;
  const witness: WitnessPath[] = [
    sidePath('CPU0 (plain read-modify-write)', ix, c.fn, [{ loc: c.e.loc, event: `non-atomic ${c.e.k === 'store' ? c.e.rmw : (c.e as { op: string }).op} ${c.loc}${ix.heldClasses(c.fn, c.e).size ? '' : ' (no lock held)'}` }], ctx.source),
  ];
  const seen = new Set<string>();
  for (const o of c.others) {
    if (seen.has(o.fn.key) || seen.size >= 2) continue;
    seen.add(o.fn.key);
    witness.push(sidePath(seen.size === 1 ? 'CPU1 (concurrent update)' : 'CPU1 (also)', ix, o.fn, [
      { loc: o.e.loc, event: c.why === 'atomic' ? `${o.acc.op} ${c.loc} (atomic)` : `${o.acc.op} ${c.loc} under ${c.lock}` },
    ], ctx.source));
  }
  const o0 = c.others[0]!;
  const message = c.why === 'atomic'
    ? `${c.fn.name} updates ${c.loc} with a plain read-modify-write (${opText}) while ${o0.fn.name} updates it with ${o0.acc.op}(): the non-atomic update can overwrite the concurrent atomic one`
    : `${c.fn.name} updates ${c.loc} with a plain read-modify-write (${opText}) without holding ${c.lock}, which ${[...new Set(c.others.map((o) => o.fn.name))].slice(0, 3).join(', ')} hold when updating it: a concurrent update can be lost`;
  ctx.report({
    file: c.e.loc.file,
    line: c.e.loc.line,
    col: c.e.loc.col,
    function: c.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: c.lock ? [c.lock] : [],
    message,
    witness,
    fingerprint: [c.why, c.loc, c.fn.name, normalizeCode(ctx.source.line(c.e.loc.file, c.e.loc.line))],
    extra: { score: c.score, pattern: c.why, locations: [c.loc] },
  });
}

export const NON_ATOMIC_RMW_THRESHOLD = 3;
export const [nonAtomicRmw, nonAtomicRmwLowconf] = scoredRules<Cand>({
  id: 'non-atomic-rmw',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A plain read-modify-write (__set_bit, |=, &=, ++) on a word other paths update atomically or under a lock this path does not hold.',
  lowDescription: 'Lower-confidence non-atomic-rmw (lock-only evidence from few writers, init paths); off by default.',
  threshold: NON_ATOMIC_RMW_THRESHOLD,
  candidates,
  report,
});
