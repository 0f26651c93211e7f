// Lock macros need no table entry either: `#define vgic_lock(v) spin_lock_irq(&(v)->domain->arch.vgic.lock)`
// or `#define p2m_lock(p) mm_write_lock(p2m, (p)->domain, &(p)->lock)` wraps a known lock API around
// one of its parameters. The IR records a call to `vgic_lock`; once every file's macros are known,
// such calls become acquire/release events on the caller's argument plus the macro's field path.
import type { FileFacts } from '../frontend/file-facts.js';
import type { AccessPath, AcquireEvent, CallEvent, FlagTest, FunctionIR, IrEvent, LockRef, ReleaseEvent } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import type { LockApi } from '../rules/schema.js';
import { levelOfCall, setLevel, type LockLevels } from './lock-levels.js';

export interface MacroLock {
  name: string;
  api: LockApi;
  apiName: string;
  /** Macro parameter that names the lock's object, or -1 for a fixed global lock. */
  param: number;
  fields: string[];
  arrows: boolean[];
  global?: string;
  /** The lock operation runs only while this global flag has this value (`if (!lock_all) spin_lock(l)`). */
  onlyIf?: FlagTest;
  /** An object-like macro, written as a statement (`LOAD_LOCK;`). */
  object?: boolean;
}

/**
 * The global flag a macro tests before its lock operation at `at`: `do { if (!F) op(l); }
 * while (0)` or `(F ? 1 : op(l))` (a trylock that succeeds without the lock in F's mode).
 * A macro parameter is no global flag.
 */
function flagBefore(body: string, at: number, params: string[]): FlagTest | undefined {
  const pre = body.slice(0, at);
  const id = '\\(?\\s*(!?)\\s*\\(?\\s*([A-Za-z_]\\w*)\\s*\\)?';
  let m = new RegExp(`if\\s*\\(\\s*${id}\\s*\\)\\s*\\{?\\s*$`).exec(pre);
  let value: boolean | undefined;
  if (m) value = !m[1];
  else if ((m = new RegExp(`^[\\s(]*${id}\\s*\\?\\s*[^?:]*:\\s*\\(?\\s*$`).exec(pre))) value = !!m[1];
  else if ((m = new RegExp(`^[\\s(]*${id}\\s*\\?\\s*\\(?\\s*$`).exec(pre))) value = !m[1];
  if (!m || value === undefined || params.includes(m[2]!) || /^[A-Z0-9_]+$/.test(m[2]!)) return undefined;
  return { name: m[2]!, value };
}

/** An expression macro (no statement): a trylock macro's body is its result. */
const isExpression = (body: string) => !/[;{}]/.test(body) && !/^\s*do\b/.test(body);

