// check-then-act (memory-ordering): a test whose result decides a write to the same location,
// with no single lock held across both (or the lock dropped between):
//
//  * bit: test_bit(B, w) ... set_bit/clear_bit(B, w) where test_and_set_bit was needed
//    (seed 000: EVTCHN_FIFO_LINKED). Scored higher when the branch goes on to change other
//    shared state (linking, counting): two CPUs both passing the test both do it.
//  * field: `if (!p->f) ... p->f = v` with no lock covering both while other paths write
//    p->f under a lock.
//  * lock-from-fields: a lock pointer computed from fields other CPUs change under that very
//    lock, locked, and never re-read after locking (seed 000's old_q; the safe shape re-reads
//    after the lock and retries, as lock_old_queue() does).
import { scoredRules } from './scored-rules.js';
import type { AccessIndex, HeldLock } from '../analysis/access-index.js';
import { accessIndex } from '../analysis/access-index.js';
import type { AccessPath, FunctionIR, IrEvent } from '../ir/types.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { instKey } from '../analysis/summary-types.js';
import { lockKey } from '../analysis/lockset.js';
import { rootReassigned } from './local-rebind.js';
import { memAccess, sameSubsystem, sharedClass, sidePath } from './shared-mem.js';
import { writeIndex, type WriteSite } from './shared-writes.js';
import { normalizeCode } from './witness.js';

interface Cand {
  kind: 'bit' | 'field' | 'lock-from-fields';
  fn: FunctionIR;
  test: IrEvent;
  act: IrEvent;
  location: string;
  other: WriteSite[];
  score: number;
  message: string;
  lockCls?: string;
}

const SET_OPS = new Set(['set_bit', '__set_bit', 'clear_bit', '__clear_bit', 'guest_set_bit', 'guest_clear_bit', 'change_bit', '__change_bit']);
const TEST_OPS = new Set(['test_bit', 'guest_test_bit']);

/** In the test of the branch that directly follows (same block, before any store/call). */
function tested(fn: FunctionIR, e: IrEvent, path: AccessPath, ix: AccessIndex): boolean {
  const p = ix.pos(fn, e);
  if (!p) return false;
  const evs = fn.blocks[p.block]!.events;
  for (let i = p.idx + 1; i < evs.length; i++) {
    const n = evs[i]!;
    if (n.k === 'branch') return n.reads.some((r) => r === path);
    if (n.k === 'store' || n.k === 'call' || n.k === 'acquire' || n.k === 'release' || n.k === 'return') return false;
  }
  return false;
}

function samePlace(fn: FunctionIR, a: AccessPath, b: AccessPath): boolean {
  if (instKey(a) !== instKey(b)) return false;
  return !rootReassigned(fn, a.root) || a.root.startsWith('global:');
}

/** Some lock held at both events and not released on the way from `a` to `b`. */
function covered(ix: AccessIndex, fn: FunctionIR, a: IrEvent, b: IrEvent): boolean {
  if (ix.entryHeld(fn.key).size > 0) return true;
  const ha = ix.held(fn).get(a) ?? [];
  const hb = new Set((ix.held(fn).get(b) ?? []).map((l) => l.key));
  for (const l of ha) {
    if (!hb.has(l.key)) continue;
    // no path from the test to the act drops the lock
    const isRel = (e: IrEvent) => e.k === 'release' && (lockKey(e.lock) === l.key || (!!e.lock.cls && e.lock.cls === l.cls));
    const rels: IrEvent[] = [];
    ix.walk(fn, a, (e) => e === b, (e) => {
      if (isRel(e)) rels.push(e);
    });
    // (a path that drops the lock and takes it again before the act, e.g. `goto retry`, re-runs the test)
    if (!rels.some((r) => ix.reaches(fn, r, b, (e) => e === a))) return true;
  }
  return false;
}

/**
 * Double-checked locking on a related condition: the act is control-dependent on a branch
 * taken under a lock that is held at the act but not at the first test
 * (`if (!test_bit(X)) { lock(); if (!other) { ...; set_bit(X); } }`).
 */
