// lock-inversion (lock-order): a cycle in the lock-order graph, of any length, through
// calls in any file; two instances of one class nested without `_nested` or address
// ordering; a declared lock level (Xen mm-locks.h) taken out of order.
import type { EdgeWitness } from '../analysis/lock-graph.js';
import { findCycles, kindUndecided, levelsOf } from '../analysis/lock-graph.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';
import { execContexts } from '../analysis/exec-contexts.js';
import { guardedChain, hypervisorChain } from './nmi-unsafe-lock.js';

function edgePath(label: string, w: EdgeWitness, ctx: CheckerContext): WitnessPath {
  // an assertion (`ASSERT(spin_is_locked(..))`) does not take the lock: a caller holds it
  const held = chainSteps(w.held.chain, `acquire ${w.held.lock.cls} (${w.held.lock.inst.text})${w.held.assumed ? ' [asserted held here: taken by a caller]' : ''}`, ctx.source);
  const acq = chainSteps(w.acq.chain, `acquire ${w.acq.lock.cls} (${w.acq.lock.inst.text})`, ctx.source);
  return pathOf(label, [...held, ...acq]);
}

function via(w: EdgeWitness): string {
  // a step that waits for a callback (or faults into a handler) says so: `[kill_timer() waits for ... h()] h`
  const names = w.acq.chain.slice(1).map((c, i) => (w.acq.chain[i]!.waits ? `[${w.acq.chain[i]!.waits}] ${c.fn}` : c.fn));
  return names.length ? ` (via ${names.join(' -> ')})` : '';
}

/** A cycle cannot deadlock if some lock in it is both held and awaited in shared mode. */
function sharedBreaksCycle(ws: EdgeWitness[]): boolean {
  for (let i = 0; i < ws.length; i++) {
    const waiter = ws[i]!.acq;
    const holder = ws[(i + 1) % ws.length]!.held;
    if (waiter.mode === 'shared' && holder.mode === 'shared') return true;
  }
  return false;
}

/** Error and teardown handlers: paths through them are rarely taken together with the rest. */
export const ERROR_PATH = /(^|_)(withdraw|abort|panic|bug|handle_error|error|err|fail|failed|fatal|shutdown|emergency)(_|$)/i;
const MAX_CONFIDENT_HOPS = 8;

/**
 * Why a cycle is a weaker report (kept off by default, under lock-inversion-lowconf): an
 * edge only seen through an error/teardown handler, a very deep call chain, or 4+ locks.
 */
/**
 * Fault edges whose handler path the code itself says serves a fault raised by hypervisor
 * code: under a guest-mode test (rules `contexts` guestTests) that said false (`if
 * (!guest_mode(regs)) ... spurious_fault()`), with no call through a function-pointer table
 * on the way to the lock. A fault edge with no such test stays low confidence.
 */
const hypervisorFault = new WeakSet<EdgeWitness>();

export function lowConfidence(cycle: string[], firsts: EdgeWitness[], split: Set<string> = new Set()): string | undefined {
  const s = cycle.find((c) => split.has(c));
  if (s) return `the code gives ${s} several lockdep classes (lockdep_set_class), so one name stands for unrelated locks`;
  for (const w of firsts) {
    // a fault handler's locks belong to the faulting context (current->domain), rarely the
    // object held, unless the handler takes the lock on its hypervisor-fault path (see run)
    if (w.acq.chain.some((c) => c.fault) && !hypervisorFault.has(w)) return `an edge needs a page fault while the lock is held, and the handler's locks are the faulting context's, not necessarily this object's`;
    const fns = [...w.held.chain, ...w.acq.chain].map((c) => c.fn);
    const bad = fns.find((f) => ERROR_PATH.test(f));
    if (bad) return `an edge is only seen through the error path ${bad}()`;
    if (w.held.chain.length + w.acq.chain.length > MAX_CONFIDENT_HOPS) return `an edge needs a ${w.held.chain.length + w.acq.chain.length}-hop call chain`;
    // each function-pointer hop may run any function bound to that member; two on one chain
    // rarely belong together (an SMB2 request path reaching SMB1's logoff)
    const indirect = [...w.held.chain, ...w.acq.chain].filter((c) => c.indirect).length;
    if (indirect >= 2) return `an edge needs ${indirect} calls through function-pointer tables, whose targets are not known to go together`;
  }
  if (cycle.length >= 4) return `${cycle.length} locks in the cycle`;
  return undefined;
}

