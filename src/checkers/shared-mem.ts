// Helpers shared by the memory-ordering and lifetime checkers: what an event does to memory,
// which events order earlier accesses against later ones (LKMM), and witness paths that run
// from an entry function down to the racing access.
import type { AccessIndex } from '../analysis/access-index.js';
import { listOp } from '../analysis/access-index.js';
import type { AccessPath, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { Program } from '../analysis/program.js';
import type { WitnessPath, WitnessStep } from '../report/finding.js';
import type { SourceLookup } from './api.js';
import { chainSteps, pathOf } from './witness.js';

export interface MemAccess {
  path: AccessPath;
  read: boolean;
  write: boolean;
  /** plain C access, READ_ONCE/WRITE_ONCE, an atomic API, or a list operation on the field. */
  kind: 'plain' | 'once' | 'atomic' | 'list';
  /** For atomics: acquire/release/full/relaxed; plain/once/list are relaxed. */
  ordering: 'relaxed' | 'acquire' | 'release' | 'full';
  returns: boolean;
  op: string;
}

/** A member of a struct held by value in a local variable (`cl_init.flags`, `buf[i]`): on this CPU's stack. */
export function stackLocal(p: AccessPath): boolean {
  if (!p.root.startsWith('local:') || p.fields.length === 0 || p.arrows[0] !== false) return false;
  if (p.arrows.some((a) => a)) return false; // `e.ptr->raw`: through a pointer held in a by-value local
  return !(p.fields[0] === '[]' && (p.rootType ?? '').includes('*')); // `p[i]` through a pointer is shared
}

export function memAccess(e: IrEvent): MemAccess | undefined {
  if ((e.k === 'load' || e.k === 'store' || e.k === 'atomic') && stackLocal(e.path)) return undefined;
  switch (e.k) {
    case 'load':
      return { path: e.path, read: true, write: false, kind: e.once ? 'once' : 'plain', ordering: 'relaxed', returns: true, op: e.once ? 'READ_ONCE' : 'load' };
    case 'store':
      return { path: e.path, read: !!e.rmw, write: true, kind: e.once ? 'once' : 'plain', ordering: 'relaxed', returns: false, op: e.rmw ? `${e.rmw}` : e.once ? 'WRITE_ONCE' : 'store' };
    case 'atomic':
      return { path: e.path, read: e.reads, write: e.writes, kind: 'atomic', ordering: e.ordering, returns: e.returns, op: e.op };
    case 'call': {
      const l = listOp(e);
      return l ? { path: l.path, read: !l.write, write: l.write, kind: 'list', ordering: 'relaxed', returns: !l.write, op: e.callee } : undefined;
    }
    default:
      return undefined;
  }
}

/** Hand-offs whose implementation already orders the caller's earlier stores (wake-ups, queued work, IPIs through llist). */
export const ORDERED_HANDOFFS = new Set([
  'wake_up', 'wake_up_process', 'wake_up_interruptible', 'wake_up_all', 'complete', 'complete_all',
  'queue_work', 'queue_work_on', 'schedule_work', 'queue_delayed_work', 'mod_delayed_work', 'kthread_queue_work',
  'tasklet_schedule', 'tasklet_hi_schedule', 'mod_timer', 'add_timer',
  'smp_call_function', 'smp_call_function_single', 'smp_call_function_many', 'on_each_cpu',
  'raise_softirq', 'raise_softirq_irqoff', '__raise_softirq_irqoff',
  'qemu_bh_schedule', 'aio_bh_schedule_oneshot', 'qemu_cond_signal', 'qemu_cond_broadcast', 'qemu_event_set',
  'vcpu_kick', 'vcpu_unblock',
]);

/** Whether an atomic's result only decides a branch right after it (a conditional RMW: unordered on failure). */
export function conditionalRmw(fn: FunctionIR, e: IrEvent, ix: AccessIndex): boolean {
  const p = ix.pos(fn, e);
  if (!p || e.k !== 'atomic') return false;
  const evs = fn.blocks[p.block]!.events;
  for (let i = p.idx + 1; i < evs.length; i++) {
    const n = evs[i]!;
    if (n.k === 'branch') return n.reads.some((r) => r === e.path || r.text === e.path.text);
    if (n.k === 'store' || n.k === 'call' || n.k === 'acquire' || n.k === 'release') return false;
  }
  return false;
}

/** Functions that (transitively, within a few calls) contain an explicit barrier of the given kinds. */
export class BarrierCallees {
  private memo = new Map<string, boolean>();
  constructor(private readonly program: Program, private readonly kinds: Set<string>) {}
  has(fn: FunctionIR, depth = 3): boolean {
    // keyed by the depth left, so the answer does not depend on the visiting order (a memo by
    // function alone reuses an answer found with more levels where fewer are left)
    const key = `${depth}\0${fn.key}`;
    const m = this.memo.get(key);
    if (m !== undefined) return m;
    this.memo.set(key, false);
    let r = false;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k === 'barrier' && this.kinds.has(e.kind)) r = true;
        else if (e.k === 'atomic' && (e.ordering === 'release' || e.ordering === 'acquire') && this.kinds.has(e.ordering)) r = true;
        else if (e.k === 'call' && depth > 0) {
          const c = this.program.resolveCallee(fn, e.callee);
          if (c && this.has(c, depth - 1)) r = true;
        }
        if (r) break;
      }
      if (r) break;
    }
    this.memo.set(key, r);
    return r;
  }
}

