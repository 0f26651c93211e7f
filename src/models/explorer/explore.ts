// Stateful DFS over interleavings. Iterative preemption bounding (0, 1, 2, ... preemptions,
// exact, no reduction) finds the violation with the fewest preemptions first; then an
// unbounded search with partial-order reduction (lock-protected singleton ample sets + sleep
// sets with state caching) makes the verdict exhaustive. Every limit hit gives `unknown`.

import type { Confirmation, TraceStep } from '../../report/finding.js';
import { Engine, OUTCOME_OF, V_ASSERT, V_NONE, describeOp, mix1, mix2 } from './engine.js';
import type { ModelJSON } from './model.js';
import { K_ASSUME, K_LOCK, compileModel, type Program } from './program.js';
import { StateSet } from './state-set.js';

export type Reduction = 'por' | 'sleep' | 'none';

export interface ExploreOptions {
  /** Distinct states per search before giving up (default 5,000,000). */
  maxStates?: number;
  /** Wall-clock budget for the whole exploration in ms (default 10,000). */
  timeMs?: number;
  /** Hash-table budget in bytes (default 256 MiB). */
  maxTableBytes?: number;
  /** Models with more CPUs are not explored (default 8). */
  maxCpus?: number;
  /** Iterative preemption bounding from 0 up to this bound before the unbounded search; -1 skips it (default 2). */
  maxPreemptions?: number;
  /** Reduction used by the unbounded search (default `por`). Relaxed-memory models always use `none`. */
  reduction?: Reduction;
  /** Reset registers once dead (dead-variable reduction, like Spin's default). Default true. */
  deadRegisters?: boolean;
  /**
   * Threads (bit mask) that stand for the rest of the system (environment CPUs): a stuck
   * state is a violation only through the other threads, i.e. they deadlock among themselves
   * or wait for a lock a finished thread left held; a thread stuck on a passive one is a dead
   * end, not a violation.
   */
  passive?: number;
}

export interface SearchStats {
  /** Preemption bound, or -1 for the unbounded search. */
  bound: number;
  reduction: Reduction;
  states: number;
  transitions: number;
  ms: number;
}

export interface ExploreResult extends Confirmation {
  status: 'confirmed' | 'refuted' | 'unknown';
  trace: TraceStep[];
  states: number;
  ms: number;
  /** Transitions executed, all searches. */
  transitions: number;
  /** Preemptions in the violation trace. */
  preemptions?: number;
  /** Detail of the violated property (assertion message, blocked threads). */
  message?: string;
  /** Peak hash-table size in bytes. */
  tableBytes: number;
  searches: SearchStats[];
  model: string;
}

const V_DEADLOCK = 100;
const V_BLOCKED = 101;
const V_INVARIANT = 102;

type SearchOutcome =
  | { kind: 'violation'; code: number; path: Int32Array; op: number; msg: string }
  | { kind: 'done'; cut: boolean; boundOp: number }
  | { kind: 'limit'; reason: string };

interface Ctx {
  p: Program;
  maxStates: number;
  deadline: number;
  maxBytes: number;
  tableBytes: number;
  resetDead: boolean;
  passive: number;
}

