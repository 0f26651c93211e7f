// Lifetime models: the freeing path frees the object while the using path (a lock waiter, a
// pointer kept past the unlock, an armed callback) still dereferences it: USE AFTER FREE.
import type { IrEvent } from '../../ir/types.js';
import type { ModelScript } from './script.js';
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { slicePath, varName, type SOp } from './slice.js';
import { base, count, mainPaths, newEnv, threadName, type RuleContext } from './model-base.js';

export function lifetime(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = (f.extra?.locations as string[] | undefined) ?? [];
  const main = mainPaths(f);
  const freeing = main.find((p) => /free|invalidat/.test(p.label)) ?? main[0];
  const using = main.find((p) => p !== freeing);
  if (!freeing || !using) throw new ExtractError('no using path');
  const paths = [freeing, using];
  const env = newEnv(ctx.program, { objects: new Set(locs) });
  const ops = paths.map((p, i) => slicePath(env, p, i));
  let freed = ops[0]!.find((o): o is Extract<SOp, { k: 'free' }> => o.k === 'free');
  if (!freed && f.rule.startsWith('use-after-unlock') && locs[0]) {
    // the invalidating path rewrites the location the pointer was loaded from (remap, replace,
    // put): what the old pointer referred to is gone from then on
    const st = freeing.steps[freeing.steps.length - 1]!;
    const obj = locs[0].replace(/[^A-Za-z0-9_.]/g, '_');
    const i = ops[0]!.findIndex((o) => o.line === st.line && o.file === st.file);
    freed = { k: 'free', obj, fn: st.function, file: st.file, line: st.line, ...(st.code ? { code: st.code } : {}) };
    ops[0]!.splice(i >= 0 ? i + 1 : ops[0]!.length, 0, freed);
  }
  if (!freed) throw new ExtractError('the freeing path frees none of the finding\'s objects');
  if (count(ops[1]!, 'use') === 0) {
    // the use is of a pointer copied out of the object (use-after-unlock): the witness step says where
    const last = using.steps[using.steps.length - 1]!;
    ops[1]!.push({ k: 'use', obj: freed.obj, fn: last.function, file: last.file, line: last.line, ...(last.code ? { code: last.code } : {}) });
  }
  const objects: Record<string, number> = {};
  for (const o of ops.flat()) if (o.k === 'free' || o.k === 'use') objects[o.obj] = 1;
  const src = ctx.source ? { source: ctx.source } : {};
  const threads = ops.map((o, i) => ({ name: threadName(paths[i]!), steps: assemble(o, src) }));
  return base(ctx, env, ops, threads, 'USE AFTER FREE', { objects });
}

/**
 * free-with-pending-callback: the deferred item is armed at the start (its arming step shown
 * in the callback thread's name); the freeing path is walked around the cancel where it can
 * be, a cancel it does pass waits for a running callback (lock) and disarms it; the callback
 * runs if still armed and dereferences the object.
 */
export function pendingCallback(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const item = String((f.extra?.locations as string[] | undefined)?.[0] ?? '');
  const [freeing, using] = f.witness;
  if (!freeing || !using || !item) throw new ExtractError('no callback path');
  const freeStep = freeing.steps[freeing.steps.length - 1]!;
  const obj = /^\S+ (\S+)/.exec(freeStep.event)?.[1];
  if (!obj) throw new ExtractError('no freed object in the witness');
  const pending = `${item.replace(/[^A-Za-z0-9_.]/g, '_')}.pending`;
  const cbLock = `callback(${item})`;
  const p = ctx.program;
  const isCancel = (e: IrEvent): boolean => {
    if (e.k !== 'call') return false;
    const api = p.rules.deferred.get(e.callee);
    if (!api || api.op !== 'cancel') return false;
    const last = item.split('.').pop()!;
    return e.args.some((a) => !!a && varName(p, a) === item) || e.argText.some((t) => new RegExp(`(->|\\.)\\s*${last}\\b`).test(t));
  };
  const env = newEnv(p, {
    objects: new Set([obj]),
    avoid: isCancel,
    callOps: (fn, e) => {
      if (!isCancel(e)) return undefined;
      const at = { fn: fn.name, file: e.loc.file, line: e.loc.line, code: `${e.callee}(${e.argText.join(', ')});` };
      return [{ k: 'lock', lock: cbLock, ...at }, { k: 'store', v: pending, value: 0, ...at }, { k: 'unlock', lock: cbLock, ...at }];
    },
  });
  const steps = freeing.steps.filter((st) => !/^cancels /.test(st.event));
  const a = slicePath(env, { ...freeing, steps }, 0);
  if (count(a, 'free') === 0) throw new ExtractError('the freeing path frees none of the finding\'s objects');
  const cb = using.steps[using.steps.length - 1]!;
  const arm = using.steps.find((st) => /\barms\b/.test(st.event));
  const r = `r${env.regs++}`;
  const at = { fn: cb.function, file: cb.file, line: cb.line };
  const b: SOp[] = [
    { k: 'lock', lock: cbLock, ...at, code: `/* ${cb.function} runs (${String(f.extra?.kind ?? 'deferred')} callback) */` },
    { k: 'load', v: pending, reg: r, ...at, code: `/* still armed? */` },
    { k: 'leave-unless', cond: `${r} != 0`, ...at, code: '/* disarmed: the callback does not run */' },
    { k: 'use', obj, ...at, code: `/* ${cb.function}() dereferences the ${obj} */` },
    { k: 'unlock', lock: cbLock, ...at, code: `/* ${cb.function} returns */` },
  ];
  const s = ctx.source ? { source: ctx.source } : {};
  const threads = [
    { name: threadName(freeing), steps: assemble(a, s) },
    { name: `${using.label}: ${cb.function}${arm ? ` (armed by ${arm.function} at line ${arm.line})` : ''}`, steps: assemble(b, s) },
  ];
  const m = base(ctx, env, [a, b], threads, 'USE AFTER FREE', { objects: { [obj]: 1 } });
  m.vars[pending] = 1;
  return m;
}
