// Orders over a function's CFG.
import type { FunctionIR } from './types.js';

/** Blocks reachable from the entry, in reverse postorder (iterative DFS). */
export function reversePostorder(fn: FunctionIR): number[] {
  const seen = new Uint8Array(fn.blocks.length);
  const post: number[] = [];
  const stack: [number, number][] = [[0, 0]];
  seen[0] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const succ = fn.blocks[top[0]]!.succ;
    if (top[1] < succ.length) {
      const s = succ[top[1]++]!;
      if (!seen[s]) {
        seen[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
  return post.reverse();
}
