// use-after-unlock (lifetime): a pointer obtained from shared state under a lock is used after
// the lock is released, with nothing pinning the object (no reference taken, no pin count
// bumped under the lock), while other paths free / unmap / re-point that state under the
// same lock. (Seed 002: xen_map_cache() with lock=0 returns entry->vaddr_base + offset after
// mapcache_unlock(); xen_remap_bucket() munmaps and replaces vaddr_base under the lock.)
//
// Escapes are followed across functions: a function returning a pointer derived from a load
// of S while the caller holds L; its caller that holds L around the call and releases it
// before returning the pointer; wrappers returning that result. A pin counts on the path to
// the return (`entry->lock++`, `x->ref += 1` on the same struct); a pin guarded by a boolean
// parameter (`if (lock)`) is resolved at call sites passing a constant.
import { scoredRules } from './scored-rules.js';
import { accessIndex, type AccessIndex } from '../analysis/access-index.js';
import type { ChainStep } from '../analysis/summary-types.js';
import type { AccessPath, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { WitnessPath, WitnessStep } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { sharedClass, sidePath } from './shared-mem.js';
import { reachableAvoiding } from './shared-life.js';
import { writeIndex, type WriteSite } from './shared-writes.js';
import { chainSteps, normalizeCode } from './witness.js';

interface Escape {
  fn: FunctionIR;
  /** Where the pointer was loaded (S) and the lock (L) protecting it. */
  source: IrEvent & { k: 'load' };
  sourceCls: string;
  lockCls: string;
  /** From this function down to the release of L (call sites, then the release). */
  chain: ChainStep[];
  releaseLoc: Loc;
  /** The escape only happens when this parameter is zero (a pin under `if (param)`). */
  pinParam?: number;
  depth: number;
}

interface Cand {
  user: FunctionIR;
  call: IrEvent & { k: 'call' };
  use: IrEvent;
  esc: Escape;
  damage: WriteSite[];
  frees: boolean;
  score: number;
}

function exclusive(s: Iterable<string>): string[] {
  return [...s].filter((c) => c !== 'rcu' && !c.includes('srcu') && c !== 'bql');
}

function rootOf(cls: string): string {
  const i = cls.indexOf('.');
  return i < 0 ? cls : cls.slice(0, i);
}

/** Loads feeding a return: on the return's line, or on the line assigning the returned local. */
function returnSources(fn: FunctionIR, ret: IrEvent & { k: 'return' }): (IrEvent & { k: 'load' })[] {
  const v = ret.value ?? '';
  const lines = new Set<number>([ret.loc.line]);
  if (/^[A-Za-z_]\w*$/.test(v)) {
    for (const b of fn.blocks) for (const e of b.events) if ((e.k === 'load' && e.into === v) || (e.k === 'call' && e.assignedTo === v)) lines.add(e.loc.line);
  }
  const out: (IrEvent & { k: 'load' })[] = [];
  for (const b of fn.blocks) for (const e of b.events) if (e.k === 'load' && lines.has(e.loc.line) && e.path.fields.length) out.push(e);
  return out;
}

/** Pins on the struct holding `cls`: `entry->lock++`, `obj->refs += 1`, or a *get/ref/hold/pin call on it. */
function isPin(ix: AccessIndex, e: IrEvent, root: string): boolean {
  if (e.k === 'store' && e.rmw && (e.rmw === '++' || e.rmw === '+=')) return rootOf(ix.cls(e.path)) === root;
  if (e.k === 'atomic' && e.writes && /inc|add/.test(e.op)) return rootOf(ix.cls(e.path)) === root;
  if (e.k === 'call' && /(^|_)(get|ref|hold|pin|grab|lock)(_|$)/.test(e.callee)) return e.args.some((a) => a && rootOf(ix.cls(a)) === root);
  return false;
}

function pinsLocal(e: IrEvent, v: string): boolean {
  const mine = (a: AccessPath | null | undefined) => !!a && a.root === `local:${v}`;
  if (e.k === 'store' && e.rmw && (e.rmw === '++' || e.rmw === '+=')) return mine(e.path);
  if (e.k === 'atomic' && e.writes && /inc|add/.test(e.op)) return mine(e.path);
  if (e.k === 'call' && /(^|_)(get|ref|hold|pin|grab|inc)(_|$)|_get$|^get_/.test(e.callee)) return e.args.some(mine);
  return false;
}

/** The parameter a pin is guarded by (`if (lock) { ... entry->lock++ }`), if the block before it tests a bare parameter. */
function pinGuard(fn: FunctionIR, ix: AccessIndex, pins: IrEvent[]): number | undefined {
  let idx: number | undefined;
  for (const pin of pins) {
    const pos = ix.pos(fn, pin);
    if (!pos) return undefined;
    const preds = fn.blocks.filter((b) => b.succ.includes(pos.block));
    let found: number | undefined;
    for (const pb of preds) {
      const last = pb.events.at(-1);
      const m = last?.k === 'branch' ? /^\(\s*([A-Za-z_]\w*)\s*\)$/.exec(last.text) : null;
      if (m) {
        const i = fn.params.findIndex((p) => p.name === m[1]);
        if (i >= 0) found = i;
      }
    }
    if (found === undefined) return undefined;
    if (idx !== undefined && idx !== found) return undefined;
    idx = found;
  }
  return idx;
}

function isZero(t: string): boolean {
  return /^(0|false|NULL|0x0+)$/.test(t.trim());
}
function isNonZeroConst(t: string): boolean {
  return /^(true|[1-9]\d*|0x[0-9a-fA-F]*[1-9a-fA-F][0-9a-fA-F]*)$/.test(t.trim());
}

function escapes(ctx: CheckerContext, ix: AccessIndex): Map<string, Escape> {
  const p = ctx.program;
  const out = new Map<string, Escape>();
  // level A: returns a pointer derived from S while L is held on entry (taken by every caller)
  const levelA = new Map<string, { source: IrEvent & { k: 'load' }; cls: string; locks: string[]; pinParam?: number; ret: IrEvent }>();
  for (const fn of p.functions) {
    if (!fn.returnType.includes('*')) continue;
    const entry = exclusive(ix.entryHeld(fn.key));
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'return' || !e.value || isZero(e.value)) continue;
      for (const s of returnSources(fn, e)) {
        const cls = ix.cls(s.path);
        if (!sharedClass(cls) || !cls.includes('.')) continue;
        const root = rootOf(cls);
        // a reference taken on the returned object itself (`kref_get(&node->ref)`, `node->refcnt++`) pins it too
        const retVar = /^[A-Za-z_]\w*$/.test(e.value) ? e.value : undefined;
        const pinned = (x: IrEvent) => isPin(ix, x, root) || (!!retVar && pinsLocal(x, retVar));
        const pins: IrEvent[] = [];
        for (const b2 of fn.blocks) for (const x of b2.events) if (pinned(x)) pins.push(x);
        if (!reachableAvoiding(fn, e, pinned)) continue;
        // popped / detached: the function re-points the source after reading it (ownership moves to the caller)
        let detached = false;
        ix.walk(fn, s, (x) => detached || x === e, (x) => {
          if (x.k === 'store' && ix.cls(x.path) === cls) detached = true;
        });
        if (detached) continue;
        const pinParam = pins.length ? pinGuard(fn, ix, pins) : undefined;
        if (pins.length && pinParam === undefined) {
          // pinned on some paths only, not by a parameter: still escapes on the others
        }
        if (entry.length && !levelA.has(fn.key)) {
          levelA.set(fn.key, { source: s, cls, locks: entry, ret: e, ...(pinParam !== undefined ? { pinParam } : {}) });
        }
        // level B in one function: load under a local lock, released before the return
        const held = ix.held(fn);
        const atLoad = (held.get(s) ?? []).map((l) => l.cls).filter(Boolean);
        const atRet = new Set((held.get(e) ?? []).map((l) => l.cls));
        const dropped = exclusive(atLoad).filter((l) => !atRet.has(l) && !ix.entryHeld(fn.key).has(l));
        if (dropped.length && !out.has(fn.key)) {
          let rel: Loc | undefined;
          ix.walk(fn, s, (x) => !!rel, (x) => {
            if (!rel && x.k === 'release' && dropped.includes(x.lock.cls)) rel = x.loc;
          });
          if (rel) out.set(fn.key, { fn, source: s, sourceCls: cls, lockCls: dropped[0]!, chain: [{ fn: fn.name, loc: rel }], releaseLoc: rel, depth: 0, ...(pinParam !== undefined ? { pinParam } : {}) });
        }
      }
    }
  }
  // level B across a call: hold L, x = U(...), release L, return x
  const resolveArg = (callerFn: FunctionIR, call: IrEvent & { k: 'call' }, pinParam: number | undefined): { pinned: boolean; pinParam?: number } => {
    if (pinParam === undefined) return { pinned: false };
    const t = call.argText[pinParam] ?? '';
    if (isNonZeroConst(t)) return { pinned: true };
    if (isZero(t)) return { pinned: false };
    const i = callerFn.params.findIndex((q) => q.name === t.trim());
    return i >= 0 ? { pinned: false, pinParam: i } : { pinned: false };
  };
  for (const fn of p.functions) {
    if (!fn.returnType.includes('*')) continue;
    const held = ix.held(fn);
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'call' || !e.assignedTo) continue;
      const u = p.resolveCallee(fn, e.callee);
      const a = u ? levelA.get(u.key) : undefined;
      if (!u || !a) continue;
      const here = (held.get(e) ?? []).filter((l) => a.locks.includes(l.cls));
      if (!here.length) continue;
      const lock = here[0]!;
      // released before a return of the assigned value
      let rel: Loc | undefined;
      let retOk = false;
      ix.walk(fn, e, () => false, (x) => {
        if (x.k === 'release' && x.lock.cls === lock.cls && !rel) rel = x.loc;
        if (x.k === 'return' && x.value === e.assignedTo && rel) retOk = true;
      });
      if (!rel || !retOk) continue;
      const r = resolveArg(fn, e, a.pinParam);
      if (r.pinned) continue;
      const chain: ChainStep[] = [{ fn: fn.name, loc: e.loc }, { fn: u.name, loc: a.ret.loc }];
      if (!out.has(fn.key)) out.set(fn.key, { fn, source: a.source, sourceCls: a.cls, lockCls: lock.cls, chain: [{ fn: fn.name, loc: rel }], releaseLoc: rel, depth: 1, ...(r.pinParam !== undefined ? { pinParam: r.pinParam } : {}) });
      void chain;
    }
  }
  // wrappers: return E(...) / x = E(...); return x
  for (let round = 0; round < 3; round++) {
    for (const fn of p.functions) {
      if (out.has(fn.key) || !fn.returnType.includes('*')) continue;
      for (const b of fn.blocks) for (const e of b.events) {
        if (e.k !== 'return' || !e.value) continue;
        const m = /^([A-Za-z_]\w*)\s*\(/.exec(e.value);
        const v = e.value;
        let call: (IrEvent & { k: 'call' }) | undefined;
        for (const b2 of fn.blocks) for (const x of b2.events) {
          if (x.k !== 'call') continue;
          if ((m && x.callee === m[1] && x.loc.line === e.loc.line) || (x.assignedTo && x.assignedTo === v)) call = x;
        }
        if (!call) continue;
        const c = p.resolveCallee(fn, call.callee);
        const inner = c ? out.get(c.key) : undefined;
        if (!inner || out.has(fn.key)) continue;
        const r = resolveArg(fn, call, inner.pinParam);
        if (r.pinned) continue;
        const { pinParam: _drop, ...rest } = inner;
        out.set(fn.key, { ...rest, fn, chain: [{ fn: fn.name, loc: call.loc }, ...inner.chain], depth: inner.depth + 1, ...(r.pinParam !== undefined ? { pinParam: r.pinParam } : {}) });
      }
    }
  }
  return out;
}

