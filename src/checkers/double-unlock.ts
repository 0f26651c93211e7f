// double-unlock (lock-balance): releasing a lock that this path already released.
import type { Checker } from './api.js';
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
    }
  },
};
