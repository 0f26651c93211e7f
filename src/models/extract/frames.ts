// A witness path as nested frames: the functions on its call chain, each with the lines the
// path must pass through in order, a `call g` step opening g's frame. Steps of a function
// not called from the previous one start a new top-level segment (callbacks, readers).
import type { Program } from '../../analysis/program.js';
import type { FunctionIR } from '../../ir/types.js';
import type { WitnessPath, WitnessStep } from '../../report/finding.js';

export interface Target {
  line: number;
  /** The witness event text: `acquire vcpu.arch.vgic.lock (...)`, `call g`, `kfree x`. */
  event: string;
  step: WitnessStep;
  /** A call on the chain: the callee's frame, inlined. */
  call?: Frame;
}

export interface Frame {
  fn: FunctionIR;
  targets: Target[];
}

export class ExtractError extends Error {
  /** No template either: the finding has no second side to illustrate (`no path in the designed order`). */
  constructor(message: string, readonly final = false) {
    super(message);
  }
}

export function lookupFunction(p: Program, name: string, file?: string): FunctionIR | undefined {
  if (file) {
    const local = p.byKey.get(`${file}::${name}`);
    if (local) return local;
  }
  return p.byKey.get(name) ?? p.byName.get(name)?.[0] ?? p.functions.find((f) => f.name === name);
}

/** Top-level segments of one witness path, in order. */
export function framesOf(p: Program, path: WitnessPath): Frame[] {
  const steps = path.steps;
  const out: Frame[] = [];
  let i = 0;
  const frame = (name: string, file: string): Frame => {
    const fn = lookupFunction(p, name, file);
    if (!fn) throw new ExtractError(`no IR for ${name}`);
    const f: Frame = { fn, targets: [] };
    while (i < steps.length && steps[i]!.function === name) {
      const s = steps[i]!;
      const m = /^call (\S+)/.exec(s.event);
      const next = steps[i + 1];
      if (m && next && next.function === m[1]) {
        i++;
        f.targets.push({ line: s.line, event: s.event, step: s, call: frame(next.function, next.file) });
      } else {
        f.targets.push({ line: s.line, event: s.event, step: s });
        i++;
      }
    }
    return f;
  };
  while (i < steps.length) out.push(frame(steps[i]!.function, steps[i]!.file));
  return out;
}
