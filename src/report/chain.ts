// How a witness path's call chain reads in every front end.
import type { WitnessPath } from './finding.js';

/**
 * A witness path's chain as calls and returns: `f -> g -> lock_it; back in f -> h` (the chain
 * in JSON lists the functions in step order; a step back in a caller is a return, not a call).
 */
export function chainText(p: WitnessPath): string {
  const steps = p.steps;
  if (!steps.length) return p.callChain.join(' -> ');
  const callee = (event: string): string | undefined => /^call (\S+)/.exec(event)?.[1];
  const stack = [steps[0]!.function];
  let out = steps[0]!.function;
  let called = callee(steps[0]!.event);
  for (const s of steps.slice(1)) {
    const fn = s.function;
    if (fn !== stack[stack.length - 1]) {
      if (fn === called || !stack.includes(fn)) {
        stack.push(fn);
        out += ` -> ${fn}`;
      } else {
        while (stack[stack.length - 1] !== fn) stack.pop();
        out += `; back in ${fn}`;
      }
    }
    called = callee(s.event);
  }
  return out;
}