const CALL = /([A-Za-z_]\w*)\s*\(/g;

/** Splits a macro body's call arguments at top-level commas. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function callArgs(body: string, openParen: number): string | undefined {
  let depth = 0;
  for (let i = openParen; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')' && --depth === 0) return body.slice(openParen + 1, i);
  }
  return undefined;
}

/** `&(v)->domain->arch.vgic.lock` with params [v] -> param 0, fields domain,arch,vgic,lock. */
export function lockOperand(text: string, params: string[]): Pick<MacroLock, 'param' | 'fields' | 'arrows' | 'global'> | undefined {
  const t = text.replace(/\s+/g, '');
  const m = /^&?\(?\(?([A-Za-z_]\w*)\)?((?:(?:->|\.)[A-Za-z_]\w*)*)\)?$/.exec(t);
  if (!m) return undefined;
  const steps = [...m[2]!.matchAll(/(->|\.)([A-Za-z_]\w*)/g)];
  const fields = steps.map((s) => s[2]!);
  const arrows = steps.map((s) => s[1] === '->');
  const param = params.indexOf(m[1]!);
  if (param >= 0) return { param, fields, arrows };
  if (fields.length === 0 && !/^[A-Z0-9_]+$/.test(m[1]!)) return { param: -1, fields, arrows, global: m[1]! };
  return undefined;
}

/** Derives lock macros from every file's function-like macros (macros of macros too). */
export function deriveMacroLocks(files: FileFacts[], rules: RuleSet): Map<string, MacroLock> {
  const out = new Map<string, MacroLock>();
  // object-like ones too (`#define LOAD_LOCK spin_lock(&load_sem)`, used as `LOAD_LOCK;`)
  const objects = new Set(files.flatMap((f) => f.lockMacros ?? []));
  const macros = files.flatMap((f) => (f.lockMacros ? [...f.macros, ...f.lockMacros] : f.macros)).filter((m) => !rules.locks.has(m.name));
  for (let round = 0; round < 3; round++) {
    let added = 0;
    for (const m of macros) {
      if (out.has(m.name)) continue;
      // only a macro with exactly one lock operation (TXN_SLEEP drops and re-takes: not a lock)
      const lockish = [...m.body.matchAll(CALL)].filter((c) => rules.locks.has(c[1]!) || out.has(c[1]!) || /lock/i.test(c[1]!));
      if (lockish.length !== 1) continue;
      for (const call of m.body.matchAll(CALL)) {
        const callee = call[1]!;
        const api = rules.locks.get(callee);
        const inner = out.get(callee);
        if (!api && !inner) continue;
        // a trylock macro returns the trylock's result (an expression, not a statement)
        if ((api?.try && (api.result || !isExpression(m.body))) || api?.cond || api?.scoped || api?.guard || (api && api.op !== 'acquire' && api.op !== 'release')) break;
        if (inner?.api.try && !isExpression(m.body)) break;
        const argsText = callArgs(m.body, call.index! + call[0].length - 1);
        if (argsText === undefined) break;
        const args = splitArgs(argsText);
        let derived: MacroLock | undefined;
        if (api) {
          if (api.global !== undefined) {
            derived = { name: m.name, api, apiName: callee, param: -1, fields: [], arrows: [], global: api.global };
          } else {
            const op = lockOperand(args[api.arg ?? 0] ?? '', m.params);
            if (op) {
              const extra = api.field ? api.field.split('.') : [];
              derived = { name: m.name, api, apiName: callee, ...op, fields: [...op.fields, ...extra], arrows: [...op.arrows, ...extra.map((_, i) => i === 0)] };
            }
          }
        } else if (inner) {
          if (inner.param < 0) derived = { ...inner, name: m.name };
          else {
            const op = lockOperand(args[inner.param] ?? '', m.params);
            if (op) derived = { ...inner, name: m.name, ...op, fields: [...op.fields, ...inner.fields], arrows: [...op.arrows, ...inner.arrows] };
          }
        }
        if (derived) {
          const flag = flagBefore(m.body, call.index!, m.params);
          if (flag && !derived.onlyIf) derived.onlyIf = flag;
          if (objects.has(m)) derived.object = true;
          else delete derived.object;
          out.set(m.name, derived);
          added++;
        }
        break; // only the first lock operation of a macro body
      }
    }
    if (!added) break;
  }
  return out;
}

/** A macro that is just a call of a real function: `#define up_console_sem() __up_console_sem(_RET_IP_)`. */
export interface MacroAlias {
  target: string;
  /** For each target argument, the macro parameter it passes through, or -1. */
  argParams: number[];
}

export function deriveMacroAliases(files: FileFacts[], isFunction: (name: string) => boolean): Map<string, MacroAlias> {
  const out = new Map<string, MacroAlias>();
  for (const f of files) {
    for (const m of f.macros) {
      if (isFunction(m.name) || out.has(m.name)) continue;
      const body = m.body.replace(/^do\s*\{\s*|\s*;?\s*\}\s*while\s*\(\s*0\s*\)$/g, '').replace(/;\s*$/, '').trim();
      const c = /^\(?\s*([A-Za-z_]\w*)\s*\(/.exec(body);
      if (!c || !isFunction(c[1]!)) continue;
      const argsText = callArgs(body, body.indexOf('(', c[0].length - 1));
      if (argsText === undefined) continue;
      const rest = body.slice(body.indexOf(argsText) + argsText.length + 1).replace(/[\s)]/g, '');
      if (rest !== '') continue; // more than one statement
      const argParams = splitArgs(argsText).map((a) => m.params.indexOf(a.replace(/[\s()]/g, '')));
      out.set(m.name, { target: c[1]!, argParams });
    }
  }
  return out;
}

/** Rewrites calls to function-alias macros into calls of the function they stand for. */
export function applyMacroAliases(functions: FunctionIR[], aliases: Map<string, MacroAlias>): void {
  if (aliases.size === 0) return;
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call') continue;
        const al = aliases.get(e.callee);
        if (!al) continue;
        e.args = al.argParams.map((p) => (p >= 0 ? e.args[p] ?? null : null));
        e.argText = al.argParams.map((p) => (p >= 0 ? e.argText[p] ?? '' : ''));
        e.callee = al.target;
      }
    }
  }
}

