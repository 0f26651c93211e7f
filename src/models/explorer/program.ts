// Compile a ModelJSON into a flat program: per-op typed arrays, the state-vector layout,
// expression closures, the static dependency matrix and lock-protection facts used by
// partial-order reduction.

import { compileExpr, exprNames, parseExpr, type ExprAst, type ExprFn } from './expr.js';
import type { ModelJSON, Op } from './model.js';

export const K_LOCK = 0;
export const K_UNLOCK = 1;
export const K_TRYLOCK = 2;
export const K_LOAD = 3;
export const K_STORE = 4;
export const K_RMW = 5;
export const K_FENCE = 6;
export const K_ALLOC = 7;
export const K_FREE = 8;
export const K_USE = 9;
export const K_ASSUME = 10;
export const K_ASSERT = 11;
export const K_LOCAL = 12;
export const K_JUMP = 13;
export const K_BOUND = 14;

const KIND: Record<Op['k'], number> = {
  lock: K_LOCK,
  unlock: K_UNLOCK,
  trylock: K_TRYLOCK,
  load: K_LOAD,
  store: K_STORE,
  rmw: K_RMW,
  fence: K_FENCE,
  alloc: K_ALLOC,
  free: K_FREE,
  use: K_USE,
  assume: K_ASSUME,
  assert: K_ASSERT,
  local: K_LOCAL,
  jump: K_JUMP,
  bound: K_BOUND,
};

export const MODE_EXCL = 0;
export const MODE_SHARED = 1;
export const MODE_REC = 2;

export const ORD_RELAXED = 0;
export const ORD_ACQUIRE = 1;
export const ORD_RELEASE = 2;

export const F_FULL = 0;
export const F_WMB = 1;
export const F_RMB = 2;
export const F_ACQ = 3;
export const F_REL = 4;

export const R_XCHG = 0;
export const R_CMPXCHG = 1;
export const R_ADD = 2;
export const R_SUB = 3;
export const R_OR = 4;
export const R_AND = 5;
export const R_SET_BIT = 6;
export const R_CLEAR_BIT = 7;
export const R_TAS_BIT = 8;
export const R_TAC_BIT = 9;

const RMW_CODE: Record<string, number> = {
  xchg: R_XCHG,
  cmpxchg: R_CMPXCHG,
  add: R_ADD,
  sub: R_SUB,
  or: R_OR,
  and: R_AND,
  set_bit: R_SET_BIT,
  clear_bit: R_CLEAR_BIT,
  test_and_set_bit: R_TAS_BIT,
  test_and_clear_bit: R_TAC_BIT,
};

export class ModelError extends Error {}

const NOFN: ExprFn = () => 0;

export interface Program {
  model: ModelJSON;
  lkmm: boolean;
  T: number;
  V: number;
  L: number;
  varNames: string[];
  lockNames: string[];
  /** Object instance names (`vpci`, `map[1]`), and first instance index per object. */
  objNames: string[];
  objBase: Map<string, number>;
  objCount: Map<string, number>;
  /** State vector layout. */
  W: number;
  regOff: Int32Array;
  regNames: string[][];
  memOff: number; // sc
  cntOff: number; // lkmm: message count per var
  msgOff: Int32Array; // lkmm: first message slot per var
  msgW: number; // lkmm: 1 + V
  thOff: number; // lkmm: per-thread views (5 V each)
  sOff: number; // lkmm: global SC-fence view
  lockOff: number; // 2 per lock: owner (tid+1), count
  objOff: number;
  /** Ops, flat. */
  N: number;
  opBase: Int32Array;
  opLen: Int32Array;
  ops: Op[];
  opThread: Int32Array;
  kind: Int32Array;
  /** var / lock / object / rmw code / fence kind depending on kind. */
  argA: Int32Array;
  /** register offset (absolute in the state vector) or -1. */
  argReg: Int32Array;
  mode: Int32Array;
  order: Int32Array;
  /** object instance checked on a load/store/rmw (-1 none). */
  accObj: Int32Array;
  /** jump target (local pc). */
  target: Int32Array;
  /** Fusable local op (no shared access). */
  local: Uint8Array;
  /** Value-returning RMW (full barrier). */
  returns: Uint8Array;
  e1: ExprFn[];
  e2: ExprFn[];
  asts: (ExprAst | undefined)[];
  /** dep[i*N+j] = 1 when ops i and j (different threads) do not commute. */
  dep: Uint8Array;
  /** Op whose effects no other thread can observe or disturb right now (POR singleton). */
  safe: Uint8Array;
  invariant?: ExprFn;
  invariantAst?: ExprAst;
  /** Registers dead on arrival at thread t's pc: deadRegs[deadStart[opBase[t]+t+pc] .. deadStart[opBase[t]+t+pc+1]). */
  deadStart: Int32Array;
  deadRegs: Int32Array;
}