function recheckedUnderLock(ix: AccessIndex, fn: FunctionIR, t: IrEvent, act: IrEvent): boolean {
  const held = ix.held(fn);
  const atT = new Set((held.get(t) ?? []).map((l) => l.key));
  const newLocks = new Set((held.get(act) ?? []).filter((l) => !atT.has(l.key)).map((l) => l.key));
  if (!newLocks.size) return false;
  const branches: IrEvent[] = [];
  ix.walk(fn, t, (e) => e === act, (e) => {
    if (e.k === 'branch' && (held.get(e) ?? []).some((l) => newLocks.has(l.key))) branches.push(e);
  });
  for (const br of branches) {
    const pos = ix.pos(fn, br);
    if (!pos) continue;
    const succ = fn.blocks[pos.block]!.succ;
    if (succ.length < 2) continue;
    const reach = succ.map((sb) => {
      const first = fn.blocks[sb]!.events[0];
      if (!first) return reachesFromBlock(fn, sb, act, br);
      return first === act || ix.reaches(fn, first, act, (e) => e === br);
    });
    if (reach.some((r) => r) && reach.some((r) => !r)) return true;
  }
  return false;
}

function reachesFromBlock(fn: FunctionIR, start: number, target: IrEvent, stopAt: IrEvent): boolean {
  const seen = new Uint8Array(fn.blocks.length);
  const work = [start];
  seen[start] = 1;
  while (work.length) {
    const b = work.pop()!;
    let blocked = false;
    for (const e of fn.blocks[b]!.events) {
      if (e === target) return true;
      if (e === stopAt) {
        blocked = true;
        break;
      }
    }
    if (blocked) continue;
    for (const s of fn.blocks[b]!.succ) if (!seen[s]) {
      seen[s] = 1;
      work.push(s);
    }
  }
  return false;
}

/**
 * Shared writes to other locations after `from` (bounded) that the test decides: what the
 * branch does once the test passed. A write the path reaches from the test without the act
 * (after the `if`, on the way where the test failed too) is not decided by it.
 */
function followOnWrites(ix: AccessIndex, fn: FunctionIR, test: IrEvent, from: IrEvent, loc: string): number {
  const undecided = new Set<IrEvent>();
  ix.walk(fn, test, (e) => e === from, (e) => {
    if (e !== from) undecided.add(e);
  });
  let n = 0;
  let seen = 0;
  ix.walk(fn, from, (e) => e.k === 'return' || ++seen > 60, (e) => {
    if (undecided.has(e)) return;
    const a = memAccess(e);
    if (!a?.write) return;
    if (a.kind === 'atomic' && !a.returns) return;
    const c = ix.cls(a.path);
    if (sharedClass(c) && c !== loc) n++;
  });
  return n;
}

const TASK_LOCAL = /^(global:current|ret:get_current)$/;
const INIT_FN = /(^|_)(init|setup|alloc|create|new|open|probe|register|attach)(_|$)/;

/** `test_bit(i, &bitmap)` on a local variable: private to this CPU. */
function localBitmap(p: AccessPath): boolean {
  if (!(p.root.startsWith('local:') || p.root.startsWith('param:')) || p.fields.length) return false;
  return p.text.trim().startsWith('&') || !(p.rootType ?? '').includes('*');
}

/** Lock classes that exclude other writers (not RCU read sides). */
function exclusive(s: Set<string>): Set<string> {
  const o = new Set<string>();
  for (const c of s) if (c !== 'rcu' && !c.includes('srcu')) o.add(c);
  return o;
}

