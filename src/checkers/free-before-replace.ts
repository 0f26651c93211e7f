// free-before-replace (lifetime): the object a shared pointer field points to is freed, and only
// later is the field made to point at its replacement (`free_data(d->priv); ...; d->priv = new;`).
// Between the two the field points at freed memory, and any other CPU that reads it through the
// still-reachable owner (another CPU's hook call on the same domain, a timer, a dump handler)
// uses it. The fix is the other order: install the new pointer, then free the old one (after
// the readers are known to be gone). Frees made directly, by a callee that frees its parameter,
// or by every hook an indirect call can reach count. Reported when some other function reads
// that field without a lock the freeing side holds across the window, and only where that
// reader is a hook implementation in another file (another CPU's call into the same object);
// a reader beside the writer goes to the -lowconf companion. A field set to NULL right after
// the free (teardown) is not this pattern.
import { scoredRules } from './scored-rules.js';
import { accessIndex, type AccessIndex } from '../analysis/access-index.js';
import { endOfLife, indirectEndOfLife, type EndOfLife } from '../analysis/end-of-life.js';
import type { AccessPath, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { sharedClass, sidePath } from './shared-mem.js';
import { normalizeCode } from './witness.js';

interface Reader {
  fn: FunctionIR;
  loc: Loc;
  text: string;
  held: Set<string>;
}

interface Cand {
  fn: FunctionIR;
  end: EndOfLife;
  endLoc: Loc;
  store: IrEvent & { k: 'store' };
  cls: string;
  reader: Reader;
  score: number;
}

const NULLISH = /^\s*\(?\s*(NULL|0|0L|nullptr|\(\s*void\s*\*\s*\)\s*0)\s*\)?\s*$/;
const slotKey = (p: AccessPath): string => `${p.root}\0${p.fields.join('.')}`;

/** Every function's reads of each field class: plain loads and getter macros (`#define DOM_PRIV(d) ((d)->priv)`). */
function readers(ix: AccessIndex): Map<string, Reader[]> {
  const p = ix.program;
  const getters = getterMacros(p.files.flatMap((f) => f.macros));
  const out = new Map<string, Reader[]>();
  const add = (cls: string, r: Reader) => {
    const l = out.get(cls) ?? [];
    if (l.length < 16) l.push(r);
    out.set(cls, l);
  };
  for (const fn of p.functions) {
    for (const b of fn.blocks) for (const e of b.events) {
      let path: AccessPath | undefined;
      if (e.k === 'load' && e.path.fields.length) path = e.path;
      else if (e.k === 'call' && !e.via && e.args[0]) {
        const member = getters.get(e.callee);
        const a = e.args[0];
        if (member && !p.resolveCallee(fn, e.callee)) path = { ...a, fields: [...a.fields, member], arrows: [...a.arrows, true], text: `${a.text}->${member}` };
      }
      if (!path) continue;
      // `v->cur->n` reads `v->cur` on the way
      let held: Set<string> | undefined;
      for (let n = path.fields.length; n >= 1; n--) {
        const pre = n === path.fields.length ? path : { ...path, fields: path.fields.slice(0, n), arrows: path.arrows.slice(0, n), text: prefixText(path.text, n) };
        const cls = ix.cls(pre);
        if (cls && sharedClass(cls)) add(cls, { fn, loc: e.loc, text: pre.text, held: (held ??= ix.heldClasses(fn, e)) });
      }
    }
  }
  return out;
}

/** One-parameter macros that read a member of their argument, cast or not: `((struct x *)(d)->priv)`. */
function getterMacros(macros: { name: string; params: string[]; body: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of macros) {
    if (m.params.length !== 1 || out.has(m.name)) continue;
    const g = /^[\s(]*(?:\(\s*(?:(?:const|struct|union)\s+)*[A-Za-z_]\w*\s*\**\s*\)\s*)?[\s(]*([A-Za-z_]\w*)[\s)]*((?:(?:->|\.)\s*[A-Za-z_]\w*\s*)+)[\s)]*$/.exec(m.body);
    if (g && g[1] === m.params[0]) out.set(m.name, g[2]!.split(/->|\./).at(-1)!.trim());
  }
  return out;
}

/** Functions some indirect call can reach (hook implementations bound in a table). */
function hookTargets(p: CheckerContext['program']): Set<string> {
  const out = new Set<string>();
  for (const fn of p.functions) for (const b of fn.blocks) for (const e of b.events) {
    if (e.k === 'call' && e.via) for (const t of p.indirectTargets(fn, e)) out.add(t.key);
  }
  return out;
}

/** `v->cur->n` cut to its first n member steps: `v->cur`. */
function prefixText(text: string, n: number): string {
  const steps = [...text.matchAll(/->|\./g)];
  return steps.length > n ? text.slice(0, steps[n]!.index) : text;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  let reads: Map<string, Reader[]> | undefined;
  let hooks: Set<string> | undefined;
  const out: Cand[] = [];
  for (const fn of p.functions) {
    if (fn.annotations.includes('init')) continue;
    const allocs = ix.allocLocals(fn);
    for (const b of fn.blocks) for (const e of b.events) {
      const ends = [...endOfLife(p, fn, e), ...indirectEndOfLife(p, fn, e)];
      for (const end of ends) {
        const slot = end.path;
        // a field of an object others can reach: not a fresh allocation, not a copy on the stack
        if (end.clears || !slot.fields.length || !slot.arrows.some(Boolean) || slot.fields.includes('[]')) continue;
        if (slot.root.startsWith('local:') && allocs.has(slot.root.slice(6))) continue;
        if (ix.freshParam(fn, slot)) continue;
        const key = slotKey(slot);
        const rootLocal = slot.root.startsWith('local:') ? slot.root.slice(6) : undefined;
        // the next store to the same field on some path: a replacement (not NULL), the root not rebound
        let store: (IrEvent & { k: 'store' }) | undefined;
        ix.walk(fn, e, (x) => !!store || (x.k === 'store' && slotKey(x.path) === key) || (x.k === 'assign' && x.name === rootLocal) || (x.k === 'return'), (x) => {
          if (!store && x.k === 'store' && !x.rmw && slotKey(x.path) === key && !NULLISH.test(x.value)) store = x;
        }, 600);
        if (!store) continue;
        const cls = ix.cls(slot);
        if (!cls || !sharedClass(cls)) continue;
        reads ??= readers(ix);
        // the freeing side's locks across the window; a reader holding one of them waits it out
        const heldFree = ix.heldClasses(fn, e);
        const heldStore = ix.heldClasses(fn, store);
        const both = new Set([...heldFree].filter((c) => heldStore.has(c)));
        const others = (reads.get(cls) ?? []).filter((r) => r.fn.key !== fn.key && ![...r.held].some((c) => both.has(c)));
        if (!others.length) continue;
        // a reader another CPU runs on its own: a hook implementation in another file (a scheduler's
        // wake-up called for the same object); a reader beside the writer in its file is more
        // often the same owner's own later step (the -lowconf companion)
        hooks ??= hookTargets(p);
        const remote = others.find((r) => r.fn.file !== fn.file && hooks!.has(r.fn.key));
        out.push({ fn, end, endLoc: e.loc, store, cls, reader: remote ?? others[0]!, score: remote ? 3 : 2 });
      }
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const how = c.end.via.length ? ` (via ${c.end.via.join(' -> ')})` : '';
  const writer = sidePath('CPU0 (frees, then replaces)', ix, c.fn, [
    { loc: c.endLoc, event: `${c.end.kind} ${c.end.path.text}${how}: ${c.cls} now points at freed memory` },
    { loc: c.store.loc, event: `store ${c.store.path.text} = ${c.store.value}: only now replaced` },
  ], ctx.source);
  const reader = sidePath('CPU1 (reads the field)', ix, c.reader.fn, [{ loc: c.reader.loc, event: `load ${c.reader.text}: may get the freed object` }], ctx.source);
  ctx.report({
    file: c.endLoc.file,
    line: c.endLoc.line,
    col: c.endLoc.col,
    function: c.fn.name,
    functions: [...new Set([...writer.callChain, ...reader.callChain])],
    locks: [],
    message: `${c.fn.name} frees the object ${c.end.path.text} points to${how} at line ${c.endLoc.line} and only replaces ${c.end.path.text} at line ${c.store.loc.line}; in between ${c.reader.fn.name} (line ${c.reader.loc.line}), holding no lock ${c.fn.name} holds across that window, may read ${c.cls} and use freed memory: install the new pointer first and free the old one after`,
    witness: [writer, reader],
    fingerprint: [c.cls, c.fn.name, normalizeCode(ctx.source.line(c.endLoc.file, c.endLoc.line)), normalizeCode(ctx.source.line(c.store.loc.file, c.store.loc.line))],
    extra: { score: c.score, pattern: 'free-before-replace', locations: [c.cls] },
  });
}

export const [freeBeforeReplace, freeBeforeReplaceLowconf] = scoredRules<Cand>({
  id: 'free-before-replace',
  category: 'lifetime',
  severity: 'warning',
  description: 'A shared pointer field whose object is freed before the field is pointed at its replacement, while another function reads the field without a lock held across the window.',
  lowDescription: 'Lower-confidence free-before-replace (the only readers sit beside the writer, not in a hook another CPU calls); off by default.',
  threshold: 3,
  candidates,
  report,
});