interface Access {
  reads: Set<number>;
  writes: Set<number>;
  lock: number;
  obj: string | undefined;
  objWrite: boolean;
}

export function compileModel(m: ModelJSON): Program {
  const lkmm = m.memory === 'lkmm';
  const varNames = Object.keys(m.vars);
  const varIdx = new Map(varNames.map((v, i) => [v, i]));
  const lockNames = [...m.locks];
  const lockIdx = new Map(lockNames.map((l, i) => [l, i]));
  const objNames: string[] = [];
  const objBase = new Map<string, number>();
  const objCount = new Map<string, number>();
  for (const [o, n] of Object.entries(m.objects ?? {})) {
    objBase.set(o, objNames.length);
    objCount.set(o, n);
    for (let i = 0; i < n; i++) objNames.push(n === 1 ? o : `${o}[${i}]`);
  }
  const T = m.threads.length;
  const V = varNames.length;
  const L = lockNames.length;
  if (T === 0) throw new ModelError(`model ${m.name}: no threads`);
  if (T > 30) throw new ModelError(`model ${m.name}: at most 30 threads`);

  // Registers: every `into` and every expression name that is not a shared variable.
  const regNames: string[][] = m.threads.map((th) => {
    const regs = new Set<string>();
    const see = (e: string | number | undefined): void => {
      if (e === undefined) return;
      for (const n of exprNames(parseExpr(e))) if (!varIdx.has(n)) regs.add(n);
    };
    for (const op of th.ops) {
      if ('into' in op && op.into !== undefined) {
        if (varIdx.has(op.into)) throw new ModelError(`model ${m.name}: register ${op.into} shadows a shared variable`);
        regs.add(op.into);
      }
      if (op.k === 'store' || op.k === 'local') see(op.value);
      if (op.k === 'rmw') {
        see(op.arg);
        see(op.expected);
      }
      if (op.k === 'assume' || op.k === 'assert') see(op.cond);
      if (op.k === 'jump') see(op.cond);
      if (op.k === 'alloc' || op.k === 'free' || op.k === 'use') see(op.index);
    }
    return [...regs];
  });

  // Layout.
  let w = T;
  const regOff = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    regOff[t] = w;
    w += regNames[t]!.length;
  }
  let memOff = -1;
  let cntOff = -1;
  let thOff = -1;
  let sOff = -1;
  const msgW = 1 + V;
  const msgOff = new Int32Array(V);
  if (!lkmm) {
    memOff = w;
    w += V;
  } else {
    // Each op runs at most once (forward jumps only), so a variable gets at most
    // 1 + (number of store/rmw ops on it) messages.
    const cap = new Array<number>(V).fill(1);
    for (const th of m.threads)
      for (const op of th.ops) if (op.k === 'store' || op.k === 'rmw') cap[varIdx.get(op.var) ?? 0]! += 1;
    cntOff = w;
    w += V;
    for (let x = 0; x < V; x++) {
      msgOff[x] = w;
      w += cap[x]! * msgW;
    }
    thOff = w;
    w += T * 5 * V;
    sOff = w;
    w += V;
  }
  const lockOff = w;
  w += 2 * L;
  const objOff = w;
  w += objNames.length;

  const readVar = (x: number): ExprFn => {
    if (!lkmm) {
      const off = memOff + x;
      return (s) => s[off]!;
    }
    const c = cntOff + x;
    const base = msgOff[x]!;
    return (s) => s[base + (s[c]! - 1) * msgW]!;
  };

  // Flat ops.
  const opBase = new Int32Array(T);
  const opLen = new Int32Array(T);
  let N = 0;
  for (let t = 0; t < T; t++) {
    opBase[t] = N;
    opLen[t] = m.threads[t]!.ops.length;
    N += opLen[t]!;
  }
  const ops: Op[] = [];
  const opThread = new Int32Array(N);
  const kind = new Int32Array(N);
  const argA = new Int32Array(N).fill(-1);
  const argReg = new Int32Array(N).fill(-1);
  const mode = new Int32Array(N);
  const order = new Int32Array(N);
  const accObj = new Int32Array(N).fill(-1);
  const target = new Int32Array(N).fill(-1);
  const local = new Uint8Array(N);
  const returns = new Uint8Array(N);
  const e1: ExprFn[] = new Array<ExprFn>(N).fill(NOFN);
  const e2: ExprFn[] = new Array<ExprFn>(N).fill(NOFN);
  const asts: (ExprAst | undefined)[] = new Array<ExprAst | undefined>(N).fill(undefined);
  const acc: Access[] = [];
  const regUse: Set<number>[] = Array.from({ length: N }, () => new Set<number>());

  for (let t = 0; t < T; t++) {
    const th = m.threads[t]!;
    const regIdx = new Map(regNames[t]!.map((r, i) => [r, regOff[t]! + i]));
    const where = (i: number): string => `model ${m.name}, CPU${t} op ${i}`;
    const compile = (e: string | number, i: number, sharedReads: Set<number>): ExprFn => {
      const ast = parseExpr(e);
      return compileExpr(ast, (name) => {
        const r = regIdx.get(name);
        if (r !== undefined) {
          const off = r;
          regUse[opBase[t]! + i]!.add(r);
          return (s) => s[off]!;
        }
        const x = varIdx.get(name);
        if (x === undefined) throw new ModelError(`${where(i)}: unknown name ${name}`);
        sharedReads.add(x);
        return readVar(x);
      });
    };
    const vIdx = (name: string, i: number): number => {
      const x = varIdx.get(name);
      if (x === undefined) throw new ModelError(`${where(i)}: unknown shared variable ${name}`);
      return x;
    };
    const lIdx = (name: string, i: number): number => {
      const l = lockIdx.get(name);
      if (l === undefined) throw new ModelError(`${where(i)}: unknown lock ${name}`);
      return l;
    };
    const oIdx = (name: string, i: number): number => {
      const o = objBase.get(name);
      if (o === undefined) throw new ModelError(`${where(i)}: unknown object ${name}`);
      return o;
    };
    for (let i = 0; i < th.ops.length; i++) {
      const op = th.ops[i]!;
      const g = opBase[t]! + i;
      ops.push(op);
      opThread[g] = t;
      const k = KIND[op.k];
      if (k === undefined) throw new ModelError(`${where(i)}: unknown op kind ${String((op as { k: unknown }).k)}`);
      kind[g] = k;
      const a: Access = { reads: new Set(), writes: new Set(), lock: -1, obj: undefined, objWrite: false };
      acc.push(a);
      switch (op.k) {
        case 'lock':
        case 'unlock':
        case 'trylock':
          argA[g] = a.lock = lIdx(op.lock, i);
          mode[g] = op.mode === 'shared' ? MODE_SHARED : op.mode === 'recursive' ? MODE_REC : MODE_EXCL;
          if (op.k === 'trylock') argReg[g] = regIdx.get(op.into)!;
          break;
        case 'load':
          argA[g] = vIdx(op.var, i);
          a.reads.add(argA[g]!);
          argReg[g] = regIdx.get(op.into)!;
          order[g] = op.order === 'acquire' ? ORD_ACQUIRE : ORD_RELAXED;
          if (op.order === 'release') throw new ModelError(`${where(i)}: a load cannot be a release`);
          if (op.obj) accObj[g] = oIdx(op.obj, i);
          a.obj = op.obj;
          break;
        case 'store':
          argA[g] = vIdx(op.var, i);
          a.writes.add(argA[g]!);
          e1[g] = compile(op.value, i, a.reads);
          order[g] = op.order === 'release' ? ORD_RELEASE : ORD_RELAXED;
          if (op.order === 'acquire') throw new ModelError(`${where(i)}: a store cannot be an acquire`);
          if (op.obj) accObj[g] = oIdx(op.obj, i);
          a.obj = op.obj;
          break;
        case 'rmw': {
          argA[g] = vIdx(op.var, i);
          a.reads.add(argA[g]!);
          a.writes.add(argA[g]!);
          const code = RMW_CODE[op.op];
          if (code === undefined) throw new ModelError(`${where(i)}: unknown atomic ${op.op}`);
          mode[g] = code;
          e1[g] = compile(op.arg, i, a.reads);
          if (op.expected !== undefined) e2[g] = compile(op.expected, i, a.reads);
          else if (code === R_CMPXCHG) throw new ModelError(`${where(i)}: cmpxchg needs expected`);
          if (op.into !== undefined) argReg[g] = regIdx.get(op.into)!;
          returns[g] = (op.returns ?? op.into !== undefined) ? 1 : 0;
          if (op.obj) accObj[g] = oIdx(op.obj, i);
          a.obj = op.obj;
          break;
        }
        case 'fence':
          argA[g] = { full: F_FULL, wmb: F_WMB, rmb: F_RMB, acquire: F_ACQ, release: F_REL }[op.kind];
          if (!lkmm) local[g] = 1;
          break;
        case 'alloc':
        case 'free':
        case 'use':
          argA[g] = oIdx(op.obj, i);
          a.obj = op.obj;
          a.objWrite = op.k !== 'use';
          if (op.index !== undefined) e1[g] = compile(op.index, i, a.reads);
          break;
        case 'assume':
        case 'assert':
          asts[g] = parseExpr(op.cond);
          e1[g] = compile(op.cond, i, a.reads);
          if (op.k === 'assert' && a.reads.size === 0) local[g] = 1;
          break;
        case 'local':
          argReg[g] = regIdx.get(op.into)!;
          e1[g] = compile(op.value, i, a.reads);
          if (a.reads.size) throw new ModelError(`${where(i)}: local computation reads shared state; use load`);
          local[g] = 1;
          break;
        case 'jump':
          if (op.to <= i || op.to > th.ops.length) throw new ModelError(`${where(i)}: jumps must go forward (to ${op.to})`);
          target[g] = op.to;
          if (op.cond !== undefined) {
            asts[g] = parseExpr(op.cond);
            e1[g] = compile(op.cond, i, a.reads);
          } else e1[g] = () => 1;
          if (a.reads.size === 0) local[g] = 1;
          break;
        case 'bound':
          argA[g] = op.limit;
          break;
      }
    }
  }

  // Static locksets (exclusive locks held before each op), forward-only control flow.
  const held = new Int32Array(N);
  for (let t = 0; t < T; t++) {
    const len = opLen[t]!;
    const inSet = new Int32Array(len + 1).fill(-1);
    const reached = new Uint8Array(len + 1);
    reached[0] = 1;
    inSet[0] = 0;
    for (let pc = 0; pc < len; pc++) {
      const g = opBase[t]! + pc;
      if (!reached[pc]) {
        held[g] = 0;
        continue;
      }
      held[g] = inSet[pc]!;
      let out = inSet[pc]!;
      const l = argA[g]!;
      if (kind[g] === K_LOCK && mode[g] !== MODE_SHARED && l < 31) out |= 1 << l;
      if (kind[g] === K_UNLOCK && l < 31) out &= ~(1 << l);
      const flow = (to: number): void => {
        inSet[to] = reached[to] ? inSet[to]! & out : out;
        reached[to] = 1;
      };
      if (kind[g] === K_JUMP) {
        flow(target[g]!);
        if (ops[g]!.k === 'jump' && (ops[g] as { cond?: unknown }).cond !== undefined) flow(pc + 1);
      } else if (kind[g] !== K_BOUND) flow(pc + 1);
    }
  }
  // Register liveness (backward, forward-only jumps): registers dead on arrival at a pc are
  // reset to 0 so that states differing only in dead values coincide.
  const invRegs = new Set<number>();
  if (m.invariant) {
    for (const n of exprNames(parseExpr(m.invariant.cond))) {
      const mm = /^(?:cpu(\d+)|([A-Za-z_]\w*))\.([A-Za-z_]\w*)$/.exec(n);
      if (!mm) continue;
      const t = mm[1] !== undefined ? Number(mm[1]) : m.threads.findIndex((th) => th.name === mm[2]);
      const r = t >= 0 && t < T ? regNames[t]!.indexOf(mm[3]!) : -1;
      if (r >= 0) invRegs.add(regOff[t]! + r);
    }
  }
  const deadStart = new Int32Array(N + T + 1);
  const deadRegs: number[] = [];
  for (let t = 0; t < T; t++) {
    const len = opLen[t]!;
    const liveIn: Set<number>[] = new Array<Set<number>>(len + 1);
    liveIn[len] = new Set([...invRegs].filter((r) => r >= regOff[t]! && r < regOff[t]! + regNames[t]!.length));
    for (let pc = len - 1; pc >= 0; pc--) {
      const g = opBase[t]! + pc;
      const out = new Set<number>();
      const k = kind[g]!;
      const succ = k === K_BOUND ? [] : k === K_JUMP ? (ops[g]!.k === 'jump' && (ops[g] as { cond?: unknown }).cond !== undefined ? [target[g]!, pc + 1] : [target[g]!]) : [pc + 1];
      for (const sc of succ) for (const r of liveIn[sc]!) out.add(r);
      if (argReg[g]! >= 0 && k !== K_LOCAL) out.delete(argReg[g]!);
      if (k === K_LOCAL) out.delete(argReg[g]!);
      for (const r of regUse[g]!) out.add(r);
      liveIn[pc] = out;
    }
    for (let pc = 0; pc <= len; pc++) {
      deadStart[opBase[t]! + t + pc] = deadRegs.length;
      for (let r = 0; r < regNames[t]!.length; r++) if (!liveIn[pc]!.has(regOff[t]! + r)) deadRegs.push(regOff[t]! + r);
    }
  }
  deadStart[N + T] = deadRegs.length;

  // Per variable: locks held at every access; which threads access / write it.
  const protect = new Int32Array(V).fill(-1);
  const accessBy = new Int32Array(V);
  const writtenBy = new Int32Array(V);
  const objTouchBy = new Map<string, number>();
  for (let g = 0; g < N; g++) {
    const a = acc[g]!;
    const tb = 1 << opThread[g]!;
    for (const x of a.reads) {
      protect[x] = protect[x]! & held[g]!;
      accessBy[x] = accessBy[x]! | tb;
    }
    for (const x of a.writes) {
      protect[x] = protect[x]! & held[g]!;
      accessBy[x] = accessBy[x]! | tb;
      writtenBy[x] = writtenBy[x]! | tb;
    }
    if (a.obj && a.objWrite) objTouchBy.set(a.obj, (objTouchBy.get(a.obj) ?? 0) | tb);
  }
  const safe = new Uint8Array(N);
  for (let g = 0; g < N; g++) {
    const k = kind[g]!;
    if (local[g]) continue;
    if (k !== K_LOAD && k !== K_STORE && k !== K_RMW && k !== K_ASSERT && k !== K_JUMP && k !== K_USE) continue;
    const a = acc[g]!;
    const tb = 1 << opThread[g]!;
    let ok = true;
    for (const x of a.writes) if (!(protect[x]! !== 0 || accessBy[x] === tb)) ok = false;
    for (const x of a.reads)
      if (!a.writes.has(x) && !(protect[x]! !== 0 || accessBy[x] === tb || (writtenBy[x]! & ~tb) === 0)) ok = false;
    if (a.obj && ((objTouchBy.get(a.obj) ?? 0) & ~tb) !== 0) ok = false;
    safe[g] = ok ? 1 : 0;
  }

  // Dependency matrix.
  const dep = new Uint8Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      if (opThread[i] === opThread[j]) continue;
      const a = acc[i]!;
      const b = acc[j]!;
      let d = false;
      if (a.lock >= 0 && a.lock === b.lock) d = true;
      if (!d) for (const x of a.writes) if (b.reads.has(x) || b.writes.has(x)) d = true;
      if (!d) for (const x of b.writes) if (a.reads.has(x)) d = true;
      if (!d && a.obj !== undefined && a.obj === b.obj && (a.objWrite || b.objWrite)) d = true;
      // Bounded loops and waits: conservative.
      if (kind[i] === K_BOUND || kind[j] === K_BOUND) d = true;
      if (d) dep[i * N + j] = dep[j * N + i] = 1;
    }
  }

  const prog: Program = {
    model: m,
    lkmm,
    T,
    V,
    L,
    varNames,
    lockNames,
    objNames,
    objBase,
    objCount,
    W: w,
    regOff,
    regNames,
    memOff,
    cntOff,
    msgOff,
    msgW,
    thOff,
    sOff,
    lockOff,
    objOff,
    N,
    opBase,
    opLen,
    ops,
    opThread,
    kind,
    argA,
    argReg,
    mode,
    order,
    accObj,
    target,
    local,
    returns,
    e1,
    e2,
    asts,
    dep,
    safe,
    deadStart,
    deadRegs: Int32Array.from(deadRegs),
  };

  if (m.invariant) {
    const ast = parseExpr(m.invariant.cond);
    prog.invariantAst = ast;
    prog.invariant = compileExpr(ast, (name) => {
      const x = varIdx.get(name);
      if (x !== undefined) return readVar(x);
      const mm = /^(?:cpu(\d+)|([A-Za-z_]\w*))\.([A-Za-z_]\w*)$/.exec(name);
      if (mm) {
        const t = mm[1] !== undefined ? Number(mm[1]) : m.threads.findIndex((th) => th.name === mm[2]);
        const r = t >= 0 && t < T ? regNames[t]!.indexOf(mm[3]!) : -1;
        if (r >= 0) {
          const off = regOff[t]! + r;
          return (s) => s[off]!;
        }
      }
      throw new ModelError(`model ${m.name}: invariant names unknown ${name}`);
    });
  }
  return prog;
}
