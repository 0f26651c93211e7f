// Lock-balance and lock-order models: each CPU of a cycle holds its lock and takes the next
// (DEADLOCK); a CPU re-takes a lock it holds (DEADLOCK); a path returns holding a lock and the
// next acquirer waits (BLOCKED FOREVER); a second unlock (UNLOCK OF UNHELD LOCK).
import type { ModelScript } from './script.js';
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { slicePath, type SOp } from './slice.js';
import { base, count, newEnv, threadName, type RuleContext } from './model-base.js';
import { levelViolation } from './rules-level.js';
import { chainText } from '../../report/chain.js';

export function lockInversion(ctx: RuleContext): ModelScript | undefined {
  const f = ctx.finding;
  const paths = f.witness.filter((p) => /^CPU\d+$/.test(p.label));
  // a declared lock level: one path; the second side is a path in the designed order
  if (paths.length < 2) return f.extra?.['levelViolation'] ? levelViolation(ctx, lockInversion) : undefined;
  const env = newEnv(ctx.program, { focusLocks: new Set(f.locks) });
  const self = f.locks.length === 1;
  const outer = ctx.levelOuter;
  const ops = paths.map((p, cpu) => {
    if (outer && cpu === 0) {
      // the violation's CPU may already hold a lock of the class it takes under the higher
      // level (a host table's lock, then an alternate table's): not taken to be the same object
      env.lockName = (cls, _inst, held) => (cls === outer.cls && !held.includes(outer.before) ? `${cls}/outer` : cls);
    } else if (outer) delete env.lockName;
    if (self) {
      env.lockName = (cls, _inst, held) => {
        if (cls !== f.locks[0]) return cls;
        const first = held.some((h) => h.startsWith(`${cls}/`));
        return `${cls}/${(cpu === 0) !== first ? 'A' : 'B'}`;
      };
    }
    return slicePath(env, p, cpu);
  });
  const lockNames = self ? [`${f.locks[0]}/A`, `${f.locks[0]}/B`] : f.locks;
  // every CPU must hold one lock of the cycle while taking another
  for (const o of ops) if (lockNames.filter((l) => count(o, 'lock', l) + count(o, 'trylock', l) > 0).length < 2) throw new ExtractError('a CPU of the cycle does not take two of its locks on the extracted path');
  const threads = ops.map((o, i) => ({ name: threadName(paths[i]!), steps: assemble(o, { ...(ctx.source ? { source: ctx.source } : {}) }) }));
  return base(ctx, env, ops, threads, 'DEADLOCK');
}

export function recursiveLock(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const env = newEnv(ctx.program, { focusLocks: new Set(f.locks), keepReacquire: true });
  const p = f.witness[0]!;
  const ops = slicePath(env, p, 0);
  if (count(ops, 'lock', f.locks[0]) < 2) throw new ExtractError('the extracted path does not take the lock twice');
  return base(ctx, env, [ops], [{ name: threadName(p), steps: assemble(ops, { ...(ctx.source ? { source: ctx.source } : {}) }) }], 'DEADLOCK');
}

/**
 * Whether the leaking path's acquisition is a looked-up reference nothing blocks on (rules
 * `noOrder` with `result` or `try`: a scoped domain reference): kept too long, it is not a
 * deadlock. A leaked read-side section (rcu_read_lock, read_lock) is modelled: a writer waits.
 */
function leaksNoOrder(ctx: RuleContext): boolean {
  const acq = ctx.finding.witness[0]?.steps.filter((s) => s.event.startsWith('acquire ')).at(-1);
  if (!acq) return false;
  for (const fn of ctx.program.byKey.values()) {
    if (fn.file !== acq.file || fn.loc.line > acq.line || fn.endLine < acq.line) continue;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'acquire' || e.loc.line !== acq.line) continue;
        const api = ctx.program.rules.locks.get(e.api);
        // a looked-up reference (the result or an out parameter), not a read-side section a writer waits for
        if (api?.noOrder && (api.result || api.try)) return true;
      }
    }
  }
  return false;
}

