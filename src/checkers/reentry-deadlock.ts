// reentry-deadlock (lock-order): a lock held across a call that waits for a callback which
// takes it (kill_timer / tasklet_kill on a handler, on_selected_cpus(..., wait) on a function:
// rules `waits`), or across a call that may fault into a handler which takes it (a
// guest-memory copy and the page-fault handler: rules `contexts`). The waiter holds the
// lock the callback spins on; the handler spins on a lock its own CPU holds.
// Other locks the callback takes order after the held ones and join lock-order cycles
// (lock-inversion); this rule reports the one-lock case, which lockdep calls recursive.
// Same instance (a global, or one the code names the same way) is the rule; a callback whose
// lock is only known by class (its object is not the caller's) goes to the -lowconf companion.
import { instKey, type AcquireFact, type LockEntry } from '../analysis/summary-types.js';
import type { AccessPath, FunctionIR } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { scoredRules } from './scored-rules.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';

interface Cand {
  f: AcquireFact;
  held: LockEntry;
  score: number;
}

function sameInstance(h: LockEntry, f: AcquireFact): boolean {
  if (h.key === f.acq.key) return true;
  const r = f.acq.lock.inst.root;
  return r.startsWith('global:') && h.lock.inst.root === r;
}

function fnAt(ctx: CheckerContext, name: string, file: string): FunctionIR | undefined {
  return ctx.program.functions.find((f) => f.name === name && f.file === file);
}

/**
 * The callback locks the object the waiting call hands it: `init_timer(&o->t, h, o)`,
 * `h(void *d) { struct obj *o = d; spin_lock(&o->lock); }`, and `kill_timer(&o->t)` while
 * holding `o->lock`.
 */
function callbackBindsHeld(ctx: CheckerContext, f: AcquireFact, h: LockEntry, w: number): boolean {
  const chain = f.acq.chain;
  if (chain.length !== w + 2) return false; // taken deeper than the callback itself
  const site = chain[w]!;
  const last = chain[w + 1]!;
  const caller = fnAt(ctx, site.fn, site.loc.file);
  const cb = fnAt(ctx, last.fn, last.loc.file);
  if (!caller || !cb) return false;
  let call;
  for (const b of caller.blocks) for (const e of b.events) if (e.k === 'call' && e.loc.line === site.loc.line && e.loc.col === site.loc.col) call = e;
  if (!call) return false;
  const t = ctx.program.waitTargets(caller, call).find((x) => x.fn.key === cb.key);
  const data = t?.call.args[0];
  if (!data) return false;
  let lockPath: AccessPath | undefined;
  for (const b of cb.blocks) for (const e of b.events) if (e.k === 'acquire' && e.loc.line === last.loc.line && e.loc.col === last.loc.col) lockPath = e.lock.inst;
  if (!lockPath) return false;
  // the lock's root is the callback's first parameter, or a local copied from it
  let viaParam = lockPath.root === 'param:0';
  if (!viaParam && lockPath.root.startsWith('local:')) {
    const local = lockPath.root.slice(6);
    const param = cb.params[0]?.name;
    // `struct obj *o = data;` (a declaration's initializer leaves no event): read the source
    const init = param ? new RegExp(`\\b${local}\\s*=\\s*(\\([^)]*\\)\\s*)?${param}\\s*;`) : undefined;
    for (let l = cb.loc.line; init && !viaParam && l <= last.loc.line; l++) if (init.test(ctx.source.line(cb.file, l) ?? '')) viaParam = true;
  }
  if (!viaParam) return false;
  const mapped: AccessPath = { ...data, fields: [...data.fields, ...lockPath.fields], arrows: [...data.arrows, ...lockPath.arrows] };
  return instKey(mapped) === instKey(h.lock.inst);
}

function candidates(ctx: CheckerContext): Cand[] {
  const out: Cand[] = [];
  const seen = new Set<string>();
  for (const facts of ctx.program.locks.values()) {
    for (const f of facts.acquires) {
      const acq = f.acq;
      if (acq.try || acq.noOrder || acq.retake || acq.mode === 'recursive' || !acq.lock.cls) continue;
      if (!acq.chain.some((c) => c.waits)) continue;
      for (const h of f.held) {
        if (h.lock.cls !== acq.lock.cls || h.noOrder || h.mode === 'recursive') continue;
        if (h.mode === 'shared' && acq.mode === 'shared') continue;
        const k = `${f.fn}|${acq.lock.cls}|${acq.chain.map((c) => `${c.fn}:${c.loc.line}`).join('>')}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const w = acq.chain.findIndex((c) => c.waits);
        // a fault handler's objects are the faulting context's: only a global is surely the held one
        const fault = acq.chain[w]!.fault;
        const same = fault ? acq.lock.inst.root.startsWith('global:') && sameInstance(h, f) : sameInstance(h, f) || callbackBindsHeld(ctx, f, h, w);
        out.push({ f, held: h, score: same ? 2 : 1 });
      }
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const { f, held } = c;
  const acq = f.acq;
  const w = acq.chain.findIndex((s) => s.waits);
  const site = acq.chain[w]!;
  const cb = acq.chain[w + 1]?.fn ?? '?';
  const steps = [
    ...chainSteps(held.chain, `acquire ${held.lock.cls} (${held.lock.inst.text})`, ctx.source),
    ...chainSteps(acq.chain, `acquire ${acq.lock.cls} (${acq.lock.inst.text}): waits on itself`, ctx.source),
  ];
  const path = pathOf('CPU0', steps);
  const rest = acq.chain.slice(w + 2).map((s) => s.fn);
  const chainText = [cb, ...rest].join(' -> ');
  const at = site.loc;
  ctx.report({
    file: at.file,
    line: at.line,
    col: at.col,
    function: f.fn,
    functions: path.callChain,
    locks: [acq.lock.cls],
    message: `${held.lock.inst.text} held (since line ${held.chain[0]!.loc.line}) across ${site.waits}, which takes ${acq.lock.cls} (${chainText}): the lock is waited for by its own holder${c.score < 2 ? ' [low confidence: the callback locks an object of that class it does not get from this caller]' : ''}`,
    witness: [path],
    fingerprint: ['reentry', acq.lock.cls, f.fn, cb, normalizeCode(ctx.source.line(at.file, at.line))],
  });
}

export const [reentryDeadlock, reentryDeadlockLowconf] = scoredRules<Cand>({
  id: 'reentry-deadlock',
  category: 'lock-order',
  severity: 'error',
  description: 'A lock held across a call that waits for a callback, or faults into a handler, that takes the same lock: the CPU waits on itself.',
  lowDescription: 'A lock held across a call that waits for (or faults into) code taking another instance of its class. Off by default (--all-rules).',
  threshold: 2,
  candidates,
  report,
});