/** The caller-side lock a lock macro names at one call. */
export function macroLockAt(ml: MacroLock, e: CallEvent, fn: FunctionIR, isStatic: (file: string, name: string) => boolean): LockRef | undefined {
  let inst: AccessPath;
  if (ml.param < 0) {
    const root = ml.api.global === undefined && isStatic(fn.file, ml.global!) ? `global:${ml.global}@${fn.file}` : `global:${ml.global}`;
    inst = { root, fields: [], arrows: [], text: ml.global! };
  } else {
    const a = e.args[ml.param];
    if (!a) return undefined;
    inst = { ...a, fields: [...a.fields, ...ml.fields], arrows: [...a.arrows, ...ml.arrows], text: `${a.text.replace(/^&/, '')}${ml.fields.map((f, j) => (ml.arrows[j] ? '->' : '.') + f).join('')}` };
  }
  return { cls: ml.param < 0 && ml.api.global !== undefined ? ml.api.global : '', inst };
}

/** Rewrites calls to lock macros (that are not also real functions) into acquire/release events. */
export function applyMacroLocks(functions: FunctionIR[], macroLocks: Map<string, MacroLock>, isFunction: (name: string) => boolean, isStatic: (file: string, name: string) => boolean = () => false, levels?: LockLevels): void {
  if (macroLocks.size === 0) return;
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (let i = 0; i < b.events.length; i++) {
        const e = b.events[i]!;
        if (e.k !== 'call') continue;
        const ml = macroLocks.get(e.callee);
        // a bare `NAME;` stands for an object-like macro only; a function-like one needs its call
        if (!ml || isFunction(e.callee) || !!e.bare !== (ml.object === true)) continue;
        const lock = macroLockAt(ml, e, fn, isStatic);
        if (!lock) continue;
        // a trylock macro: held once a branch tests its result (a result never tested: nothing known)
        if (ml.api.try && !e.assignedTo) continue;
        const only = ml.onlyIf ? { onlyIf: ml.onlyIf } : {};
        const tried = ml.api.try && e.assignedTo ? { condOn: e.assignedTo, condWhen: !ml.api.tryZero } : {};
        const ev: IrEvent =
          ml.api.op === 'acquire'
            ? ({ k: 'acquire', loc: e.loc, lock, mode: ml.api.mode, irq: ml.api.irq, try: ml.api.try, nested: ml.api.nested, api: ml.apiName, ...tried, ...only, ...(e.underParam ? { guard: e.underParam } : {}) } satisfies AcquireEvent)
            : ({ k: 'release', loc: e.loc, lock, mode: ml.api.mode, api: ml.apiName, ...only } satisfies ReleaseEvent);
        // the level the tree declares for this macro (or, failing that, the API it wraps)
        const spec = levels && ev.k === 'acquire' ? levelOfCall(levels, e.callee, e.argText) ?? levels.byName.get(ml.apiName) : undefined;
        if (spec && ev.k === 'acquire') setLevel(ev, spec);
        b.events[i] = ev;
      }
    }
  }
}

/** Bare `NAME;` statements that were not lock macros: nothing (as before they were recorded). */
export function dropBareNames(functions: FunctionIR[]): void {
  for (const fn of functions) {
    for (const b of fn.blocks) {
      if (b.events.some((e) => e.k === 'call' && e.bare)) b.events = b.events.filter((e) => e.k !== 'call' || !e.bare);
    }
  }
}
