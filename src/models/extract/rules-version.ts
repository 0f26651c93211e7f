// A read barrier with no write barrier to pair with (missing-barrier's `version` shape): the
// writer stores shared state, then updates a version (or generation) word with no write
// barrier between; the reader loads the version, orders its later reads with a read barrier
// and reads that state. On LKMM that is message passing with an unordered writer: the reader
// may see the new version and the old state (STALE READ). Both sides come from their witness
// paths (branch conditions kept as in every model); the state the writer's stores and the
// reader's later reads share is one abstract location, an assumption the verdict lists.
import { assemble } from './assemble.js';
import { ExtractError } from './frames.js';
import { base, mainPaths, newEnv, threadName, type RuleContext } from './model-base.js';
import type { ModelScript } from './script.js';
import { slicePath, type SOp } from './slice.js';

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
  const data = `state_${via ?? 'data'}`.replace(/[^A-Za-z0-9_]/g, '_');
  // the version update must not be a value-returning RMW (that is a full barrier)
  const updated: SOp = ver.k === 'rmw' ? { ...ver, returns: false } : ver;
  const writer: SOp[] = [...w.slice(0, wi), { k: 'store', v: data, value: 1, fn: ws.function, ...at(ws) }, updated, ...w.slice(wi + 1)];
  const rs = rp.steps[rp.steps.length - 1]!;
  const reg = `r${env.regs++}`;
  const reader: SOp[] = [
    ...r.slice(0, fi + 1),
    { k: 'load', v: data, reg, fn: rs.function, ...at(rs), code: `/* a read after the barrier of the state ${via ? `${via}() stores` : 'the writer stores'} */` },
    { k: 'assert', cond: `${load.reg} == 0 || ${reg} == 1`, outcome: 'STALE READ', msg: `${rp.callChain.at(-1)} saw the new ${load.v} but the state from before it`, fn: rs.function, ...at(rs) },
    ...r.slice(fi + 1),
  ];
  (env.assumed ??= []).push({
    kind: 'alias',
    text: `the state ${via ? `\`${via}()\` stores` : 'the writer stores'} (line ${ws.line}) before updating ${load.v}, and what ${rp.callChain.at(-1)} reads after its read barrier (line ${rs.line}), are taken to be one location (${data}): the reads after the barrier are not identified, only that they are ordered after the version`,
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
