// use-after-free (lifetime): within one function, a pointer (or a local pointing into the same
// object: `e = table + i`, `q = &p->f`) is dereferenced, freed again, stored into memory others
// read, returned or passed on after a free or unmap of it on some path, with no reassignment
// between: the error-path shape (`xfree(p); goto out; ... out: xfree(p)`), a mapping torn down
// before its last use, a freed buffer put back into a shared slot. Frees made by a callee that
// frees its parameter on every path count. Also publish-then-free: a local stored into shared
// memory, freed, and the function returns without clearing or overwriting the slot.
// A reference drop (`put_domain(d); d->x`) is reported only by the -lowconf companion: other
// references may keep the object alive.
import { scoredRules } from './scored-rules.js';
import { accessIndex } from '../analysis/access-index.js';
import { endOfLife, type EndKind } from '../analysis/end-of-life.js';
import { instKey } from '../analysis/summary-types.js';
import type { AccessPath, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { sidePath } from './shared-mem.js';
import { normalizeCode } from './witness.js';
import { balanced } from '../analysis/cond-text.js';

interface Dead {
  end: IrEvent;
  loc: Loc;
  kind: EndKind;
  api: string;
  via: string[];
  /** The local the end names (an alias of it shares the record). */
  name: string;
  /** A shared slot still pointing at the object after the end (publish-then-free). */
  slot?: Pub;
  /** Flags tested on the way to the end: a later test of the opposite value is another path. */
  conds: Map<string, boolean>;
}

interface Pub {
  path: AccessPath;
  loc: Loc;
  conds: Map<string, boolean>;
}

interface State {
  dead: Map<string, Dead>;
  /** local -> the local it points into (must). */
  alias: Map<string, string>;
  /** Aliases that point inside their root's object (`p + i`): freeing them does not free the root. */
  inner: Set<string>;
  /** local -> shared slots it was stored into (may). */
  pub: Map<string, Pub>;
  /** local flags known on every path here (`if (!done)` edges). */
  conds: Map<string, boolean>;
}

type UseHow = 'deref' | 'double-free' | 'stored' | 'returned' | 'passed' | 'slot';

interface Cand {
  fn: FunctionIR;
  dead: Dead;
  use: IrEvent;
  how: UseHow;
  name: string;
  score: number;
}

// output-only callees: printing a freed pointer's value does not touch the object
const PRINT_RE = /^(printk|printf|dprintk|gdprintk|gprintk|debugtrace_printk|pr_\w+|dev_\w+|trace_\w+|TRACE\w*|kmemleak_\w+|WARN\w*|fprintf|error_report|warn_report|g_warning|g_debug)$/;

// an iteration macro not followed by a block (`list_for_each_entry_safe(p, n, h, list)` + statement) rebinds its cursors
const ITER_RE = /for_each|foreach/i;
// an upper-case macro handed a bare local may assign it (`GET_ENTRY(base, i, map, ent)`)
const MACRO_RE = /^[A-Z][A-Z0-9_]*$/;

function varOf(fn: FunctionIR, p: AccessPath): string | undefined {
  if (p.root.startsWith('local:')) return p.root.slice(6);
  if (p.root.startsWith('param:')) return fn.params[Number(p.root.slice(6))]?.name;
  return undefined;
}

/** States share Dead records: a change is a new record. */
function unslotted(d: Dead): Dead {
  const { slot: _s, ...rest } = d;
  return rest;
}

function clone(s: State): State {
  return { dead: new Map(s.dead), alias: new Map(s.alias), inner: new Set(s.inner), pub: new Map(s.pub), conds: new Map(s.conds) };
}

/** What a branch's edge says about plain locals: `x`, `!x`, `x && !y` on the true edge, `x || y` on the false one. */
export function edgeFacts(text: string, onTrue: boolean): [string, boolean][] {
  let t = text.trim();
  while (/^\(.*\)$/.test(t) && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  const sep = onTrue ? '&&' : '||';
  const other = onTrue ? '||' : '&&';
  if (t.includes(other)) return [];
  const out: [string, boolean][] = [];
  for (let part of t.split(sep)) {
    part = part.trim();
    while (/^\(.*\)$/.test(part) && balanced(part.slice(1, -1))) part = part.slice(1, -1).trim();
    let m = /^(!?)\s*([A-Za-z_]\w*)$/.exec(part);
    if (m) {
      out.push([m[2]!, (m[1] === '') === onTrue]);
      continue;
    }
    m = /^([A-Za-z_]\w*)\s*(==|!=)\s*(0|NULL|false)$/.exec(part);
    if (m) out.push([m[1]!, (m[2] === '!=') === onTrue]);
  }
  return out;
}

function meet(a: Map<string, boolean>, b: Map<string, boolean>): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const [k, v] of a) if (b.get(k) === v) m.set(k, v);
  return m;
}