const SPLITTERS = new Set(['lockdep_set_class', 'lockdep_set_class_and_name', 'lockdep_set_class_and_subclass', 'lockdep_set_subclass', 'lockdep_set_novalidate_class', '__lockdep_set_class']);

/** Lock classes the code re-keys at run time: lockdep tells their instances apart, we cannot. */
function splitClasses(ctx: CheckerContext): Set<string> {
  const out = new Set<string>();
  for (const fn of ctx.program.functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call' || !SPLITTERS.has(e.callee) || !e.args[0]) continue;
        const cls = ctx.program.env.classOf(e.args[0]);
        if (cls) out.add(cls);
      }
    }
  }
  return out;
}

/**
 * A lock class the tree takes at several declared levels (host and alternate tables of one
 * struct type): a cycle needs the same object where it leaves and re-enters each class. Two
 * different known levels there are two different objects: no cycle ('none'). A level the
 * object's kind decides, and the code does not: the reason it is only possible.
 */
export function levelsAlongCycle(firsts: EdgeWitness[]): 'none' | string | undefined {
  let why: string | undefined;
  for (let i = 0; i < firsts.length; i++) {
    const into = firsts[(i + firsts.length - 1) % firsts.length]!.acq;
    const outOf = firsts[i]!.held;
    const A = levelsOf(into);
    const H = levelsOf(outOf);
    if (!A || !H) continue;
    if (!A.some((l) => H.includes(l))) return 'none';
    why ??= kindUndecided(into) ?? kindUndecided(outOf);
  }
  return why;
}

/** The witnesses of one edge, without fault edges whose handler path is confined to guest faults. */
function faultFeasible(ctx: CheckerContext, ws: EdgeWitness[]): EdgeWitness[] {
  if (!ws.some((w) => w.acq.chain.some((c) => c.fault))) return ws;
  const x = execContexts(ctx.program, 'fault');
  const out: EdgeWitness[] = [];
  for (const w of ws) {
    const at = w.acq.chain.findIndex((c) => c.fault);
    if (at < 0) {
      out.push(w);
      continue;
    }
    const handler = w.acq.chain.slice(at + 1);
    if (guardedChain(ctx.program, x, handler)) continue;
    if (!handler.some((c) => c.indirect || c.waits) && hypervisorChain(ctx.program, x, handler)) hypervisorFault.add(w);
    out.push(w);
  }
  // the hypervisor-fault witness first: it is the one the report stands on
  return out.sort((a, b) => Number(hypervisorFault.has(b)) - Number(hypervisorFault.has(a)));
}