/** Whether a stored value is a local holding a freshly allocated object. */
function allocated(fn: FunctionIR, value: string): boolean {
  if (!/^[A-Za-z_]\w*$/.test(value)) return false;
  for (const b of fn.blocks) for (const e of b.events) if (e.k === 'call' && e.assignedTo === value && /alloc|new|create|dup|get_free/.test(e.callee)) return true;
  return false;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const wi = writeIndex(p);
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const held = ix.held(fn);
    for (const b of fn.blocks) {
      for (const t of b.events) {
        // ---- bit: test_bit(B, w) ... set_bit(B, w)
        if (t.k === 'atomic' && TEST_OPS.has(t.op) && t.operand && tested(fn, t, t.path, ix) && !localBitmap(t.path)) {
          let act: IrEvent | undefined;
          let atomicAct = false;
          ix.walk(fn, t, (e) => !!act || atomicAct, (e) => {
            if (act || e.k !== 'atomic' || e.operand !== t.operand || !samePlace(fn, e.path, t.path)) return;
            if (e.returns && e.writes) atomicAct = true; // test_and_set_bit decides atomically
            else if (TEST_OPS.has(e.op) && ix.held(fn).get(e)?.length) atomicAct = true; // re-tested under a lock: double-checked
            else if (SET_OPS.has(e.op)) act = e;
          });
          if (act && !atomicAct && !covered(ix, fn, t, act) && !recheckedUnderLock(ix, fn, t, act)) {
            const loc = ix.cls(t.path);
            const other = (wi.byClass.get(loc) ?? []).filter((w) => w.bit === t.operand && w.e !== act);
            const follow = followOnWrites(ix, fn, t, act, loc);
            const opsCallback = fn.isStatic && !(p.callers.get(fn.key)?.size) ? 1 : 0; // framework locking unknown
            // __set_bit/__clear_bit: the author asserts nobody else updates the word concurrently
            const explicitNonAtomic = /^__/.test((act as { op: string }).op) ? 1 : 0;
            const score = (follow > 0 ? 3 : 1) + (held.get(act)?.length ? 1 : 0) - opsCallback - explicitNonAtomic;
            const where = loc || t.path.text;
            out.push({
              kind: 'bit', fn, test: t, act, location: `${where}:${t.operand}`, other, score,
              message: `${fn.name} tests bit ${t.operand} of ${t.path.text} (line ${t.loc.line}) and later ${(act as { op: string }).op}s it (line ${act.loc.line}) with no lock held across both${follow ? ', then goes on to update shared state' : ''}: two CPUs can both pass the test; use test_and_set_bit()/test_and_clear_bit() to decide`,
            });
          }
          continue;
        }
        // ---- field: if (p->f ...) ... p->f = v
        if (t.k === 'load' && !t.once && t.path.fields.length && tested(fn, t, t.path, ix)) {
          const loc = ix.cls(t.path);
          if (!sharedClass(loc)) continue;
          let act: IrEvent | undefined;
          let guard = 0;
          ix.walk(fn, t, (e) => !!act || e.k === 'return' || ++guard > 80, (e) => {
            if (act || e.k !== 'store' || e.rmw || !samePlace(fn, e.path, t.path)) return;
            act = e;
          });
          if (!act || covered(ix, fn, t, act)) continue;
          // the location is lock-protected elsewhere: some writer holds a lock this path does not hold at either end
          const hereT = ix.heldClasses(fn, t);
          const hereA = ix.heldClasses(fn, act);
          const writers = (wi.byClass.get(loc) ?? []).filter((w) => w.fn !== fn && w.acc.kind === 'plain' && sameSubsystem(w.fn.file, fn.file));
          const locked = writers.filter((w) => [...exclusive(w.held)].some((l) => !(hereT.has(l) && hereA.has(l))));
          if (!writers.length || TASK_LOCAL.test(t.path.root)) continue;
          // lazy initialisation: `if (!p->f) p->f = <fresh object>` allocates twice and leaks or loses one
          const v = (act as { value: string }).value;
          const lazy = allocated(fn, v);
          // intent: a lock guards the location elsewhere, or the act installs a fresh object (lazy
          // initialisation); an unlocked test-then-write that no one else locks is sequential code
          if (!locked.length && !lazy) continue;
          // off by default: whether the callers serialise this (through ops tables we cannot follow) is unknown
          const score = Math.min(2, (locked.length ? 1 : 0) + (lazy ? 1 : 0)) + (v === 'NULL' || v === '0' ? -1 : 0);
          out.push({
            kind: 'field', fn, test: t, act, location: loc, other: locked.length ? locked : writers, score,
            message: `${fn.name} tests ${t.path.text} (line ${t.loc.line}) and then writes it (line ${act.loc.line}) with no lock held across both, while ${(locked[0] ?? writers[0])!.fn.name} writes ${loc}${locked.length ? ` under ${[...locked[0]!.held].join(', ')}` : ''}: two CPUs can both act on the same test`,
          });
          continue;
        }
        // ---- lock-from-fields
        if (t.k === 'acquire' && !t.try && t.lock.inst.root.startsWith('local:')) {
          const lcls = t.lock.cls || ix.cls(t.lock.inst);
          if (!lcls) continue;
          const sources = sourceLoads(ctx, ix, fn, t.lock.inst.root.slice(6));
          if (!sources.length) continue;
          const heldT = held.get(t) ?? [];
          const risky: { load: IrEvent & { k: 'load' }; cls: string; w: WriteSite }[] = [];
          for (const s of sources) {
            const scls = ix.cls(s.path);
            if (!sharedClass(scls) || scls === lcls) continue;
            if (TASK_LOCAL.test(s.path.root)) continue; // current->mm: only the task itself changes it
            const sHeld = exclusive(ix.heldClasses(fn, s));
            if (sHeld.has(lcls)) continue;
            // a writer under the picked lock that shares no other lock with this read
            const w = (wi.byClass.get(scls) ?? []).find((x) => x.held.has(lcls) && x.acc.kind !== 'list' && sameSubsystem(x.fn.file, fn.file)
              && !INIT_FN.test(x.fn.name) && ![...exclusive(x.held)].some((l) => l !== lcls && sHeld.has(l)));
            if (w) risky.push({ load: s, cls: scls, w });
          }
          if (!risky.length) continue;
          // re-read after locking?
          const classes = new Set(risky.map((r) => r.cls));
          let recheck = false;
          ix.walk(fn, t, (e) => recheck || (e.k === 'release' && lockKey(e.lock) === lockKey(t.lock)), (e) => {
            if (e.k === 'load' && classes.has(ix.cls(e.path))) recheck = true;
          });
          if (recheck) continue;
          void heldT;
          const r0 = risky[0]!;
          // the value picks one lock among several (`&v->queue[ev->prio]`): a stale value means a different lock
          const indexed = risky.some((r) => {
            const line = ctx.source.line(r.load.loc.file, r.load.loc.line) ?? '';
            const txt = r.load.path.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            return new RegExp(`\\[[^\\]]*${txt}`).test(line);
          });
          out.push({
            kind: 'lock-from-fields', fn, test: r0.load, act: t, location: [...classes].join(', '), other: risky.map((r) => r.w), score: indexed ? 3 : 2, lockCls: lcls,
            message: `${fn.name} picks the lock ${t.lock.inst.text} from ${[...classes].join(', ')} read without it (line ${r0.load.loc.line}), locks it (line ${t.loc.line}) and never re-reads them, while ${r0.w.fn.name} changes ${r0.cls} under ${lcls} (line ${r0.w.e.loc.line}): the lock taken may no longer be the one that protects the object; re-read after locking and retry`,
          });
        }
      }
    }
  }
  return out;
}

