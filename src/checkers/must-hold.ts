// must-hold (lock-balance): a call of a function whose contract says a lock is held (it asserts
// it, `ASSERT(spin_is_locked(&d->lock))`, `lockdep_assert_held(&d->lock)`, or calls such a
// function on every path) on a path where the caller definitely does not hold it: released
// earlier on that path (`shadow_unlock(d); if (rc) sh_set_allocation(d, 0);`), or not taken on
// that path while the caller takes it on others (so its own callers do not hold it either).
// A lock the caller neither takes nor releases is its callers' business: the contract passes
// up (summary `requires`) and is checked at their calls. Weaker evidence (the contract holds on
// some paths of the callee only, a recursive lock the caller's caller may still hold, a caller
// testing whether it holds the lock) goes to must-hold-lowconf.
import type { FunctionLocks, LockEntry, NeedFact } from '../analysis/summary-types.js';
import type { FunctionIR } from '../ir/types.js';
import type { Checker, CheckerContext } from './api.js';
import { chainNames, chainSteps, normalizeCode, pathOf } from './witness.js';

/** A test of whether a lock is held, used as a condition (`if (!paging_locked_by_me(d))`): the function handles both. */
const HELD_TEST = /\b\w*(locked_by_me|is_locked|is_write_locked|lockdep_is_held|_locked)\s*\(/;
const ASSERTION = /^\s*(ASSERT|BUG_ON|WARN_ON\w*|lockdep_assert\w*|assert\w*)\s*\(/;

interface Candidate {
  fn: FunctionIR;
  need: NeedFact;
  strong: boolean;
  why: 'released' | 'taken-elsewhere';
}

/** Whether the function tests, in a condition, whether it holds a lock (it then works both ways). */
function testsHeld(ctx: CheckerContext, fn: FunctionIR): boolean {
  for (let l = fn.loc.line; l <= fn.endLine; l++) {
    const t = ctx.source.line(fn.loc.file, l);
    if (t && HELD_TEST.test(t) && !ASSERTION.test(t)) return true;
  }
  return false;
}

/**
 * Where the function itself holds `key` (a release of it held, or a return holding it), not
 * asserted, and not by a trylock (a function that only tries may run under the lock on its
 * other paths: a command argument saying the caller holds it).
 */
function ownHold(facts: FunctionLocks, key: string): LockEntry | undefined {
  for (const r of facts.releases) if (r.key === key && r.before === 'held' && r.prev && !r.prev.assumed && !r.prev.dropped && !r.prev.try) return r.prev;
  for (const r of facts.returns) for (const e of r.state) if (e.key === key && e.status === 'held' && !e.assumed && !e.dropped && !e.try) return e;
  return undefined;
}

function candidates(ctx: CheckerContext): Candidate[] {
  const out: Candidate[] = [];
  const p = ctx.program;
  for (const [fnKey, facts] of p.locks) {
    if (!facts.needs?.length) continue;
    const fn = p.byKey.get(fnKey);
    const summary = p.summaries.get(fnKey);
    if (!fn || !summary) continue;
    const inherited = new Set((summary.requires ?? []).map((r) => r.key));
    let held: boolean | undefined;
    const seen = new Set<string>();
    for (const n of facts.needs) {
      if (n.status === 'held' || n.status === 'mixed' || n.sameClass) continue;
      const point = `${n.key}|${n.chain[0]!.loc.line}:${n.chain[0]!.loc.col}`;
      if (seen.has(point)) continue;
      if (n.status === 'released') {
        seen.add(point);
        // a recursive lock this function took and dropped again may still be held by its caller
        const own = n.prev && !n.prev.dropped;
        const strong = n.always && !(own && n.prev!.mode === 'recursive');
        out.push({ fn, need: n, strong, why: 'released' });
        continue;
      }
      // untouched here: the callers' lock, unless this function takes and holds it on other
      // paths (not a callee that takes it only when it finds it not held)
      if (inherited.has(n.key)) continue;
      const acq = ownHold(facts, n.key);
      if (!acq) continue;
      seen.add(point);
      held ??= testsHeld(ctx, fn);
      const strong = n.always && acq.mode !== 'recursive' && !acq.guard && !held;
      out.push({ fn, need: n, strong, why: 'taken-elsewhere' });
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Candidate): void {
  const { fn, need } = c;
  const name = need.lock.cls || need.lock.inst.text;
  const text = need.lock.inst.text.replace(/^&/, '');
  const direct = need.chain.length === 1;
  const assertAt = need.chain[need.chain.length - 1]!;
  const callee = direct ? undefined : need.chain[1]!.fn;
  const contract = pathOf('contract', chainSteps(need.chain, `asserts ${name} held`, ctx.source));
  const witness = [];
  let evidence: string;
  if (c.why === 'released') {
    const rel = need.prev?.releasedAt ?? [];
    witness.push(pathOf('path without the lock', [...chainSteps(rel, `release ${name}`, ctx.source), ...contract.steps]));
    evidence = `released at line ${rel[0]?.loc.line ?? '?'} on this path`;
  } else {
    const acq = ownHold(ctx.program.locks.get(fn.key)!, need.key)!;
    witness.push(pathOf('path without the lock', contract.steps));
    witness.push(pathOf('path taking the lock', chainSteps(acq.chain, `acquire ${name}`, ctx.source)));
    evidence = `not held on this path, and ${fn.name}() takes it itself at line ${acq.chain[0]!.loc.line}, so its callers do not hold it`;
  }
  const chain = chainNames(need.chain);
  const where = `${assertAt.loc.file.split('/').pop()}:${assertAt.loc.line}`;
  ctx.report({
    file: need.chain[0]!.loc.file,
    line: need.chain[0]!.loc.line,
    col: need.chain[0]!.loc.col,
    function: fn.name,
    functions: [...new Set([...witness.flatMap((w) => w.callChain), ...chain])],
    locks: [name],
    message: direct
      ? `asserts ${text} held (${where}), but it is ${evidence}`
      : `calls ${callee}() without ${text}, which ${chain.slice(1).join(' -> ')} requires (asserted held at ${where}); ${evidence}`,
    witness,
    fingerprint: [name, fn.name, normalizeCode(ctx.source.line(need.chain[0]!.loc.file, need.chain[0]!.loc.line)), callee ?? '', c.why],
  });
}

const cache = new WeakMap<object, Candidate[]>();
function cands(ctx: CheckerContext): Candidate[] {
  let c = cache.get(ctx.program);
  if (!c) cache.set(ctx.program, (c = candidates(ctx)));
  return c;
}

export const mustHold: Checker = {
  meta: {
    id: 'must-hold',
    category: 'lock-balance',
    severity: 'warning',
    description: 'A call of a function that requires a lock held (asserts it), on a path where the caller has released that lock or does not take it while it does on other paths.',
    defaultOn: true,
  },
  run(ctx) {
    for (const c of cands(ctx)) if (c.strong) report(ctx, c);
  },
};

export const mustHoldLowconf: Checker = {
  meta: {
    id: 'must-hold-lowconf',
    category: 'lock-balance',
    severity: 'note',
    description: 'A must-hold contract maybe broken: the callee asserts the lock on some paths only, the lock is recursive (an outer holder may remain), or the caller tests whether it holds it. Off by default (--all-rules).',
    defaultOn: false,
  },
  run(ctx) {
    for (const c of cands(ctx)) if (!c.strong) report(ctx, c);
  },
};
