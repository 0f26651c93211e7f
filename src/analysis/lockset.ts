// Lockset dataflow over one function's CFG, using callee summaries at call sites.
// Per lock instance the lattice is held / released / mixed. Each block keeps up to
// MAX_PATH_STATES distinct path states (a state also carries what branches assumed about
// flags and call results, so `if (x) lock(); ... if (x) unlock();` pairs up and infeasible
// paths are dropped); past that bound they are joined, differing locks becoming mixed.
// Lock order (acquisitions) is read from the join of a block's path states: only locks held
// on every path order later ones. Releases and returns are recorded per path.
import { reversePostorder } from '../ir/cfg.js';
import type { AccessPath, CallEvent, FunctionIR, IrEvent, Loc, LockRef } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import type { TypeEnv } from './type-env.js';
import type { WaitTarget } from './wait-targets.js';
import {
  instKey,
  type Acq,
  type ChainStep,
  type FunctionLocks,
  type LockEntry,
  type NeedFact,
  type Requirement,
  type Summary,
} from './summary-types.js';

export interface LocksetContext {
  env: TypeEnv;
  rules: RuleSet;
  resolveCallee(caller: FunctionIR, name: string): FunctionIR | undefined;
  /** Functions an indirect call may run (function-pointer tables); none when unknown. */
  indirectTargets?(caller: FunctionIR, e: CallEvent): FunctionIR[];
  /**
   * Lock classes that the implementations of an indirect call's sibling hooks (any member of
   * the same ops struct type) release themselves: a hook returning holding one of them is a
   * claim the table's release hook pairs.
   */
  hookReleases?(e: CallEvent): Set<string> | undefined;
  /** Callbacks a call waits for, or handlers it may fault into: their locks are taken here. */
  waitTargets?(caller: FunctionIR, e: CallEvent): WaitTarget[];
  summaries: Map<string, Summary>;
}

type State = Map<string, LockEntry>;

const MAX_SUMMARY_ACQUIRES = 64;
const MAX_PATH_STATES = 8;

/**
 * mapLock + lockKey per (call site, summary lock), cached: the fixpoint visits call sites
 * many times. Only a lock named through a parameter depends on the site's arguments; every
 * other summary lock maps the same way at every call of its function, so it is cached once
 * per lock, not once per call site.
 */
const siteCache = new WeakMap<object, Map<LockRef, { lock: LockRef; key: string }>>();
const lockCache = new WeakMap<LockRef, { callee: string; lock: LockRef; key: string }>();
export function mappedAt(e: { args: (AccessPath | null)[] }, l: LockRef, callee: string, env: TypeEnv): { lock: LockRef; key: string } {
  if (!l.inst.root.startsWith('param:')) {
    let r = lockCache.get(l);
    if (!r || r.callee !== callee) {
      const lock = mapLock(l, e.args, callee, env);
      lockCache.set(l, (r = { callee, lock, key: lockKey(lock) }));
    }
    return r;
  }
  let m = siteCache.get(e);
  if (!m) siteCache.set(e, (m = new Map()));
  let r = m.get(l);
  if (!r) {
    const lock = mapLock(l, e.args, callee, env);
    r = { lock, key: lockKey(lock) };
    m.set(l, r);
  }
  return r;
}

export function lockKey(l: LockRef): string {
  return `${l.cls || '?'}|${instKey(l.inst)}`;
}

function pathText(p: AccessPath, base: string, from: number): string {
  let s = base;
  for (let i = from; i < p.fields.length; i++) {
    const f = p.fields[i]!;
    s = f === '[]' ? (p.arrows[i] ? `(*${s})` : `${s}[]`) : s + (p.arrows[i] ? '->' : '.') + f;
  }
  return s;
}

/** Rewrites a callee-relative lock into the caller's terms at one call site. */
export function mapLock(l: LockRef, args: (AccessPath | null)[], callee: string, env: TypeEnv): LockRef {
  const r = l.inst.root;
  if (r.startsWith('param:')) {
    const a = args[Number(r.slice(6))];
    if (a) {
      // `f2fs_down_write(&sbi->cp_rwsem)` with `down_write(&sem->internal_rwsem)` inside: the
      // callee's first `->` dereferences `&sbi->cp_rwsem`, i.e. it is a `.` on the caller's object
      const calleeArrows = [...l.inst.arrows];
      if (calleeArrows.length && a.text.trimStart().startsWith('&')) calleeArrows[0] = false;
      const inst: AccessPath = {
        root: a.root,
        fields: [...a.fields, ...l.inst.fields],
        arrows: [...a.arrows, ...calleeArrows],
        text: pathText(l.inst, a.text.replace(/^&/, ''), 0),
        ...(a.rootType ? { rootType: a.rootType } : {}),
        ...(a.rootArgs !== undefined ? { rootArgs: a.rootArgs } : {}),
      };
      // the caller names the object more precisely than the wrapper's parameter type does
      return { cls: env.classOf(inst) || l.cls, inst };
    }
    return { cls: l.cls, inst: { ...l.inst, root: `?${callee}:${r}` } };
  }
  if (r.startsWith('global:')) return l;
  // callee-internal instance: same class, an instance the caller cannot name
  return { cls: l.cls, inst: { ...l.inst, root: r.startsWith('@') ? r : `@${callee}:${r}` } };
}

// Literals held by locals ride along in the state under '=name' keys (see 'assign').
const isConst = (k: string) => k.charCodeAt(0) === 61; /* '=' */

function constEntry(name: string, value: string, loc: Loc): LockEntry {
  const inst: AccessPath = { root: `local:${name}`, fields: [], arrows: [], text: value };
  return { key: `=${name}`, lock: { cls: '', inst }, mode: 'exclusive', irq: 'none', nested: false, try: false, noOrder: true, api: 'assign', chain: [{ fn: '', loc }], status: 'held' };
}

function join(a: State, b: State): State {
  const out: State = new Map();
  for (const [k, ea] of a) {
    const eb = b.get(k);
    if (isConst(k)) {
      if (eb && eb.lock.inst.text === ea.lock.inst.text) out.set(k, ea);
      continue;
    }
    // released on both paths, but only one released a caller's lock: the caller cannot know
    if (eb && eb.status === ea.status && !!eb.dropped === !!ea.dropped && eb.condOn === ea.condOn && (eb.nest ?? 0) === (ea.nest ?? 0)) out.set(k, ea.chain.length <= eb.chain.length ? ea : eb);
    else out.set(k, { ...ea, status: 'mixed', ...(ea.dropped || eb?.dropped ? { dropped: true } : {}) });
  }
  for (const [k, eb] of b) if (!a.has(k) && !isConst(k)) out.set(k, { ...eb, status: 'mixed' });
  return out;
}

