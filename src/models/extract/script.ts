// The extracted model as a script of builder calls: what `model()` is given to build the
// model the explorer runs, and what `lockcheck model --emit` prints as TypeScript. One form
// for both, so an emitted file builds exactly the model the confirmation ran.
import type { Assumption, WitnessPath } from '../../report/finding.js';
import { model, type InvariantJSON, type ModelJSON, type Src, type ThreadBuilder } from '../explorer/model.js';

/** A builder call `t.<call>(...args)`, or an `if` with a nested body. */
export type ScriptStep =
  | { call: string; args: unknown[] }
  | { call: 'if'; cond: string; then: ScriptStep[]; src?: Src };

export interface ScriptThread {
  /** `CPU0: gic_clear_lrs -> gic_update_one_lr` */
  name: string;
  /** Default file for the thread's ops. */
  file?: string;
  steps: ScriptStep[];
}

export interface ModelScript {
  name: string;
  description: string;
  vars: Record<string, number>;
  locks: string[];
  objects?: Record<string, number>;
  invariant?: InvariantJSON;
  memory?: 'sc' | 'lkmm';
  threads: ScriptThread[];
  /**
   * Initial values to try for shared variables the kept branch conditions read (their value
   * at the start is unknown to the analysis). Each entry overrides `vars`; empty: just `vars`.
   */
  valuations: Record<string, number>[];
  /** How many valuations there are in all, when `valuations` holds only the first of them. */
  valuationSpace?: number;
  /** The outcome the finding predicts: `DEADLOCK`, `USE AFTER FREE`, ... */
  expect: string;
  /** What the extraction assumed or abstracted (branches it could not evaluate, havoc state). */
  assumptions?: Assumption[];
  /** Witness paths the model runs that the finding does not list (a level violation's designed-order side). */
  sides?: WitnessPath[];
}

type Callable = Record<string, (...a: unknown[]) => unknown>;

export function applySteps(t: ThreadBuilder, steps: ScriptStep[]): void {
  for (const s of steps) {
    if (s.call === 'if' && 'cond' in s) {
      t.if(s.cond, (b) => applySteps(b, s.then), undefined, s.src ?? {});
      continue;
    }
    const fn = (t as unknown as Callable)[s.call];
    if (typeof fn !== 'function') throw new Error(`model script: no builder method ${s.call}`);
    fn.apply(t, (s as { args: unknown[] }).args);
  }
}

/** Build the model, with one valuation of the condition variables applied. */
export function scriptModel(s: ModelScript, valuation: Record<string, number> = {}): ModelJSON {
  return model({
    name: s.name,
    description: s.description,
    vars: { ...s.vars, ...valuation },
    locks: s.locks,
    ...(s.objects ? { objects: s.objects } : {}),
    ...(s.invariant ? { invariant: s.invariant } : {}),
    ...(s.memory ? { memory: s.memory } : {}),
    threads: s.threads.map((th): [string, (t: ThreadBuilder) => void] => [
      th.name,
      (t) => {
        if (th.file) t.file(th.file);
        applySteps(t, th.steps);
      },
    ]),
  });
}
