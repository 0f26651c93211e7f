// Turning call chains into witness paths a reviewer can follow.
import type { ChainStep } from '../analysis/summary-types.js';
import type { WitnessPath, WitnessStep } from '../report/finding.js';
import type { SourceLookup } from './api.js';

/** Steps for a chain `f -> g -> lock`: `call g` in f, ..., then `event` at the last hop. */
export function chainSteps(chain: ChainStep[], event: string, src: SourceLookup): WitnessStep[] {
  return chain.map((c, i) => {
    const code = src.line(c.loc.file, c.loc.line);
    return {
      file: c.loc.file,
      line: c.loc.line,
      col: c.loc.col,
      function: c.fn,
      event: i === chain.length - 1 ? event : c.waits ?? `call ${chain[i + 1]!.fn}`,
      ...(code !== undefined ? { code } : {}),
    };
  });
}

export function chainNames(chain: ChainStep[]): string[] {
  const out: string[] = [];
  for (const c of chain) if (out[out.length - 1] !== c.fn) out.push(c.fn);
  return out;
}

export function pathOf(label: string, steps: WitnessStep[]): WitnessPath {
  const callChain: string[] = [];
  for (const s of steps) if (callChain[callChain.length - 1] !== s.function) callChain.push(s.function);
  return { label, callChain, steps };
}

export function normalizeCode(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, '');
}
