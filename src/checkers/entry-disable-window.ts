// entry-disable-window (memory-ordering): a live hardware entry updated by switching it off
// first: the enable bitfield of a descriptor is cleared with a plain store, and the entry is
// rewritten only later, by the same function or by a callee it passes the entry to. Between the
// two the device (or another CPU) reads a disabled entry: an interrupt or DMA that uses it in
// that window faults or is lost, unless its source is masked for the whole window. The fix
// real code converges on is one atomic write of the whole entry (`cmpxchg16b`, `write_atomic`)
// followed by a flush.
//
// Anchored on facts, not names: the entry's type is a union laying a raw word over its
// bitfields (a hardware descriptor, read whole); the stored member is one of those bitfields;
// the value is false/0; the entry is reached through a pointer and is not a fresh allocation
// or a local copy; and the function itself tests that very bit (it switches off an entry it
// found on: a live one). Without that test the candidate goes to the -lowconf companion.
import { scoredRules } from './scored-rules.js';
import { entryType, splitEntry } from './entry-paths.js';
import { accessIndex, type AccessIndex } from '../analysis/access-index.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { memAccess, sidePath } from './shared-mem.js';
import { normalizeCode, pathOf } from './witness.js';

type Store = IrEvent & { k: 'store' };
type Between = IrEvent & { k: 'call' | 'acquire' | 'release' };

interface Cand {
  fn: FunctionIR;
  type: string;
  inst: string;
  member: string;
  off: Store;
  /** The rewrite: a store of the entry in fn, or a call handing the entry to a function that stores it. */
  rewrite: { e: IrEvent; callee?: FunctionIR; store?: IrEvent };
  /** Calls and lock operations between the two (an unlock, a flush), in program order, a few. */
  between: Between[];
  overlay: { raw: string; file: string; line: number };
  score: number;
}

const WHOLE_WRITES = /^(write_atomic|cmpxchg\w*|xchg|atomic_set|atomic64_set|WRITE_ONCE)$/;

const OFF = /^\(?\s*(false|0|0[uU]?[lL]*)\s*\)?$/;

/** A store of an overlay-typed entry reached through `root` (any member, marked or plain). */
function entryStore(ix: AccessIndex, e: IrEvent, root: string): boolean {
  if (e.k !== 'store' && !(e.k === 'atomic' && e.writes)) return false;
  if (e.path.root !== root || !splitEntry(e.path.text.replace(/^&/, ''))) return false;
  return ix.program.env.overlays.has(entryType(ix.cls(e.path)));
}

/**
 * A store in the switching function itself that rewrites the entry: of its raw word
 * (`e->raw = n.raw`, `e->raw[0] = ...`) or with a marked or atomic whole write; another
 * bitfield store (`e->fields.remote_irr = 1`) is an update of one bit, not a rewrite.
 */
function wholeStore(ix: AccessIndex, e: IrEvent, root: string): boolean {
  if (!entryStore(ix, e, root) || (e.k !== 'store' && e.k !== 'atomic')) return false;
  // a new value, not a masked update of the old one (`e->raw &= ~MASK`, `set_bit`)
  if (e.k === 'atomic') return WHOLE_WRITES.test(e.op);
  if (e.rmw) return false;
  if (e.once) return true;
  const ov = ix.program.env.overlays.get(entryType(ix.cls(e.path)));
  const member = splitEntry(e.path.text)?.member ?? '';
  return !!ov && (member === ov.raw || member.startsWith(`${ov.raw}[`));
}

/** The first store in fn of an overlay entry rooted at parameter i (fn rewrites the entry it is handed). */
function storesParamEntry(ix: AccessIndex, fn: FunctionIR, i: number): IrEvent | undefined {
  for (const b of fn.blocks) for (const e of b.events) if (entryStore(ix, e, `param:${i}`)) return e;
  return undefined;
}