/** Explore every interleaving of a model (within the limits). */
export function explore(m: ModelJSON | Program, opts: ExploreOptions = {}): ExploreResult {
  const t0 = performance.now();
  const p = 'kind' in m ? m : compileModel(m);
  const ctx: Ctx = {
    p,
    maxStates: opts.maxStates ?? 5_000_000,
    deadline: Date.now() + (opts.timeMs ?? 10_000),
    maxBytes: opts.maxTableBytes ?? 256 * 1024 * 1024,
    tableBytes: 0,
    resetDead: opts.deadRegisters ?? true,
    passive: opts.passive ?? 0,
  };
  const searches: SearchStats[] = [];
  const res = (r: Partial<ExploreResult> & Pick<ExploreResult, 'status'>): ExploreResult => ({
    trace: [],
    states: searches.reduce((a, s) => a + s.states, 0),
    transitions: searches.reduce((a, s) => a + s.transitions, 0),
    ms: Math.round((performance.now() - t0) * 100) / 100,
    tableBytes: ctx.tableBytes,
    searches,
    model: p.model.name,
    ...r,
  });
  const maxCpus = opts.maxCpus ?? 8;
  if (p.T > maxCpus) return res({ status: 'unknown', reason: `model has ${p.T} CPUs, limit is ${maxCpus}` });

  const found = (o: Extract<SearchOutcome, { kind: 'violation' }>): ExploreResult => {
    const r = replay(p, o);
    return res({ status: 'confirmed', ...r });
  };
  const maxPre = opts.maxPreemptions ?? 2;
  for (let b = 0; b <= maxPre; b++) {
    const o = search(ctx, b, 'none', searches);
    if (o.kind === 'violation') return found(o);
    if (o.kind === 'limit') return res({ status: 'unknown', reason: `${o.reason} (preemption bound ${b})` });
    if (!o.cut) return finish(o, `exhaustive: every interleaving explored within ${b} preemption(s), no more possible`);
  }
  const reduction: Reduction = p.lkmm ? 'none' : (opts.reduction ?? 'por');
  const o = search(ctx, -1, reduction, searches);
  if (o.kind === 'violation') return found(o);
  if (o.kind === 'limit') return res({ status: 'unknown', reason: o.reason });
  return finish(o, `exhaustive: all interleavings explored (reduction: ${reduction}${p.lkmm ? ', memory: lkmm' : ''})`);

  function finish(o: Extract<SearchOutcome, { kind: 'done' }>, why: string): ExploreResult {
    if (o.boundOp >= 0) {
      const op = p.ops[o.boundOp]!;
      const where = op.file ? ` at ${op.file}${op.line !== undefined ? `:${op.line}` : ''}` : '';
      return res({ status: 'unknown', reason: `loop unroll limit ${op.k === 'bound' ? op.limit : '?'} reached${where}; no violation within the unrolled iterations` });
    }
    const last = searches[searches.length - 1]!;
    return res({ status: 'refuted', reason: `${why}; ${last.states} states` });
  }
}