/** A flag's value from here on, on this path and on the paths each record stands for. */
function setFact(st: State, x: string, v: boolean): void {
  st.conds.set(x, v);
  for (const [k, d] of st.dead) if (d.conds.get(x) !== v) st.dead.set(k, { ...d, conds: new Map(d.conds).set(x, v), ...(d.slot ? { slot: { ...d.slot, conds: new Map(d.slot.conds).set(x, v) } } : {}) });
  for (const [k, p] of st.pub) if (p.conds.get(x) !== v) st.pub.set(k, { ...p, conds: new Map(p.conds).set(x, v) });
}

/** `slot == x` / `slot != x` as a whole condition: [slot text, local, whether equal on this edge]. */
function slotTest(text: string, onTrue: boolean): [string, string, boolean] | undefined {
  let t = text.trim();
  while (/^\(.*\)$/.test(t) && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  if (/&&|\|\|/.test(t)) return undefined;
  const m = /^(.+?)\s*(==|!=)\s*([A-Za-z_]\w*)$/.exec(t);
  return m ? [m[1]!.replace(/\s+/g, ''), m[3]!, (m[2] === '==') === onTrue] : undefined;
}

/**
 * The state along one edge of a branch: undefined when the edge contradicts a flag every path
 * here has (`rc = 0; ... if (rc)`); frees, publications made under the opposite value drop out.
 */
function alongEdge(st: State, text: string, onTrue: boolean): State | undefined {
  const facts = edgeFacts(text, onTrue);
  const sl = slotTest(text, onTrue);
  if (!facts.length && !sl) return st;
  for (const [x, v] of facts) if (st.conds.get(x) === !v) return undefined;
  const s = clone(st);
  for (const [x, v] of facts) {
    for (const [k, d] of s.dead) {
      if (d.conds.get(x) === !v) s.dead.delete(k);
      else if (d.slot?.conds.get(x) === !v) s.dead.set(k, unslotted(d));
    }
    for (const [k, p] of s.pub) if (p.conds.get(x) === !v) s.pub.delete(k);
    setFact(s, x, v);
  }
  // `if (slot == x)` false: the slot does not point at x on this edge
  if (sl && !sl[2]) {
    const [slot, x] = sl;
    const p = s.pub.get(x);
    if (p && p.path.text.replace(/\s+/g, '') === slot) s.pub.delete(x);
    for (const [k, d] of s.dead) if (d.slot && d.name === x && d.slot.path.text.replace(/\s+/g, '') === slot) s.dead.set(k, unslotted(d));
  }
  return s;
}

/** Join into `into`: dead and published are may-facts (union), aliases must (intersection). */
function join(into: State, s: State): boolean {
  let changed = false;
  for (const [k, v] of s.dead) {
    const o = into.dead.get(k);
    if (!o) {
      into.dead.set(k, v);
      changed = true;
      continue;
    }
    if (o === v) continue;
    // one record for both paths: the flags both know, the slot if either still has it
    const conds = meet(o.conds, v.conds);
    const slot = o.slot ?? v.slot;
    if (conds.size !== o.conds.size || slot !== o.slot) {
      into.dead.set(k, { ...o, conds, ...(slot ? { slot } : {}) });
      changed = true;
    }
  }
  for (const [k, v] of into.alias) if (s.alias.get(k) !== v) {
    into.alias.delete(k);
    changed = true;
  }
  for (const k of s.inner) if (!into.inner.has(k)) {
    into.inner.add(k);
    changed = true;
  }
  for (const [k, v] of s.pub) if (!into.pub.has(k)) {
    into.pub.set(k, v);
    changed = true;
  }
  for (const [k, v] of into.conds) if (s.conds.get(k) !== v) {
    into.conds.delete(k);
    changed = true;
  }
  return changed;
}

function rebind(st: State, name: string): void {
  st.dead.delete(name);
  st.alias.delete(name);
  st.inner.delete(name);
  st.pub.delete(name);
  st.conds.delete(name);
  for (const [k, d] of st.dead) if (d.conds.has(name)) {
    const conds = new Map(d.conds);
    conds.delete(name);
    st.dead.set(k, { ...d, conds });
  }
  // locals that pointed into its old object no longer point into what it holds now
  for (const [a, r] of st.alias) if (r === name) st.alias.delete(a);
}

function analyze(ctx: CheckerContext, fn: FunctionIR, out: Cand[]): void {
  const prog = ctx.program;
  // cheap filter: something in fn ends a local's or parameter's life
  let any = false;
  for (const b of fn.blocks) for (const e of b.events) if ((e.k === 'free' || e.k === 'call') && endOfLife(prog, fn, e).some((x) => varOf(fn, x.path) !== undefined)) any = true;
  if (!any) return;
  const fresh = accessIndex(prog).allocLocals(fn);
  const n = fn.blocks.length;
  const inS: (State | undefined)[] = new Array(n);
  inS[0] = { dead: new Map(), alias: new Map(), inner: new Set(), pub: new Map(), conds: new Map() };
  const work = [0];
  const queued = new Uint8Array(n);
  queued[0] = 1;
  const found = new Map<string, Cand>();
  const hit = (st: State, name: string, use: IrEvent, how: UseHow) => {
    const d = st.dead.get(name);
    if (!d) return;
    // dropping one more reference (put after put) is how references are counted, not a use
    if (d.kind === 'put' && (how === 'double-free' || (use.k === 'call' && /^put_|_put$|^rcu_unlock/.test(use.callee)))) return;
    const key = `${d.loc.line}:${d.loc.col}:${name}`;
    const prev = found.get(key);
    // a slot in an object the caller handed in: the caller's error teardown may own it (clear or
    // free it), which this function alone does not show; a global slot has no such owner
    const callerSlot = how === 'slot' && !!d.slot && d.slot.path.root.startsWith('param:');
    if (!prev || use.loc.line < prev.use.loc.line) found.set(key, { fn, dead: d, use, how, name, score: d.kind === 'put' || callerSlot ? 1 : 3 });
    st.dead.delete(name); // one report per end and variable
  };
  let rounds = 0;
  while (work.length && ++rounds < 20 * n + 100) {
    const b = work.pop()!;
    queued[b] = 0;
    const st = clone(inS[b]!);
    const evs = fn.blocks[b]!.events;
    for (const e of evs) step(prog, fn, st, e, hit, fresh);
    const last = evs.at(-1);
    const succ = fn.blocks[b]!.succ;
    const br = last?.k === 'branch' && succ.length === 2 ? last.text : undefined;
    for (let i = 0; i < succ.length; i++) {
      const s = succ[i]!;
      const es = br !== undefined ? alongEdge(st, br, i === 0) : st;
      if (!es) continue;
      if (!inS[s]) inS[s] = clone(es);
      else if (!join(inS[s]!, es)) continue;
      if (!queued[s]) {
        queued[s] = 1;
        work.push(s);
      }
    }
  }
  out.push(...found.values());
}

/** Whether a slot is memory other code can reach: under a global or parameter, or a pointer local not freshly allocated here. */
function othersReach(fn: FunctionIR, p: AccessPath, fresh: Set<string>): boolean {
  if (p.root.startsWith('global:') || p.root.startsWith('param:')) return true;
  const v = varOf(fn, p);
  return !!v && p.arrows.some(Boolean) && !fresh.has(v);
}

function step(prog: CheckerContext['program'], fn: FunctionIR, st: State, e: IrEvent, hit: (st: State, name: string, use: IrEvent, how: UseHow) => void, fresh: Set<string>): void {
  // uses first: the event reads its operands before it rebinds or frees anything
  switch (e.k) {
    case 'load':
    case 'atomic': {
      const v = varOf(fn, e.path);
      if (v && e.path.fields.length) hit(st, v, e, 'deref');
      break;
    }
    case 'store': {
      const v = varOf(fn, e.path);
      if (v && e.path.fields.length) hit(st, v, e, 'deref');
      const val = e.value.trim();
      if (/^[A-Za-z_]\w*$/.test(val)) {
        hit(st, val, e, 'stored');
        if (othersReach(fn, e.path, fresh)) st.pub.set(val, { path: e.path, loc: e.loc, conds: new Map(st.conds) });
      }
      // a slot overwritten no longer points at what was stored there
      const k = instKey(e.path);
      for (const [name, p] of st.pub) if (instKey(p.path) === k && name !== val) st.pub.delete(name);
      for (const [name, d] of st.dead) if (d.slot && instKey(d.slot.path) === k) st.dead.set(name, unslotted(d));
      break;
    }
    case 'free': {
      const v = varOf(fn, e.path);
      if (v && e.path.fields.length) hit(st, v, e, 'deref');
      else if (v) hit(st, v, e, 'double-free');
      break;
    }
    case 'call': {
      // output-only callees, and the call twin of an unmap / put event
      if (PRINT_RE.test(e.callee) || prog.rules.frees.has(e.callee) || ITER_RE.test(e.callee)) break;
      const macro = MACRO_RE.test(e.callee);
      const ends = endOfLife(prog, fn, e);
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i];
        const t = e.argText[i] ?? '';
        if (!a || (t.startsWith('&') || macro) && !a.fields.length) continue;
        const v = varOf(fn, a);
        if (!v || !st.dead.has(v)) continue;
        const again = ends.some((x) => x.path === a);
        hit(st, v, e, again && !a.fields.length ? 'double-free' : a.fields.length ? 'deref' : 'passed');
      }
      break;
    }
    case 'return':
      if (e.value && /^[A-Za-z_]\w*$/.test(e.value)) hit(st, e.value, e, 'returned');
      for (const [name, d] of st.dead) if (d.slot) {
        hit(st, name, e, 'slot');
      }
      break;
    default:
      break;
  }
  // rebinding
  if (e.k === 'assign') {
    const from = e.alias;
    rebind(st, e.name);
    if (from && from !== e.name) {
      const d = st.dead.get(from);
      if (d) st.dead.set(e.name, d);
      else {
        st.alias.set(e.name, st.alias.get(from) ?? from);
        if (e.interior || st.inner.has(from)) st.inner.add(e.name);
      }
    } else if (e.value !== '?') setFact(st, e.name, !/^(0|NULL|false)$/.test(e.value)); // `rc = 0`, `rc = -EINVAL`
  } else if (e.k === 'call') {
    if (e.assignedTo) rebind(st, e.assignedTo);
    if (ITER_RE.test(e.callee) || MACRO_RE.test(e.callee)) for (const t of e.argText) if (/^[A-Za-z_]\w*$/.test(t)) rebind(st, t);
    e.argText.forEach((t) => {
      const m = /^&\s*([A-Za-z_]\w*)$/.exec(t);
      if (m) rebind(st, m[1]!); // an out-parameter may rebind it
    });
  } else if (e.k === 'load' && e.into) rebind(st, e.into);
  // end of life
  if (e.k === 'free' || e.k === 'call') {
    for (const x of endOfLife(prog, fn, e)) {
      const v = varOf(fn, x.path);
      if (!v || x.path.fields.length) continue;
      // `p = release_and_next(p)`: p now holds what the call returned
      if (e.k === 'call' && e.assignedTo === v) continue;
      // the object that ends: what v points at the start of (a copy ends its source), or v's own
      // (freeing `p = base + n` frees that part, not base); an unmap ends the whole mapping
      const root = x.kind === 'unmap' || !st.inner.has(v) ? st.alias.get(v) ?? v : v;
      const slot = st.pub.get(v) ?? st.pub.get(root);
      const d: Dead = { end: e, loc: e.loc, kind: x.kind, api: x.api, via: x.via, name: v, conds: new Map(st.conds), ...(slot && x.kind === 'free' ? { slot } : {}) };
      // a slot inside the object that ends goes with it
      for (const [name, o] of st.dead) if (o.slot && varOf(fn, o.slot.path) === v) st.dead.set(name, unslotted(o));
      for (const [name, s] of st.pub) if (varOf(fn, s.path) === v) st.pub.delete(name);
      st.dead.set(v, d);
      // every local pointing into the same object dies with it
      for (const [a, r] of st.alias) if (a !== v && (r === root || a === root)) st.dead.set(a, unslotted(d));
      if (root !== v) st.dead.set(root, unslotted(d));
      st.pub.delete(v);
      if (x.clears) {
        const keep = [...st.dead].filter(([k, o]) => k !== v && o.end === e);
        rebind(st, v);
        for (const [k, o] of keep) st.dead.set(k, o);
      }
    }
  }
}