/** Loads a local's value was computed from: loads on the lines assigning it, following other locals named there. */
function sourceLoads(ctx: CheckerContext, ix: AccessIndex, fn: FunctionIR, local: string): (IrEvent & { k: 'load' })[] {
  const assignLines = new Map<string, Set<number>>();
  const loadsByLine = new Map<number, (IrEvent & { k: 'load' })[]>();
  for (const b of fn.blocks) for (const e of b.events) {
    const name = e.k === 'load' ? e.into : e.k === 'call' ? e.assignedTo : undefined;
    if (name) {
      let s = assignLines.get(name);
      if (!s) assignLines.set(name, (s = new Set()));
      s.add(e.loc.line);
    }
    if (e.k === 'load') {
      let l = loadsByLine.get(e.loc.line);
      if (!l) loadsByLine.set(e.loc.line, (l = []));
      l.push(e);
    }
  }
  void ix;
  const out: (IrEvent & { k: 'load' })[] = [];
  const seen = new Set<string>();
  const todo = [local];
  while (todo.length && seen.size < 6) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const lines = assignLines.get(v);
    if (!lines || lines.size !== 1) continue; // assigned once: a value picked, not a cursor
    for (const line of lines) {
      for (const l of loadsByLine.get(line) ?? []) out.push(l);
      const text = ctx.source.line(fn.file, line) ?? '';
      const rhs = text.includes('=') ? text.slice(text.indexOf('=') + 1) : '';
      for (const m of rhs.matchAll(/\b([A-Za-z_]\w*)\b/g)) if (assignLines.has(m[1]!) && m[1] !== v) todo.push(m[1]!);
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const fn = c.fn;
  const testEv = c.kind === 'lock-from-fields' ? `load ${ix.cls((c.test as { path: AccessPath }).path)} (no lock)` : `test ${c.location}`;
  const actEv = c.kind === 'lock-from-fields' ? `acquire ${c.lockCls} (no re-check after)` : `write ${c.location}`;
  const witness: WitnessPath[] = [sidePath('CPU0', ix, fn, [{ loc: c.test.loc, event: testEv }, { loc: c.act.loc, event: actEv }], ctx.source)];
  const others = c.other.filter((o) => o.fn !== fn).slice(0, 2);
  if (c.kind === 'lock-from-fields') {
    for (const o of c.other.slice(0, 2)) witness.push(sidePath(witness.length === 1 ? 'CPU1 (changes the fields)' : 'CPU1 (also)', ix, o.fn, [{ loc: o.e.loc, event: `store ${ix.cls(o.acc.path)} under ${c.lockCls}` }], ctx.source));
  } else if (others.length) {
    for (const o of others) witness.push(sidePath(witness.length === 1 ? 'CPU1' : 'CPU1 (also)', ix, o.fn, [{ loc: o.e.loc, event: `${o.acc.op} ${c.location}` }], ctx.source));
  } else {
    // the same code on another CPU, entered through another caller when there is one
    // (not the caller CPU0's chain came through)
    const callers = [...(ctx.program.callers.get(fn.key) ?? [])].filter((k) => k !== fn.key);
    const cpu0 = witness[0]!.steps;
    const first = cpu0.findIndex((st) => st.function === fn.name);
    const viaName = first > 0 ? cpu0[first - 1]!.function : undefined;
    const altKey = callers.length > 1 ? callers.find((k) => ctx.program.byKey.get(k)?.name !== viaName) : undefined;
    const alt = altKey ? ctx.program.byKey.get(altKey) : undefined;
    const steps = [{ loc: c.test.loc, event: testEv }, { loc: c.act.loc, event: actEv }];
    if (alt) {
      const site = ix.callSite(alt, fn.key);
      const up = sidePath('CPU1 (same code, another caller)', ix, alt, [{ loc: site ?? alt.loc, event: `call ${fn.name}` }], ctx.source);
      const mine = sidePath('x', ix, fn, steps, ctx.source);
      const inFn = mine.steps.filter((s) => s.function === fn.name);
      witness.push({ label: up.label, callChain: [...up.callChain, fn.name], steps: [...up.steps, ...inFn] });
    } else witness.push({ ...sidePath('CPU1 (same code on another CPU)', ix, fn, steps, ctx.source) });
  }
  const functions = [...new Set(witness.flatMap((w) => w.callChain))];
  ctx.report({
    file: c.act.loc.file,
    line: c.act.loc.line,
    col: c.act.loc.col,
    function: fn.name,
    functions,
    locks: c.lockCls ? [c.lockCls] : [],
    message: c.message,
    witness,
    fingerprint: [c.kind, c.location, fn.name, normalizeCode(ctx.source.line(c.test.loc.file, c.test.loc.line)), normalizeCode(ctx.source.line(c.act.loc.file, c.act.loc.line))],
    extra: { score: c.score, pattern: c.kind, locations: c.location.split(', ') },
  });
}

export const CHECK_THEN_ACT_THRESHOLD = 3;

export const [checkThenAct, checkThenActLowconf] = scoredRules<Cand>({
  id: 'check-then-act',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A test (test_bit, a field, a lock pointer read from fields) whose result decides a write to the same state, with no lock held across both.',
  lowDescription: 'Lower-confidence check-then-act (idempotent bit set after a test, unlocked lazy initialisation); off by default.',
  threshold: CHECK_THEN_ACT_THRESHOLD,
  candidates,
  report,
});

export type { HeldLock };