/** A path state's identity: lock statuses and the values branches assumed. */
const sigs = new WeakMap<State, string>();
function fullSig(s: State): string {
  // a state is not changed once made (transferBlock copies before writing): one signature each
  let out = sigs.get(s);
  if (out !== undefined) return out;
  out = '';
  for (const [k, e] of s) out += isConst(k) ? `${k}:${e.lock.inst.text};` : `${k}=${e.status}${e.dropped ? 'd' : ''}${e.nest ? `+${e.nest}` : ''}${e.condOn ? `?${e.condOn}` : ''};`;
  sigs.set(s, out);
  return out;
}

type PathSet = { states: State[]; sigs: Set<string>; gen: number };

/** Adds path states to a block's set; past the bound the set is joined into one state. Returns whether it changed. */
function addStates(set: PathSet, add: State[]): boolean {
  let changed = false;
  for (const st of add) {
    const sig = fullSig(st);
    if (set.sigs.has(sig)) continue;
    set.states.push(st);
    set.sigs.add(sig);
    changed = true;
  }
  if (set.states.length > MAX_PATH_STATES) {
    const j = set.states.reduce((a, b) => join(a, b));
    const sig = fullSig(j);
    set.states = [j];
    set.gen++;
    // a joined state already seen (and superseded) means nothing new
    changed = !set.sigs.has(`J${sig}`);
    set.sigs = new Set([sig, `J${sig}`]);
  }
  return changed;
}

/** Finds the entry a release refers to: the same instance, else the only held lock of that class. */
/** An instance the code cannot name the same way twice: taken inside a callee, unknown, or a call result. */
function anonymous(l: LockRef): boolean {
  const r = l.inst.root;
  return r.startsWith('@') || r.startsWith('?') || r.startsWith('ret:');
}

function findEntry(state: State, key: string, lock: LockRef): [string, LockEntry] | undefined {
  const e = state.get(key);
  if (e) return [key, e];
  if (!lock.cls) return undefined;
  // same class, different spelling: only when one side is an instance with no stable name
  // (`p = lock_parent(d); ... spin_unlock(&p->d_lock)`), never two differently named objects
  const anon = anonymous(lock);
  let found: [string, LockEntry] | undefined;
  let held: [string, LockEntry] | undefined;
  let heldCount = 0;
  let count = 0;
  for (const [k, v] of state) {
    if (v.lock.cls === lock.cls && v.status !== 'released' && (anon || anonymous(v.lock))) {
      count++;
      found ??= [k, v];
      if (v.status === 'held') {
        heldCount++;
        held ??= [k, v];
      }
    }
  }
  if (count === 1) return found;
  // several candidates, one of them surely held and the others only maybe held (a deep
  // callee's conditional acquisition passed on as 'mixed'): the release is of the one this
  // path surely holds, not left unmatched (which reported the surely-held one as leaked)
  return heldCount === 1 ? held : undefined;
}

function exactEntry(state: State, key: string): [string, LockEntry] | undefined {
  const e = state.get(key);
  return e ? [key, e] : undefined;
}

/** Whether a call can change or order locks at all (its summary, or a possible target's, is not empty). */
function lockingCallee(fn: FunctionIR, e: CallEvent, ctx: LocksetContext): boolean {
  if (ctx.waitTargets?.(fn, e).some((t) => (ctx.summaries.get(t.fn.key)?.acquires.length ?? 0) > 0)) return true;
  if (e.via) {
    return !!ctx.indirectTargets?.(fn, e).some((t) => {
      const s = ctx.summaries.get(t.key);
      return !!s && (s.acquires.length > 0 || s.releasesHeld.length > 0);
    });
  }
  const c = ctx.resolveCallee(fn, e.callee);
  const s = c ? ctx.summaries.get(c.key) : undefined;
  return !!s && (s.acquires.length > 0 || s.returnsHolding.length > 0 || s.releasesHeld.length > 0 || !!s.mayRelease?.length || !!s.mayAcquire?.length || !!s.condHolding?.length || !!s.requires?.length);
}

export function runLockset(fn: FunctionIR, ctx: LocksetContext): { facts: FunctionLocks; summary: Summary } {
  const { blocks } = fn;
  const hasLockWork = blocks.some((b) => b.events.some((e) => e.k === 'acquire' || e.k === 'release' || (e.k === 'call' && lockingCallee(fn, e, ctx))));
  const facts: FunctionLocks = { acquires: [], releases: [], returns: [] };
  if (!hasLockWork) {
    for (const b of blocks) for (const e of b.events) if (e.k === 'return') facts.returns.push({ fn: fn.name, loc: e.loc, ...(e.value !== undefined ? { value: e.value } : {}), state: [] });
    return { facts, summary: { acquires: [], returnsHolding: [], releasesHeld: [] } };
  }

  const entry: (PathSet | undefined)[] = new Array(blocks.length);
  entry[0] = { states: [new Map()], sigs: new Set([fullSig(new Map())]), gen: 0 };
  const order = reversePostorder(fn);
  // without a back edge one pass in reverse postorder is exact: every block's predecessors
  // are final before it is visited
  const pos = new Int32Array(blocks.length);
  order.forEach((id, i) => (pos[id] = i));
  const acyclic = order.every((id) => blocks[id]!.succ.every((s) => pos[s]! > pos[id]!));
  if (acyclic) {
    recordAcyclic(fn, order, entry, ctx, facts);
    return { facts, summary: summarize(fn, facts) };
  }
  // fixpoint without recording; a block's states are re-run only when its set changed
  const done = new Array<number>(blocks.length).fill(0);
  const doneGen = new Array<number>(blocks.length).fill(0);
  let changed = true;
  let rounds = 0;
  while (changed && rounds++ < 50) {
    changed = false;
    for (const id of order) {
      const set = entry[id];
      if (!set) continue;
      const rejoined = set.gen !== doneGen[id];
      const fresh = rejoined ? set.states : set.states.slice(done[id]);
      doneGen[id] = set.gen;
      done[id] = set.states.length;
      if (!fresh.length) continue;
      const out: State[] = [];
      for (const st of fresh) {
        const o = transferBlock(fn, id, st, ctx, null);
        if (o) out.push(o);
      }
      if (!out.length) continue;
      for (const s of blocks[id]!.succ) {
        const next = (entry[s] ??= { states: [], sigs: new Set(), gen: 0 });
        if (addStates(next, out)) changed = true;
      }
    }
  }
  recordFacts(fn, order, entry, ctx, facts);
  return { facts, summary: summarize(fn, facts) };
}

