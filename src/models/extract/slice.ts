// One witness path -> one thread's abstract ops. Walks the functions on the path's call
// chain in the IR (shortest CFG walk from each witness step to the next, callees on the chain
// inlined, other calls through their lock summaries), keeping the locks, the shared locations
// and objects the finding is about, barriers, and branch conditions on shared state that the
// walk passes before its last witness step (as "leave unless cond").
import type { Program } from '../../analysis/program.js';
import type { AccessPath, CallEvent, FunctionIR, IrEvent, LockRef } from '../../ir/types.js';
import { accessIndex, listOp } from '../../analysis/access-index.js';
import { mapLock } from '../../analysis/lockset.js';
import { conditionalRmw } from '../../checkers/shared-mem.js';
import type { Assumption, WitnessPath } from '../../report/finding.js';
import type { SourceLookup } from '../../checkers/api.js';
import type { FenceKind, MemOrder, RmwOp, Src } from '../explorer/model.js';
import { translateCond } from './cond.js';
import { ExtractError, framesOf, type Frame, type Target } from './frames.js';
import { walkTo, type Pos, type Walked } from './walk.js';

export type SOp = Src & { fn: string; target?: Target } & (
    | { k: 'lock'; lock: string; mode?: 'shared' | 'recursive' }
    | { k: 'trylock'; lock: string; reg: string; mode?: 'shared' | 'recursive' }
    | { k: 'unlock'; lock: string; mode?: 'shared' | 'recursive' }
    | { k: 'load'; v: string; reg: string; order?: MemOrder; bit?: number }
    | { k: 'store'; v: string; value: string | number; order?: MemOrder; rmw?: string; shadow?: true; havoc?: true }
    | { k: 'rmw'; op: RmwOp; v: string; arg: number; reg?: string; returns?: boolean; shadow?: true }
    | { k: 'fence'; kind: FenceKind }
    | { k: 'free'; obj: string }
    | { k: 'use'; obj: string }
    | { k: 'leave-unless'; cond: string }
    | { k: 'assert'; cond: string; outcome: string; msg: string }
    | { k: 'ghost'; v: string; op: 'add' | 'or'; arg: number }
  );

export interface SliceEnv {
  program: Program;
  /** Shared locations (classes) whose accesses are kept. */
  locations: Set<string>;
  /** Keep accesses to `locations` only at witness steps (memory-ordering shapes). */
  accessesAtTargetsOnly: boolean;
  /** Objects (classes) whose frees and dereferences are kept. */
  objects: Set<string>;
  /** Lock classes the finding is about (kept even when re-taken / released unheld). */
  focusLocks: Set<string>;
  /** Lock name for an acquisition (lets lock-inversion tell two instances of a class apart). */
  lockName?: (cls: string, inst: AccessPath, held: string[]) => string;
  /** Branch-condition variables and the numbers they are compared with. */
  condVars: Map<string, Set<number>>;
  /** The location class behind each condition variable (to find its writers in the tree). */
  condClass?: Map<string, string>;
  constants: Map<string, number>;
  /** Registers are numbered per thread. */
  regs: number;
  /** Leave locks out (memory-ordering shapes: the two sides' locks are different instances). */
  dropLocks?: boolean;
  /**
   * Locks reached through `current` (the running vCPU/task) are each CPU's own: two CPUs
   * running the same code hold different domains' or tasks' locks, not one lock.
   */
  perCpuCurrent?: boolean;
  /** Keep a release of a focus lock this path does not hold (double-unlock). */
  keepUnheldRelease?: boolean;
  /** Keep a re-acquisition of a focus lock this path holds (recursive-lock). */
  keepReacquire?: boolean;
  /** Events the walks go around when they can (a cancel the finding says is not on every path). */
  avoid?: (e: IrEvent) => boolean;
  /** Ops for a call the rule models itself (a deferred callback's cancel). */
  callOps?: (fn: FunctionIR, e: Extract<IrEvent, { k: 'call' }>) => SOp[] | undefined;
  /** Branches on the walked paths the model could not evaluate (assumed feasible), as assumptions. */
  assumed?: Assumption[];
}

/** The C source of the finding being extracted (lets the NULL-branch check see plain assignments). */
let sliceSource: SourceLookup | undefined;
export function setSliceSource(s: SourceLookup | undefined): void {
  sliceSource = s;
}

/** Candidate values for a variable compared with `n`: both sides of every comparison. */
export function candidatesAround(set: Set<number>, n: number, cap = 12): void {
  for (const x of [n, n - 1, n + 1]) if (set.size < cap) set.add(x | 0);
}