function search(ctx: Ctx, bound: number, reduction: Reduction, stats: SearchStats[]): SearchOutcome {
  const t0 = performance.now();
  const p = ctx.p;
  const T = p.T;
  const W = p.W;
  const N = p.N;
  const dep = p.dep;
  const safe = p.safe;
  const eng = new Engine(p);
  eng.resetDead = ctx.resetDead;
  let maxDepth = 2;
  for (let t = 0; t < T; t++) maxDepth += p.opLen[t]!;
  const buf = new Int32Array((maxDepth + 1) * W);
  const levels: Int32Array[] = [];
  for (let d = 0; d <= maxDepth; d++) levels.push(buf.subarray(d * W, (d + 1) * W));
  const h1s = new Int32Array(maxDepth + 1);
  const h2s = new Int32Array(maxDepth + 1);
  const nextT = new Int32Array(maxDepth + 1);
  const nextC = new Int32Array(maxDepth + 1);
  const sleep = new Int32Array(maxDepth + 1);
  const done = new Int32Array(maxDepth + 1);
  const ample = new Int32Array(maxDepth + 1);
  const enabled = new Int32Array(maxDepth + 1);
  const lkmm = p.lkmm;
  const last = new Int32Array(maxDepth + 1);
  const pre = new Int32Array(maxDepth + 1);
  const chT = new Int32Array(maxDepth + 1);
  const chC = new Int32Array(maxDepth + 1);
  const set = new StateSet(1 << 14, ctx.maxBytes);
  const useSleep = reduction !== 'none' && !p.lkmm && bound < 0;
  const usePor = reduction === 'por' && !p.lkmm && bound < 0;
  let states = 0;
  let transitions = 0;
  let cut = false;
  let boundOp = -1;

  const stat = (): void => {
    ctx.tableBytes = Math.max(ctx.tableBytes, set.bytes);
    stats.push({ bound, reduction: bound < 0 ? reduction : 'none', states, transitions, ms: Math.round((performance.now() - t0) * 100) / 100 });
  };
  const path = (d: number, extra: boolean): Int32Array => {
    const n = d + (extra ? 1 : 0);
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      out[2 * i] = chT[i]!;
      out[2 * i + 1] = chC[i]!;
    }
    return out;
  };

  /** Set up frame d; returns a violation code if the state is a bad terminal state. */
  const enter = (d: number): number => {
    const s = levels[d]!;
    nextT[d] = 0;
    nextC[d] = 0;
    done[d] = 0;
    let en = 0;
    let single = -1;
    for (let t = 0; t < T; t++) {
      const n = eng.choices(s, t);
      if (n > 0) {
        en |= 1 << t;
        if (usePor && single < 0 && n === 1 && safe[p.opBase[t]! + s[t]!]) single = t;
      }
    }
    ample[d] = single >= 0 ? 1 << single : en;
    enabled[d] = en;
    if (en !== 0) return V_NONE;
    // Terminal state.
    let unfinished = 0;
    let stopped = false;
    for (let t = 0; t < T; t++) {
      if (!eng.finished(s, t)) unfinished |= 1 << t;
      else if (eng.stopped(s, t)) stopped = true;
    }
    if (unfinished === 0) {
      if (!stopped && p.invariant && p.invariant(s) === 0) return V_INVARIANT;
      return V_NONE;
    }
    return classifyBlocked(p, eng, s, unfinished, ctx.passive);
  };

  eng.boundOp = -1;
  const v0 = eng.init(levels[0]!);
  if (v0 !== V_NONE) {
    stat();
    return { kind: 'violation', code: v0, path: new Int32Array(0), op: eng.violOp, msg: eng.violMsg };
  }
  if (eng.boundOp >= 0) boundOp = eng.boundOp;
  h1s[0] = eng.h1;
  h2s[0] = eng.h2;
  set.add(eng.h1, eng.h2, 0);
  states = 1;
  sleep[0] = 0;
  last[0] = -1;
  pre[0] = 0;
  const v = enter(0);
  if (v !== V_NONE) {
    stat();
    return { kind: 'violation', code: v, path: new Int32Array(0), op: -1, msg: '' };
  }

  let d = 0;
  while (d >= 0) {
    const s = levels[d]!;
    let t = nextT[d]!;
    let c = nextC[d]!;
    let chosen = -1;
    let np = 0;
    const am = ample[d]! & ~sleep[d]!;
    while (t < T) {
      if ((am >> t) & 1) {
        // Sequential consistency: one choice per enabled thread; relaxed loads may have more.
        const n = lkmm ? eng.choices(s, t) : 1;
        if (c < n) {
          np = pre[d]!;
          if (bound >= 0) {
            const lt = last[d]!;
            if (lt >= 0 && lt !== t && (enabled[d]! >> lt) & 1) np++;
          }
          if (np <= bound || bound < 0) {
            chosen = t;
            break;
          }
          cut = true;
        }
      }
      t++;
      c = 0;
    }
    if (chosen < 0) {
      d--;
      continue;
    }
    nextT[d] = t;
    nextC[d] = c + 1;
    let childSleep = 0;
    if (useSleep) {
      const z = (sleep[d]! | done[d]!) & ~(1 << t);
      if (z !== 0) {
        const gt = p.opBase[t]! + s[t]!;
        for (let u = 0; u < T; u++) {
          if (!((z >> u) & 1)) continue;
          const gu = eng.opAt(s, u);
          if (gu >= 0 && dep[gt * N + gu] === 0) childSleep |= 1 << u;
        }
      }
      done[d] = done[d]! | (1 << t);
    }
    const child = levels[d + 1]!;
    child.set(s);
    eng.h1 = h1s[d]!;
    eng.h2 = h2s[d]!;
    chT[d] = t;
    chC[d] = c;
    const vc = eng.exec(child, t, c);
    transitions++;
    if (vc !== V_NONE) {
      stat();
      return { kind: 'violation', code: vc, path: path(d, true), op: eng.violOp, msg: eng.violMsg };
    }
    if (eng.boundOp >= 0 && boundOp < 0) boundOp = eng.boundOp;
    let k1 = eng.h1;
    let k2 = eng.h2;
    h1s[d + 1] = k1;
    h2s[d + 1] = k2;
    if (bound >= 0) {
      k1 ^= mix1(1 << 20, t);
      k2 ^= mix2(1 << 20, t);
    }
    const payload = bound >= 0 ? np : childSleep;
    if (!set.add(k1, k2, payload)) {
      stat();
      return { kind: 'limit', reason: `memory limit: state table reached ${ctx.maxBytes} bytes after ${states} states` };
    }
    if (set.found) {
      if (bound >= 0) {
        if (set.payload <= np) continue;
        set.payload = np;
      } else if (useSleep) {
        const stored = set.payload;
        if ((stored & ~childSleep) === 0) continue;
        childSleep &= stored;
        set.payload = childSleep;
      } else continue;
    } else {
      states++;
      if (states > ctx.maxStates) {
        stat();
        return { kind: 'limit', reason: `state limit: more than ${ctx.maxStates} states` };
      }
    }
    if ((transitions & 4095) === 0 && Date.now() > ctx.deadline) {
      stat();
      return { kind: 'limit', reason: `time limit: stopped after ${states} states` };
    }
    d++;
    sleep[d] = childSleep;
    last[d] = t;
    pre[d] = np;
    const vt = enter(d);
    if (vt !== V_NONE) {
      stat();
      return { kind: 'violation', code: vt, path: path(d, false), op: -1, msg: '' };
    }
  }
  stat();
  return { kind: 'done', cut, boundOp };
}