/**
 * Records the checkers' facts. Acquisitions (lock order, recursion, the summary's lock list)
 * are recorded once per block from the join of its path states, so only locks held on every
 * path order later ones; releases and returns are recorded once per path state, so a leak or
 * double unlock on one path (`goto out` from an error path that forgot to unlock) is not
 * hidden by a merge.
 */
function recordFacts(fn: FunctionIR, order: number[], entry: (PathSet | undefined)[], ctx: LocksetContext, facts: FunctionLocks): void {
  const { blocks } = fn;
  for (const id of order) {
    const set = entry[id];
    if (!set?.states.length) continue;
    if (set.states.length === 1) {
      transferBlock(fn, id, set.states[0]!, ctx, facts);
      continue;
    }
    const relevant = blocks[id]!.events.some((ev) => ev.k === 'return' || ev.k === 'release' || ev.k === 'call' || ev.k === 'acquire');
    if (!relevant) continue;
    const merged: FunctionLocks = { acquires: [], releases: [], returns: [] };
    transferBlock(fn, id, set.states.reduce((a, b) => join(a, b)), ctx, merged);
    facts.acquires.push(...merged.acquires);
    for (const a of merged.taken?.values() ?? []) noteTaken(facts, a);
    if (merged.mayReleases?.length) (facts.mayReleases ??= []).push(...merged.mayReleases);
    const seen = new Set<string>();
    for (const st of set.states) {
      const split: FunctionLocks = { acquires: [], releases: [], returns: [] };
      transferBlock(fn, id, st, ctx, split);
      keepSplit(facts, split, seen);
    }
  }
}

/**
 * Without a back edge, one pass in reverse postorder both propagates and records: a block's
 * path states are final when it is visited, and the states it hands on are the ones its
 * recording runs compute (recording never changes a state), so each is run once, not once
 * for the fixpoint and again for recordFacts. Records exactly what recordFacts would.
 */
function recordAcyclic(fn: FunctionIR, order: number[], entry: (PathSet | undefined)[], ctx: LocksetContext, facts: FunctionLocks): void {
  const { blocks } = fn;
  for (const id of order) {
    const set = entry[id];
    if (!set?.states.length) continue;
    const out: State[] = [];
    if (set.states.length === 1) {
      const o = transferBlock(fn, id, set.states[0]!, ctx, facts);
      if (o) out.push(o);
    } else if (!blocks[id]!.events.some((ev) => ev.k === 'return' || ev.k === 'release' || ev.k === 'call' || ev.k === 'acquire')) {
      for (const st of set.states) {
        const o = transferBlock(fn, id, st, ctx, null);
        if (o) out.push(o);
      }
    } else {
      const merged: FunctionLocks = { acquires: [], releases: [], returns: [] };
      transferBlock(fn, id, set.states.reduce((a, b) => join(a, b)), ctx, merged);
      facts.acquires.push(...merged.acquires);
      for (const a of merged.taken?.values() ?? []) noteTaken(facts, a);
      if (merged.mayReleases?.length) (facts.mayReleases ??= []).push(...merged.mayReleases);
      const seen = new Set<string>();
      for (const st of set.states) {
        const split: FunctionLocks = { acquires: [], releases: [], returns: [] };
        const o = transferBlock(fn, id, st, ctx, split);
        if (o) out.push(o);
        keepSplit(facts, split, seen);
      }
    }
    if (!out.length) continue;
    for (const s of blocks[id]!.succ) addStates((entry[s] ??= { states: [], sigs: new Set(), gen: 0 }), out);
  }
}

