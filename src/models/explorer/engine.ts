// The transition relation over flat Int32Array state vectors: which threads can move, how
// many nondeterministic choices a move has (relaxed loads), and executing one step (the
// visible op plus the local ops fused after it) with incremental hashing.

import type { TraceStep } from '../../report/finding.js';
import type { Op } from './model.js';
import {
  F_ACQ,
  F_FULL,
  F_REL,
  F_RMB,
  F_WMB,
  K_ALLOC,
  K_ASSERT,
  K_ASSUME,
  K_BOUND,
  K_FENCE,
  K_FREE,
  K_JUMP,
  K_LOAD,
  K_LOCAL,
  K_LOCK,
  K_RMW,
  K_STORE,
  K_TRYLOCK,
  K_UNLOCK,
  K_USE,
  MODE_EXCL,
  MODE_REC,
  MODE_SHARED,
  ORD_ACQUIRE,
  ORD_RELEASE,
  R_ADD,
  R_AND,
  R_CLEAR_BIT,
  R_CMPXCHG,
  R_OR,
  R_SET_BIT,
  R_SUB,
  R_TAC_BIT,
  R_TAS_BIT,
  R_XCHG,
  type Program,
} from './program.js';

export const V_NONE = 0;
export const V_UAF = 1;
export const V_DOUBLE_FREE = 2;
export const V_ASSERT = 3;
export const V_UNLOCK_UNHELD = 4;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
export function mix1(i: number, v: number): number {
  return fmix(Math.imul(i + 1, 0x9e3779b1) ^ v);
}
export function mix2(i: number, v: number): number {
  return fmix(Math.imul(i + 7, 0x7feb352d) ^ Math.imul(v ^ 0x5bd1e995, 0x27d4eb2f));
}

export class Engine {
  /** Hash lanes of the state being stepped (incremental). */
  h1 = 0;
  h2 = 0;
  /** Set when a thread ran out of loop unrolling in the last step. */
  boundOp = -1;
  /** Op that caused the last violation. */
  violOp = -1;
  violMsg = '';
  log: TraceStep[] | null = null;
  /** Reset registers that are dead at the new pc (dead-variable reduction). */
  resetDead = true;
  private readonly p: Program;
  private readonly kind: Int32Array;
  private readonly opBase: Int32Array;
  private readonly opLen: Int32Array;
  private readonly local: Uint8Array;

  constructor(p: Program) {
    this.p = p;
    this.kind = p.kind;
    this.opBase = p.opBase;
    this.opLen = p.opLen;
    this.local = p.local;
  }

  /** Write one slot, keeping the hash lanes current. */
  private set(s: Int32Array, i: number, v: number): void {
    const old = s[i]!;
    if (old === v) return;
    s[i] = v;
    this.h1 = (this.h1 + mix1(i, v) - mix1(i, old)) | 0;
    this.h2 = (this.h2 + mix2(i, v) - mix2(i, old)) | 0;
  }

  /** Full hash of a state vector. */
  hashOf(s: Int32Array): void {
    let a = 0;
    let b = 0;
    for (let i = 0; i < s.length; i++) {
      a = (a + mix1(i, s[i]!)) | 0;
      b = (b + mix2(i, s[i]!)) | 0;
    }
    this.h1 = a;
    this.h2 = b;
  }

  /** Initial state: variables, messages, objects live, then each thread's leading local ops. */
  init(s: Int32Array): number {
    const p = this.p;
    s.fill(0);
    const init = p.varNames.map((v) => p.model.vars[v]! | 0);
    if (!p.lkmm) for (let x = 0; x < p.V; x++) s[p.memOff + x] = init[x]!;
    else
      for (let x = 0; x < p.V; x++) {
        s[p.cntOff + x] = 1;
        s[p.msgOff[x]!] = init[x]!;
      }
    for (let o = 0; o < p.objNames.length; o++) s[p.objOff + o] = 1;
    this.hashOf(s);
    for (let t = 0; t < p.T; t++) {
      const v = this.fuse(s, t, 0);
      if (v !== V_NONE) return v;
    }
    return V_NONE;
  }

  /** Op at thread t's pc, or -1 when finished/stopped. */
  opAt(s: Int32Array, t: number): number {
    const pc = s[t]!;
    return pc < this.opLen[t]! ? this.opBase[t]! + pc : -1;
  }

