// Abstract ops -> builder calls: "leave unless cond" becomes `if (!cond) { unlock what is
// held; return }`, locks still held at the end of a path are released (unless the finding is
// that they are not), and each op keeps its C file:line:code.
import type { SourceLookup } from '../../checkers/api.js';
import type { Src } from '../explorer/model.js';
import type { ScriptStep } from './script.js';
import type { SOp } from './slice.js';

export interface AssembleOptions {
  /** Locks not released at the end of the path (a lock leak). */
  keepHeld?: Set<string>;
  source?: SourceLookup;
}

/**
 * Steps that write state outside the finding's locations (`shadow`): kept in the model only
 * when a kept condition tests that state (`keepTested` in model-base.ts). `havoc`: a write of a
 * value the model cannot evaluate.
 */
export const shadowSteps = new WeakMap<object, { v: string; havoc: boolean }>();

export function assemble(ops: SOp[], o: AssembleOptions = {}): ScriptStep[] {
  const out: ScriptStep[] = [];
  const held: { lock: string; mode?: 'shared' | 'recursive' }[] = [];
  let tmp = 0;
  const src = (op: SOp): Src => {
    const s: Src = {};
    if (op.file) s.file = op.file;
    if (op.line !== undefined) s.line = op.line;
    const code = op.code ?? (op.file && op.line !== undefined ? o.source?.line(op.file, op.line) : undefined);
    if (code) s.code = code;
    return s;
  };
  const mode = (m?: 'shared' | 'recursive') => (m ? { mode: m } : {});
  const unlockAll = (at: Src): ScriptStep[] =>
    [...held].reverse().map((h) => ({ call: 'unlock', args: [h.lock, { ...mode(h.mode), ...at, code: at.code ? `${at.code}  /* path leaves: unlock ${h.lock} */` : `/* path leaves: unlock ${h.lock} */` }] }));
  for (const op of ops) {
    const s = src(op);
    switch (op.k) {
      case 'lock':
        out.push({ call: 'lock', args: [op.lock, { ...mode(op.mode), ...s }] });
        held.push({ lock: op.lock, ...mode(op.mode) });
        break;
      case 'trylock':
        out.push({ call: 'trylock', args: [op.reg, op.lock, { ...mode(op.mode), ...s }] });
        held.push({ lock: op.lock, ...mode(op.mode) });
        break;
      case 'unlock': {
        out.push({ call: 'unlock', args: [op.lock, { ...mode(op.mode), ...s }] });
        const i = held.map((h) => h.lock).lastIndexOf(op.lock);
        if (i >= 0) held.splice(i, 1);
        break;
      }
      case 'load':
        out.push({ call: 'load', args: [op.reg, op.v, { ...(op.order ? { order: op.order } : {}), ...s }] });
        if (op.bit !== undefined) out.push({ call: 'local', args: [op.reg, `(${op.reg} >> ${op.bit}) & 1`] });
        break;
      case 'store': {
        const n = out.length;
        if (op.rmw) {
          const r = `t${tmp++}`;
          out.push({ call: 'load', args: [r, op.v, s] });
          out.push({ call: 'store', args: [op.v, typeof op.value === 'string' ? op.value.replace(/\bOLD\b/g, r) : `${r} + 1`, s] });
        } else out.push({ call: 'store', args: [op.v, op.value, { ...(op.order ? { order: op.order } : {}), ...s }] });
        if (op.shadow) for (const st of out.slice(n)) shadowSteps.set(st, { v: op.v, havoc: !!op.havoc });
        break;
      }
      case 'rmw':
        out.push({ call: 'rmw', args: [op.op, op.v, op.arg, op.reg, { ...(op.returns === false ? { returns: false } : {}), ...s }] });
        if (op.shadow) shadowSteps.set(out[out.length - 1]!, { v: op.v, havoc: false });
        break;
      case 'fence':
        out.push({ call: 'fence', args: [op.kind, s] });
        break;
      case 'free':
        out.push({ call: 'free', args: [op.obj, s] });
        break;
      case 'use':
        out.push({ call: 'use', args: [op.obj, s] });
        break;
      case 'leave-unless':
        out.push({ call: 'if', cond: `!(${op.cond})`, then: [...unlockAll(s), { call: 'ret', args: [s] }], src: s });
        break;
      case 'assert':
        out.push({ call: 'assert', args: [op.cond, { outcome: op.outcome, msg: op.msg, ...s }] });
        break;
      case 'ghost':
        out.push({ call: 'rmw', args: [op.op, op.v, op.arg, undefined, {}] });
        break;
    }
  }
  const last = ops[ops.length - 1];
  const at: Src = last ? { ...(last.file ? { file: last.file } : {}), ...(last.line !== undefined ? { line: last.line } : {}) } : {};
  for (const h of [...held].reverse()) {
    if (o.keepHeld?.has(h.lock)) continue;
    out.push({ call: 'unlock', args: [h.lock, { ...mode(h.mode), ...at, code: `/* later on this path: unlock ${h.lock} */` }] });
  }
  return out;
}
