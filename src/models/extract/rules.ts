// Rule by rule: which witness paths become threads, what of them is kept, and the property
// the model checks (deadlock, a lock left held, unlock of an unheld lock, a stale or lost
// value, a use after free).
import type { Program } from '../../analysis/program.js';
import type { SourceLookup } from '../../checkers/api.js';
import type { Finding, WitnessPath } from '../../report/finding.js';
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import type { ModelScript, ScriptThread } from './script.js';
import { slicePath, varName, type SliceEnv, type SOp } from './slice.js';
import type { IrEvent } from '../../ir/types.js';
import { addEnvironment } from './environment.js';

export interface RuleContext {
  finding: Finding;
  program: Program;
  source?: SourceLookup;
}

function newEnv(program: Program, over: Partial<SliceEnv> = {}): SliceEnv {
  return {
    program,
    locations: new Set(),
    accessesAtTargetsOnly: false,
    objects: new Set(),
    focusLocks: new Set(),
    condVars: new Map(),
    constants: new Map(),
    regs: 0,
    ...over,
  };
}

const threadName = (p: WitnessPath): string => `${p.label}: ${p.callChain.join(' -> ')}`;

function mainPaths(f: Finding): WitnessPath[] {
  return f.witness.filter((p) => !/\balso\b/.test(p.label));
}

/** Initial valuations: the cartesian product of candidate values (the first `cap` of them), and its size. */
function valuations(env: SliceEnv, cap = 512): { list: Record<string, number>[]; space: number } {
  let out: Record<string, number>[] = [{}];
  let space = 1;
  for (const [v, vals] of env.condVars) {
    space *= vals.size;
    const next: Record<string, number>[] = [];
    for (const o of out) for (const x of vals) next.push({ ...o, [v]: x });
    out = next.length > cap ? next.slice(0, cap) : next;
  }
  return out.length === 1 && Object.keys(out[0]!).length === 0 ? { list: [], space: 1 } : { list: out, space };
}

function varsOf(threads: SOp[][], env: SliceEnv, init: Record<string, number> = {}): Record<string, number> {
  const vars: Record<string, number> = {};
  for (const ops of threads) for (const o of ops) if ('v' in o) vars[o.v] = init[o.v] ?? 0;
  for (const v of env.condVars.keys()) vars[v] = init[v] ?? 0;
  return vars;
}

function locksOf(threads: SOp[][]): string[] {
  const s = new Set<string>();
  for (const ops of threads) for (const o of ops) if (o.k === 'lock' || o.k === 'unlock' || o.k === 'trylock') s.add(o.lock);
  return [...s];
}

function base(ctx: RuleContext, env: SliceEnv, ops: SOp[][], threads: ScriptThread[], expect: string, extra: Partial<ModelScript> = {}): ModelScript {
  const f = ctx.finding;
  const s: ModelScript = {
    name: `${f.rule}-${f.id}`,
    description: f.message,
    vars: varsOf(ops, env),
    locks: locksOf(ops),
    threads,
    valuations: [],
    expect,
    ...extra,
  };
  addEnvironment(ctx.program, s, env.condVars, env.condClass);
  const v = valuations(env);
  s.valuations = v.list;
  if (v.list.length && v.space > v.list.length) s.valuationSpace = v.space;
  return s;
}

const count = (ops: SOp[], k: SOp['k'], lock?: string): number => ops.filter((o) => o.k === k && (!lock || ('lock' in o && (o.lock === lock || o.lock.startsWith(`${lock}/`))))).length;