export function lockLeak(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const lock = f.locks[0]!;
  if (leaksNoOrder(ctx)) return referenceLeak(ctx);
  const env = newEnv(ctx.program, { focusLocks: new Set([lock]) });
  const [leak, rel] = [f.witness[0]!, f.witness[1]];
  // the leaking path goes around releases of the lock where the CFG allows
  env.avoid = (e) => e.k === 'release' && (e.lock.cls || e.lock.inst.text) === lock;
  const a = slicePath(env, leak, 0);
  delete env.avoid;
  if (count(a, 'lock', lock) + count(a, 'trylock', lock) === 0) throw new ExtractError('the leaking path does not take the lock');
  // the other CPU: the releasing path of the same function, which takes the lock first
  let b = rel ? slicePath(env, rel, 1) : [];
  if (count(b, 'lock', lock) === 0) {
    const at = a.find((o) => o.k === 'lock' && o.lock === lock) ?? a[0]!;
    b = [{ ...at, k: 'lock', lock, fn: at.fn } as SOp, ...b];
    if (count(b, 'unlock', lock) === 0) b.push({ ...at, k: 'unlock', lock } as SOp);
  }
  // a read-side hold left behind blocks the writers (down_write, synchronize_rcu), not other
  // readers: the other acquirer takes it exclusively, or the model would refute a real leak
  if (a.some((o) => (o.k === 'lock' || o.k === 'trylock') && o.lock === lock && o.mode === 'shared')) {
    b = b.map((o) => ((o.k === 'lock' || o.k === 'unlock') && o.lock === lock && o.mode === 'shared' ? (({ mode: _m, ...rest }) => rest)(o) as SOp : o));
    (env.assumed ??= []).push({ kind: 'concurrency', text: `CPU1 takes ${lock} exclusively (a writer, or a grace-period wait for RCU): a read-side hold left behind blocks writers, not other readers; the tree is assumed to have one`, checked: false });
  }
  const src = ctx.source ? { source: ctx.source } : {};
  const threads = [
    { name: threadName(leak), steps: assemble(a, { ...src, keepHeld: new Set([lock]) }) },
    { name: `CPU1 (another acquirer): ${chainText(rel ?? leak)}`, steps: assemble(b, src) },
  ];
  return base(ctx, env, [a, b], threads, 'BLOCKED FOREVER');
}

export const REFERENCE_LEAKED = 'REFERENCE LEAKED';

/**
 * A looked-up reference kept past the return (nothing blocks on it, so no second CPU shows
 * anything): the leaking path alone, its conditions kept and evaluated, counting the
 * reference taken and dropped; it must reach its return holding one.
 */
function referenceLeak(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const lock = f.locks[0]!;
  const env = newEnv(ctx.program, { focusLocks: new Set([lock]) });
  const leak = f.witness[0]!;
  env.avoid = (e) => e.k === 'release' && (e.lock.cls || e.lock.inst.text) === lock;
  const a = slicePath(env, leak, 0);
  delete env.avoid;
  if (count(a, 'lock', lock) + count(a, 'trylock', lock) === 0) throw new ExtractError('the leaking path does not take the reference');
  const ret = leak.steps[leak.steps.length - 1]!;
  const taken = leak.steps.find((st) => st.event.startsWith('acquire '));
  const ghost = 'references_held';
  const out: SOp[] = [];
  for (const o of a) {
    out.push(o);
    const at = { fn: o.fn, ...(o.file ? { file: o.file } : {}), ...(o.line !== undefined ? { line: o.line } : {}) };
    if ((o.k === 'lock' || o.k === 'trylock') && o.lock === lock) out.push({ k: 'rmw', op: 'add', v: ghost, arg: 1, returns: false, ...at, code: `/* one more reference held (${lock}) */` });
    if (o.k === 'unlock' && o.lock === lock) out.push({ k: 'rmw', op: 'add', v: ghost, arg: -1, returns: false, ...at, code: `/* reference dropped (${lock}) */` });
  }
  out.push({ k: 'assert', cond: `${ghost} == 0`, outcome: REFERENCE_LEAKED, msg: `returns still holding ${lock}${taken ? ` (taken at line ${taken.line})` : ''}: nothing on this path drops it`, fn: a[a.length - 1]!.fn, file: ret.file, line: ret.line, ...(ret.code ? { code: ret.code } : {}) });
  (env.assumed ??= []).push({ kind: 'concurrency', text: `${lock} is a looked-up reference (rules: noOrder, result or try) that nothing waits on: the model is the leaking path alone (no second CPU); the harm is the reference kept past the return (the object cannot go away), not a deadlock`, checked: true });
  const threads = [{ name: threadName(leak), steps: assemble(out, { ...(ctx.source ? { source: ctx.source } : {}), keepHeld: new Set([lock]) }) }];
  return base(ctx, env, [out], threads, REFERENCE_LEAKED);
}

export function doubleUnlock(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const lock = f.locks[0]!;
  const env = newEnv(ctx.program, { focusLocks: new Set([lock]), keepUnheldRelease: true });
  const p = f.witness[0]!;
  let ops = slicePath(env, p, 0);
  if (count(ops, 'unlock', lock) < 2) throw new ExtractError('the extracted path does not release the lock twice');
  const first = ops.find((o) => (o.k === 'lock' || o.k === 'unlock') && o.lock === lock);
  if (first?.k === 'unlock') ops = [{ ...first, k: 'lock', lock, code: `/* held on entry (the caller's lock) */` } as SOp, ...ops];
  return base(ctx, env, [ops], [{ name: threadName(p), steps: assemble(ops, ctx.source ? { source: ctx.source } : {}) }], 'UNLOCK OF UNHELD LOCK');
}