  finished(s: Int32Array, t: number): boolean {
    return s[t]! >= this.opLen[t]!;
  }

  /** Thread stopped by a loop unroll limit. */
  stopped(s: Int32Array, t: number): boolean {
    return s[t]! > this.opLen[t]!;
  }

  /** Number of ways thread t can move now (0 = blocked or finished). */
  choices(s: Int32Array, t: number): number {
    const g = this.opAt(s, t);
    if (g < 0) return 0;
    const p = this.p;
    switch (this.kind[g]) {
      case K_LOCK: {
        const lo = p.lockOff + 2 * p.argA[g]!;
        const owner = s[lo]!;
        const m = p.mode[g]!;
        if (m === MODE_SHARED) return owner === 0 ? 1 : 0;
        if (m === MODE_REC && owner === t + 1) return 1;
        return owner === 0 && s[lo + 1] === 0 ? 1 : 0;
      }
      case K_ASSUME:
        return p.e1[g]!(s) !== 0 ? 1 : 0;
      case K_LOAD:
        if (p.lkmm) {
          const x = p.argA[g]!;
          return s[p.cntOff + x]! - s[p.thOff + t * 5 * p.V + x]!;
        }
        return 1;
      default:
        return 1;
    }
  }

  /** Run local ops from pc on; stop at the first visible op. */
  private fuse(s: Int32Array, t: number, pc: number): number {
    const p = this.p;
    const len = this.opLen[t]!;
    const base = this.opBase[t]!;
    while (pc < len && this.local[base + pc]) {
      const g = base + pc;
      const k = this.kind[g];
      if (k === K_LOCAL) {
        const v = p.e1[g]!(s);
        this.set(s, p.argReg[g]!, v);
        if (this.log) this.note(t, g, `${(p.ops[g] as { into: string }).into} = ${v}`, true);
        pc++;
      } else if (k === K_JUMP) {
        const c = p.e1[g]!(s);
        if (this.log && p.asts[g]) this.note(t, g, jumpNote(p.ops[g]!, c !== 0), true);
        pc = c !== 0 ? p.target[g]! : pc + 1;
      } else if (k === K_ASSERT) {
        if (p.e1[g]!(s) === 0) {
          this.set(s, t, pc);
          return this.fail(t, g, V_ASSERT);
        }
        pc++;
      } else {
        // SC fence: nothing to do.
        if (this.log) this.note(t, g, '', true);
        pc++;
      }
    }
    if (pc < len && this.kind[base + pc] === K_BOUND) {
      this.boundOp = base + pc;
      if (this.log) this.note(t, base + pc, `loop unroll limit ${p.argA[base + pc]} reached`);
      pc = len + 1;
    }
    this.set(s, t, pc);
    if (this.resetDead && pc <= len) {
      const p2 = this.p;
      const i = base + t + pc;
      for (let j = p2.deadStart[i]!, e = p2.deadStart[i + 1]!; j < e; j++) this.set(s, p2.deadRegs[j]!, 0);
    }
    return V_NONE;
  }

  private fail(t: number, g: number, v: number): number {
    this.violOp = g;
    if (this.log) this.note(t, g, this.violMsg || 'violation');
    return v;
  }

  private note(t: number, g: number, note: string, onlyIfCode = false): void {
    const op = this.p.ops[g]!;
    if (onlyIfCode && !op.code) return;
    const step: TraceStep = { cpu: t, op: describeOp(op) };
    if (op.code) step.code = op.code;
    if (op.file) step.file = op.file;
    if (op.line !== undefined) step.line = op.line;
    if (note) step.note = note;
    this.log!.push(step);
  }