function run(ctx: CheckerContext, wantLow: boolean): void {
    const g = ctx.lockGraph;
    const split = splitClasses(ctx);
    const inCycle = new Set<string>();
    for (const cycle of findCycles(g)) {
      // a fault edge whose handler path runs only for faults from guest code is no edge for
      // the hypervisor access that faulted (which holds the lock): drop those witnesses
      const edges = cycle.map((from, i) => faultFeasible(ctx, g.edges.get(from)!.get(cycle[(i + 1) % cycle.length]!)!));
      if (edges.some((ws) => !ws.length)) continue;
      const firsts = edges.map((ws) => ws[0]!);
      if (sharedBreaksCycle(firsts)) continue;
      // a page-fault edge is already a weak link (the handler's locks are the faulting context's):
      // only in a two-lock cycle is it worth a report
      if (cycle.length > 2 && firsts.some((w) => w.acq.chain.some((c) => c.fault))) continue;
      const kinds = levelsAlongCycle(firsts);
      if (kinds === 'none') continue;
      const low = lowConfidence(cycle, firsts, split) ?? kinds;
      if (!low) cycle.forEach((c, i) => inCycle.add(`${c}>${cycle[(i + 1) % cycle.length]}`));
      if (!!low !== wantLow) continue;
      const witness: WitnessPath[] = [];
      firsts.forEach((w, i) => witness.push(edgePath(`CPU${i}`, w, ctx)));
      edges.forEach((ws, i) => ws.slice(1).forEach((w, j) => witness.push(edgePath(`CPU${i} (also ${j + 2})`, w, ctx))));
      const functions = [...new Set(witness.flatMap((p) => p.callChain))];
      const parts = firsts.map((w) => `${w.acq.lock.cls} while holding ${w.held.lock.cls} in ${w.fn}${via(w)}`);
      const w0 = firsts[0]!;
      const at = w0.acq.chain[0]!.loc;
      ctx.report({
        file: at.file,
        line: at.line,
        col: at.col,
        function: w0.fn,
        functions,
        locks: cycle,
        message: `possible lock-order inversion (${cycle.length} locks): takes ${parts.join('; and ')}${low ? ` [low confidence: ${low}]` : ''}`,
        witness,
        fingerprint: [cycle.join('>'), ...firsts.map((w) => `${w.fn}:${normalizeCode(ctx.source.line(w.acq.chain[0]!.loc.file, w.acq.chain[0]!.loc.line))}`)],
      });
    }
    const seenSelf = new Set<string>();
    for (const w of g.selfNesting) {
      if (!!w.weak !== wantLow) continue;
      const k = `${w.fn}|${w.acq.lock.cls}`;
      if (seenSelf.has(k)) continue;
      seenSelf.add(k);
      const at = w.acq.chain[0]!.loc;
      const path = edgePath('CPU0', w, ctx);
      ctx.report({
        severity: 'warning',
        file: at.file,
        line: at.line,
        col: at.col,
        function: w.fn,
        functions: path.callChain,
        locks: [w.acq.lock.cls],
        message: `two instances of lock class ${w.acq.lock.cls} nested (${w.held.lock.inst.text} then ${w.acq.lock.inst.text}${via(w)}) without a _nested annotation or address ordering: another CPU nesting them the other way deadlocks${w.weak ? ` [low confidence: ${w.weak}]` : ''}`,
        witness: [path, { ...path, label: 'CPU1' }],
        fingerprint: ['self', w.acq.lock.cls, w.fn, normalizeCode(ctx.source.line(at.file, at.line))],
      });
    }
    const seenLevel = new Set<string>();
    for (const w of g.levelViolations) {
      if (!!w.weak !== wantLow) continue;
      if (w.acq.chain.some((c) => c.fault)) continue; // the handler's lock is the faulting context's, not this object's
      // the same edge already reported as part of a lock-order cycle
      if (inCycle.has(`${w.held.lock.cls}>${w.acq.lock.cls}`)) continue;
      const lk = `${w.fn}|${w.held.lock.cls}|${w.acq.lock.cls}|${w.acq.chain[0]!.loc.line}`;
      if (seenLevel.has(lk)) continue;
      seenLevel.add(lk);
      const at = w.acq.chain[0]!.loc;
      const path = edgePath('CPU0', w, ctx);
      ctx.report({
        file: at.file,
        line: at.line,
        col: at.col,
        function: w.fn,
        functions: path.callChain,
        locks: [w.held.lock.cls, w.acq.lock.cls],
        message: `${w.acq.lock.cls} (level ${levelsOf(w.acq)!.join(' or ')}) taken while holding ${w.held.lock.cls} (level ${levelsOf(w.held)!.join(' or ')})${via(w)}: violates the declared lock order${w.weak ? ` [low confidence: ${w.weak}]` : ''}`,
        witness: [path],
        fingerprint: ['level', w.held.lock.cls, w.acq.lock.cls, w.fn],
        // the model's cue: one path, the second side is a path in the designed order
        extra: { levelViolation: { held: levelsOf(w.held), taken: levelsOf(w.acq) } },
      });
    }
  }

export const lockInversion: Checker = {
  meta: {
    id: 'lock-inversion',
    category: 'lock-order',
    severity: 'error',
    description: 'Locks taken in opposite orders on two paths (a cycle in the lock-order graph): two CPUs can deadlock.',
    defaultOn: true,
  },
  run: (ctx) => run(ctx, false),
};

export const lockInversionLowconf: Checker = {
  meta: {
    id: 'lock-inversion-lowconf',
    category: 'lock-order',
    severity: 'warning',
    description: 'Lock-order cycles seen only through error/teardown handlers, very deep call chains, or four or more locks: more often infeasible. Off by default (--all-rules).',
    defaultOn: false,
  },
  run: (ctx) => run(ctx, true),
};
