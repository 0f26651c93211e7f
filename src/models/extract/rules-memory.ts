// Memory-ordering and value models: message passing / store buffering on LKMM (STALE READ,
// STORE BUFFERING); a tested or fetched value changed under the CPU that decided on it
// (ASSERTION); a plain read-modify-write that overwrites another CPU's update (LOST UPDATE).
import type { ModelScript } from './script.js';
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { slicePath, type SOp } from './slice.js';
import { base, mainPaths, newEnv, threadName, type RuleContext } from './model-base.js';
import { versionPairing } from './rules-version.js';

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
export function missingBarrier(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = new Set(((f.extra?.locations as string[] | undefined) ?? []).map((l) => l.replace(/[:#].*$/, '').replace(/[^A-Za-z0-9_.]/g, '_')));
  const pattern = String(f.extra?.pattern ?? '');
  // a read barrier with no write barrier to pair with: message passing over the version
  if (pattern === 'version') return versionPairing(ctx, locs);
  const paths = mainPaths(f);
  if (paths.length < 2) throw new ExtractError('no reader path');
  const env = newEnv(ctx.program, { locations: locs, accessesAtTargetsOnly: true, dropLocks: true });
  const w = slicePath(env, paths[0]!, 0);
  // the reader's own branches on what it loaded decide whether it reaches the data read
  // (`if (!READ_ONCE(v->ready)) continue;` passes only on a set flag), even inside a callee
  const r = slicePath(env, paths[1]!, 1, { calleeConds: true });
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
export function valueRace(ctx: RuleContext): ModelScript {
  const f = ctx.finding;
  const locs = ((f.extra?.locations as string[] | undefined) ?? []).map((l) => l.replace(/[:#].*$/, ''));
  const paths = mainPaths(f).slice(0, 2);
  if (paths.length < 2) throw new ExtractError('one path only');
  const env = newEnv(ctx.program, { locations: new Set(locs.map((l) => l.replace(/[^A-Za-z0-9_.]/g, '_'))), accessesAtTargetsOnly: true, perCpuCurrent: true });
  // (writes of other state are left out here: these shapes are about the finding's location; a
  // condition on state the paths write is a known gap, see docs/models.md)
  const ops = paths.map((p, i) => slicePath(env, p, i).filter((o) => !('shadow' in o && o.shadow)));
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
  } else if (f.rule.startsWith('double-fetch') || f.rule.startsWith('unlocked-reread')) {
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