  /** Execute thread t's next step with the given choice. Returns a violation code. */
  exec(s: Int32Array, t: number, choice: number): number {
    const p = this.p;
    const g = this.opBase[t]! + s[t]!;
    const pc = s[t]!;
    this.violMsg = '';
    const k = this.kind[g];
    let next = pc + 1;
    switch (k) {
      case K_LOCK: {
        const lo = p.lockOff + 2 * p.argA[g]!;
        if (p.lkmm) this.fullFence(s, t);
        if (p.mode[g] === MODE_SHARED) this.set(s, lo + 1, s[lo + 1]! + 1);
        else {
          this.set(s, lo, t + 1);
          this.set(s, lo + 1, s[lo + 1]! + 1);
        }
        if (this.log) this.note(t, g, 'acquired');
        break;
      }
      case K_UNLOCK: {
        const lo = p.lockOff + 2 * p.argA[g]!;
        if (p.lkmm) this.fullFence(s, t);
        const m = p.mode[g]!;
        if (m === MODE_SHARED) {
          if (s[lo]! !== 0 || s[lo + 1]! <= 0) {
            this.violMsg = `read-unlock of ${p.lockNames[p.argA[g]!]} not held`;
            return this.fail(t, g, V_UNLOCK_UNHELD);
          }
          this.set(s, lo + 1, s[lo + 1]! - 1);
        } else {
          if (s[lo]! !== t + 1) {
            this.violMsg = `unlock of ${p.lockNames[p.argA[g]!]} not held by CPU${t}`;
            return this.fail(t, g, V_UNLOCK_UNHELD);
          }
          const c = m === MODE_REC ? s[lo + 1]! - 1 : 0;
          this.set(s, lo + 1, c);
          if (c === 0) this.set(s, lo, 0);
        }
        if (this.log) this.note(t, g, 'released');
        break;
      }
      case K_TRYLOCK: {
        const lo = p.lockOff + 2 * p.argA[g]!;
        const owner = s[lo]!;
        const m = p.mode[g]!;
        const ok = m === MODE_SHARED ? owner === 0 : (owner === 0 && s[lo + 1] === 0) || (m === MODE_REC && owner === t + 1);
        if (ok) {
          if (p.lkmm) this.fullFence(s, t);
          if (m !== MODE_SHARED) this.set(s, lo, t + 1);
          this.set(s, lo + 1, s[lo + 1]! + 1);
        }
        this.set(s, p.argReg[g]!, ok ? 1 : 0);
        if (this.log) this.note(t, g, ok ? 'acquired' : 'failed (busy)');
        break;
      }
      case K_LOAD: {
        const x = p.argA[g]!;
        const o = p.accObj[g]!;
        if (o >= 0 && s[p.objOff + o] !== 1) return this.uaf(s, t, g, o);
        let v: number;
        if (!p.lkmm) v = s[p.memOff + x]!;
        else v = this.lkmmLoad(s, t, x, choice, p.order[g] === ORD_ACQUIRE);
        this.set(s, p.argReg[g]!, v);
        if (this.log) this.note(t, g, `${p.varNames[x]} == ${v}${p.lkmm && this.stale ? ' (stale)' : ''}`);
        break;
      }
      case K_STORE: {
        const x = p.argA[g]!;
        const o = p.accObj[g]!;
        if (o >= 0 && s[p.objOff + o] !== 1) return this.uaf(s, t, g, o);
        const v = p.e1[g]!(s);
        if (!p.lkmm) this.set(s, p.memOff + x, v);
        else this.lkmmStore(s, t, x, v, p.order[g] === ORD_RELEASE);
        if (this.log) this.note(t, g, `${p.varNames[x]} = ${v}`);
        break;
      }
      case K_RMW: {
        const x = p.argA[g]!;
        const o = p.accObj[g]!;
        if (o >= 0 && s[p.objOff + o] !== 1) return this.uaf(s, t, g, o);
        const full = p.lkmm && p.returns[g] === 1;
        if (full) this.fullFence(s, t);
        const old = p.lkmm ? s[p.msgOff[x]! + (s[p.cntOff + x]! - 1) * p.msgW]! : s[p.memOff + x]!;
        const arg = p.e1[g]!(s);
        let nv = old;
        let ret = old;
        switch (p.mode[g]) {
          case R_XCHG:
            nv = arg;
            break;
          case R_CMPXCHG:
            nv = old === p.e2[g]!(s) ? arg : old;
            break;
          case R_ADD:
            nv = (old + arg) | 0;
            break;
          case R_SUB:
            nv = (old - arg) | 0;
            break;
          case R_OR:
            nv = old | arg;
            break;
          case R_AND:
            nv = old & arg;
            break;
          case R_SET_BIT:
          case R_TAS_BIT:
            nv = old | (1 << arg);
            ret = (old >> arg) & 1;
            break;
          case R_CLEAR_BIT:
          case R_TAC_BIT:
            nv = old & ~(1 << arg);
            ret = (old >> arg) & 1;
            break;
        }
        if (!p.lkmm) this.set(s, p.memOff + x, nv);
        else this.lkmmStore(s, t, x, nv, false, true);
        if (full) this.fullFence(s, t);
        if (p.argReg[g]! >= 0) this.set(s, p.argReg[g]!, ret);
        if (this.log) this.note(t, g, `${p.varNames[x]}: ${old} -> ${nv}${p.argReg[g]! >= 0 ? `, returns ${ret}` : ''}`);
        break;
      }
      case K_FENCE: {
        const f = p.argA[g]!;
        const V = p.V;
        const th = p.thOff + t * 5 * V;
        if (f === F_FULL) this.fullFence(s, t);
        else if (f === F_RMB || f === F_ACQ) {
          for (let y = 0; y < V; y++) this.setMax(s, th + y, s[th + V + y]!);
        } else if (f === F_WMB) {
          for (let y = 0; y < V; y++) this.setMax(s, th + 3 * V + y, s[th + 4 * V + y]!);
        } else if (f === F_REL) {
          for (let y = 0; y < V; y++) this.setMax(s, th + 2 * V + y, s[th + y]!);
        }
        if (this.log) this.note(t, g, '');
        break;
      }
      case K_ALLOC:
      case K_FREE:
      case K_USE: {
        const o = p.argA[g]! + p.e1[g]!(s);
        const st = s[p.objOff + o]!;
        if (k === K_USE) {
          if (st !== 1) return this.uaf(s, t, g, o);
          if (this.log) this.note(t, g, `${p.objNames[o]} live`);
        } else if (k === K_FREE) {
          if (st === 2) {
            this.violMsg = `${p.objNames[o]} freed twice`;
            return this.fail(t, g, V_DOUBLE_FREE);
          }
          this.set(s, p.objOff + o, 2);
          if (this.log) this.note(t, g, `${p.objNames[o]} freed`);
        } else {
          this.set(s, p.objOff + o, 1);
          if (this.log) this.note(t, g, `${p.objNames[o]} allocated`);
        }
        break;
      }
      case K_ASSUME:
        if (this.log) this.note(t, g, 'condition holds');
        break;
      case K_ASSERT:
        if (p.e1[g]!(s) === 0) {
          const op = p.ops[g] as { msg?: string };
          this.violMsg = op.msg ?? 'assertion failed';
          return this.fail(t, g, V_ASSERT);
        }
        if (this.log) this.note(t, g, 'holds');
        break;
      case K_JUMP: {
        const c = p.e1[g]!(s);
        if (c !== 0) next = p.target[g]!;
        if (this.log) this.note(t, g, jumpNote(p.ops[g]!, c !== 0));
        break;
      }
      case K_LOCAL:
      case K_BOUND:
        break;
    }
    return this.fuse(s, t, next);
  }

