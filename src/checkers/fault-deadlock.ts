// fault-deadlock-lowconf (lock-order, off by default): the page-fault handler (rules
// `contexts` kind fault, its `entries`) as a context entered from whatever access faulted.
// A lock it takes on a path not confined to faults from guest code (a `guestTests` test on
// the faulting registers) and that normal context also takes: code holding the lock that
// faults on a hypervisor address (a spurious fault after a page-table change, a per-domain
// area not mapped in the current page tables) re-enters the handler, which spins on the lock
// its own CPU holds, or takes it against the order the faulting code holds another in.
// Which accesses can fault is not modelled (any access may, in principle), so this stays a
// low-confidence list of the handler's locks for review; guest copies raising faults are
// modelled exactly by the fault edges of reentry-deadlock and lock-inversion.
import { execContexts } from '../analysis/exec-contexts.js';
import type { Checker, CheckerContext } from './api.js';
import { callSite, contextHolds } from './nmi-unsafe-lock.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';

function run(ctx: CheckerContext): void {
  const p = ctx.program;
  const x = execContexts(p, 'fault');
  if (!x.entries.length) return;
  for (const { entry, acq, normal: n } of contextHolds(p, x)) {
    const cls = acq.lock.cls;
    const holder = [
      ...(n.caller ? chainSteps([{ fn: n.caller.name, loc: callSite(p, n.caller, n.fn) ?? n.fn.loc }], `call ${n.fn.name}`, ctx.source) : []),
      ...chainSteps([{ fn: n.fn.name, loc: n.e.loc }], `acquire ${cls} (${n.e.lock.inst.text}); an access under it faults`, ctx.source),
    ];
    const side = chainSteps(acq.chain, `<page fault> acquire ${cls} (${acq.lock.inst.text}): spins on the lock the faulting code holds`, ctx.source);
    const path = pathOf('CPU0', [...holder, ...side]);
    const at = acq.chain[acq.chain.length - 1]!;
    const via = acq.chain.length > 1 ? ` (via ${acq.chain.slice(1).map((s) => s.fn).join(' -> ')})` : '';
    ctx.report({
      file: at.loc.file,
      line: at.loc.line,
      col: at.loc.col,
      function: at.fn,
      functions: path.callChain,
      locks: [cls],
      message: `${cls} taken by the page-fault handler ${entry.fn.name}${via} on a path not confined to faults from guest code, and in normal context by ${n.fn.name} (${n.e.api}): a fault on a hypervisor address while it is held re-enters the handler, which spins on it [low confidence: which accesses under the lock can fault is not modelled]`,
      witness: [path],
      fingerprint: ['fault', cls, entry.fn.name, at.fn, normalizeCode(ctx.source.line(at.loc.file, at.loc.line))],
    });
  }
}

export const faultDeadlockLowconf: Checker = {
  meta: {
    id: 'fault-deadlock-lowconf',
    category: 'lock-order',
    severity: 'note',
    description: 'A lock the page-fault handler takes outside its guest-fault paths that normal context also takes: a fault while it is held deadlocks. Off by default (--all-rules).',
    defaultOn: false,
  },
  run,
};