/** Deadlock (every stuck thread waits for a lock held by a stuck thread) or blocked forever. */
function classifyBlocked(p: Program, eng: Engine, s: Int32Array, unfinished: number, passive = 0): number {
  if (passive && (unfinished & ~passive) === 0) return V_NONE;
  for (let t = 0; t < p.T; t++) {
    if (!((unfinished >> t) & 1) || (passive >> t) & 1) continue;
    const g = eng.opAt(s, t);
    if (g < 0 || p.kind[g] !== K_LOCK) return V_BLOCKED;
    const lo = p.lockOff + 2 * p.argA[g]!;
    const owner = s[lo]! - 1;
    if (owner >= 0 && (passive >> owner) & 1) return V_NONE;
    if (owner < 0) {
      // held by readers (counted, not named): a thread that finished released its read
      // locks, so the readers are other stuck threads
      if (s[lo + 1]! > 0 && (unfinished & ~(1 << t)) !== 0) continue;
      return V_BLOCKED;
    }
    if (!((unfinished >> owner) & 1)) return V_BLOCKED;
  }
  return V_DEADLOCK;
}

/** Re-run a violating path with logging to build the trace. */
function replay(
  p: Program,
  o: Extract<SearchOutcome, { kind: 'violation' }>,
): Pick<ExploreResult, 'trace' | 'outcome' | 'preemptions' | 'message'> {
  const eng = new Engine(p);
  const trace: TraceStep[] = [];
  eng.log = trace;
  const s = new Int32Array(p.W);
  eng.init(s);
  let lastT = -1;
  let preemptions = 0;
  for (let i = 0; i < o.path.length; i += 2) {
    const t = o.path[i]!;
    if (lastT >= 0 && lastT !== t && eng.choices(s, lastT) > 0) preemptions++;
    lastT = t;
    eng.exec(s, t, o.path[i + 1]!);
  }
  let outcome = OUTCOME_OF[o.code] ?? 'ASSERTION';
  let message = o.msg;
  if (o.code === V_ASSERT && o.op >= 0) {
    const op = p.ops[o.op]!;
    if (op.k === 'assert') {
      outcome = op.outcome ?? 'ASSERTION';
      message = op.msg ?? `assertion ${String(op.cond)} failed`;
    }
  } else if (o.code === V_DEADLOCK || o.code === V_BLOCKED) {
    outcome = o.code === V_DEADLOCK ? 'DEADLOCK' : 'BLOCKED FOREVER';
    const waits: string[] = [];
    for (let t = 0; t < p.T; t++) {
      const g = eng.opAt(s, t);
      if (g < 0) continue;
      const op = p.ops[g]!;
      let note = 'blocked';
      if (p.kind[g] === K_LOCK) {
        const owner = s[p.lockOff + 2 * p.argA[g]!]! - 1;
        note = owner >= 0 ? `blocked: ${p.lockNames[p.argA[g]!]} held by CPU${owner}` : `blocked: ${p.lockNames[p.argA[g]!]} held for reading`;
      } else if (p.kind[g] === K_ASSUME) note = 'blocked: condition never becomes true';
      waits.push(`CPU${t} ${note}`);
      const step: TraceStep = { cpu: t, op: describeOp(op), note };
      if (op.code) step.code = op.code;
      if (op.file) step.file = op.file;
      if (op.line !== undefined) step.line = op.line;
      trace.push(step);
    }
    message = waits.join('; ');
  } else if (o.code === V_INVARIANT) {
    const inv = p.model.invariant!;
    outcome = inv.outcome ?? 'ASSERTION';
    message = inv.msg ?? `invariant ${String(inv.cond)} violated at the end`;
    const vals = p.varNames.map((v, x) => `${v} = ${p.lkmm ? s[p.msgOff[x]! + (s[p.cntOff + x]! - 1) * p.msgW] : s[p.memOff + x]}`);
    trace.push({ cpu: -1, op: 'final state', note: vals.join(', ') });
  }
  return { trace, outcome, preemptions, message };
}

/** The part of a result that belongs in a Finding (`src/report/finding.ts`), nothing more. */
export function toConfirmation(r: ExploreResult, method?: 'extracted' | 'template'): Confirmation {
  const c: Confirmation = { status: r.status, states: r.states, ms: r.ms };
  if (method) c.method = method;
  if (r.outcome) c.outcome = r.outcome;
  if (r.trace.length) c.trace = r.trace;
  const why = r.status === 'confirmed' ? r.message : r.reason;
  if (why) c.reason = why;
  return c;
}

export { compileModel };
