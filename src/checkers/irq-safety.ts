// irq-safety (lock-order): lockdep's irq-safe -> irq-unsafe check. A lock taken in
// hard-interrupt context (a registered interrupt handler, a function bound to an interrupt
// controller hook, an entry point: rules `irq`) and also taken with interrupts enabled
// (plain spin_lock outside any irqsave / local_irq_disable region, in a function some caller
// enters with interrupts on) deadlocks when the interrupt arrives on the CPU holding it:
// the handler spins on a lock its own CPU holds. Xen's check_lock() catches the same mix
// (one lock taken with interrupts on and off) at run time.
// Confident when the interrupt side takes the lock within a few calls of the handler and the
// unsafe side is seen enabling interrupts or called with them on from a function nobody calls
// with them off; deeper handler chains go to the -lowconf companion.
import { irqFacts, type IrqHandler } from '../analysis/irq-state.js';
import type { Acq } from '../analysis/summary-types.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { scoredRules } from './scored-rules.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';

const CRASH_PATH = /(^|_)(panic|fatal|crash|die|bug|oops|show|dump)(_|$)/i;
const MAX_CONFIDENT_DEPTH = 4;

/** `arch/x86/...` -> `x86`: code of two architectures is never built into one image. */
function archOf(file: string): string | undefined {
  return /(?:^|\/)arch\/([^/]+)\//.exec(file)?.[1];
}

function sameBuild(files: string[]): boolean {
  const arches = new Set(files.map(archOf).filter((a): a is string => !!a));
  return arches.size <= 1;
}

interface Cand {
  fn: FunctionIR;
  e: IrEvent & { k: 'acquire' };
  handler: IrqHandler;
  irqAcq: Acq;
  caller?: { fn: FunctionIR; e: IrEvent };
  score: number;
  /** Interrupts are only assumed on: no caller chain from a known process-context entry. */
  unknownEntry?: boolean;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const facts = irqFacts(p, (f, l) => ctx.source.line(f, l));
  if (!facts.handlers.length) return [];
  // lock class -> the shortest acquisition in interrupt context
  const irqLocks = new Map<string, { handler: IrqHandler; acq: Acq }>();
  for (const h of facts.handlers) {
    for (const a of p.summaries.get(h.fn.key)?.acquires ?? []) {
      if (a.try || a.noOrder || !a.lock.cls || a.mode === 'shared' || a.mode === 'recursive') continue;
      if (a.chain.some((c) => p.rules.noreturn.has(c.fn) || CRASH_PATH.test(c.fn))) continue;
      // through a function that asserts interrupts are enabled: not an interrupt-context path
      if (a.chain.some((c) => [...(p.byName.get(c.fn) ?? [])].some((f) => facts.assertsOn.has(f.key)) || facts.assertsOn.has(`${c.loc.file}::${c.fn}`))) continue;
      const prev = irqLocks.get(a.lock.cls);
      if (!prev || a.chain.length < prev.acq.chain.length) irqLocks.set(a.lock.cls, { handler: h, acq: a });
    }
  }
  const out: Cand[] = [];
  const seen = new Set<string>();
  for (const fn of p.functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'acquire' || e.try || e.assumed || e.irq !== 'none' || e.mode === 'shared') continue;
        const hit = irqLocks.get(e.lock.cls);
        if (!hit) continue;
        const st = facts.at(fn, e);
        if (st === 'off' || (st === 'entry' && facts.entryOff.get(fn.key))) continue;
        if (!sameBuild([fn.file, hit.handler.fn.file, ...hit.acq.chain.map((c) => c.loc.file), ...(hit.handler.at ? [hit.handler.at] : [])])) continue;
        const k = `${fn.key}|${e.lock.cls}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const caller = st === 'entry' ? facts.onCaller(fn.key) : undefined;
        const deep = hit.acq.chain.length > MAX_CONFIDENT_DEPTH || hit.acq.chain.some((c) => c.indirect);
        // interrupts seen on: enabled here, or the function is reached with them on from a known entry
        const seenOn = st === 'on' || facts.knownOn.has(fn.key);
        out.push({ fn, e, handler: hit.handler, irqAcq: hit.acq, ...(caller ? { caller } : {}), score: deep || !seenOn ? 1 : 2, ...(seenOn ? {} : { unknownEntry: true }) });
      }
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const { fn, e, handler, irqAcq } = c;
  const cls = e.lock.cls;
  const unsafe = chainSteps([{ fn: fn.name, loc: e.loc }], `acquire ${cls} (${e.lock.inst.text}) with interrupts enabled`, ctx.source);
  const callerSteps = c.caller
    ? chainSteps([{ fn: c.caller.fn.name, loc: c.caller.e.loc }], `call ${fn.name} with interrupts enabled`, ctx.source)
    : [];
  const irqSide = chainSteps(irqAcq.chain, `<interrupt> acquire ${cls} (${irqAcq.lock.inst.text}): spins on the lock its own CPU holds`, ctx.source);
  const path = pathOf('CPU0', [...callerSteps, ...unsafe, ...irqSide]);
  const via = irqAcq.chain.length > 1 ? ` (via ${irqAcq.chain.slice(1).map((s) => s.fn).join(' -> ')})` : '';
  const how = c.caller ? `, called with interrupts enabled from ${c.caller.fn.name}` : '';
  ctx.report({
    file: e.loc.file,
    line: e.loc.line,
    col: e.loc.col,
    function: fn.name,
    functions: path.callChain,
    locks: [cls],
    message: `${cls} taken with interrupts enabled in ${fn.name} (${e.api}${how}) and in interrupt context by ${handler.fn.name}${via}, ${handler.why}: an interrupt arriving while it is held deadlocks; take it with ${e.api}_irqsave${c.score < 2 ? ` [low confidence: ${c.unknownEntry ? 'no caller chain from a known process-context entry shows interrupts enabled here' : 'the interrupt side is reached through a deep or indirect call chain'}]` : ''}`,
    witness: [path],
    fingerprint: ['irq', cls, fn.name, handler.fn.name, normalizeCode(ctx.source.line(e.loc.file, e.loc.line))],
  });
}

export const [irqSafety, irqSafetyLowconf] = scoredRules<Cand>({
  id: 'irq-safety',
  category: 'lock-order',
  severity: 'error',
  description: 'A lock taken in interrupt context and elsewhere with interrupts enabled: an interrupt on the holding CPU deadlocks (lockdep irq-safe -> irq-unsafe).',
  lowDescription: 'irq-safety through a deep or indirect interrupt-side call chain. Off by default (--all-rules).',
  threshold: 2,
  candidates,
  report,
});
