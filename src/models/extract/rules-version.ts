// A read barrier with no write barrier to pair with (missing-barrier's `version` shape): the
// writer stores shared state, then updates a version (or generation) word with no write
// barrier between; the reader loads the version, orders its later reads with a read barrier
// and reads that state. On LKMM that is message passing with an unordered writer: the reader
// may see the new version and the old state (STALE READ). Both sides come from their witness
// paths (branch conditions kept as in every model); the state is a location the reader reads
// after its barrier that the writer's side writes before the update (none: no model, unknown).
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { base, mainPaths, newEnv, threadName, type RuleContext } from './model-base.js';
import type { ModelScript } from './script.js';
import { slicePath, type SOp } from './slice.js';
import type { Program } from '../../analysis/program.js';
import type { FunctionIR } from '../../ir/types.js';
import type { WitnessStep } from '../../report/finding.js';
import { accessIndex } from '../../analysis/access-index.js';
import { writeIndex } from '../../checkers/shared-writes.js';
import { memAccess } from '../../checkers/shared-mem.js';

const fnAt = (p: Program, st: WitnessStep): FunctionIR | undefined => p.functions.find((f) => f.file === st.file && f.loc.line <= st.line && st.line <= f.endLine);

/** Functions by name (the callees a walk may reach). */
function calleesOf(p: Program, fn: FunctionIR, after: number, depth: number, out: Set<string>, byName: Map<string, FunctionIR[]>): void {
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if (e.k !== 'call' || e.loc.line < after) continue;
      for (const g of byName.get(e.callee) ?? []) {
        if (out.has(g.key)) continue;
        out.add(g.key);
        if (depth > 0) calleesOf(p, g, 0, depth - 1, out, byName);
      }
    }
  }
}

/**
 * A location the reader reads after its barrier that the writer's side (its function before the
 * version update and the functions it calls there) writes: the state the pairing is about. None:
 * the barrier orders reads of state these stores do not touch.
 */
function sharedState(p: Program, wStep: WitnessStep, verStep: WitnessStep, barrier: WitnessStep, version: Set<string>): { cls: string; reader: string; writer: string } | undefined {
  const wf = fnAt(p, verStep);
  const rf = fnAt(p, barrier);
  if (!wf || !rf) return undefined;
  const byName = new Map<string, FunctionIR[]>();
  for (const f of p.functions) {
    const l = byName.get(f.name);
    if (l) l.push(f);
    else byName.set(f.name, [f]);
  }
  const writers = new Set<string>([wf.key]);
  calleesOf(p, wf, 0, 3, writers, byName);
  void wStep;
  const readerFns = new Set<string>();
  calleesOf(p, rf, barrier.line + 1, 2, readerFns, byName);
  const ix = accessIndex(p);
  const wx = writeIndex(p);
  const reads: { cls: string; fn: FunctionIR; line: number }[] = [];
  const collect = (f: FunctionIR, after: number): void => {
    for (const b of f.blocks) for (const e of b.events) {
      if (e.loc.line <= after) continue;
      const a = memAccess(e);
      if (a?.read) reads.push({ cls: ix.cls(a.path), fn: f, line: e.loc.line });
    }
  };
  collect(rf, barrier.line);
  for (const k of readerFns) collect(p.byKey.get(k)!, 0);
  for (const r of reads) {
    if (version.has(r.cls.replace(/[^A-Za-z0-9_.]/g, '_'))) continue;
    // (a helper both sides call, a per-CPU mapping say, is not the state the writer publishes)
    const w = (wx.byClass.get(r.cls) ?? []).find((x) => writers.has(x.fn.key) && !readerFns.has(x.fn.key) && x.fn !== rf && (x.fn !== wf || x.e.loc.line < verStep.line));
    if (w) return { cls: r.cls, reader: `${r.fn.name} (${r.fn.file.split('/').pop()}:${r.line})`, writer: `${w.fn.name} (${w.fn.file.split('/').pop()}:${w.e.loc.line})` };
  }
  return undefined;
}

