// nmi-unsafe-lock (lock-order): lockdep's NMI rule. A spinlock taken on a path from an NMI
// (or machine-check) entry or a fatal trap handler (rules `contexts`, kinds nmi/crash) and
// also taken in normal context deadlocks when the NMI or the fault arrives on the CPU that
// holds it: the handler spins on a lock its own CPU holds, `irqsave` or not. Crash paths
// that force a lock open first (`spin_lock_init`, a `*_force_unlock` helper doing it) have
// made that lock safe; code testing the flag such a path raises (`if (!busted)`) stays away.
// Second shape: a crash path re-entering itself. A lock (or a one-CPU-only bit gate) taken on
// a path from a context entry is still held at a call that panics, and the panic path
// takes it again: the nested panic() spins where it should have rebooted.
// Confident when the context side reaches the lock within a few direct calls and not
// through a function that never returns; deeper chains go to the -lowconf companion.
import { execContexts, type ExecContexts, type ExecEntry } from '../analysis/exec-contexts.js';
import type { Acq, ChainStep } from '../analysis/summary-types.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { Program } from '../analysis/program.js';
import type { CheckerContext } from './api.js';
import { scoredRules } from './scored-rules.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';

const MAX_CONFIDENT_DEPTH = 6;

export interface Normal {
  fn: FunctionIR;
  e: IrEvent & { k: 'acquire' };
  caller?: FunctionIR;
}

interface Cand {
  kind: 'interrupted' | 'reentry';
  entry: ExecEntry;
  acq: Acq;
  /** interrupted: the normal-context acquisition. */
  normal?: Normal;
  /** reentry: where it was first taken, and the function holding it at the panicking call. */
  first?: Acq;
  holder?: string;
  score: number;
  weak?: string;
}

function archOf(file: string): string | undefined {
  return /(?:^|\/)arch\/([^/]+)\//.exec(file)?.[1];
}

function sameBuild(files: string[]): boolean {
  return new Set(files.map(archOf).filter((a): a is string => !!a)).size <= 1;
}

/** The call event a chain step names (its site in the step's function). */
function eventAt(p: Program, step: ChainStep, file?: string): { fn: FunctionIR; e: IrEvent } | undefined {
  for (const fn of [...(p.byName.get(step.fn) ?? []), ...(file ? [p.byKey.get(`${file}::${step.fn}`)] : []), p.byKey.get(`${step.loc.file}::${step.fn}`)]) {
    if (!fn) continue;
    for (const b of fn.blocks) for (const e of b.events) if ((e.k === 'call' || e.k === 'acquire') && e.loc.line === step.loc.line && e.loc.col === step.loc.col && e.loc.file === step.loc.file) return { fn, e };
  }
  return undefined;
}

/** Whether some step of `chain` runs only under a guest-mode test that said false (a hypervisor fault). */
export function hypervisorChain(p: Program, x: ExecContexts, chain: ChainStep[]): boolean {
  return chain.some((c) => {
    const at = eventAt(p, c);
    return !!at && x.underHypervisorTest(at.fn, at.e);
  });
}

export function guardedChain(p: Program, x: ExecContexts, chain: ChainStep[]): boolean {
  return chain.some((c) => {
    const at = eventAt(p, c);
    return !!at && x.underSafeTest(at.fn, at.e);
  });
}

/** Normal-context acquisitions per lock class: in functions that do not run only in an NMI/crash context. */
function normalSites(p: Program, x: ExecContexts): Map<string, Normal[]> {
  const out = new Map<string, Normal[]>();
  // every function: a configuration's lock rules may run over a view without the functions
  // it shares with another configuration, and the holder can be one of those
  for (const fn of p.byKey.values()) {
    if (x.only.has(fn.key)) continue;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'acquire' || e.assumed || !e.lock.cls) continue;
        const l = out.get(e.lock.cls) ?? [];
        if (l.length < 8) l.push({ fn, e, ...callerOutside(p, x, fn) });
        out.set(e.lock.cls, l);
      }
    }
  }
  return out;
}

