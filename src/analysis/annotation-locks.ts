// A prototype's sparse annotation is a lock summary for a function the analyzed files declare
// but do not define (`void dev_lock(struct dev *d) __acquires(&d->lock);` in a header, the body
// in a file outside the run or in assembly): calls of it acquire or release that lock, as calls
// of a lock macro do. A definition in the program wins (its body is summarised instead).
import type { FileFacts } from '../frontend/file-facts.js';
import { LockApiSchema } from '../rules/schema.js';
import { lockOperand, type MacroLock } from './macro-locks.js';

const ACQUIRE = LockApiSchema.parse({ names: ['__acquires'], op: 'acquire', arg: 0 });
const RELEASE = LockApiSchema.parse({ names: ['__releases'], op: 'release', arg: 0 });

/** One lock operation per annotated prototype (the first `__acquires` or `__releases` whose operand is a parameter path or a global). */
export function deriveAnnotationLocks(files: readonly FileFacts[]): Map<string, MacroLock> {
  const out = new Map<string, MacroLock>();
  for (const f of files) {
    for (const p of f.annotatedProtos ?? []) {
      if (out.has(p.name)) continue;
      for (const a of p.annotations) {
        const m = /^(acquires|releases)\((.*)\)$/.exec(a);
        if (!m) continue;
        const op = lockOperand(m[2]!, p.params);
        if (!op) continue;
        const acquire = m[1] === 'acquires';
        out.set(p.name, { name: p.name, api: acquire ? ACQUIRE : RELEASE, apiName: acquire ? '__acquires' : '__releases', ...op });
        break;
      }
    }
  }
  return out;
}