/** Whether fn loads the very bitfield it clears (`while (e->flds.remap_en) e->flds.remap_en = false;`). */
function testsBit(fn: FunctionIR, off: Store): boolean {
  const want = off.path.text.replace(/\s+/g, '');
  for (const b of fn.blocks) for (const e of b.events) {
    if (e.k === 'load' && e.path.root === off.path.root && e.path.text.replace(/\s+/g, '') === want) return true;
  }
  return false;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const overlays = p.env.overlays;
  if (!overlays.size) return [];
  const ix = accessIndex(p);
  const out: Cand[] = [];
  for (const fn of p.functions) {
    let allocs: Set<string> | undefined;
    const seen = new Set<string>();
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'store' || e.rmw || !memAccess(e) || !OFF.test(e.value.trim())) continue;
      const s = splitEntry(e.path.text);
      if (!s) continue;
      const type = entryType(ix.cls(e.path));
      const ov = overlays.get(type);
      if (!ov || !ov.bits.includes(s.member)) continue;
      allocs ??= ix.allocLocals(fn);
      if (e.path.root.startsWith('local:') && allocs.has(e.path.root.slice(6))) continue;
      if (ix.freshParam(fn, e.path)) continue;
      const key = `${e.path.root}\0${s.inst}\0${s.member}`;
      if (seen.has(key)) continue;
      // the rewrite: later on some path, the entry stored again here or handed to a function that stores it
      let rewrite: Cand['rewrite'] | undefined;
      const between: Between[] = [];
      ix.walk(fn, e, () => !!rewrite, (x) => {
        if (rewrite) return;
        if (x !== e && wholeStore(ix, x, e.path.root)) {
          rewrite = { e: x, store: x };
          return;
        }
        if (x.k === 'release' || (x.k === 'acquire' && !x.assumed)) {
          if (between.length < 4 && !between.includes(x)) between.push(x);
          return;
        }
        if (x.k !== 'call') return;
        const callee = p.resolveCallee(fn, x.callee);
        const i = x.args.findIndex((a) => a?.root === e.path.root);
        const st = callee && i >= 0 ? storesParamEntry(ix, callee, i) : undefined;
        if (callee && st) rewrite = { e: x, callee, store: st };
        else if (between.length < 4 && !between.includes(x)) between.push(x);
      }, 1500);
      if (!rewrite) continue;
      seen.add(key);
      const live = testsBit(fn, e);
      out.push({ fn, type, inst: s.inst, member: s.member, off: e, rewrite, between, overlay: { raw: ov.raw, file: ov.file, line: ov.line }, score: live ? 3 : 1 });
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const steps = [
    { loc: c.off.loc, event: `store ${c.off.path.text} = ${c.off.value.trim()}: the live ${c.type} entry is switched off` },
    ...c.between.map((x) => ({ loc: x.loc, event: x.k === 'call' ? `call ${x.callee} while the entry is off` : `${x.k} ${x.lock.inst.text} while the entry is off` })),
    { loc: c.rewrite.e.loc, event: c.rewrite.callee ? `call ${c.rewrite.callee.name}, which rewrites the entry (${c.rewrite.store!.k === 'store' ? c.rewrite.store!.path.text : ''})` : `store ${c.rewrite.store!.k === 'store' ? c.rewrite.store!.path.text : 'the entry'}: the entry is rewritten` },
  ];
  const writer = sidePath('CPU0 (switch off, then rewrite)', ix, c.fn, steps, ctx.source);
  const code = ctx.source.line(c.overlay.file, c.overlay.line);
  const reader = pathOf('the device (or another CPU) reading the entry', [
    { file: c.overlay.file, line: c.overlay.line, function: `union ${c.type}`, event: `union ${c.type} lays ${c.overlay.raw} over the bitfields: the entry is read whole, at any time, also while ${c.member} is off`, ...(code ? { code: code.trim() } : {}) },
  ]);
  const via = c.rewrite.callee ? ` (via ${c.rewrite.callee.name})` : '';
  ctx.report({
    file: c.off.loc.file,
    line: c.off.loc.line,
    col: c.off.loc.col,
    function: c.fn.name,
    functions: [...new Set([c.fn.name, ...(c.rewrite.callee ? [c.rewrite.callee.name] : []), ...writer.callChain])],
    locks: [],
    message: `${c.fn.name} switches the live ${c.type} entry ${c.inst} off (${c.member} = ${c.off.value.trim()}, line ${c.off.loc.line}) and rewrites it only at line ${c.rewrite.e.loc.line}${via}: in between the device reads a disabled entry, so an interrupt or DMA that uses it then faults or is lost unless its source is masked for the whole window; write the new entry whole with one atomic store (cmpxchg16b / write_atomic of ${c.overlay.raw}) and flush after${c.score < 3 ? ' [low confidence: the function does not test the bit it clears, so the entry may not be live]' : ''}`,
    witness: [writer, reader],
    fingerprint: [c.type, c.fn.name, c.member, normalizeCode(ctx.source.line(c.off.loc.file, c.off.loc.line))],
    extra: { score: c.score, locations: [c.type] },
  });
}

export const [entryDisableWindow, entryDisableWindowLowconf] = scoredRules<Cand>({
  id: 'entry-disable-window',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A live hardware entry (a union laying a raw word over bitfields) switched off with a plain store to its enable bitfield and rewritten only later: the device reads a disabled entry in between.',
  lowDescription: 'Lower-confidence entry-disable-window (the function does not test the bit it clears); off by default.',
  threshold: 3,
  candidates,
  report,
});