  private uaf(s: Int32Array, t: number, g: number, o: number): number {
    const p = this.p;
    this.violMsg = s[p.objOff + o] === 2 ? `${p.objNames[o]} used after free` : `${p.objNames[o]} used before allocation`;
    return this.fail(t, g, V_UAF);
  }

  // ------------------------------------------------------------------ LKMM
  // Per variable: a list of messages (value + the view it carries). Per thread: view (the
  // oldest message it may still read per variable), pending-acquire view (what earlier reads
  // carried, applied by rmb/acquire), release base (what later stores carry after mb/release
  // fence), wmb view (own stores published by smp_wmb), own-writes view. Plus the global view
  // of smp_mb fences.

  stale = false;

  private setMax(s: Int32Array, i: number, v: number): void {
    if (v > s[i]!) this.set(s, i, v);
  }

  private lkmmLoad(s: Int32Array, t: number, x: number, choice: number, acquire: boolean): number {
    const p = this.p;
    const V = p.V;
    const th = p.thOff + t * 5 * V;
    const cnt = s[p.cntOff + x]!;
    const m = s[th + x]! + choice;
    this.stale = m < cnt - 1;
    const mo = p.msgOff[x]! + m * p.msgW;
    this.setMax(s, th + x, m);
    for (let y = 0; y < V; y++) {
      const rv = s[mo + 1 + y]!;
      this.setMax(s, th + V + y, rv);
      if (acquire) this.setMax(s, th + y, rv);
    }
    return s[mo]!;
  }

