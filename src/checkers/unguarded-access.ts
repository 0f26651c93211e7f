// unguarded-access (memory-ordering): a write (or read-modify-write) of a field with no lock
// held, on a path from an entry where no caller holds one either, while the field's accesses
// elsewhere are consistently under one lock L (guard inference, src/analysis/guard-inference.ts:
// >= 4 accesses under L in >= 2 other functions, no other unguarded access). Accesses to an
// object not yet published or already unpublished (fresh allocations, __init-only code, objects
// freed after the access) are not counted either way. Fields anything touches with atomics or
// WRITE_ONCE are meant to be lock-free and are left alone. A deviant access among other
// unguarded ones, in a function that may be called under L, or with another lock held, goes to
// `-lowconf`.
import { scoredRules } from './scored-rules.js';
import { guardInference, type FieldAccess, type Guard } from '../analysis/guard-inference.js';
import type { CheckerContext } from './api.js';
import { sameSubsystem, sidePath } from './shared-mem.js';
import { normalizeCode } from './witness.js';

interface Cand {
  d: FieldAccess;
  guard: Guard;
  /** Accesses under the guard in other functions of the same subsystem. */
  under: FieldAccess[];
  other: FieldAccess;
  /** Other unguarded accesses of the field (elsewhere), if any. */
  unguarded: FieldAccess[];
  score: number;
  why: string[];
}

const MIN_UNDER = 4;
const SETUP_NAME = /(^|_)(init|setup|alloc|create|new|probe|register|prepare|construct)(_|$)/;
const MIN_FNS = 2;

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const g = guardInference(p);
  const out: Cand[] = [];
  for (const [cls, list] of g.classes()) {
    const deviants = list.filter((a) => a.acc.write && !a.exempt && (a.acc.kind === 'plain' || a.acc.kind === 'list'));
    if (!deviants.length) continue;
    const guard = g.guardOf(cls, MIN_UNDER, MIN_FNS);
    if (!guard || g.lockFree(cls)) continue;
    const L = guard.lock;
    const unguardedAll = list.filter((a) => !a.exempt && (a.acc.kind === 'plain' || a.acc.kind === 'list') && !g.mayBeUnder(a, L));
    const devFns = new Set(unguardedAll.filter((a) => a.acc.write).map((a) => a.fn.key));
    const seen = new Set<string>();
    for (const d of deviants) {
      if (seen.has(d.fn.key) || g.mayBeUnder(d, L)) continue;
      const under = guard.under.filter((a) => a.fn !== d.fn && sameSubsystem(a.fn.file, d.fn.file));
      const fns = new Set(under.map((a) => a.fn.key));
      if (under.length < MIN_UNDER || fns.size < MIN_FNS) continue;
      seen.add(d.fn.key);
      const unguarded = unguardedAll.filter((a) => a.fn !== d.fn);
      const why: string[] = [];
      let score = 3;
      if (d.anyHeld.size) {
        score -= 1; // some other lock is held: the field may be guarded by either
        why.push(`holds ${[...d.anyHeld].join(', ')}`);
      }
      const may = [...g.mayHeld(d.fn.key)].filter((l) => !d.anyHeld.has(l));
      if (may.length) {
        score -= 1; // some caller chain holds another lock (and may serialize this path otherwise: a paused domain, a big lock)
        why.push(`some callers hold ${may.slice(0, 2).join(', ')}`);
      }
      if (unguarded.length) {
        score -= 1;
        why.push(`${unguarded.length} other unguarded access${unguarded.length > 1 ? 'es' : ''}`);
      }
      if (devFns.size > 1) {
        score -= 1;
        why.push(`${devFns.size} functions write it unguarded`);
      }
      if (SETUP_NAME.test(d.fn.name)) {
        score -= 1; // by its name sets the object up: probably before it is shared, though no fact says so
        why.push('a set-up function by its name');
      }
      if (g.onlyIndirectRoots(d.fn)) {
        score -= 1; // called through a table: the callers' locks are unknown
        why.push('reached only through function pointers');
      }
      // the other side: a write under L (a read-modify-write first), else a read
      const rank = (a: FieldAccess) => (a.acc.write ? (a.acc.read ? 0 : 1) : 2);
      const other = [...under].sort((a, b) => rank(a) - rank(b))[0]!;
      out.push({ d, guard, under, other, unguarded, score, why });
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const g = guardInference(ctx.program);
  const ix = g.ix;
  const L = c.guard.lock;
  const cls = c.guard.cls;
  const d = c.d;
  const op = d.e.k === 'store' ? (d.e.rmw ? `${d.e.rmw} (read-modify-write)` : 'store') : d.acc.op;
  const witness = [
    sidePath('CPU0 (unguarded write)', ix, d.fn, [{ loc: d.e.loc, event: `${op} ${cls} (${d.acc.path.text}) with no lock held${d.anyHeld.size ? ` but ${[...d.anyHeld].join(', ')}` : ''}` }], ctx.source),
    sidePath('CPU1 (guarded access)', ix, c.other.fn, [{ loc: c.other.e.loc, event: `${c.other.acc.write ? c.other.acc.op : 'load'} ${cls} under ${L} (held: ${[...c.other.held].join(', ')})` }], ctx.source),
  ];
  const fns = [...new Set(c.under.map((a) => a.fn.name))];
  ctx.report({
    file: d.e.loc.file,
    line: d.e.loc.line,
    col: d.e.loc.col,
    function: d.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [L],
    message: `${d.fn.name} writes ${d.acc.path.text} (${cls}) without holding ${L}, which guards it at ${c.under.length} other accesses in ${fns.length} functions (${fns.slice(0, 3).join(', ')}${fns.length > 3 ? ', ...' : ''}; e.g. ${c.other.fn.name} line ${c.other.e.loc.line}): a concurrent update under the lock can be lost or see a torn state${c.why.length ? ` (lower confidence: ${c.why.join('; ')})` : ''}`,
    witness,
    fingerprint: [cls, L, d.fn.name, normalizeCode(ctx.source.line(d.e.loc.file, d.e.loc.line))],
    extra: { score: c.score, locations: [cls], guardedAccesses: c.under.length, guardedFunctions: fns.length },
  });
}

export const UNGUARDED_ACCESS_THRESHOLD = 3;
export const [unguardedAccess, unguardedAccessLowconf] = scoredRules<Cand>({
  id: 'unguarded-access',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A field written with no lock held while its accesses elsewhere are consistently under one lock (inferred guard).',
  lowDescription: 'Lower-confidence unguarded-access (other unguarded accesses, another lock held, or no known caller); off by default.',
  threshold: UNGUARDED_ACCESS_THRESHOLD,
  candidates,
  report,
});
