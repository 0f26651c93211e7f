// free-with-pending-callback (lifetime): an object freed while a deferred callback armed on
// an item it embeds (work item, tasklet, timer, wait-queue entry, RCU head: rules `deferred`)
// may still run: on some path to the free there is no cancel / flush / kill /
// remove_wait_queue / synchronize for that item, in the freeing function, a callee, or the
// callers before they call it. (Seed 004: kvm_irqfd_release frees an irqfd whose wait-queue
// entry is unhooked only `if (irqfd->wqh)`.)
// Not reported: a free inside the item's own callback (it is running, not pending); an object
// allocated in the freeing function and never armed there (an error path before publication).
// Scored higher when the freeing path shows it knows about the callbacks (cancels some of
// them, or this one conditionally).
import { scoredRules } from './scored-rules.js';
import { accessIndex } from '../analysis/access-index.js';
import type { CallEvent, FunctionIR, IrEvent } from '../ir/types.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { sidePath } from './shared-mem.js';
import { cancelsItem, deferredRegistry, pointeeType, reachableAvoiding, type DeferredItem } from './shared-life.js';
import { normalizeCode, pathOf, chainSteps } from './witness.js';

interface Cand {
  fn: FunctionIR;
  free: IrEvent & { k: 'free' };
  item: DeferredItem;
  type: string;
  conditional?: IrEvent;
  score: number;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const reg = deferredRegistry(p, ix);
  const out: Cand[] = [];
  if (!reg.byContainer.size) return out;
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    const ownItems = new Set((reg.callbackOf.get(fn.name) ?? []).map((i) => i.cls));
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'free' || e.kind) continue; // an unmap or a reference drop leaves the struct in place
        const type = pointeeType(p, e.path);
        if (!type) continue;
        const items = reg.byContainer.get(type);
        if (!items) continue;
        const armedItems = [...items.values()].filter((it) => it.arms.length > 0 || it.kind === 'rcu');
        if (!armedItems.length) continue;
        const fromAlloc = e.path.root.startsWith('local:') && e.path.fields.length === 0 && allocs.has(e.path.root.slice(6));
        let cancelledSome = false;
        const missing: { it: DeferredItem; cond?: IrEvent }[] = [];
        for (const it of armedItems) {
          if (ownItems.has(it.cls)) continue; // running in this item's own callback
          if (fromAlloc && !it.arms.some((a) => a.fn === fn && ix.reaches(fn, a.e, e, () => false))) continue; // never armed before this free
          const stop = (x: IrEvent) => cancelsItem(p, reg, fn, x, it);
          if (!reachableAvoiding(fn, e, stop)) {
            cancelledSome = true;
            continue;
          }
          // every caller cancels before calling?
          const callers = [...(p.callers.get(fn.key) ?? [])].map((k) => p.byKey.get(k)!).filter(Boolean);
          if (callers.length && callers.every((c) => callerCancels(c, fn, it))) {
            cancelledSome = true;
            continue;
          }
          // a cancel exists in this function but not on every path to the free
          let cond: IrEvent | undefined;
          for (const b2 of fn.blocks) for (const x of b2.events) if (!cond && stop(x)) cond = x;
          missing.push(cond ? { it, cond } : { it });
        }
        for (const m of missing) {
          // the cancel is skipped on a test of state the callback itself changes (seed 004:
          // `if (irqfd->wqh) remove_wait_queue(...)`, while irqfd_wakeup sets wqh = NULL): a racy
          // decision about the callback. Other partial cancels are usually correlated with how
          // the item was armed, or another thread cancels it first.
          let score = 2;
          if (m.cond && racyCancelTest(fn, m.it)) score += 1;
          void cancelledSome;
          out.push({ fn, free: e, item: m.it, type, ...(m.cond ? { conditional: m.cond } : {}), score });
        }
      }
    }
  }
  return out;

  function racyCancelTest(fn: FunctionIR, it: DeferredItem): boolean {
    const written = new Set<string>();
    for (const cbName of it.callbacks) {
      const cb = p.byName.get(cbName)?.[0] ?? p.functions.find((f) => f.name === cbName);
      if (!cb) continue;
      for (const b of cb.blocks) for (const e of b.events) if (e.k === 'store') written.add(ix.cls(e.path));
    }
    if (!written.size) return false;
    for (const b of fn.blocks) for (const e of b.events) if (e.k === 'branch' && e.reads.some((r) => written.has(ix.cls(r)))) return true;
    return false;
  }

  function callerCancels(caller: FunctionIR, callee: FunctionIR, it: DeferredItem): boolean {
    const stop = (x: IrEvent) => cancelsItem(p, reg, caller, x, it);
    for (const b of caller.blocks) for (const x of b.events) {
      if (x.k === 'call' && p.mayCall(caller, x, callee.key) && reachableAvoiding(caller, x, stop)) return false;
    }
    return true;
  }
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const it = c.item;
  const steps = [];
  if (c.conditional) steps.push({ loc: c.conditional.loc, event: `cancels ${it.cls} only on some paths` });
  steps.push({ loc: c.free.loc, event: `${c.free.api} ${c.type} (${c.free.path.text}) with ${it.cls} possibly pending` });
  steps.sort((a, b) => a.loc.line - b.loc.line);
  const witness: WitnessPath[] = [sidePath('freeing path', ix, c.fn, steps, ctx.source)];
  const arm = it.arms[0] ?? it.regs[0];
  const cbName = [...it.callbacks][0];
  const cb = cbName ? ctx.program.byName.get(cbName)?.[0] ?? ctx.program.functions.find((f) => f.name === cbName) : undefined;
  if (arm) {
    const armSteps = chainSteps([...ix.callerPath(arm.fn.key), { fn: arm.fn.name, loc: arm.e.loc }], `${arm.e.callee} arms ${it.cls}${cbName ? ` (callback ${cbName})` : ''}`, ctx.source);
    const cbSteps = cb ? chainSteps([{ fn: cb.name, loc: cb.loc }], `${cb.name} runs later (${it.kind} callback) on the freed ${c.type}`, ctx.source) : [];
    witness.push(pathOf('using path (callback)', [...armSteps, ...cbSteps]));
  }
  const functions = [...new Set(witness.flatMap((w) => w.callChain))];
  ctx.report({
    file: c.free.loc.file,
    line: c.free.loc.line,
    col: c.free.loc.col,
    function: c.fn.name,
    functions,
    locks: [],
    message: `${c.fn.name} frees ${c.free.path.text} (${c.type}) while its ${it.kind} ${it.cls}${cbName ? ` (callback ${cbName})` : ''} may still be pending: ${c.conditional ? `the cancel at line ${c.conditional.loc.line} does not run on every path to the free` : 'no cancel/flush/kill on the path to the free'}`,
    witness,
    fingerprint: [it.cls, c.fn.name, normalizeCode(ctx.source.line(c.free.loc.file, c.free.loc.line))],
    extra: { score: c.score, locations: [it.cls], callback: cbName ?? null, kind: it.kind },
  });
  void (null as unknown as CallEvent);
}

export const FREE_PENDING_THRESHOLD = 3;
export const [freeWithPendingCallback, freeWithPendingCallbackLowconf] = scoredRules<Cand>({
  id: 'free-with-pending-callback',
  category: 'lifetime',
  severity: 'error',
  description: 'An object freed while a work item, timer, tasklet, wait-queue entry or RCU callback registered on it may still run.',
  lowDescription: 'Lower-confidence free-with-pending-callback (no cancel of any callback seen on the freeing path; lifetime may be handled by references); off by default.',
  threshold: FREE_PENDING_THRESHOLD,
  candidates,
  report,
});