const at = (s: { file?: string; line?: number; code?: string }) => ({ ...(s.file ? { file: s.file } : {}), ...(s.line !== undefined ? { line: s.line } : {}), ...(s.code ? { code: s.code } : {}) });

export function versionPairing(ctx: RuleContext, locs: Set<string>): ModelScript {
  const f = ctx.finding;
  const paths = mainPaths(f);
  if (paths.length < 2) throw new ExtractError('no reader path');
  const [wp, rp] = [paths[0]!, paths[1]!];
  const env = newEnv(ctx.program, { locations: locs, accessesAtTargetsOnly: true, dropLocks: true });
  const w = slicePath(env, wp, 0);
  const r = slicePath(env, rp, 1, { calleeConds: true });
  const isVer = (o: SOp) => (o.k === 'store' || o.k === 'rmw' || o.k === 'load') && locs.has(o.v);
  const wi = w.map((o, i) => (isVer(o) && o.k !== 'load' ? i : -1)).filter((i) => i >= 0).at(-1);
  const ri = r.findIndex((o) => isVer(o) && o.k === 'load');
  if (wi === undefined) throw new ExtractError('the writer path does not update the version');
  if (ri < 0) throw new ExtractError('the reader path does not load the version');
  const fi = r.findIndex((o, i) => i > ri && o.k === 'fence' && (o.kind === 'rmb' || o.kind === 'full' || o.kind === 'acquire'));
  if (fi < 0) throw new ExtractError('the reader path has no read barrier after loading the version');
  const ver = w[wi] as Extract<SOp, { v: string }>;
  const load = r[ri] as Extract<SOp, { k: 'load' }>;
  // the writer's stores before the version update: the witness step before it (a store, or a
  // call that stores shared state)
  const ws = wp.steps[Math.max(0, wp.steps.length - 2)]!;
  const via = /^call (\w+)/.exec(ws.event)?.[1];
  // the state the pairing is about: one the reader reads after its barrier and the writer's side writes
  const st = sharedState(ctx.program, ws, wp.steps[wp.steps.length - 1]!, rp.steps[rp.steps.length - 1]!, locs);
  if (!st) throw new ExtractError(`no location the reader reads after its read barrier is written by the writer's side before the version update (${wp.callChain.at(-1)} and the functions it calls): the barrier's pairing is not shown`, true);
  const data = st.cls.replace(/[^A-Za-z0-9_.]/g, '_');
  // the version update must not be a value-returning RMW (that is a full barrier)
  const updated: SOp = ver.k === 'rmw' ? { ...ver, returns: false } : ver;
  const writer: SOp[] = [...w.slice(0, wi), { k: 'store', v: data, value: 1, fn: ws.function, ...at(ws), code: `${ws.code ?? ''}  /* ${st.writer} stores ${st.cls} */`.trim() }, updated, ...w.slice(wi + 1)];
  const rs = rp.steps[rp.steps.length - 1]!;
  const reg = `r${env.regs++}`;
  const reader: SOp[] = [
    ...r.slice(0, fi + 1),
    { k: 'load', v: data, reg, fn: rs.function, ...at(rs), code: `/* ${st.reader} reads ${st.cls} after the barrier */` },
    { k: 'assert', cond: `${load.reg} == 0 || ${reg} == 1`, outcome: 'STALE READ', msg: `${rp.callChain.at(-1)} saw the new ${load.v} but the state from before it`, fn: rs.function, ...at(rs) },
    ...r.slice(fi + 1),
  ];
  (env.assumed ??= []).push({
    kind: 'alias',
    text: `the state: ${st.cls}, written on the writer's side by ${st.writer} before it updates ${load.v}, and read after the read barrier by ${st.reader}; the model takes the write and the read to be on one object (instances not told apart)`,
    checked: false,
  });
  const src = ctx.source ? { source: ctx.source } : {};
  const threads = [
    { name: threadName(wp), steps: assemble(writer, src) },
    { name: threadName(rp), steps: assemble(reader, src) },
  ];
  const m = base(ctx, env, [writer, reader], threads, 'STALE READ', { memory: 'lkmm' });
  m.vars[data] = 0;
  return m;
}