function callerOutside(p: Program, x: ExecContexts, fn: FunctionIR): { caller?: FunctionIR } {
  for (const k of p.callers.get(fn.key) ?? []) if (!x.only.has(k)) { const c = p.byKey.get(k); if (c) return { caller: c }; }
  return {};
}

/**
 * Per lock class, the shortest context-side acquisition (NMI entries first) that normal
 * context also takes: both sides, for this rule and for fault-deadlock.
 */
export function contextHolds(p: Program, x: ExecContexts): { entry: ExecEntry; acq: Acq; normal: Normal }[] {
  const normals = normalSites(p, x);
  const best = new Map<string, { entry: ExecEntry; acq: Acq }>();
  const order = [...x.entries].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'nmi' ? -1 : 1));
  for (const entry of order) {
    for (const a of p.summaries.get(entry.fn.key)?.acquires ?? []) {
      if (a.try || a.noOrder || !a.lock.cls || a.mode === 'recursive') continue;
      if (a.chain.some((c) => c.waits)) continue;
      if (x.forced.has(a.lock.cls)) continue;
      if (guardedChain(p, x, a.chain)) continue;
      const prev = best.get(a.lock.cls);
      if (!prev || (prev.entry.kind !== 'nmi' && entry.kind === 'nmi') || (prev.entry.kind === entry.kind && a.chain.length < prev.acq.chain.length)) best.set(a.lock.cls, { entry, acq: a });
    }
  }
  const out: { entry: ExecEntry; acq: Acq; normal: Normal }[] = [];
  for (const [cls, { entry, acq }] of best) {
    const files = [entry.fn.file, ...acq.chain.map((c) => c.loc.file)];
    const normal = (normals.get(cls) ?? []).find((n) => {
      if (!sameBuild([...files, n.fn.file])) return false;
      // a read lock on both sides shares
      if (acq.mode === 'shared' && n.e.mode === 'shared') return false;
      return n.e.mode !== 'recursive';
    });
    if (normal) out.push({ entry, acq, normal });
  }
  return out;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const x = execContexts(p);
  if (!x.entries.length) return [];
  const out: Cand[] = [];
  for (const { entry, acq, normal } of contextHolds(p, x)) {
    const noreturn = acq.chain.find((c) => p.rules.noreturn.has(c.fn));
    const indirect = acq.chain.some((c) => c.indirect);
    const deep = acq.chain.length > MAX_CONFIDENT_DEPTH;
    const weak = noreturn ? `the context side reaches it only after ${noreturn.fn}()` : indirect ? 'the context side goes through a function-pointer call' : deep ? `the context side is ${acq.chain.length} calls deep` : undefined;
    out.push({ kind: 'interrupted', entry, acq, normal, score: weak ? 1 : 2, ...(weak ? { weak } : {}) });
  }
  // crash re-entry through panic(): a lock held on a context path when a callee panics and the
  // panic path takes it again
  const seen = new Set<string>();
  for (const [fnKey, facts] of p.locks) {
    if (!x.reach.has(fnKey)) continue;
    for (const f of facts.acquires) {
      const first = f.again;
      const acq = f.acq;
      if (!first || acq.try || acq.noOrder || acq.mode === 'recursive' || first.mode === 'recursive') continue;
      if (acq.mode === 'shared' && first.mode === 'shared') continue;
      if (acq.chain.some((c) => c.waits)) continue;
      const nr = acq.chain.findIndex((c) => p.rules.noreturn.has(c.fn));
      if (nr < 0) continue;
      const k = `${acq.lock.cls}|${f.fn}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const entry = x.entries.find((en) => acq.chain.slice(nr).some((c) => c.fn === en.fn.name)) ?? x.entries.find((en) => en.fn.key === fnKey) ?? x.entries[0]!;
      const indirect = acq.chain.filter((c) => c.indirect).length;
      // a one-CPU-only gate is never reopened: held for the rest of the crash path, any panic
      // below it re-enters, so only a long run of table calls makes the path doubtful
      const gate = first.api === 'test_and_set_bit';
      const weak = indirect >= (gate ? 3 : 2) ? `through ${indirect} calls via function-pointer tables` : undefined;
      out.push({ kind: 'reentry', entry, acq, first, holder: f.fn, score: weak ? 1 : 2, ...(weak ? { weak } : {}) });
    }
  }
  return out;
}

const where = (c: ChainStep[]) => (c.length > 1 ? ` (via ${c.slice(1).map((s) => s.fn).join(' -> ')})` : '');

function report(ctx: CheckerContext, c: Cand): void {
  const cls = c.acq.lock.cls;
  const low = c.weak ? ` [low confidence: ${c.weak}]` : '';
  if (c.kind === 'interrupted') {
    const n = c.normal!;
    const holder = [
      ...(n.caller ? chainSteps([{ fn: n.caller.name, loc: callSite(ctx.program, n.caller, n.fn) ?? n.fn.loc }], `call ${n.fn.name}`, ctx.source) : []),
      ...chainSteps([{ fn: n.fn.name, loc: n.e.loc }], `acquire ${cls} (${n.e.lock.inst.text}) in normal context`, ctx.source),
    ];
    const side = chainSteps(c.acq.chain, `<${c.entry.kind === 'nmi' ? 'NMI' : 'fatal trap'}> acquire ${cls} (${c.acq.lock.inst.text}): spins on the lock its own CPU holds`, ctx.source);
    const path = pathOf('CPU0', [...holder, ...side]);
    const at = c.acq.chain[c.acq.chain.length - 1]!;
    ctx.report({
      file: at.loc.file,
      line: at.loc.line,
      col: at.loc.col,
      function: at.fn,
      functions: path.callChain,
      locks: [cls],
      message: `${cls} taken in ${c.entry.kind === 'nmi' ? 'NMI' : 'fatal-trap'} context by ${c.entry.fn.name}${where(c.acq.chain)} (${c.entry.why}) and in normal context by ${n.fn.name} (${n.e.api}): the ${c.entry.kind === 'nmi' ? 'NMI' : 'fault'} can arrive while this CPU holds it, irqsave or not, and the handler spins forever; force it open first or keep the handler away from it${low}`,
      witness: [path],
      fingerprint: ['nmi', cls, c.entry.fn.name, at.fn, normalizeCode(ctx.source.line(at.loc.file, at.loc.line))],
    });
    return;
  }
  const first = c.first!;
  const at = c.acq.chain[0]!;
  const steps = [
    ...chainSteps(first.chain, `acquire ${cls} (${first.lock.inst.text}) on the crash path`, ctx.source),
    ...chainSteps(c.acq.chain, `acquire ${cls} again (${c.acq.lock.inst.text}): the nested crash path spins on it`, ctx.source),
  ];
  const path = pathOf('CPU0', steps);
  const nr = c.acq.chain.find((s) => ctx.program.rules.noreturn.has(s.fn))!;
  ctx.report({
    file: at.loc.file,
    line: at.loc.line,
    col: at.loc.col,
    function: c.holder!,
    functions: path.callChain,
    locks: [cls],
    message: `${c.acq.lock.inst.text} is held by ${c.holder}${where(first.chain)} on a path from ${c.entry.fn.name} when a callee calls ${nr.fn}(), which re-enters the crash path and takes it again${where(c.acq.chain)}: the nested ${nr.fn}() spins forever instead of rebooting${low}`,
    witness: [path],
    fingerprint: ['nmi-reentry', cls, c.holder!, normalizeCode(ctx.source.line(at.loc.file, at.loc.line))],
  });
}

export function callSite(p: Program, caller: FunctionIR, callee: FunctionIR) {
  for (const b of caller.blocks) for (const e of b.events) if (e.k === 'call' && p.mayCall(caller, e, callee.key)) return e.loc;
  return undefined;
}

export const [nmiUnsafeLock, nmiUnsafeLockLowconf] = scoredRules<Cand>({
  id: 'nmi-unsafe-lock',
  category: 'lock-order',
  severity: 'warning',
  description: 'A lock taken on a path from an NMI, machine-check or fatal-trap entry and also in normal context (the handler spins on a lock its own CPU holds), or re-taken when the crash path panics into itself.',
  lowDescription: 'nmi-unsafe-lock through a deep, indirect or panic() context-side chain. Off by default (--all-rules).',
  threshold: 2,
  candidates,
  report,
});
