// Fallback models, bound to rules in rules/*.yaml (`models: - rule: R, template: NAME`):
// used when extraction cannot build a faithful model from the IR. They take the finding's
// locks and the witness steps' C lines, and run the textbook shape of the bug.
import type { Finding, WitnessPath, WitnessStep } from '../../report/finding.js';
import type { Src } from '../explorer/model.js';
import type { ModelScript, ScriptStep } from '../extract/script.js';
import { chainText } from '../../report/chain.js';

export type Template = (f: Finding) => ModelScript | undefined;

const srcOf = (s: WitnessStep | undefined): Src => (s ? { file: s.file, line: s.line, ...(s.code ? { code: s.code } : {}) } : {});
const stepWith = (p: WitnessPath | undefined, re: RegExp, nth = 0): WitnessStep | undefined => p?.steps.filter((s) => re.test(s.event))[nth];
const name = (p: WitnessPath | undefined, i: number): string => (p ? `${p.label}: ${chainText(p)}` : `CPU${i}`);

function script(f: Finding, threads: { name: string; steps: ScriptStep[] }[], expect: string, extra: Partial<ModelScript> = {}): ModelScript {
  return { name: `${f.rule}-${f.id}`, description: f.message, vars: {}, locks: [], threads, valuations: [], expect, ...extra };
}

/** N CPUs, CPU i holds lock i and takes lock i+1. */
const abbaDeadlock: Template = (f) => {
  const locks = f.locks.length >= 2 ? f.locks : [`${f.locks[0] ?? 'L'}/A`, `${f.locks[0] ?? 'L'}/B`];
  const paths = f.witness.filter((p) => /^CPU\d+$/.test(p.label));
  const threads = locks.map((l, i) => {
    const p = paths[i];
    const next = locks[(i + 1) % locks.length]!;
    return {
      name: name(p, i),
      steps: [
        { call: 'lock', args: [l, srcOf(stepWith(p, /^acquire/, 0))] },
        { call: 'lock', args: [next, srcOf(stepWith(p, /^acquire/, 1))] },
        { call: 'unlock', args: [next, {}] },
        { call: 'unlock', args: [l, {}] },
      ] as ScriptStep[],
    };
  });
  return script(f, threads, 'DEADLOCK', { locks });
};

const selfDeadlock: Template = (f) => {
  const l = f.locks[0] ?? 'L';
  const p = f.witness[0];
  return script(f, [{ name: name(p, 0), steps: [{ call: 'lock', args: [l, srcOf(stepWith(p, /^acquire/, 0))] }, { call: 'lock', args: [l, srcOf(stepWith(p, /^acquire/, 1))] }] }], 'DEADLOCK', { locks: [l] });
};

const leakBlocks: Template = (f) => {
  const l = f.locks[0] ?? 'L';
  const [a, b] = f.witness;
  return script(f, [
    { name: name(a, 0), steps: [{ call: 'lock', args: [l, srcOf(stepWith(a, /^acquire/))] }, { call: 'ret', args: [srcOf(stepWith(a, /^return/))] }] },
    { name: name(b, 1), steps: [{ call: 'lock', args: [l, {}] }, { call: 'unlock', args: [l, srcOf(stepWith(b, /^release/))] }] },
  ], 'BLOCKED FOREVER', { locks: [l] });
};

const unlockUnheld: Template = (f) => {
  const l = f.locks[0] ?? 'L';
  const p = f.witness[0];
  return script(f, [{ name: name(p, 0), steps: [{ call: 'lock', args: [l, srcOf(stepWith(p, /^acquire/))] }, { call: 'unlock', args: [l, srcOf(stepWith(p, /^release/, 0))] }, { call: 'unlock', args: [l, srcOf(stepWith(p, /^release/, 1))] }] }], 'UNLOCK OF UNHELD LOCK', { locks: [l] });
};

/** The freeing side frees the object; the other side (a callback, a lock waiter) still uses it. */
const useAfterFree: Template = (f) => {
  const obj = String((f.extra?.locations as string[] | undefined)?.[0] ?? 'object');
  const [a, b] = f.witness;
  const free = a?.steps[a.steps.length - 1];
  const use = b?.steps[b.steps.length - 1];
  return script(f, [
    { name: name(a, 0), steps: [{ call: 'free', args: [obj, srcOf(free)] }] },
    { name: name(b, 1), steps: [{ call: 'use', args: [obj, srcOf(use)] }] },
  ], 'USE AFTER FREE', { objects: { [obj]: 1 } });
};

/** Message passing without the writer's barrier: the reader sees the flag but stale data. */
const messagePassing: Template = (f) => {
  const [a, b] = f.witness;
  return script(f, [
    { name: name(a, 0), steps: [{ call: 'store', args: ['data', 1, srcOf(a?.steps[0])] }, { call: 'store', args: ['flag', 1, { order: 'once', ...srcOf(a?.steps[a.steps.length - 1]) }] }] },
    { name: name(b, 1), steps: [{ call: 'load', args: ['r0', 'flag', { order: 'acquire' }] }, { call: 'if', cond: 'r0 == 1', then: [{ call: 'load', args: ['r1', 'data', srcOf(b?.steps[b.steps.length - 1])] }, { call: 'assert', args: ['r1 == 1', { outcome: 'STALE READ' }] }] }] },
  ], 'STALE READ', { vars: { data: 0, flag: 0 }, memory: 'lkmm' });
};

/** Two unlocked read-modify-writes of one location. */
const lostUpdate: Template = (f) => {
  const [a, b] = f.witness;
  const rmw = (p: WitnessPath | undefined, r: string): ScriptStep[] => [{ call: 'load', args: [r, 'x', srcOf(p?.steps[p.steps.length - 1])] }, { call: 'store', args: ['x', `${r} + 1`, srcOf(p?.steps[p.steps.length - 1])] }];
  return script(f, [{ name: name(a, 0), steps: rmw(a, 'r0') }, { name: name(b, 1), steps: rmw(b, 'r1') }], 'LOST UPDATE', { vars: { x: 0 }, invariant: { cond: 'x == 2', outcome: 'LOST UPDATE' } });
};

export const templates: Record<string, Template> = {
  'abba-deadlock': abbaDeadlock,
  'self-deadlock': selfDeadlock,
  'leak-blocks-acquirer': leakBlocks,
  'unlock-unheld': unlockUnheld,
  'use-after-free': useAfterFree,
  'message-passing': messagePassing,
  'lost-update': lostUpdate,
};
