// double-unlock (lock-balance): releasing a lock that this path already released.
import type { Checker } from './api.js';
import type { FunctionLocks } from '../analysis/summary-types.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';
import { rootReassigned } from './local-rebind.js';

export const doubleUnlock: Checker = {
  meta: {
    id: 'double-unlock',
    category: 'lock-balance',
    severity: 'error',
    description: 'A lock released twice on one path: corrupts the lock and releases it under another CPU.',
    defaultOn: true,
  },
  run(ctx) {
    const seen = new Set<string>();
    for (const [fnKey, facts] of ctx.program.locks) {
      const fn = ctx.program.byKey.get(fnKey);
      for (const r of facts.releases) {
        if (r.before !== 'released' || !r.prev?.releasedAt) continue;
        const root = r.lock.inst.root;
        if (root.startsWith('?') || root.startsWith('@') || r.lock.inst.fields.includes('[]')) continue;
        if (rootReassigned(fn, root)) continue;
        if (r.prev.mode === 'shared') continue; // read locks may be held more than once
        const first = r.prev.releasedAt;
        const a = first[0]!.loc;
        const b = r.chain[0]!.loc;
        if (a.line === b.line && a.col === b.col && a.file === b.file) continue; // one site in a loop
        const k = `${r.fn}|${r.key}|${b.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const name = r.lock.cls || r.lock.inst.text;
        const path = pathOf('CPU0', [
          ...(r.prev.dropped ? [] : chainSteps(r.prev.chain, `acquire ${name}`, ctx.source)),
          ...chainSteps(first, `release ${name}`, ctx.source),
          ...chainSteps(r.chain, `release ${name} again`, ctx.source),
        ]);
        ctx.report({
          file: b.file,
          line: b.line,
          col: b.col,
          function: r.fn,
          functions: path.callChain,
          locks: [name],
          message: `${r.lock.inst.text} released again, already released at line ${a.line} on this path`,
          witness: [path],
          fingerprint: [name, r.fn, normalizeCode(ctx.source.line(b.file, b.line)), normalizeCode(ctx.source.line(a.file, a.line))],
        });
      }
      if (fn) unlockedCallersLock(ctx, fn, facts);
    }
  },
};

/**
 * `if (do_locking) lock(); ... if (err) { unlock(); return NULL; }`: on one path the function
 * releases a lock it did not take there (its caller's), while another path takes and releases
 * the same lock itself: the caller that already held it returns without it, and its own
 * unlock releases it a second time.
 */
function unlockedCallersLock(ctx: Parameters<Checker['run']>[0], fn: NonNullable<ReturnType<typeof ctx.program.byKey.get>>, facts: FunctionLocks): void {
  const done = new Set<string>();
  for (const r of facts.returns) {
    for (const e of r.state) {
      if (e.status !== 'released' || !e.dropped || e.retake || e.assumed || done.has(e.key) || !e.releasedAt?.length) continue;
      const root = e.lock.inst.root;
      if (root.startsWith('?') || root.startsWith('@') || e.lock.inst.fields.includes('[]') || rootReassigned(fn, root)) continue;
      // another path takes and releases it here: this function owns the lock, it is no unlock helper
      const own = facts.returns.find((o) => o.state.some((x) => x.key === e.key && x.status === 'released' && !x.dropped));
      if (!own) continue;
      // and some path leaves a caller's hold alone (else it is an unlock-always function)
      const keeps = facts.returns.some((o) => !o.state.some((x) => x.key === e.key));
      if (!keeps) continue;
      done.add(e.key);
      const mine = own.state.find((x) => x.key === e.key)!;
      const name = e.lock.cls || e.lock.inst.text;
      const rel = e.releasedAt[0]!.loc;
      const path = pathOf('CPU0', [
        ...chainSteps(e.releasedAt, `release ${name} (not taken on this path: the caller's)`, ctx.source),
        ...chainSteps([{ fn: r.fn, loc: r.loc }], `return ${r.value ?? ''} without the caller's ${name}`.trim(), ctx.source),
      ]);
      const other = pathOf('other path', [
        ...chainSteps(mine.chain, `acquire ${name}`, ctx.source),
        ...chainSteps(mine.releasedAt ?? [], `release ${name}`, ctx.source),
      ]);
      ctx.report({
        file: rel.file,
        line: rel.line,
        col: rel.col,
        function: fn.name,
        functions: [...new Set([...path.callChain, ...other.callChain])],
        locks: [name],
        message: `${e.lock.inst.text} released on a path that did not take it (the caller's hold), though line ${mine.chain[0]!.loc.line} takes it on another path and other paths leave the caller's hold alone`,
        witness: [path, other],
        fingerprint: [name, fn.name, normalizeCode(ctx.source.line(rel.file, rel.line)), 'callers-lock'],
      });
    }
  }
}