/** `x++`, `x -= 2`, `x |= 4` as a model expression over the old value `OLD`; undefined when the operand is not a literal. */
export function rmwExpr(rmw: string, value: string): string | undefined {
  if (rmw === '++') return 'OLD + 1';
  if (rmw === '--') return 'OLD - 1';
  const op = /^([-+|&^*]|<<|>>)=$/.exec(rmw)?.[1];
  const n = literal(value);
  return op && n !== undefined ? `OLD ${op} ${n}` : undefined;
}

/** The pointer a branch edge says is NULL: `if (!p)` / `if (p == NULL)` taken, `if (p)` / `if (p != NULL)` not taken. */
export function nullOnEdge(text: string, taken: boolean): string | undefined {
  const t = text.replace(/\b(likely|unlikely)\s*\(/g, '(').replace(/\s+/g, '');
  const strip = (x: string): string => {
    let y = x;
    while (/^\(.*\)$/.test(y)) y = y.slice(1, -1);
    return y;
  };
  const c = strip(t);
  const ptr = '([A-Za-z_][\\w]*(?:(?:->|\\.)[A-Za-z_]\\w*)*)';
  const isNull = new RegExp(`^(?:!${ptr}|${ptr}==NULL|NULL==${ptr})$`).exec(c);
  const nonNull = new RegExp(`^(?:${ptr}|${ptr}!=NULL|NULL!=${ptr})$`).exec(c);
  if (taken && isNull) return isNull[1] ?? isNull[2] ?? isNull[3];
  if (!taken && nonNull) return nonNull[1] ?? nonNull[2] ?? nonNull[3];
  return undefined;
}

export function varName(p: Program, path: AccessPath): string {
  const cls = p.env.classOf(path) || path.text;
  return cls.replace(/@[^.]*\.[ch]\b/, '').replace(/[^A-Za-z0-9_.]/g, '_').replace(/^(\d)/, '_$1');
}

export function lockClass(cls: string, inst: AccessPath): string {
  return cls || inst.text;
}

/** Objects a path dereferences on the way: `p->vpci->lock` goes through `pci_dev.vpci` (and `pci_dev`). */
export function objectsThrough(p: Program, path: AccessPath): string[] {
  const out: string[] = [];
  if (path.arrows[0] && path.rootType) out.push(path.rootType.replace(/\*+$/, '').trim());
  for (let k = 1; k < path.fields.length; k++) {
    if (!path.arrows[k]) continue;
    const pre: AccessPath = { root: path.root, fields: path.fields.slice(0, k), arrows: path.arrows.slice(0, k), text: path.text, ...(path.rootType ? { rootType: path.rootType } : {}) };
    const c = p.env.classOf(pre);
    if (c) out.push(c);
  }
  return out;
}

export function freedObject(p: Program, path: AccessPath): string {
  if (path.fields.length === 0) return (path.rootType ?? path.text).replace(/\*+$/, '').trim();
  return p.env.classOf(path) || path.text;
}

function literal(v: string): number | undefined {
  const t = v.replace(/\s+/g, '');
  if (/^-?\d+[uUlL]*$/.test(t)) return Number.parseInt(t, 10);
  if (/^-?0x[0-9a-fA-F]+$/.test(t)) return Number(t);
  if (t === 'NULL' || t === 'false') return 0;
  if (t === 'true') return 1;
  return undefined;
}

interface ListCursor {
  /** Index in the ops where the cursor is fetched. */
  at: number;
  member: string;
  line: number;
  /** Last line of the loop body. */
  end: number;
  used: boolean;
}

const ITER = /\b(?:h?list_for_each_entry\w*)\s*\(\s*(\w+)\s*,(.*),\s*(\w+)\s*\)/;

/** `list_for_each_entry*(cursor, ..., member)` on `line`: the cursor, the member, and the loop body's last line. */
export function listIteration(src: SourceLookup, file: string, line: number): { cursor: string; member: string; end: number } | undefined {
  const text = src.line(file, line);
  const m = text ? ITER.exec(text) : null;
  if (!m) return undefined;
  // the body: a braced block (matched across lines) or one statement
  let depth = 0;
  let opened = false;
  let rest = text!.slice(m.index + m[0].length);
  for (let l = line; l < line + 400; l++) {
    if (l > line) {
      const t = src.line(file, l);
      if (t === undefined) return undefined;
      rest = t;
    }
    for (const ch of rest.replace(/\/\/.*$/, '')) {
      if (ch === '{') {
        depth++;
        opened = true;
      } else if (ch === '}') {
        depth--;
        if (opened && depth === 0) return { cursor: m[1]!, member: m[3]!, end: l };
      } else if (ch === ';' && !opened && depth === 0) return { cursor: m[1]!, member: m[3]!, end: l };
    }
  }
  return undefined;
}

class Slicer {
  readonly ops: SOp[] = [];
  held: string[] = [];
  /** Call sites of the inlined callees, outermost first: callee-relative locks map through them. */
  readonly callStack: { args: (AccessPath | null)[]; callee: string }[] = [];
  /** Events since the last branch: a condition's calls and loads. */
  readonly recent: IrEvent[] = [];
  /** Re-acquisitions of a held class left out, per lock: their releases are left out too. */
  readonly nested = new Map<string, number>();
  /** Conditions are kept only before the last witness step of the outermost segment. */
  keepConds = true;
  /** Cursors of list iterations walked (`list_for_each_entry(c, head, member)`), by function and name. */
  readonly cursors = new Map<string, ListCursor>();

  constructor(
    readonly env: SliceEnv,
    readonly cpu: number,
    /** Also keep the conditions inside a callee the last outer step calls (a reader's test). */
    readonly calleeConds = false,
  ) {}

  /** The model's name for a lock: its class, or this CPU's own instance of it (perCpuCurrent). */
  private lockId(cls: string, inst: AccessPath): string {
    const c = lockClass(cls, inst);
    return c && this.env.perCpuCurrent && /^[&(\s]*current\s*(->|\.)/.test(inst.text) ? `${c}@cpu${this.cpu}` : c;
  }

  /** A lock as the outermost function of the path names it (`sem->internal_rwsem` -> `sbi->cp_rwsem.internal_rwsem`). */
  private mapped(l: LockRef, extra?: { args: (AccessPath | null)[]; callee: string }): LockRef {
    const frames = extra ? [...this.callStack, extra] : this.callStack;
    let out = l;
    for (let i = frames.length - 1; i >= 0; i--) {
      if (!out.inst.root.startsWith('param:')) break;
      out = mapLock(out, frames[i]!.args, frames[i]!.callee, this.env.program.env);
    }
    return out;
  }

  /** Pointers the walked edge says are NULL (this frame on), with the branch's file:line: locking or dereferencing through one is a path the code cannot take. */
  readonly nullPtrs = new Map<string, { file: string; line: number }>();

  clearNull(text: string): void {
    const t = text.replace(/^[&(\s]+|[)\s]+$/g, '');
    this.nullPtrs.delete(t);
  }

  /**
   * Throws when `text` goes through a pointer the walk's branch said is NULL and no line in
   * between assigns it (checked only when the source is at hand).
   */
  checkNull(fn: FunctionIR, text: string, at: { file: string; line: number }): void {
    if (!this.nullPtrs.size || !sliceSource) return;
    const t = text.replace(/^[&(\s]+/, '');
    for (const [p, br] of this.nullPtrs) {
      if (!t.startsWith(`${p}->`) || br.file !== at.file || at.line <= br.line) continue;
      const esc = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const assigns = new RegExp(`(^|[^\\w.>])${esc}\\s*=[^=]|&\\s*${esc}\\b`);
      let assigned = false;
      for (let l = br.line; l < at.line && !assigned; l++) {
        const code = sliceSource.line(at.file, l);
        if (code === undefined) assigned = true; // cannot tell
        else if (assigns.test(code)) assigned = true;
      }
      if (!assigned) throw new ExtractError(`${fn.name}: the shortest path goes through ${p}-> at line ${at.line} on the branch where ${p} is NULL (line ${br.line}); no consistent path was extracted`);
    }
  }

  /** The model variable of a write to shared state outside the finding's locations, or undefined (a CPU's own local). */
  private shadowVar(path: AccessPath, pointerArg = false): string | undefined {
    if (this.env.dropLocks) return undefined; // memory-ordering shapes keep their own locations only
    const own = (path.root.startsWith('local:') || path.root.startsWith('param:')) && !path.arrows.some(Boolean) && (!pointerArg || path.text.trim().startsWith('&'));
    if (own || path.root.startsWith('?')) return undefined;
    return varName(this.env.program, path);
  }

  private reg(): string {
    return `r${this.env.regs++}`;
  }

  private src(fn: FunctionIR, e: { loc: { file: string; line: number } }, code?: string): Src & { fn: string } {
    const s: Src & { fn: string } = { fn: fn.name, file: e.loc.file, line: e.loc.line };
    if (code) s.code = code;
    return s;
  }

  private push(op: SOp): void {
    this.ops.push(op);
  }

  private uses(fn: FunctionIR, path: AccessPath, e: IrEvent, target?: Target): void {
    for (const o of objectsThrough(this.env.program, path)) {
      if (this.env.objects.has(o)) this.push({ k: 'use', obj: o, ...this.src(fn, e, target?.step.code), ...(target ? { target } : {}) });
    }
  }

  private access(fn: FunctionIR, e: IrEvent, target: Target | undefined): void {
    const env = this.env;
    const p = env.program;
    const at = target ? { target } : {};
    const code = target?.step.code;
    const keep = (path: AccessPath, pointerArg = false): string | undefined => {
      const v = varName(p, path);
      if (!env.locations.has(v)) return undefined;
      if (env.accessesAtTargetsOnly && !target) return undefined;
      // a local variable (not reached through a pointer) is each CPU's own
      // (an atomic/list API's pointer argument points elsewhere unless it is `&local`)
      const own = (path.root.startsWith('local:') || path.root.startsWith('param:')) && !path.arrows.some(Boolean) && (!pointerArg || path.text.trim().startsWith('&'));
      if (own) return `${v}.cpu${this.cpu}`;
      return v;
    };
    switch (e.k) {
      case 'load': {
        this.uses(fn, e.path, e, target);
        const v = keep(e.path);
        if (v) this.push({ k: 'load', v, reg: this.reg(), ...(e.once ? { order: 'once' as const } : {}), ...this.src(fn, e, code), ...at });
        return;
      }
      case 'store': {
        this.uses(fn, e.path, e, target);
        this.clearNull(e.path.text);
        const v = keep(e.path);
        if (!v) {
          // a write of state a kept condition may test: kept as a shadow (dropped unless tested)
          const sv = this.shadowVar(e.path);
          if (!sv) return;
          const x = e.rmw ? rmwExpr(e.rmw, e.value) : undefined;
          const lit = e.rmw ? undefined : literal(e.value);
          if (x) this.push({ k: 'store', v: sv, value: x, rmw: e.rmw!, shadow: true, ...this.src(fn, e, code) });
          else if (lit !== undefined) this.push({ k: 'store', v: sv, value: lit, shadow: true, ...this.src(fn, e, code) });
          else this.push({ k: 'store', v: sv, value: 0, shadow: true, havoc: true, ...this.src(fn, e, `${e.path.text} = ${e.value}`) });
          return;
        }
        const lit = literal(e.value);
        const x = e.rmw ? rmwExpr(e.rmw, e.value) : undefined;
        this.push({ k: 'store', v, value: e.rmw ? (x ?? 'OLD + 1') : (lit ?? 1), ...(e.once ? { order: 'once' as const } : {}), ...(e.rmw ? { rmw: e.rmw } : {}), ...this.src(fn, e, code), ...at });
        return;
      }
      case 'atomic': {
        this.uses(fn, e.path, e, target);
        const v = keep(e.path, true);
        if (!v) {
          if (e.reads && e.writes && (e.returns || e.ordering === 'full') && !conditionalRmw(fn, e, accessIndex(p))) this.push({ k: 'fence', kind: 'full', ...this.src(fn, e, code) });
          const sv = e.writes ? this.shadowVar(e.path, true) : undefined;
          if (sv) {
            const s = this.src(fn, e, code);
            const bitArg = e.operand !== undefined ? (literal(e.operand) ?? this.bit(e.operand)) : 0;
            if (/(set|clear|change)_bit/.test(e.op)) this.push({ k: 'rmw', op: /clear/.test(e.op) ? 'clear_bit' : 'set_bit', v: sv, arg: bitArg, shadow: true, ...s });
            else if (/inc|dec|add|sub/.test(e.op) && !/xchg|cmpxchg/.test(e.op)) {
              const n = e.operand !== undefined ? literal(e.operand) : 1;
              if (n === undefined) this.push({ k: 'store', v: sv, value: 0, shadow: true, havoc: true, ...s });
              else this.push({ k: 'rmw', op: /dec|sub/.test(e.op) ? 'sub' : 'add', v: sv, arg: n, shadow: true, ...s });
            } else {
              const lit = e.operand !== undefined ? literal(e.operand) : undefined;
              if (lit !== undefined && !/xchg|or|and|xor/.test(e.op)) this.push({ k: 'store', v: sv, value: lit, shadow: true, ...s });
              else this.push({ k: 'store', v: sv, value: 0, shadow: true, havoc: true, ...s });
            }
          }
          return;
        }
        const s = this.src(fn, e, code);
        const bitArg = e.operand !== undefined ? (literal(e.operand) ?? this.bit(e.operand)) : 0;
        if (e.reads && !e.writes) {
          const order: MemOrder | undefined = e.ordering === 'acquire' ? 'acquire' : 'once';
          this.push({ k: 'load', v, reg: this.reg(), order, ...(/test_bit/.test(e.op) ? { bit: bitArg } : {}), ...s, ...at });
        } else if (e.writes && !e.reads && !/(set|clear|change)_bit|inc|dec|add|sub|or|and|xor/.test(e.op)) {
          this.push({ k: 'store', v, value: e.operand !== undefined ? (literal(e.operand) ?? 1) : 1, order: e.ordering === 'release' ? 'release' : 'once', ...s, ...at });
        } else {
          const op: RmwOp = /test_and_set_bit/.test(e.op) ? 'test_and_set_bit' : /test_and_clear_bit/.test(e.op) ? 'test_and_clear_bit' : /set_bit/.test(e.op) ? 'set_bit' : /clear_bit/.test(e.op) ? 'clear_bit' : /xchg/.test(e.op) ? 'xchg' : /dec|sub/.test(e.op) ? 'sub' : 'add';
          const arg = op.endsWith('bit') ? bitArg : 1;
          this.push({ k: 'rmw', op, v, arg, ...(e.returns ? { reg: this.reg() } : {}), ...(e.returns && conditionalRmw(fn, e, accessIndex(p)) ? { returns: false } : {}), ...s, ...at });
        }
        return;
      }
      case 'call': {
        const l = listOp(e);
        if (!l) return;
        this.uses(fn, l.path, e, target);
        const v = keep(l.path, true);
        if (!v) return;
        if (l.write) this.push({ k: 'store', v, value: 1, ...this.src(fn, e, code), ...at });
        else this.push({ k: 'load', v, reg: this.reg(), ...this.src(fn, e, code), ...at });
        return;
      }
      default:
    }
  }

  /**
   * A constant used as a bit number: its value in the tree, else a stand-in bit no other
   * constant of this model has.
   */
  bit(name: string): number {
    const c = this.env.constants;
    if (!c.has(name)) {
      let v = this.env.program.constants?.get(name);
      if (v === undefined) {
        const used = new Set(c.values());
        for (v = c.size + 2; used.has(v); v++);
      }
      c.set(name, v);
    }
    return c.get(name)!;
  }

  /**
   * A constant in a value position: its value in the tree (or the bit it already stands for),
   * else a model variable `K.NAME` that may take any of the values the conditions compare with.
   */
  constant(name: string): number | string {
    const known = this.env.constants.get(name) ?? this.env.program.constants?.get(name);
    return known ?? `K.${name}`;
  }

  /** Run one IR event (not a chain call). */
  event(fn: FunctionIR, e: IrEvent, target: Target | undefined, condEvents: IrEvent[]): void {
    const env = this.env;
    const at = target ? { target } : {};
    const code = target?.step.code;
    switch (e.k) {
      case 'acquire': {
        if (env.dropLocks) return;
        const ml = this.mapped(e.lock);
        const cls = this.lockId(ml.cls, ml.inst);
        if (!cls || ml.inst.root.startsWith('?')) return;
        this.checkNull(fn, e.lock.inst.text, e.loc);
        this.uses(fn, e.lock.inst, e, target);
        const name = env.lockName ? env.lockName(cls, e.lock.inst, this.held) : cls;
        const mode = e.mode === 'shared' ? ('shared' as const) : e.mode === 'recursive' ? ('recursive' as const) : undefined;
        if (this.held.includes(name) && mode !== 'recursive' && !(env.keepReacquire && env.focusLocks.has(cls))) {
          // another instance of the class: its matching release is skipped too
          this.nested.set(name, (this.nested.get(name) ?? 0) + 1);
          return;
        }
        if (env.focusLocks.has(cls)) this.listedCursor(fn, e);
        if (e.try) {
          const reg = this.reg();
          this.push({ k: 'trylock', lock: name, reg, ...(mode ? { mode } : {}), ...this.src(fn, e, code), ...at });
          this.push({ k: 'leave-unless', cond: reg, ...this.src(fn, e, code) });
        } else this.push({ k: 'lock', lock: name, ...(mode ? { mode } : {}), ...this.src(fn, e, code), ...at });
        this.held.push(name);
        return;
      }
      case 'release': {
        if (env.dropLocks) return;
        const ml = this.mapped(e.lock);
        const cls = this.lockId(ml.cls, ml.inst);
        if (!cls) return;
        const name = [...this.held].reverse().find((h) => h === cls || h.startsWith(`${cls}/`)) ?? cls;
        const skipped = this.nested.get(name) ?? 0;
        if (skipped > 0) {
          this.nested.set(name, skipped - 1);
          return;
        }
        const i = this.held.lastIndexOf(name);
        const mode = e.mode === 'shared' ? ('shared' as const) : e.mode === 'recursive' ? ('recursive' as const) : undefined;
        if (i < 0 && !(env.keepUnheldRelease && env.focusLocks.has(cls))) return; // the caller's lock: not modelled
        if (i >= 0) this.held.splice(i, 1);
        this.push({ k: 'unlock', lock: name, ...(mode ? { mode } : {}), ...this.src(fn, e, code), ...at });
        return;
      }
      case 'barrier': {
        if (e.kind === 'compiler') return;
        this.push({ k: 'fence', kind: e.kind, ...this.src(fn, e, code) });
        return;
      }
      case 'free': {
        const obj = freedObject(env.program, e.path);
        if (env.objects.has(obj)) this.push({ k: 'free', obj, ...this.src(fn, e, code), ...at });
        return;
      }
      case 'call': {
        if (e.assignedTo) this.clearNull(e.assignedTo);
        if (e.assignedTo) this.cursors.delete(`${fn.key}\0${e.assignedTo}`);
        for (const t of e.argText) {
          const m = /^&\s*(\w+)$/.exec(t.trim());
          if (m) this.cursors.delete(`${fn.key}\0${m[1]}`);
        }
        if (listOp(e)) return this.access(fn, e, target);
        const own = env.callOps?.(fn, e);
        if (own) {
          for (const o of own) this.push(o);
          return;
        }
        this.summaryCall(fn, e);
        return;
      }
      case 'branch': {
        void condEvents;
        return;
      }
      case 'assign':
        this.clearNull(e.name);
        if (e.cursor) this.cursorAt(fn, e);
        // the cursor re-pointed in the body: its lock is no longer of a listed object
        else this.cursors.delete(`${fn.key}\0${e.name}`);
        return;
      default:
        if (e.k === 'load') {
          this.checkNull(fn, e.path.text, e.loc);
          if (e.into) this.clearNull(e.into);
        }
        this.access(fn, e, target);
    }
  }

  /** A list iteration's cursor assigned here: where its fetch sits in the ops, the member it iterates through, the loop's last line. */
  private cursorAt(fn: FunctionIR, e: Extract<IrEvent, { k: 'assign' }>): void {
    const it = sliceSource ? listIteration(sliceSource, e.loc.file, e.loc.line) : undefined;
    if (!it || it.cursor !== e.name) return;
    this.cursors.set(`${fn.key}\0${e.name}`, { at: this.ops.length, member: it.member, line: e.loc.line, end: it.end, used: false });
  }

  /**
   * A lock of an object reached by iterating a list through `member`, taken inside the loop:
   * the object is on that list when it is fetched, so `list_empty(&obj->member)` is false
   * there (a linked node's link never points to itself). Kept as a condition at the fetch,
   * so a path that tested the object off every list under a lock the list's writers hold
   * cannot be the same object.
   */
  private listedCursor(fn: FunctionIR, e: Extract<IrEvent, { k: 'acquire' }>): void {
    const root = /^local:(\w+)$/.exec(e.lock.inst.root)?.[1];
    if (!root || !e.lock.inst.arrows[0]) return;
    const c = this.cursors.get(`${fn.key}\0${root}`);
    if (!c || c.used || e.loc.line <= c.line || e.loc.line > c.end) return;
    const path: AccessPath = { root: e.lock.inst.root, fields: [c.member], arrows: [true], ...(e.lock.inst.rootType ? { rootType: e.lock.inst.rootType } : {}), text: `${root}->${c.member}` };
    const v = varName(this.env.program, path);
    if (!v) return;
    c.used = true;
    const env = this.env;
    if (!env.condVars.has(v)) env.condVars.set(v, new Set([0, 1]));
    (env.condClass ??= new Map()).set(v, env.program.env.classOf(path) || path.text);
    const op: SOp = { k: 'leave-unless', cond: `${v} != 0`, fn: fn.name, file: e.loc.file, line: c.line, code: `/* ${root} is fetched from a list through ${c.member}: it is on that list, !list_empty(&${root}->${c.member}) */` };
    this.ops.splice(c.at, 0, op);
    for (const o of this.cursors.values()) if (o !== c && o.at >= c.at) o.at++;
    (env.assumed ??= []).push({ kind: 'path', text: `CPU${this.cpu}: \`${root}\` is fetched by iterating a list through \`${c.member}\` (${e.loc.file.split('/').pop()}:${c.line}): it is on that list there, so \`list_empty(&${root}->${c.member})\` is false (a linked node's link never points to itself)`, checked: true, source: `${e.loc.file.split('/').pop()}:${c.line}` });
  }

  /** A call off the chain: apply the callee's lock summary (takes / drops locks). */
  private summaryCall(fn: FunctionIR, e: Extract<IrEvent, { k: 'call' }>): void {
    const p = this.env.program;
    if (this.env.dropLocks) return;
    const callee = p.resolveCallee(fn, e.callee);
    if (!callee) return;
    // sparse annotations: `__releases(fiq->lock)` on a helper that unlocks through a function pointer
    for (const a of callee.annotations) {
      const m = /^releases\((.*)\)$/.exec(a.trim());
      const field = m?.[1]?.trim().split(/->|\./).pop();
      if (!field) continue;
      const cands = this.held.filter((h) => h === field || h.endsWith(`.${field}`));
      if (cands.length !== 1) continue;
      this.held.splice(this.held.lastIndexOf(cands[0]!), 1);
      this.push({ k: 'unlock', lock: cands[0]!, ...this.src(fn, e), code: `${e.callee}(${e.argText.join(', ')});  /* __releases(${m![1]}) */` });
    }
    const s = p.summaries.get(callee.key);
    if (!s) return;
    const site = { args: e.args, callee: callee.name };
    for (const r of s.releasesHeld) {
      const rl = this.mapped(r.lock, site);
      const cls = this.lockId(rl.cls, rl.inst);
      const i = this.held.lastIndexOf(cls);
      if (i < 0) continue;
      this.held.splice(i, 1);
      this.push({ k: 'unlock', lock: cls, ...this.src(fn, e), code: `${e.callee}(${e.argText.join(', ')});` });
    }
    for (const a of s.returnsHolding) {
      if (a.try) continue;
      const al = this.mapped(a.lock, site);
      const cls = this.lockId(al.cls, al.inst);
      if (!cls || this.held.includes(cls)) continue;
      this.push({ k: 'lock', lock: cls, ...this.src(fn, e), code: `${e.callee}(${e.argText.join(', ')});` });
      this.held.push(cls);
    }
  }

  branch(fn: FunctionIR, w: Extract<Walked, { branch: unknown }>, condEvents: IrEvent[]): void {
    const np = nullOnEdge(w.branch.text, w.taken);
    if (np) this.nullPtrs.set(np, w.branch.loc);
    else {
      // the edge where the pointer is non-NULL: it is no longer NULL
      const other = nullOnEdge(w.branch.text, !w.taken);
      if (other) this.nullPtrs.delete(other);
    }
    if (!this.keepConds) return;
    const env = this.env;
    const t = translateCond(w.branch, condEvents, {
      varOf: (p) => {
        if ((p.root.startsWith('local:') || p.root.startsWith('param:')) && p.fields.length === 0) return undefined;
        const v = varName(env.program, p);
        (env.condClass ??= new Map()).set(v, env.program.env.classOf(p) || p.text);
        return v;
      },
      constant: (n) => this.constant(n),
      bit: (n) => this.bit(n),
    });
    const where = `${w.branch.loc.file.split('/').pop()}:${w.branch.loc.line}`;
    if (!t) {
      (env.assumed ??= []).push({ kind: 'path', text: `${fn.name}: \`if (${w.branch.text})\` assumed ${w.taken ? 'true' : 'false'} (the condition is not modelled: either way is possible)`, checked: false, source: where });
      return;
    }
    for (const v of t.vars) {
      let s = env.condVars.get(v);
      if (!s) env.condVars.set(v, (s = new Set([0, 1])));
      // both sides of each comparison: `x > 8` needs 9 as well as 8
      for (const n of t.numbers) candidatesAround(s, n);
      // arithmetic and ordering tests (`a % b`, `x < y`) need a value past 0 and 1
      if (/[%/*+<>-]/.test(t.expr.replace(/>=|<=|>>|<</g, '<'))) s.add(2);
    }
    const cond = w.taken ? t.expr : `!(${t.expr})`;
    this.push({ k: 'leave-unless', cond, fn: fn.name, file: w.branch.loc.file, line: w.branch.loc.line, code: `if (${w.branch.text})${w.taken ? '' : '  /* else */'}` });
  }

  /** Walk a frame; `outer`: the top-level segment (its tail after the last step is not walked). */
  frame(f: Frame, lastOuter: boolean, isCallee: boolean): void {
    const fn = f.fn;
    let pos: Pos = { block: 0, idx: 0 };
    f.targets.forEach((t, ti) => {
      const kind = /^(\S+)/.exec(t.event)?.[1] ?? '';
      const mentioned = (e: IrEvent): boolean => {
        const path = e.k === 'load' || e.k === 'store' || e.k === 'atomic' || e.k === 'free' ? e.path : e.k === 'call' ? listOp(e)?.path : undefined;
        return !!path && t.event.includes(varName(this.env.program, path));
      };
      const memKind = /^(store|load|test|write|read|munmap|kfree|xfree|free|list_|clear_bit|set_bit|test_|non-atomic|use|atomic)/.test(kind);
      const exact = (e: IrEvent): boolean => {
        if (e.loc.line !== t.line) return false;
        if (memKind && !t.call) return mentioned(e);
        if (t.call) return e.k === 'call' && (e.callee === t.call.fn.name || (!!e.via && this.env.program.mayCall(fn, e, t.call.fn.key)));
        if (kind === 'acquire') return e.k === 'acquire';
        if (kind === 'release') return e.k === 'release';
        if (kind === 'return') return e.k === 'return';
        if (kind === 'call') return e.k === 'call';
        return e.k !== 'branch' && e.k !== 'assign';
      };
      const avoid = this.env.avoid;
      let w = (avoid ? walkTo(fn, pos, exact, avoid) : undefined) ?? walkTo(fn, pos, exact) ?? walkTo(fn, pos, (e) => e.loc.line === t.line && e.k !== 'branch');
      if (!w) {
        // the step may sit on a line with no event of that kind (a call's line, a return without value)
        w = walkTo(fn, pos, (e) => e.loc.line >= t.line);
        if (!w) throw new ExtractError(`${fn.name}: no path to line ${t.line}`);
        this.items(fn, w.items);
        pos = w.at;
        return;
      }
      this.items(fn, w.items);
      const e = fn.blocks[w.at.block]!.events[w.at.idx]!;
      // past the last step nothing is walked; with calleeConds a last step that is a call still
      // keeps the callee's branches up to its own steps (they decide whether a test passes)
      if (lastOuter && ti === f.targets.length - 1 && !(t.call && this.calleeConds)) this.keepConds = false;
      if (t.call) {
        const ce = e as CallEvent;
        this.callStack.push({ args: e.k === 'call' ? ce.args : [], callee: t.call.fn.name });
        const nulls = [...this.nullPtrs];
        this.nullPtrs.clear(); // the callee's names are its own
        this.frame(t.call, false, true);
        this.nullPtrs.clear();
        for (const [n, l] of nulls) this.nullPtrs.set(n, l);
        this.callStack.pop();
      } else {
        this.event(fn, e, t, []);
        this.recent.push(e);
      }
      pos = { block: w.at.block, idx: w.at.idx + 1 };
    });
    if (isCallee) {
      const keep = this.keepConds;
      this.keepConds = false;
      const avoid = this.env.avoid;
      const w = (avoid ? walkTo(fn, pos, undefined, avoid) : undefined) ?? walkTo(fn, pos, undefined);
      if (w) this.items(fn, w.items);
      this.keepConds = keep;
    }
  }

  private items(fn: FunctionIR, items: Walked[]): void {
    for (const it of items) {
      if ('branch' in it) {
        this.branch(fn, it, this.recent.filter((e) => e.loc.line === it.branch.loc.line));
        this.recent.length = 0;
      } else {
        this.recent.push(it.e);
        this.event(fn, it.e, undefined, []);
      }
    }
  }
}

/** Slice one witness path into a thread's ops. */
export function slicePath(env: SliceEnv, path: WitnessPath, cpu: number, opts: { calleeConds?: boolean } = {}): SOp[] {
  const s = new Slicer(env, cpu, opts.calleeConds ?? false);
  const frames = framesOf(env.program, path);
  frames.forEach((f, i) => s.frame(f, i === frames.length - 1, false));
  return s.ops;
}