function lockInversion(ctx: RuleContext): ModelScript | undefined {
  const f = ctx.finding;
  const paths = f.witness.filter((p) => /^CPU\d+$/.test(p.label));
  if (paths.length < 2) return undefined; // a declared lock level: one path, no cycle to run
  const env = newEnv(ctx.program, { focusLocks: new Set(f.locks) });
  const self = f.locks.length === 1;
  const ops = paths.map((p, cpu) => {
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

function recursiveLock(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const env = newEnv(ctx.program, { focusLocks: new Set(f.locks), keepReacquire: true });
  const p = f.witness[0]!;
  const ops = slicePath(env, p, 0);
  if (count(ops, 'lock', f.locks[0]) < 2) throw new ExtractError('the extracted path does not take the lock twice');
  return base(ctx, env, [ops], [{ name: threadName(p), steps: assemble(ops, { ...(ctx.source ? { source: ctx.source } : {}) }) }], 'DEADLOCK');
}

function lockLeak(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const lock = f.locks[0]!;
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
  const src = ctx.source ? { source: ctx.source } : {};
  const threads = [
    { name: threadName(leak), steps: assemble(a, { ...src, keepHeld: new Set([lock]) }) },
    { name: `CPU1 (another acquirer): ${(rel ?? leak).callChain.join(' -> ')}`, steps: assemble(b, src) },
  ];
  return base(ctx, env, [a, b], threads, 'BLOCKED FOREVER');
}

function doubleUnlock(ctx: RuleContext): ModelScript {
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

function lifetime(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = (f.extra?.locations as string[] | undefined) ?? [];
  const main = mainPaths(f);
  const freeing = main.find((p) => /free|invalidat/.test(p.label)) ?? main[0];
  const using = main.find((p) => p !== freeing);
  if (!freeing || !using) throw new ExtractError('no using path');
  const paths = [freeing, using];
  const env = newEnv(ctx.program, { objects: new Set(locs) });
  const ops = paths.map((p, i) => slicePath(env, p, i));
  const freed = ops[0]!.find((o): o is Extract<SOp, { k: 'free' }> => o.k === 'free');
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

/** What a read must see once `write` is visible, and the initial value that tells the two apart. */
function seenAfter(write: SOp, read: Extract<SOp, { k: 'load' }>): { cond: string; init: number } {
  const reg = read.reg;
  const masked = read.bit !== undefined;
  if (write.k === 'rmw' && write.op === 'clear_bit') return { cond: masked ? `${reg} == 0` : `(${reg} & ${1 << write.arg}) == 0`, init: 1 << write.arg };
  if (write.k === 'rmw' && write.op === 'set_bit') return { cond: masked ? `${reg} == 1` : `(${reg} & ${1 << write.arg}) != 0`, init: 0 };
  if (write.k === 'rmw' && write.op === 'sub') return { cond: `${reg} != 0`, init: 0 };
  if (write.k === 'store' && typeof write.value === 'number') return { cond: `${reg} == ${write.value}`, init: write.value === 0 ? 1 : 0 };
  return { cond: `${reg} != 0`, init: 0 };
}

/** Memory-ordering shapes on LKMM: message passing (hand-off / flag) and store buffering. */
function missingBarrier(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = new Set(((f.extra?.locations as string[] | undefined) ?? []).map((l) => l.replace(/[:#].*$/, '').replace(/[^A-Za-z0-9_.]/g, '_')));
  const pattern = String(f.extra?.pattern ?? '');
  const paths = mainPaths(f);
  if (paths.length < 2) throw new ExtractError('no reader path');
  const env = newEnv(ctx.program, { locations: locs, accessesAtTargetsOnly: true, dropLocks: true });
  const w = slicePath(env, paths[0]!, 0);
  const r = slicePath(env, paths[1]!, 1);
  const wStores = w.filter((o) => o.k === 'store' || o.k === 'rmw');
  const rLoads = r.filter((o): o is Extract<SOp, { k: 'load' }> => o.k === 'load');
  let invariant: ModelScript['invariant'];
  let reader = r;
  let writer = w;
  const oldValues: Record<string, number> = {};
  if (pattern === 'handoff') {
    const call = paths[0]!.steps[paths[0]!.steps.length - 1]!;
    const flag = `handoff_${(/call (\w+)/.exec(call.event)?.[1] ?? 'flag')}`;
    const written = new Set(wStores.map((o) => (o as { v: string }).v));
    const load = rLoads.find((o) => written.has(o.v));
    if (!load) throw new ExtractError('the reader tests none of the locations the writer stores');
    const lastWrite = [...wStores].reverse().find((o) => (o as { v: string }).v === load.v)!;
    const seen = seenAfter(lastWrite, load);
    oldValues[load.v] = seen.init;
    writer = [...w, { k: 'store', v: flag, value: 1, order: 'once', fn: call.function, file: call.file, line: call.line, ...(call.code ? { code: call.code } : {}) }];
    const h = `r${env.regs++}`;
    reader = [
      { k: 'load', v: flag, reg: h, order: 'acquire', fn: paths[1]!.steps[0]!.function, code: `/* runs after the hand-off (${flag.slice(8)}) */` },
      { k: 'leave-unless', cond: `${h} == 1`, fn: paths[1]!.steps[0]!.function },
      ...r,
      { k: 'assert', cond: seen.cond, outcome: 'STALE READ', msg: `${load.v} read the value from before the hand-off`, fn: load.fn, ...(load.file ? { file: load.file } : {}), ...(load.line !== undefined ? { line: load.line } : {}) },
    ];
  } else if (pattern === 'flag') {
    if (wStores.length < 2 || rLoads.length < 2) throw new ExtractError('message passing needs two stores and two loads');
    const data = rLoads[rLoads.length - 1]!;
    const test = rLoads[0]!;
    const i = r.indexOf(test);
    const dataStore = [...w].reverse().find((o) => (o.k === 'store' || o.k === 'rmw') && o.v === data.v);
    const flagWrite = w.find((o) => (o.k === 'store' || o.k === 'rmw') && 'v' in o && o.v === test.v);
    if (!dataStore || !flagWrite || data.v === test.v) throw new ExtractError('the reader does not test the published flag and read the stored data');
    const dataSeen = seenAfter(dataStore, data);
    const flagSeen = seenAfter(flagWrite, test);
    oldValues[data.v] = dataSeen.init;
    oldValues[test.v] = flagSeen.init;
    reader = [...r.slice(0, i + 1), { k: 'leave-unless', cond: flagSeen.cond, fn: test.fn }, ...r.slice(i + 1), { k: 'assert', cond: dataSeen.cond, outcome: 'STALE READ', msg: `${data.v} read before the write published by ${test.v}`, fn: data.fn, ...(data.file ? { file: data.file } : {}), ...(data.line !== undefined ? { line: data.line } : {}) }];
  } else {
    const wl = w.filter((o): o is Extract<SOp, { k: 'load' }> => o.k === 'load');
    if (wl.length === 0 || rLoads.length === 0) throw new ExtractError('store buffering needs a load on each side');
    invariant = { cond: `!(cpu0.${wl[wl.length - 1]!.reg} == 0 && cpu1.${rLoads[rLoads.length - 1]!.reg} == 0)`, outcome: 'STORE BUFFERING', msg: 'both CPUs read the value from before the other\'s store' };
  }
  const src = ctx.source ? { source: ctx.source } : {};
  const threads = [
    { name: threadName(paths[0]!), steps: assemble(writer, src) },
    { name: threadName(paths[1]!), steps: assemble(reader, src) },
  ];
  const m = base(ctx, env, [writer, reader], threads, pattern === 'handoff' || pattern === 'flag' ? 'STALE READ' : 'STORE BUFFERING', { memory: 'lkmm', ...(invariant ? { invariant } : {}) });
  Object.assign(m.vars, oldValues);
  return m;
}

/** check-then-act / double-fetch / non-atomic-rmw: the value a CPU decided on is changed under it. */
function valueRace(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = ((f.extra?.locations as string[] | undefined) ?? []).map((l) => l.replace(/[:#].*$/, ''));
  const paths = mainPaths(f).slice(0, 2);
  if (paths.length < 2) throw new ExtractError('one path only');
  const env = newEnv(ctx.program, { locations: new Set(locs.map((l) => l.replace(/[^A-Za-z0-9_.]/g, '_'))), accessesAtTargetsOnly: true });
  const ops = paths.map((p, i) => slicePath(env, p, i));
  const a = ops[0]!;
  const loads = a.filter((o): o is Extract<SOp, { k: 'load' }> => o.k === 'load');
  let outcome = 'ASSERTION';
  let invariant: ModelScript['invariant'];
  const src = (o: SOp) => ({ fn: o.fn, ...(o.file ? { file: o.file } : {}), ...(o.line !== undefined ? { line: o.line } : {}) });
  if (f.rule.startsWith('non-atomic-rmw')) {
    // each CPU's update sets its own bit; a plain read-modify-write that overwrites the other's bit loses it
    outcome = 'LOST UPDATE';
    const conds: string[] = [];
    ops.forEach((o, cpu) => {
      const bit = 1 << cpu;
      for (let i = 0; i < o.length; i++) {
        const x = o[i]!;
        if (x.k === 'store') o[i] = x.rmw ? { ...x, value: `OLD | ${bit}` } : { ...x, k: 'rmw', op: 'or', arg: bit } as SOp;
        else if (x.k === 'rmw') o[i] = { ...x, op: 'or', arg: bit };
        else continue;
        o.splice(i + 1, 0, { k: 'ghost', v: `done${cpu}`, op: 'add', arg: 1, fn: x.fn });
        const v = (x as { v: string }).v;
        conds.push(`(done${cpu} == 0 || (${v} & ${bit}) != 0)`);
        break;
      }
    });
    if (conds.length < 2) throw new ExtractError('both sides must update the location');
    invariant = { cond: conds.join(' && '), outcome, msg: 'an update was overwritten by a plain read-modify-write' };
  } else if (f.rule.startsWith('double-fetch')) {
    if (loads.length < 2) throw new ExtractError('the reader does not fetch twice');
    const [x, y] = [loads[0]!, loads[loads.length - 1]!];
    a.splice(a.indexOf(y) + 1, 0, { k: 'assert', cond: `${x.reg} == ${y.reg}`, outcome: 'ASSERTION', msg: `${x.v} changed between the two fetches`, ...src(y) });
  } else if (f.extra?.pattern === 'bit') {
    const testAct = (o: SOp[]) => {
      const t = o.find((x): x is Extract<SOp, { k: 'load' }> => x.k === 'load');
      const act = t ? o.slice(o.indexOf(t) + 1).find((x) => x.k === 'rmw' || x.k === 'store') : undefined;
      return t && act ? { t, act } : undefined;
    };
    const passes = (t: Extract<SOp, { k: 'load' }>, act: SOp) => ((act.k === 'rmw' ? act.op !== 'clear_bit' && act.op !== 'test_and_clear_bit' : true) ? `${t.reg} == 0` : `${t.reg} != 0`);
    // the path's own branch on the tested location, when the IR gave one, decides; else the act says which way the test went
    const decided = (o: SOp[], t: Extract<SOp, { k: 'load' }>) => o.slice(o.indexOf(t) + 1).some((x) => x.k === 'leave-unless' && x.cond.includes(t.v.replace(/\.cpu\d+$/, '')));
    const mine = testAct(a);
    if (!mine) throw new ExtractError('no test and act on the bit');
    // the bit's value when the CPUs start is unknown: all clear or all set
    for (const o of ops) for (const x of o) if (x.k === 'load' || x.k === 'rmw') env.condVars.set(x.v, new Set([0, -1]));
    const all = ops.map(testAct);
    const shared = all.every((x) => x && x.t.v === mine.t.v && !/\.cpu\d+$/.test(x.t.v));
    if (shared) {
      // the same test-then-act on both CPUs: both pass the test, then both act
      ops.forEach((o, i) => {
        const { t, act } = all[i]!;
        if (!decided(o, t)) o.splice(o.indexOf(t) + 1, 0, { k: 'leave-unless', cond: passes(t, act), ...src(t) });
        o.splice(o.indexOf(act) + 1, 0, { k: 'ghost', v: 'acted', op: 'add', arg: 1, fn: act.fn });
      });
      invariant = { cond: 'acted <= 1', outcome: 'ASSERTION', msg: 'both CPUs passed the test and acted' };
    } else {
      // the other CPU writes the bit between this CPU's test and its act
      const { t, act } = mine;
      if (!decided(a, t)) a.splice(a.indexOf(t) + 1, 0, { k: 'leave-unless', cond: passes(t, act), ...src(t) });
      const r2 = `r${env.regs++}`;
      a.splice(a.indexOf(act), 0, { k: 'load', v: t.v, reg: r2, ...(t.bit !== undefined ? { bit: t.bit } : {}), ...src(act), code: `/* re-read ${t.v} before: ${act.code ?? ''} */` }, { k: 'assert', cond: `${r2} == ${t.reg}`, outcome: 'ASSERTION', msg: `${t.v} changed between the test and the act`, ...src(act) });
    }
  } else {
    // the tested value is re-read after the act (lock taken): it must still hold
    const t = loads[0];
    if (!t) throw new ExtractError('no unlocked test');
    const tail = a[a.length - 1]!;
    const r2 = `r${env.regs++}`;
    a.push({ k: 'load', v: t.v, reg: r2, ...src(tail), code: `/* re-read ${t.v} */` }, { k: 'assert', cond: `${r2} == ${t.reg}`, outcome: 'ASSERTION', msg: `${t.v} changed after it was tested without the lock`, ...src(tail) });
  }
  for (const o of ops.slice(1)) if (!o.some((x) => x.k === 'store' || x.k === 'rmw')) throw new ExtractError('the other CPU does not write the location');
  const s = ctx.source ? { source: ctx.source } : {};
  const threads = ops.map((o, i) => ({ name: threadName(paths[i]!), steps: assemble(o, s) }));
  const extraVars: Record<string, number> = {};
  for (const o of ops.flat()) if (o.k === 'ghost') extraVars[o.v] = 0;
  const m = base(ctx, env, ops, threads, outcome, invariant ? { invariant } : {});
  m.vars = { ...m.vars, ...extraVars };
  return m;
}

/**
 * free-with-pending-callback: the deferred item is armed at the start (its arming step shown
 * in the callback thread's name); the freeing path is walked around the cancel where it can
 * be, a cancel it does pass waits for a running callback (lock) and disarms it; the callback
 * runs if still armed and dereferences the object.
 */
function pendingCallback(ctx: RuleContext): ModelScript {
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

/** The extracted model of a finding, or undefined when the rule has no extractor. Throws ExtractError when the IR does not support one. */
export function extractForRule(ctx: RuleContext): ModelScript | undefined {
  const rule = ctx.finding.rule.replace(/-lowconf$/, '');
  switch (rule) {
    case 'lock-inversion':
      return lockInversion(ctx);
    case 'recursive-lock':
      return recursiveLock(ctx);
    case 'lock-leak':
      return lockLeak(ctx);
    case 'double-unlock':
      return doubleUnlock(ctx);
    case 'free-after-unlock':
    case 'use-after-unlock':
      return lifetime(ctx);
    case 'missing-barrier':
      return missingBarrier(ctx);
    case 'free-with-pending-callback':
      return pendingCallback(ctx);
    case 'check-then-act':
    case 'double-fetch':
    case 'non-atomic-rmw':
      return valueRace(ctx);
    default:
      return undefined;
  }
}