function candidates(ctx: CheckerContext): Cand[] {
  const out: Cand[] = [];
  for (const fn of ctx.program.functions) analyze(ctx, fn, out);
  return out;
}

const WHAT: Record<UseHow, string> = {
  deref: 'dereferences it',
  'double-free': 'frees it again',
  stored: 'stores the dangling pointer into',
  returned: 'returns the dangling pointer',
  passed: 'passes it to',
  slot: 'returns with the shared slot still pointing at it:',
};

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const d = c.dead;
  const ended = d.kind === 'unmap' ? 'unmaps' : d.kind === 'put' ? 'drops its reference to' : 'frees';
  const how = d.via.length ? `${d.api} via ${d.via.join(' -> ')}` : d.api;
  const alias = d.name !== c.name ? ` (${c.name} points into it)` : '';
  let useText: string;
  const u = c.use;
  if (c.how === 'slot') useText = `${WHAT.slot} ${d.slot!.path.text} (stored at line ${d.slot!.loc.line})`;
  else if (c.how === 'stored' && u.k === 'store') useText = `${WHAT.stored} ${u.path.text}`;
  else if (c.how === 'passed' && u.k === 'call') useText = `${WHAT.passed} ${u.callee}`;
  else useText = WHAT[c.how];
  const useEv = c.how === 'slot' ? `return with ${d.slot!.path.text} still pointing at ${d.name}` : `${c.how === 'double-free' ? 'free' : 'use'} ${c.name} after the ${d.kind === 'free' ? 'free' : d.kind}`;
  const witness = [sidePath('path', ix, c.fn, [
    ...(c.how === 'slot' ? [{ loc: d.slot!.loc, event: `publish ${d.name} in ${d.slot!.path.text}` }] : []),
    { loc: d.loc, event: `${how} ${d.name}` },
    { loc: u.loc, event: useEv },
  ], ctx.source)];
  ctx.report({
    file: u.loc.file,
    line: u.loc.line,
    col: u.loc.col,
    function: c.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [],
    message: `${c.fn.name} ${ended} ${d.name} (line ${d.loc.line}, ${how}) and then ${useText} (line ${u.loc.line})${alias}, on a path that does not reassign it between`,
    witness,
    fingerprint: [c.how, c.fn.name, c.name, normalizeCode(ctx.source.line(d.loc.file, d.loc.line)), normalizeCode(ctx.source.line(u.loc.file, u.loc.line))],
    extra: { score: c.score, locations: [d.name, c.name] },
  });
}

export const USE_AFTER_FREE_THRESHOLD = 3;
export const [useAfterFree, useAfterFreeLowconf] = scoredRules<Cand>({
  id: 'use-after-free',
  category: 'lifetime',
  severity: 'error',
  description: 'A pointer used, freed again, stored, returned or passed on after a free or unmap of it on the same path, or a freed object left published in a shared slot.',
  lowDescription: 'Lower-confidence use-after-free: a use after dropping a reference (other references may keep the object alive), or a freed object left in a slot of an object the caller handed in (the caller\'s teardown may own it); off by default.',
  threshold: USE_AFTER_FREE_THRESHOLD,
  candidates,
  report,
});