function usesVar(e: IrEvent, v: string): boolean {
  const re = new RegExp(`\\b${v}\\b`);
  if (e.k === 'call') return e.argText.some((t) => re.test(t));
  if (e.k === 'load' || e.k === 'store') return e.path.root === `local:${v}` && e.path.fields.length > 0;
  if (e.k === 'free') return false;
  return false;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const wi = writeIndex(p);
  const esc = escapes(ctx, ix);
  if (!esc.size) return [];
  // frees of the source state under the lock: free(entry->vaddr_base)
  const freesBy = new Map<string, WriteSite[]>();
  for (const fn of p.functions) for (const b of fn.blocks) for (const e of b.events) {
    if (e.k !== 'free' || e.kind === 'put' || !e.path.fields.length) continue;
    const cls = ix.cls(e.path);
    const l = freesBy.get(cls) ?? [];
    l.push({ fn, e, acc: { path: e.path, read: false, write: true, kind: 'plain', ordering: 'relaxed', returns: false, op: e.api }, held: ix.heldClasses(fn, e) });
    freesBy.set(cls, l);
  }
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const seen = new Set<string>();
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'call' || !e.assignedTo) continue;
      const c = p.resolveCallee(fn, e.callee);
      const x = c ? esc.get(c.key) : undefined;
      if (!c || !x || seen.has(c.key)) continue;
      if (x.pinParam !== undefined) {
        const t = e.argText[x.pinParam] ?? '';
        if (!isZero(t)) continue; // pinned unless the caller passes 0
      }
      // still under the lock here? then the use is protected
      if (ix.heldClasses(fn, e).has(x.lockCls)) continue;
      let use: IrEvent | undefined;
      const v = e.assignedTo;
      ix.walk(fn, e, (y) => !!use || (y.k === 'call' && y.assignedTo === v) || (y.k === 'load' && y.into === v), (y) => {
        if (!use && y !== e && usesVar(y, v)) use = y;
      });
      if (!use) continue;
      const frees = (freesBy.get(x.sourceCls) ?? []).filter((w) => w.held.has(x.lockCls));
      const stores = (wi.byClass.get(x.sourceCls) ?? []).filter((w) => w.held.has(x.lockCls) && w.acc.kind !== 'list');
      const damage = [...frees, ...stores.filter((s) => !frees.some((f) => f.fn === s.fn))];
      if (!damage.length) continue;
      seen.add(c.key);
      const score = frees.length ? 3 : 2;
      out.push({ user: fn, call: e, use, esc: x, damage, frees: frees.length > 0, score });
    }
  }
  // uses in the escaping function's own body are covered by the callers; intra-function uses:
  for (const x of esc.values()) {
    if (x.depth !== 0) continue;
    void x;
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const x = c.esc;
  // using path: entry -> user (call) -> escaper chain down to the unlock, then the use back in user
  const up = ix.callerPath(c.user.key);
  const steps: WitnessStep[] = [];
  steps.push(...chainSteps([...up, { fn: c.user.name, loc: c.call.loc }], `call ${c.call.callee}`, ctx.source));
  const down = chainSteps(x.chain, `release ${x.lockCls}: the pointer from ${x.sourceCls} leaves the lock unpinned`, ctx.source);
  const srcStep = chainSteps([{ fn: ctx.program.functions.find((f) => f.loc.file === x.source.loc.file && f.loc.line <= x.source.loc.line && f.endLine >= x.source.loc.line)?.name ?? x.fn.name, loc: x.source.loc }], `load ${x.sourceCls} under ${x.lockCls}`, ctx.source);
  steps.push(...down.slice(0, -1), ...srcStep, ...down.slice(-1));
  steps.push(...chainSteps([{ fn: c.user.name, loc: c.use.loc }], `use the pointer after ${x.lockCls} was released`, ctx.source));
  const callChain: string[] = [];
  for (const s of [...up.map((u) => u.fn), c.user.name, ...x.chain.map((s) => s.fn), srcStep[0]!.function]) if (!callChain.includes(s)) callChain.push(s);
  const using: WitnessPath = { label: 'using path', callChain, steps };
  const witness: WitnessPath[] = [using];
  const seenFn = new Set<string>();
  for (const d of c.damage) {
    if (seenFn.has(d.fn.key) || seenFn.size >= 2) continue;
    seenFn.add(d.fn.key);
    witness.push(sidePath(seenFn.size === 1 ? 'invalidating path' : 'invalidating path (also)', ix, d.fn, [{ loc: d.e.loc, event: `${d.acc.op} ${x.sourceCls} under ${x.lockCls}` }], ctx.source));
  }
  const d0 = c.damage[0]!;
  ctx.report({
    file: c.use.loc.file,
    line: c.use.loc.line,
    col: c.use.loc.col,
    function: c.user.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [x.lockCls],
    message: `${c.user.name} uses the pointer returned by ${c.call.callee}() (line ${c.call.loc.line}) after ${x.lockCls} is released in ${x.chain.at(-1)!.fn} (line ${x.releaseLoc.line}), with nothing pinning it, while ${d0.fn.name} ${c.frees ? 'frees' : 'changes'} ${x.sourceCls} under ${x.lockCls} (line ${d0.e.loc.line}): the pointer can be remapped or freed under the user`,
    witness,
    fingerprint: [x.sourceCls, x.lockCls, c.user.name, c.call.callee, normalizeCode(ctx.source.line(c.use.loc.file, c.use.loc.line))],
    extra: { score: c.score, locations: [x.sourceCls] },
  });
}

export const USE_AFTER_UNLOCK_THRESHOLD = 3;
export const [useAfterUnlock, useAfterUnlockLowconf] = scoredRules<Cand>({
  id: 'use-after-unlock',
  category: 'lifetime',
  severity: 'error',
  description: 'A pointer obtained under a lock used after the unlock, unpinned, while other paths free or remap what it points to under that lock.',
  lowDescription: 'Lower-confidence use-after-unlock (other paths only re-point the source under the lock, no free seen); off by default.',
  threshold: USE_AFTER_UNLOCK_THRESHOLD,
  candidates,
  report,
});

export type { AccessPath };