  private lkmmStore(s: Int32Array, t: number, x: number, v: number, release: boolean, rmw = false): void {
    const p = this.p;
    const V = p.V;
    const th = p.thOff + t * 5 * V;
    const m = s[p.cntOff + x]!;
    if (rmw) {
      // An RMW reads the latest message: the thread has now seen it.
      const prev = p.msgOff[x]! + (m - 1) * p.msgW;
      for (let y = 0; y < V; y++) this.setMax(s, th + V + y, s[prev + 1 + y]!);
    }
    this.set(s, p.cntOff + x, m + 1);
    const mo = p.msgOff[x]! + m * p.msgW;
    this.set(s, mo, v);
    this.setMax(s, th + x, m);
    this.setMax(s, th + 4 * V + x, m);
    for (let y = 0; y < V; y++) {
      let rv = Math.max(s[th + 2 * V + y]!, s[th + 3 * V + y]!);
      if (release) rv = Math.max(rv, s[th + y]!);
      if (y === x) rv = m;
      this.set(s, mo + 1 + y, rv);
    }
  }

  private fullFence(s: Int32Array, t: number): void {
    const p = this.p;
    const V = p.V;
    const th = p.thOff + t * 5 * V;
    for (let y = 0; y < V; y++) {
      let v = Math.max(s[th + y]!, s[th + V + y]!, s[p.sOff + y]!);
      this.set(s, th + y, v);
      this.set(s, p.sOff + y, v);
      v = Math.max(v, s[th + 2 * V + y]!);
      this.set(s, th + 2 * V + y, v);
    }
  }
}

function jumpNote(op: Op, taken: boolean): string {
  if (op.k === 'jump' && op.test !== undefined) return taken ? 'false' : 'true';
  return taken ? 'jump taken' : 'jump not taken';
}

/** Short op text for traces: `lock(rank)`, `r0 = load(x)`, ... */
export function describeOp(op: Op): string {
  switch (op.k) {
    case 'lock':
      return `lock(${op.lock})${op.mode && op.mode !== 'exclusive' ? ` [${op.mode}]` : ''}`;
    case 'unlock':
      return `unlock(${op.lock})`;
    case 'trylock':
      return `${op.into} = trylock(${op.lock})`;
    case 'load':
      return `${op.into} = ${op.order === 'acquire' ? 'load_acquire' : op.order === 'once' ? 'READ_ONCE' : 'load'}(${op.var})`;
    case 'store':
      return `${op.order === 'release' ? 'store_release' : op.order === 'once' ? 'WRITE_ONCE' : 'store'}(${op.var}, ${op.value})`;
    case 'rmw':
      return `${op.into ? `${op.into} = ` : ''}${op.op}(${op.var}, ${op.arg}${op.expected !== undefined ? `, expected ${op.expected}` : ''})`;
    case 'fence':
      return { full: 'smp_mb()', wmb: 'smp_wmb()', rmb: 'smp_rmb()', acquire: 'acquire fence', release: 'release fence' }[op.kind];
    case 'alloc':
    case 'free':
    case 'use':
      return `${op.k}(${op.obj}${op.index !== undefined ? `[${op.index}]` : ''})`;
    case 'assume':
      return `wait until ${op.cond}`;
    case 'assert':
      return `assert(${op.cond})`;
    case 'local':
      return `${op.into} = ${op.value}`;
    case 'jump':
      if (op.test !== undefined) return `if (${op.test})`;
      return op.cond !== undefined ? `if (${op.cond}) goto ${op.to}` : `goto ${op.to}`;
    case 'bound':
      return `loop bound ${op.limit}`;
  }
}

export const OUTCOME_OF: Record<number, string> = {
  [V_UAF]: 'USE AFTER FREE',
  [V_DOUBLE_FREE]: 'DOUBLE FREE',
  [V_ASSERT]: 'ASSERTION',
  [V_UNLOCK_UNHELD]: 'UNLOCK OF UNHELD LOCK',
};

export { K_BOUND, K_LOCK, K_ASSUME, K_UNLOCK, K_STORE, K_RMW };
