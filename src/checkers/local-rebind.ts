// Whether a local variable is reassigned in a function: then two operations on
// `p->lock` may be on two different objects, and instance-based rules stay quiet.
import type { FunctionIR } from '../ir/types.js';

export function rootReassigned(fn: FunctionIR | undefined, root: string): boolean {
  if (!fn || !root.startsWith('local:')) return root.startsWith('?') || root.startsWith('@');
  const name = root.slice(6);
  let assigns = 0;
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if ((e.k === 'call' && e.assignedTo === name) || (e.k === 'load' && e.into === name)) assigns++;
    }
  }
  return assigns > 1;
}