/** Builds one side of a race: the chain from an entry down to fn, then the listed steps inside fn. */
export function sidePath(
  label: string,
  ix: AccessIndex,
  fn: FunctionIR,
  steps: { loc: Loc; event: string }[],
  src: SourceLookup,
): WitnessPath {
  const up = ix.callerPath(fn.key);
  const out: WitnessStep[] = [];
  if (up.length) out.push(...chainSteps([...up, { fn: fn.name, loc: steps[0]!.loc }], steps[0]!.event, src).slice(0, -1));
  for (const s of steps) out.push(...chainSteps([{ fn: fn.name, loc: s.loc }], s.event, src));
  return pathOf(label, out);
}

/** Path text relative to the class, for messages: `pending_irq.inflight`. */
export function locName(ix: AccessIndex, p: AccessPath): string {
  return ix.cls(p) || p.text;
}

/** Whether a class names a real shared location (a struct field or a global), not a bare local. */
export function sharedClass(cls: string): boolean {
  return cls !== '' && !cls.startsWith('?');
}

export function intersects(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

export function intersect(a: Set<string>, b: Set<string>): Set<string> {
  const o = new Set<string>();
  for (const x of a) if (b.has(x)) o.add(x);
  return o;
}

/** A struct member class (`vcpu.arch.vgic.lock`), as opposed to a global (`jiffies`, `mapcache@xen-mapcache.c`). */
export function isFieldClass(cls: string): boolean {
  return cls.replace(/@[^.]*\.[ch]\b/, '').includes('.');
}

/**
 * Type-based names alias across subsystems (`buffer_head.b_private` is owned by each
 * filesystem separately): two sides of a race are paired only within one directory, or when
 * one side is in a shared header.
 */
export function sameSubsystem(a: string, b: string): boolean {
  // code of two architectures never runs in one build (`arch/arm/...` vs `arch/x86/...`)
  const archA = /(?:^|\/)arch\/([^/]+)\//.exec(a)?.[1];
  const archB = /(?:^|\/)arch\/([^/]+)\//.exec(b)?.[1];
  if (archA && archB && archA !== archB) return false;
  if (a.includes('/include/') || b.includes('/include/')) return true;
  const da = a.includes('/') ? a.slice(0, a.lastIndexOf('/')) : '';
  const db = b.includes('/') ? b.slice(0, b.lastIndexOf('/')) : '';
  return da === db;
}

/** Atomic read-modify-writes (bit ops, inc/dec/add, xchg, cmpxchg), as opposed to atomic / release stores. */
export function atomicRmw(a: MemAccess): boolean {
  return a.kind === 'atomic' && /bit|inc|dec|add|sub|or$|and|xchg|cmpxchg|fetch/.test(a.op) && !/^__/.test(a.op);
}
