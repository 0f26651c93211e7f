// recursive-lock (lock-balance): taking a non-recursive lock this CPU already holds,
// directly or through any call chain: a self-deadlock.
import type { Checker, CheckerContext } from './api.js';
import { ERROR_PATH } from './lock-inversion.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';
import { rootReassigned } from './local-rebind.js';
import { selfFoundInstance } from '../analysis/self-found.js';

function run(ctx: CheckerContext, wantLow: boolean): void {
    const seen = new Set<string>();
    for (const [fnKey, facts] of ctx.program.locks) {
      const fn = ctx.program.byKey.get(fnKey);
      for (const f of facts.acquires) {
        const first = f.again;
        const acq = f.acq;
        if (!first || acq.try || acq.retake) continue;
        if (acq.mode === 'recursive' || first.mode === 'recursive') continue;
        if (acq.mode === 'shared' && first.mode === 'shared') continue;
        if (acq.noOrder) continue;
        // through a call that waits for a callback or faults into a handler: reentry-deadlock reports it
        if (acq.chain.some((c) => c.waits)) continue;
        // held only by assertion (lockdep_assert_held): the callers that take it report the
        // recursion with the real acquisition; only a function nobody in the tree calls does
        if (first.assumed && (ctx.program.callers.get(fnKey)?.size ?? 0) > 0) continue;
        const root = acq.lock.inst.root;
        if (root.startsWith('?') || acq.lock.inst.fields.includes('[]')) continue;
        // an object a callee finds for itself (`s = &current->domain->x`), taken by that callee
        // on both sides: one object; any other callee-found instance may be two
        if (root.startsWith('@')) {
          if (!(first.lock.inst.root === root && selfFoundInstance(ctx.program, root, acq.chain.at(-1)!.loc.file))) continue;
        } else if (rootReassigned(fn, root)) continue;
        const a = first.chain[0]!.loc;
        const b = acq.chain[0]!.loc;
        if (a.line === b.line && a.col === b.col && a.file === b.file && first.chain.length === acq.chain.length) continue; // one site in a loop
        const k = `${f.fn}|${acq.key}|${b.line}`;
        if (seen.has(k)) continue;
        // through an error/teardown handler (gfs2_withdraw, jbd2_journal_abort): such re-entry is
        // usually cut off by a state check the analysis does not evaluate
        const errFn = [...first.chain, ...acq.chain].map((c) => c.fn).find((fn) => ERROR_PATH.test(fn));
        // or through two function-pointer hops, whose targets need not belong together
        const indirect = acq.chain.filter((c) => c.indirect).length;
        const weak = errFn ? `only through the error path ${errFn}()` : indirect >= 2 ? `through ${indirect} calls via function-pointer tables` : undefined;
        if (!!weak !== wantLow) continue;
        seen.add(k);
        const steps = [
          ...chainSteps(first.chain, `acquire ${acq.lock.cls || acq.lock.inst.text} (${first.lock.inst.text})`, ctx.source),
          ...chainSteps(acq.chain, `acquire ${acq.lock.cls || acq.lock.inst.text} again (${acq.lock.inst.text})`, ctx.source),
        ];
        const path = pathOf('CPU0', steps);
        const via = acq.chain.length > 1 ? ` via ${acq.chain.slice(1).map((c) => c.fn).join(' -> ')}` : '';
        ctx.report({
          file: b.file,
          line: b.line,
          col: b.col,
          function: f.fn,
          functions: path.callChain,
          locks: [acq.lock.cls || acq.lock.inst.text],
          message: `${acq.lock.inst.text} acquired again${via} while already held since line ${a.line} (${first.api}): recursive locking deadlocks${weak ? ` [low confidence: ${weak}]` : ''}`,
          witness: [path],
          fingerprint: [acq.lock.cls, f.fn, normalizeCode(ctx.source.line(b.file, b.line)), normalizeCode(ctx.source.line(a.file, a.line))],
        });
      }
    }
  }

export const recursiveLock: Checker = {
  meta: {
    id: 'recursive-lock',
    category: 'lock-balance',
    severity: 'error',
    description: 'A non-recursive lock acquired again while already held (directly or through calls): the CPU deadlocks on itself.',
    defaultOn: true,
  },
  run: (ctx) => run(ctx, false),
};

export const recursiveLockLowconf: Checker = {
  meta: {
    id: 'recursive-lock-lowconf',
    category: 'lock-balance',
    severity: 'warning',
    description: 'Recursive locking seen only through an error or teardown handler, where a state check usually prevents the re-entry. Off by default (--all-rules).',
    defaultOn: false,
  },
  run: (ctx) => run(ctx, true),
};
