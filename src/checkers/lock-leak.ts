// lock-leak (lock-balance): a return path still holds a lock that another return path
// of the same function releases, where the two paths return the same value (or the
// holding one returns an error): the classic error path that forgets to unlock.
// Paths that return different success values are conditional-lock functions, not leaks.
import type { Checker } from './api.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';
import { viaHook } from '../analysis/lockset.js';

const LOCK_OPERATION = /(^|_)(read_|write_)?(try)?lock(_irq|_irqsave|_bh|_recursive)?$/;

function isErrorValue(v: string | undefined): boolean {
  if (!v) return false;
  return /^-\s*E[A-Z0-9]+$/.test(v) || /^-\d+$/.test(v) || /^ERR_PTR\(/.test(v) || v === 'NULL' || /^-?E[A-Z]+$/.test(v);
}

function isLiteral(v: string | undefined): boolean {
  return v === undefined || /^-?\s*(\d+|0x[0-9a-fA-F]+|E[A-Z0-9]+|NULL|true|false)$/.test(v);
}

export const lockLeak: Checker = {
  meta: {
    id: 'lock-leak',
    category: 'lock-balance',
    severity: 'warning',
    description: 'A return path keeps a lock that other return paths of the same function release (a forgotten unlock on an error path).',
    defaultOn: true,
  },
  run(ctx) {
    for (const [fnKey, facts] of ctx.program.locks) {
      const fn = ctx.program.byKey.get(fnKey);
      if (!fn || fn.annotations.some((a) => a.startsWith('acquires') || a.startsWith('cond_acquires'))) continue;
      // a lock operation itself (`_percpu_read_lock`): its paths take the lock in different ways
      if (LOCK_OPERATION.test(fn.name)) continue;
      const rets = facts.returns;
      if (rets.length < 2) continue;
      const reported = new Set<string>();
      const errno = rets.some((r) => /^-\s*E[A-Z0-9]+$/.test(r.literal ?? r.value ?? ''));
      for (const r1 of rets) {
        for (const e of r1.state) {
          // a trylock's lock counts once its success branch was taken (the state says held)
          if (e.status !== 'held' || e.retake || e.assumed || reported.has(e.key)) continue;
          if (e.lock.inst.root.startsWith('?')) continue;
          // held through a hook (one implementation of `ops->claim`): whether the one that runs
          // has a release hook is not known here
          if (viaHook(e)) continue;
          // a returned variable may hold different values on the two paths (0 holding, -EAGAIN not):
          // only a literal return value, or none, says the two paths report the same outcome
          const v1 = r1.literal ?? r1.value;
          // an error path: an error literal, a local known negative, or one known non-zero
          // where the function returns -errno elsewhere (`if (rc) goto out;` ... `return rc;`)
          const failing = isErrorValue(v1) || !!r1.failure || (v1 === '!0' && errno);
          const r2 = rets.find((r) => r !== r1 && r.state.some((x) => x.key === e.key && x.status === 'released') && (((r.literal ?? r.value) === v1 && isLiteral(v1)) || failing));
          if (!r2) continue;
          reported.add(e.key);
          const rel = r2.state.find((x) => x.key === e.key)!;
          const name = e.lock.cls || e.lock.inst.text;
          const holding = pathOf('leaking path', [
            ...chainSteps(e.chain, `acquire ${name}`, ctx.source),
            ...chainSteps([{ fn: r1.fn, loc: r1.loc }], `return ${r1.value ?? ''} holding ${name}`.trim(), ctx.source),
          ]);
          const releasing = pathOf('releasing path', [
            ...chainSteps(rel.releasedAt ?? [], `release ${name}`, ctx.source),
            ...chainSteps([{ fn: r2.fn, loc: r2.loc }], `return ${r2.value ?? ''}`.trim(), ctx.source),
          ]);
          ctx.report({
            file: r1.loc.file,
            line: r1.loc.line,
            col: r1.loc.col,
            function: fn.name,
            functions: [...new Set([...holding.callChain, ...releasing.callChain])],
            locks: [name],
            message: `returns${r1.value ? ` ${r1.value}` : ''}${r1.literal !== undefined && r1.literal !== r1.value ? (r1.literal === '!0' ? ' (non-zero here)' : ` (= ${r1.literal})`) : r1.failure ? ' (a failure value here)' : ''} still holding ${e.lock.inst.text} (taken at line ${e.chain[0]!.loc.line}), which the return at line ${r2.loc.line} releases`,
            witness: [holding, releasing],
            fingerprint: [name, fn.name, normalizeCode(ctx.source.line(r1.loc.file, r1.loc.line)), r1.value ?? ''],
          });
        }
      }
    }
  },
};
