// A whole-tree index of writes to shared locations: for each type-based location name,
// who writes it, how (plain / atomic / bit op with which bit), and under which lock classes.
// Built once per Program and shared by check-then-act, double-fetch and non-atomic-rmw.
import type { AccessIndex } from '../analysis/access-index.js';
import { accessIndex } from '../analysis/access-index.js';
import type { Program } from '../analysis/program.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import { memAccess, sharedClass, type MemAccess } from './shared-mem.js';

export interface WriteSite {
  fn: FunctionIR;
  e: IrEvent;
  acc: MemAccess;
  held: Set<string>;
  /** Bit operand text for bit ops. */
  bit?: string;
}

export interface WriteIndex {
  ix: AccessIndex;
  byClass: Map<string, WriteSite[]>;
}

const cache = new WeakMap<Program, WriteIndex>();

export function writeIndex(p: Program): WriteIndex {
  const c = cache.get(p);
  if (c) return c;
  const ix = accessIndex(p);
  const byClass = new Map<string, WriteSite[]>();
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    for (const b of fn.blocks) {
      for (const e of b.events) {
        const acc = memAccess(e);
        if (!acc?.write) continue;
        if (acc.path.root.startsWith('local:') && allocs.has(acc.path.root.slice(6))) continue;
        const cls = ix.cls(acc.path);
        if (!sharedClass(cls)) continue;
        let l = byClass.get(cls);
        if (!l) byClass.set(cls, (l = []));
        if (l.length > 400) continue;
        l.push({ fn, e, acc, held: ix.heldClasses(fn, e), ...(e.k === 'atomic' && e.operand ? { bit: e.operand } : {}) });
      }
    }
  }
  const out = { ix, byClass };
  cache.set(p, out);
  return out;
}