/** A path state's releases and returns, each kept once per block. */
function keepSplit(facts: FunctionLocks, split: FunctionLocks, seen: Set<string>): void {
  for (const r of split.releases) {
    const k = `${r.key}|${r.chain[0]!.loc.line}:${r.chain[0]!.loc.col}|${r.before}|${r.prev?.releasedAt?.[0]?.loc.line ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    facts.releases.push(r);
  }
  for (const r of split.returns) {
    const k = `R${r.loc.line}:${r.loc.col}|${r.literal ?? ''}|${r.state.map((x) => `${x.key}=${x.status}${x.dropped ? 'd' : ''}`).join(',')}`;
    if (seen.has(k)) continue;
    seen.add(k);
    facts.returns.push(r);
  }
  for (const n of split.needs ?? []) {
    const k = `N${n.key}|${n.chain[0]!.loc.line}:${n.chain[0]!.loc.col}|${n.chain.length}|${n.status}|${n.prev?.releasedAt?.[0]?.loc.line ?? ''}|${n.sameClass ? 's' : ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    (facts.needs ??= []).push(n);
  }
}

function acqOf(fnName: string, e: Extract<IrEvent, { k: 'acquire' }>, ctx: LocksetContext): Acq {
  const api = ctx.rules.locks.get(e.api);
  return {
    key: lockKey(e.lock),
    lock: e.lock,
    mode: e.mode,
    irq: e.irq,
    nested: e.nested,
    try: e.try,
    noOrder: api?.noOrder ?? false,
    // the tree's own declaration (on the event) wins over a rules table's level
    ...(e.level !== undefined ? { level: e.level } : e.levels ? { levels: e.levels, ...(e.levelBy ? { levelBy: e.levelBy } : {}) } : api?.level !== undefined ? { level: api.level } : {}),
    api: e.api,
    chain: [{ fn: fnName, loc: e.loc }],
    ...(e.guard ? { guard: e.guard } : {}),
  };
}

const UNLOCKISH = /unlock|release/i;
const FALSY = new Set(['0', 'false', 'NULL']);
const TRUTHY = new Set(['1', 'true']);

/**
 * A callee acquisition guarded by one of its parameters, seen from a call site: 'skip' when
 * the argument is a literal that turns the lock off, else the guard in the caller's terms.
 */
function guardAtCall(a: Acq, args: (AccessPath | null)[], argText: string[]): 'skip' | Acq['guard'] | undefined {
  const g = a.guard;
  if (!g) return undefined;
  const t = argText[g.param]?.trim();
  if (t !== undefined && (FALSY.has(t) || TRUTHY.has(t))) return TRUTHY.has(t) === g.value ? undefined : 'skip';
  const arg = args[g.param];
  if (arg && arg.root.startsWith('param:') && arg.fields.length === 0) return { param: Number(arg.root.slice(6)), value: g.value };
  return undefined;
}

/**
 * `name` points elsewhere now: locks named through it are no longer these. With `loopLine` (an
 * argument of an iteration macro at that line, which may be the container rather than the
 * cursor), a lock on it held since before the loop stays: the macro walks that locked object,
 * a cursor's lock would be taken inside the loop.
 */
function forgetLocal(state: State, own: () => State, name: string, loopLine?: number): void {
  const root = `local:${name}`;
  let gone: string[] | undefined;
  for (const [k, v] of state) {
    if (v.lock.inst.root !== root || isConst(k)) continue;
    if (loopLine !== undefined && v.status === 'held' && v.chain[0]!.loc.line < loopLine) continue;
    (gone ??= []).push(k);
  }
  if (gone) for (const k of gone) own().delete(k);
}

/** A lock taken again while held: its next release is the inner one. */
function nested(prior: LockEntry | undefined): { nest?: number } {
  return prior?.status === 'held' ? { nest: (prior.nest ?? 0) + 1 } : {};
}

/**
 * The inner release of a nested hold. Back at the outer hold the entry carries no depth, so a
 * loop that takes and puts a recursive lock once per iteration joins its back edge with the
 * entry state as the same hold (not as "maybe released").
 */
function unnest(e: LockEntry): LockEntry {
  const { nest, ...rest } = e;
  return nest && nest > 1 ? { ...rest, nest: nest - 1 } : rest;
}

/** Truth of a value a local holds: `0`, `NULL`, `false` are false; other literals true. */
function truthOf(v: string): boolean | undefined {
  if (FALSY.has(v)) return false;
  if (v === '!0' || TRUTHY.has(v) || /^-?\s*(\d+|0x[0-9a-fA-F]+|E[A-Z0-9]+)$/.test(v)) return true;
  return undefined;
}

const words = new Map<string, RegExp>();
/** `name` as a whole word (the fixpoint forgets the same few names many times). */
function wordRegExp(name: string): RegExp {
  let r = words.get(name);
  if (!r) {
    if (words.size > 4096) words.clear();
    words.set(name, (r = new RegExp(`(^|[^\\w])${name}($|[^\\w])`)));
  }
  return r;
}

/** `name` changed: what branches assumed about it, and about conditions naming it, is gone. */
function forgetValue(state: State, own: () => State, name: string): void {
  let gone: string[] | undefined;
  let word: RegExp | undefined;
  for (const [k, v] of state) {
    if (!isConst(k)) {
      if (v.condOn === name) (gone ??= []).push(k);
      continue;
    }
    if (k === `=${name}` || (k.charCodeAt(1) === 35 /* # */ && k.includes(name) && (word ??= wordRegExp(name)).test(k.slice(2)))) (gone ??= []).push(k);
  }
  if (!gone) return;
  const st = own();
  for (const k of gone) {
    const v = st.get(k)!;
    if (isConst(k)) st.delete(k);
    else {
      const { condOn: _o, condWhen: _w, condPrior: _p, ...rest } = v;
      st.set(k, rest);
    }
  }
}

/** A store to `text` (`p->flags = x`): conditions that read it no longer hold. */
function forgetText(state: State, own: () => State, text: string): void {
  const t = text.replace(/\s+/g, '');
  let gone: string[] | undefined;
  for (const k of state.keys()) if (k.charCodeAt(1) === 35 /* # */ && k.includes(t)) (gone ??= []).push(k);
  if (gone) for (const k of gone) own().delete(k);
}

/** A point needing `lock` held, on the path `state` is. */
function needAt(state: State, name: string, block: number, lock: LockRef, key: string, chain: ChainStep[], always: boolean): NeedFact {
  const prev = state.get(key);
  let sameClass: LockEntry | undefined;
  if (lock.cls) {
    for (const [k, v] of state) {
      if (k !== key && !isConst(k) && v.lock.cls === lock.cls && v.status !== 'released') {
        sameClass = v;
        break;
      }
    }
  }
  return { fn: name, block, key, lock, chain, always, status: prev?.status ?? 'untouched', ...(prev ? { prev } : {}), ...(sameClass ? { sameClass } : {}) };
}

/** Caller-held locks this function has released and not re-taken by now. */
function droppedNow(state: State): LockRef[] {
  const out: LockRef[] = [];
  for (const e of state.values()) if (e.dropped && e.status !== 'held' && !isConst(e.key)) out.push(e.lock);
  return out;
}

function heldList(state: State): LockEntry[] {
  const out: LockEntry[] = [];
  for (const e of state.values()) if (e.status === 'held' && !isConst(e.key)) out.push(e);
  return out;
}

/**
 * Runs one block. The input map is never changed: it is copied on the first write, so a
 * block that touches no lock (most blocks) hands its input on unchanged.
 */
function transferBlock(fn: FunctionIR, id: number, input: State, ctx: LocksetContext, facts: FunctionLocks | null): State | null {
  let state: State = input;
  let owned = false;
  const own = (): State => {
    if (!owned) {
      state = new Map(state);
      owned = true;
    }
    return state;
  };
  const name = fn.name;
  for (const e of fn.blocks[id]!.events) {
    if ((e.k === 'acquire' || e.k === 'release') && e.onlyIf) {
      // a lock macro that acts only in one mode of a global flag (`if (!lock_all) spin_lock(l)`):
      // nothing on a path that knows the other mode; else this path is in the mode where it acts
      const k = `=${e.onlyIf.name}`;
      const truth = truthOf(state.get(k)?.lock.inst.text ?? '');
      if (truth !== undefined && truth !== e.onlyIf.value) continue;
      if (truth === undefined) own().set(k, constEntry(e.onlyIf.name, e.onlyIf.value ? '!0' : '0', e.loc));
    }
    switch (e.k) {
      case 'acquire': {
        if (e.assumed) {
          // asserted held: the caller's lock, held from here on; later acquisitions order after
          // it, but it is neither taken here nor part of this function's summary
          const k = lockKey(e.lock);
          if (facts) (facts.needs ??= []).push(needAt(state, name, id, e.lock, k, [{ fn: name, loc: e.loc }], true));
          if (state.get(k)?.status !== 'held') own().set(k, { ...acqOf(name, e, ctx), status: 'held', dropped: true, assumed: true });
          break;
        }
        const acq = acqOf(name, e, ctx);
        const prior = state.get(acq.key);
        // re-taking a caller's lock this function dropped (not one still held: asserted held
        // and taken again is recursion)
        if (prior?.dropped && prior.status !== 'held') acq.retake = true;
        const dropped = droppedNow(state);
        if (dropped.length) acq.droppedBefore = dropped;
        if (facts) {
          const again = state.get(acq.key);
          facts.acquires.push({ fn: name, acq, held: heldList(state), ...(again?.status === 'held' ? { again } : {}) });
          noteTaken(facts, acq);
        }
        if (e.condOn) {
          // a trylock (macro) result tested later: held on the branch that says it succeeded;
          // an acquisition that returns its object (not a trylock) is held unless a branch finds it NULL
          if (prior?.status === 'held') break;
          own().set(acq.key, { ...acq, status: e.try ? 'mixed' : 'held', condOn: e.condOn, condWhen: e.condWhen ?? true, ...(prior ? { condPrior: prior } : {}) });
          break;
        }
        own().set(acq.key, { ...acq, status: 'held', ...(prior?.dropped ? { dropped: true } : {}), ...nested(prior) });
        break;
      }
      case 'release': {
        const key = lockKey(e.lock);
        const found = findEntry(state, key, e.lock);
        const chain: ChainStep[] = [{ fn: name, loc: e.loc }];
        if (found?.[1].nest) {
          // the inner of two nested acquisitions (a recursive lock taken again by a callee)
          own().set(found[0], unnest(found[1]));
          break;
        }
        if (facts) facts.releases.push({ fn: name, key: found?.[0] ?? key, lock: e.lock, chain, before: found?.[1].status ?? 'untouched', ...(found ? { prev: found[1] } : {}) });
        if (found) own().set(found[0], { ...found[1], status: 'released', releasedAt: chain });
        else own().set(key, { key, lock: e.lock, mode: e.mode, irq: 'none', nested: false, try: false, noOrder: false, api: e.api, chain, status: 'released', releasedAt: chain, dropped: true });
        break;
      }
      case 'load':
        if (e.into && state.size) {
          forgetLocal(state, own, e.into);
          forgetValue(state, own, e.into);
        }
        break;
      case 'store':
        if (state.size) forgetText(state, own, e.path.text);
        break;
      case 'assume': {
        const k = `=${e.name}`;
        const known = state.get(k);
        const truth = known ? truthOf(known.lock.inst.text) : undefined;
        if (!e.weak && truth !== undefined && truth !== e.value) return null; // this path cannot take this edge
        if (!e.weak && truth === undefined) own().set(k, constEntry(e.name, e.value ? '!0' : '0', e.loc));
        // a call that returns whether it took a lock, tested here
        for (const [lk, v] of state) {
          if (v.condOn !== e.name) continue;
          const { condOn: _o, condWhen: _w, condPrior: prior, ...rest } = v;
          if (v.condWhen === e.value) own().set(lk, { ...rest, status: 'held' });
          else if (prior) own().set(lk, prior);
          else own().delete(lk);
        }
        break;
      }
      case 'call': {
        // a must-hold callee: what this path holds of the locks it requires, before the call
        if (facts && !e.callee.startsWith('*')) {
          const c = ctx.resolveCallee(fn, e.callee);
          const req = c ? ctx.summaries.get(c.key)?.requires : undefined;
          if (req) {
            for (const r of req) {
              const { lock, key } = mappedAt(e, r.lock, c!.name, ctx.env);
              if (!anonymous(lock)) (facts.needs ??= []).push(needAt(state, name, id, lock, key, [{ fn: name, loc: e.loc }, ...r.chain], r.always));
            }
          }
        }
        // `x = f()` and `f(&x)` point x at another object: locks named through x are no longer these
        if (e.assignedTo && state.size) {
          forgetLocal(state, own, e.assignedTo);
          forgetValue(state, own, e.assignedTo);
        }
        if (state.size) {
          for (const t of e.argText) {
            if (t.charCodeAt(0) !== 38 /* & */) continue;
            const m = /^&\s*([A-Za-z_]\w*)$/.exec(t);
            if (m) {
              forgetLocal(state, own, m[1]!);
              forgetValue(state, own, m[1]!);
            }
          }
        }
        if (facts && ctx.waitTargets) {
          for (const t of ctx.waitTargets(fn, e)) {
            const ts = waitedSummary(ctx.summaries.get(t.fn.key), ctx.rules);
            if (ts?.acquires.length) callAcquires(name, e, t.fn, ts, state, facts, ctx, t);
          }
        }
        if (e.callee.startsWith('*')) {
          // an indirect `...unlock(obj)` / `...release(obj)`: obj's locks are no longer known held
          if (UNLOCKISH.test(e.callee)) {
            const roots = new Set(e.args.filter((a): a is AccessPath => !!a).map((a) => a.root));
            for (const [k, v] of state) if (v.status === 'held' && roots.has(v.lock.inst.root)) own().set(k, { ...v, status: 'mixed' });
          }
          // what the functions it may run take orders after what is held here (lock order,
          // recursion); which one runs is unknown, so the held/released state is left alone
          if (e.via && ctx.indirectTargets) {
            const targets = ctx.indirectTargets(fn, e);
            if (facts) {
              for (const t of targets) {
                const ts = ctx.summaries.get(t.key);
                if (ts?.acquires.length) callAcquires(name, e, t, ts, state, facts, ctx);
              }
            }
            hookEffects(name, e, targets, state, own, ctx);
          }
          break;
        }
        const callee = ctx.resolveCallee(fn, e.callee);
        const s = callee ? ctx.summaries.get(callee.key) : undefined;
        if (!s || !callee) break;
        const site: ChainStep = { fn: name, loc: e.loc };
        const mapped = (l: LockRef) => mappedAt(e, l, callee.name, ctx.env);
        if (facts) callAcquires(name, e, callee, s, state, facts, ctx);
        for (const r of s.releasesHeld) {
          const { lock, key } = mapped(r.lock);
          const found = findEntry(state, key, lock);
          const chain = [site, ...r.chain];
          if (found?.[1].nest) {
            own().set(found[0], unnest(found[1]));
            continue;
          }
          if (facts) facts.releases.push({ fn: name, key: found?.[0] ?? key, lock, chain, before: found?.[1].status ?? 'untouched', ...(found ? { prev: found[1] } : {}) });
          if (found) own().set(found[0], { ...found[1], status: 'released', releasedAt: chain });
          else own().set(key, { key, lock, mode: 'exclusive', irq: 'none', nested: false, try: false, noOrder: false, api: callee.name, chain, status: 'released', releasedAt: chain, dropped: true });
        }
        for (const r of s.mayRelease ?? []) {
          const { lock, key } = mapped(r.lock);
          // a lock the callee may drop on some path, on an object it finds itself (not reached
          // through our arguments: `@callee:` instance), is not shown to be one we hold
          const found = key.includes('|@') ? exactEntry(state, key) : findEntry(state, key, lock);
          if (found && found[1].status === 'held') own().set(found[0], { ...found[1], status: 'mixed' });
          if (facts && (!found || found[1].dropped)) (facts.mayReleases ??= []).push({ key, lock });
        }
        for (const h of s.mayAcquire ?? []) {
          const { lock, key } = mapped(h.lock);
          const prev = state.get(key);
          if (prev?.status === 'held') {
            own().set(key, { ...prev, ...nested(prev) }); // taken again, if at all, inside a held lock
            continue;
          }
          own().set(key, { ...(prev ?? h), lock, key, chain: prev?.chain ?? [site, ...h.chain], status: 'mixed' });
        }
        for (const h of s.returnsHolding) {
          const g = guardAtCall(h, e.args, e.argText);
          if (g === 'skip') continue;
          const { lock, key } = mapped(h.lock);
          const prior = state.get(key);
          const lit = h.guard ? e.argText[h.guard.param]?.trim() : undefined;
          if (h.guard && !g && !(lit !== undefined && (TRUTHY.has(lit) || FALSY.has(lit)))) {
            // the flag is neither a literal nor this function's parameter: may be held
            if (prior?.status !== 'held') own().set(key, { ...h, lock, key, chain: [site, ...h.chain], status: 'mixed' });
            continue;
          }
          if (prior?.status === 'held') {
            own().set(key, { ...prior, ...nested(prior) });
            continue;
          }
          const { guard: _g, ...hh } = h;
          own().set(key, { ...hh, lock, key, chain: [site, ...h.chain], status: 'held', ...(e.level !== undefined && h.level === undefined && !h.levels ? { level: e.level } : {}), ...(g ? { guard: g } : {}), ...(prior?.dropped ? { dropped: true, retake: true } : {}) });
        }
        for (const h of s.condHolding ?? []) {
          // held once a branch on the result says so; until then (or never tested) unknown
          const { lock, key } = mapped(h.lock);
          const prior = state.get(key);
          if (prior?.status === 'held') {
            own().set(key, { ...prior, ...nested(prior) });
            continue;
          }
          const { when, ...acq } = h;
          const ent: LockEntry = { ...acq, lock, key, chain: [site, ...h.chain], status: 'mixed', ...(prior?.dropped ? { dropped: true, retake: true } : {}) };
          if (e.assignedTo) {
            ent.condOn = e.assignedTo;
            ent.condWhen = when;
            if (prior) ent.condPrior = prior;
          }
          own().set(key, ent);
        }
        break;
      }
      case 'assign':
        if (state.size) {
          forgetValue(state, own, e.name);
          if (e.value === '?') forgetLocal(state, own, e.name, e.cursor ? e.loc.line : undefined);
        }
        if (e.value !== '?') own().set(`=${e.name}`, constEntry(e.name, e.value, e.loc));
        break;
      case 'return':
        if (facts) {
          const lit = e.value !== undefined ? state.get(`=${e.value}`)?.lock.inst.text : undefined;
          const v = e.value?.replace(/\s+/g, '');
          const failure = !!v && /^[A-Za-z_]\w*$/.test(v) && (['<0', '<=0'].some((op) => truthOf(state.get(`=#${v}${op}`)?.lock.inst.text ?? '') === true) || truthOf(state.get(`=#${v}>=0`)?.lock.inst.text ?? '') === false);
          facts.returns.push({
            fn: name, loc: e.loc,
            ...(e.value !== undefined ? { value: e.value } : {}),
            ...(lit !== undefined ? { literal: lit } : {}),
            ...(failure ? { failure } : {}),
            state: [...state.values()].filter((x) => !isConst(x.key)),
          });
        }
        break;
      default:
        break;
    }
  }
  return state;
}

/**
 * What a waited-for callback or a fault handler takes on its normal course: not the locks of
 * its crash and diagnostic paths (panic, fatal_trap, show_execution_state), which end the
 * machine rather than the wait.
 */
const CRASH_PATH = /(^|_)(panic|fatal|crash|die|bug|oops|show|dump)(_|$)/i;
const waited = new WeakMap<Summary, Summary>();
function waitedSummary(s: Summary | undefined, rules: RuleSet): Summary | undefined {
  if (!s) return s;
  let w = waited.get(s);
  if (!w) {
    const acquires = s.acquires.filter((a) => !a.chain.some((c) => rules.noreturn.has(c.fn) || CRASH_PATH.test(c.fn)));
    waited.set(s, (w = { acquires, returnsHolding: [], releasesHeld: [] }));
  }
  return w;
}

/** Whether an entry is held through a hook (a step of its chain is an indirect call). */
export function viaHook(e: { chain: ChainStep[] }): boolean {
  return e.chain.some((c) => c.indirect);
}

/**
 * A hook (`ops->claim(h, r)`) one of whose implementations returns holding a lock (or holding
 * it when it returns non-zero) and another releases it (`ops->done(h)`): the lock is held
 * between the two for the lock order and for recursion, as far as that implementation runs.
 * Entries held this way carry an indirect step in their chain (viaHook), which the lock-balance
 * rules leave alone: which implementation runs, and whether it has a release hook, is unknown.
 */
function hookEffects(name: string, e: CallEvent, targets: FunctionIR[], state: State, own: () => State, ctx: LocksetContext): void {
  if (!targets.length) return;
  const site: ChainStep = { fn: name, loc: e.loc, indirect: true };
  // only a lock the table's own release hook drops: a hook that seems to return holding a
  // lock nothing in its table releases is more likely a summary the analysis got wrong
  const paired = ctx.hookReleases?.(e);
  for (const t of targets) {
    const ts = ctx.summaries.get(t.key);
    if (!ts) continue;
    const mapped = (l: LockRef) => mappedAt(e, l, t.name, ctx.env);
    for (const r of ts.releasesHeld) {
      const { lock, key } = mapped(r.lock);
      const found = findEntry(state, key, lock);
      if (found && found[1].status !== 'released' && viaHook(found[1])) own().set(found[0], { ...found[1], status: 'released', releasedAt: [site, ...r.chain] });
    }
    for (const h of ts.returnsHolding) {
      if (h.guard || h.try || !paired?.has(h.lock.cls)) continue;
      const { lock, key } = mapped(h.lock);
      if (state.get(key)?.status === 'held') continue;
      own().set(key, { ...h, lock, key, chain: [site, ...h.chain], status: 'held' });
    }
    for (const h of ts.condHolding ?? []) {
      if (!paired?.has(h.lock.cls)) continue;
      const { lock, key } = mapped(h.lock);
      const prior = state.get(key);
      if (prior?.status === 'held' || !e.assignedTo) continue;
      const { when, ...acq } = h;
      own().set(key, { ...acq, lock, key, chain: [site, ...h.chain], status: 'mixed', condOn: e.assignedTo, condWhen: when, ...(prior ? { condPrior: prior } : {}) });
    }
  }
}

/** A callee's acquisitions seen at one call site: lock-order facts and this function's summary. */
function callAcquires(name: string, e: CallEvent, callee: FunctionIR, s: Summary, state: State, facts: FunctionLocks, ctx: LocksetContext, waits?: WaitTarget): void {
  const site: ChainStep = waits ? { fn: name, loc: e.loc, waits: waits.why, ...(waits.fault ? { fault: true } : {}) } : e.via ? { fn: name, loc: e.loc, indirect: true } : { fn: name, loc: e.loc };
  // a waited-for callback's parameters are not this call's arguments: its objects stay unnamed
  const ev = waits ? waits.call : e;
  const mapped = (l: LockRef) => mappedAt(ev, l, callee.name, ctx.env);
  const mineDropped = droppedNow(state);
  const heldNow = heldList(state);
  for (const a of s.acquires) {
    let guard = guardAtCall(a, ev.args, ev.argText);
    if (guard === 'skip') continue;
    // the call itself runs only under a test of this function's parameter (flag-guards.ts)
    if (guard === undefined && e.guard) guard = e.guard;
    const { lock, key: akey } = mapped(a.lock);
    const before = state.get(akey);
    const retake = !!before?.dropped && before.status !== 'held'; // cifs_server_unlock(); ...; cifs_server_lock();
    let held = heldNow;
    let droppedBefore: LockRef[] | undefined = mineDropped.length ? mineDropped : undefined;
    if (a.droppedBefore?.length) {
      const excluded = new Set<string>();
      const keep: LockRef[] = [];
      for (const d of a.droppedBefore) {
        const { lock: g, key: gkey } = mapped(d);
        const f = findEntry(state, gkey, g);
        if (f) excluded.add(f[0]);
        else keep.push(g); // a lock our own caller holds: still dropped for it
      }
      held = held.filter((h) => !excluded.has(h.key));
      droppedBefore = keep.length || mineDropped.length ? [...keep, ...mineDropped] : undefined;
    }
    // nothing to order against and a shorter chain already in the summary: nothing to build
    if (held.length === 0 && !keeps(facts, akey, a.chain.length + 1, retake || a.try, !!guard)) continue;
    const acq = acqAtCall(a, lock, akey, [site, ...a.chain], guard, droppedBefore, retake);
    // an order-check marker before this call (`page_alloc_mm_pre_lock(d)`) gives its level
    if (e.level !== undefined && acq.level === undefined && !acq.levels) acq.level = e.level;
    noteTaken(facts, acq);
    if (held.length === 0) continue; // only the summary needs it
    const again = state.get(acq.key);
    facts.acquires.push({ fn: name, acq, held, ...(again?.status === 'held' && held.includes(again) ? { again } : {}) });
  }
}

/** A callee's acquisition seen at a call site, built with one fixed shape (no spread and delete). */
function acqAtCall(a: Acq, lock: LockRef, key: string, chain: ChainStep[], guard: Acq['guard'], droppedBefore: LockRef[] | undefined, retake: boolean): Acq {
  const acq: Acq = { key, lock, mode: a.mode, irq: a.irq, nested: a.nested, try: a.try, noOrder: a.noOrder, api: a.api, chain };
  if (a.level !== undefined) acq.level = a.level;
  else if (a.levels) {
    acq.levels = a.levels;
    if (a.levelBy) acq.levelBy = a.levelBy;
  }
  if (retake || a.retake) acq.retake = true;
  if (droppedBefore) acq.droppedBefore = droppedBefore;
  if (guard) acq.guard = guard;
  return acq;
}

/** Whether noteTaken would keep an acquisition of `key` with a chain of `len` steps. */
function keeps(facts: FunctionLocks, key: string, len: number, retake: boolean, guarded = false): boolean {
  if (retake) return false;
  const prev = facts.taken?.get(key);
  return !prev || (!!prev.guard && !guarded) || (len < prev.chain.length && (!guarded || !!prev.guard));
}

function noteTaken(facts: FunctionLocks, acq: Acq): void {
  if (acq.try || acq.retake) return;
  const taken = (facts.taken ??= new Map());
  const prev = taken.get(acq.key);
  // an unconditional acquisition stands for the lock over a guarded one (which callers may skip)
  if (!prev || (prev.guard && !acq.guard) || (acq.chain.length < prev.chain.length && (!acq.guard || prev.guard))) taken.set(acq.key, acq);
}

function summarize(fn: FunctionIR, facts: FunctionLocks): Summary {
  const sorted = [...(facts.taken?.values() ?? [])].sort((a, b) => a.chain.length - b.chain.length).slice(0, MAX_SUMMARY_ACQUIRES);
  delete facts.taken;
  const returnsHolding: Acq[] = [];
  const mayAcquire: Acq[] = [];
  const releasesHeld: Summary['releasesHeld'] = [];
  const rets = facts.returns;
  if (rets.length > 0) {
    const first = rets[0]!.state;
    for (const e of first) {
      const everywhere = (st: 'held' | 'released') =>
        rets.every((r) => r.state.some((x) => x.key === e.key && x.status === st && (st === 'held' || x.dropped)));
      if (e.status === 'held' && !e.assumed && everywhere('held')) {
        const { status: _s, releasedAt: _r, nest: _n, condOn: _o, condWhen: _w, condPrior: _p, ...acq } = e;
        returnsHolding.push(acq);
      } else if (e.status === 'released' && e.dropped && everywhere('released')) {
        // the caller's lock (this function never took it first), released on every path,
        // even if a loop drops and re-takes it on the way (locked_inode_to_wb_and_lock_list)
        releasesHeld.push({ key: e.key, lock: e.lock, chain: e.releasedAt ?? e.chain });
      }
    }
  }
  // held at some returns only (a conditional lock function such as jffs2_reserve_space):
  // after a call the caller cannot know, so the lock becomes 'mixed' there
  const seen = new Set(returnsHolding.map((a) => a.key));
  const condHolding: (Acq & { when: boolean })[] = [];
  for (const r of rets) {
    for (const e of r.state) {
      if (e.status === 'released' || e.dropped || seen.has(e.key)) continue;
      seen.add(e.key);
      if (e.status === 'mixed') {
        // may be held here (a callee's conditional lock passed on): may be held for the caller
        const { status: _s, releasedAt: _r, condOn: _o, condWhen: _w, condPrior: _p, nest: _n, ...acq } = e;
        mayAcquire.push(acq);
        continue;
      }
      const { status: _s, releasedAt: _r, condOn: _o, condWhen: _w, condPrior: _p, nest: _n, ...acq } = e;
      // taken only when a flag argument says so (`if (locked) lock()`): held for callers passing it
      const guarded = e.guard && rets.every((x) => x.state.every((y) => y.key !== e.key || y.status !== 'held' || (y.guard?.param === e.guard!.param && y.guard.value === e.guard!.value)));
      const when = heldWhen(rets, e.key);
      if (guarded) returnsHolding.push(acq);
      else if (when !== undefined) condHolding.push({ ...acq, when });
      else mayAcquire.push(acq);
    }
  }
  void fn;
  const mayRelease = new Map<string, { key: string; lock: LockRef }>();
  const definite = new Set(releasesHeld.map((r) => r.key));
  for (const r of facts.releases) if (r.before === 'untouched' && !definite.has(r.key)) mayRelease.set(r.key, { key: r.key, lock: r.lock });
  for (const r of rets) for (const e of r.state) if (e.dropped && e.status !== 'held' && !definite.has(e.key)) mayRelease.set(e.key, { key: e.key, lock: e.lock });
  for (const r of facts.mayReleases ?? []) if (!definite.has(r.key)) mayRelease.set(r.key, r);
  // a lock the function takes itself (not recursively, not under a flag) its callers do not hold
  const requires = requirements(fn, facts, new Set(sorted.filter((a) => a.mode !== 'recursive' && !a.guard).map((a) => a.key)));
  return {
    acquires: sorted,
    returnsHolding,
    releasesHeld,
    ...(mayRelease.size ? { mayRelease: [...mayRelease.values()] } : {}),
    // capped like `acquires` (shortest chains first): uncapped, the lists grew up the call graph
    // (hundreds of entries, chains of ~100 calls on Linux fs/) and every path state carried them
    ...(mayAcquire.length ? { mayAcquire: mayAcquire.length > MAX_SUMMARY_ACQUIRES ? [...mayAcquire].sort((a, b) => a.chain.length - b.chain.length).slice(0, MAX_SUMMARY_ACQUIRES) : mayAcquire } : {}),
    ...(condHolding.length ? { condHolding } : {}),
    ...(requires.length ? { requires } : {}),
  };
}

const MAX_REQUIRES = 16;

/**
 * The function's must-hold contract: the locks it needs held (asserted, or a callee's contract)
 * where no path has taken or released them first, named through a parameter or a global (what
 * a caller can hold). Unavoidable points give `always` requirements.
 */
function requirements(fn: FunctionIR, facts: FunctionLocks, takes: Set<string>): Requirement[] {
  if (!facts.needs?.length) return [];
  const points = new Map<string, NeedFact[]>();
  for (const n of facts.needs) {
    const k = `${n.key}|${n.chain[0]!.loc.line}:${n.chain[0]!.loc.col}`;
    const l = points.get(k);
    if (l) l.push(n);
    else points.set(k, [n]);
  }
  const out = new Map<string, Requirement>();
  const unavoidable = new Map<number, boolean>();
  for (const list of points.values()) {
    const n = list[0]!;
    const root = n.lock.inst.root;
    if ((!root.startsWith('param:') && !root.startsWith('global:')) || takes.has(n.key)) continue;
    if (!list.every((x) => x.status === 'untouched' && !x.sameClass)) continue;
    let u = unavoidable.get(n.block);
    if (u === undefined) unavoidable.set(n.block, (u = onEveryPath(fn, n.block)));
    const always = list.every((x) => x.always) && u;
    const prev = out.get(n.key);
    if (!prev || (always && !prev.always) || (always === prev.always && n.chain.length < prev.chain.length)) out.set(n.key, { key: n.key, lock: n.lock, chain: n.chain, always });
  }
  return [...out.values()].sort((a, b) => Number(b.always) - Number(a.always) || a.chain.length - b.chain.length).slice(0, MAX_REQUIRES);
}

/** Whether every path from the entry to the exit passes through `block`. */
function onEveryPath(fn: FunctionIR, block: number): boolean {
  if (block === 0) return true;
  const seen = new Uint8Array(fn.blocks.length);
  const stack = [0];
  seen[0] = 1;
  seen[block] = 1;
  while (stack.length) {
    const b = stack.pop()!;
    if (b === fn.exit) return false;
    for (const s of fn.blocks[b]!.succ) {
      if (!seen[s]) {
        seen[s] = 1;
        stack.push(s);
      }
    }
  }
  return true;
}

/** Zero, non-zero or unknown: what a return's value says about success. */
function retTruth(r: { value?: string; literal?: string }): boolean | undefined {
  const v = r.literal ?? r.value;
  if (v === undefined) return undefined;
  const t = truthOf(v.replace(/\s+/g, ''));
  if (t !== undefined) return t;
  return /^-\s*E[A-Z0-9]+$/.test(v) || /^ERR_PTR\(/.test(v) ? true : undefined;
}

/**
 * Whether a lock held at some returns only is held exactly where the function returns
 * non-zero (true: `return spin_trylock(l)`, `return pg` against `return NULL`) or zero (false:
 * 0 on success, -errno without the lock); undefined when the return values do not say.
 */
function heldWhen(rets: FunctionLocks['returns'], key: string): boolean | undefined {
  let nonzeroHeld = true; // held returns not zero, unheld returns zero
  let zeroHeld = true; // held returns zero, unheld returns non-zero
  for (const r of rets) {
    const held = r.state.some((x) => x.key === key && x.status === 'held');
    const t = retTruth(r);
    if (held) {
      if (t === false) nonzeroHeld = false;
      if (t !== false) zeroHeld = false;
    } else {
      if (t !== false) nonzeroHeld = false;
      if (t !== true) zeroHeld = false;
    }
  }
  return nonzeroHeld ? true : zeroHeld ? false : undefined;
}
