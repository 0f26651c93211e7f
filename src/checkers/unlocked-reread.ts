// unlocked-reread (memory-ordering): a function reads (or tests) a field under lock L, releases
// L, then reads the same field of the same object again and uses the new value (a branch, an
// index, a return), while every write of the field elsewhere holds L (>= 2 writer sites, lock
// sets from callee summaries and every caller's entry locks). The value after the unlock need
// not be the one the function saw or set under the lock: other CPUs change it under L in
// between. The fix is a snapshot taken under the lock.
import { scoredRules } from './scored-rules.js';
import { guardInference, type FieldAccess } from '../analysis/guard-inference.js';
import { instKey } from '../analysis/summary-types.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { CheckerContext } from './api.js';
import { isFieldClass, sharedClass, sidePath } from './shared-mem.js';
import { normalizeCode } from './witness.js';

type Load = IrEvent & { k: 'load' };

interface Cand {
  fn: FunctionIR;
  first: Load;
  second: Load;
  release: IrEvent & { k: 'release' | 'call' };
  lock: string;
  loc: string;
  use: 'branch' | 'index' | 'return';
  writers: FieldAccess[];
  score: number;
}

/** How the re-read value is used, if it decides something: the branch right after it, an index, a return. */
function useOf(ctx: CheckerContext, fn: FunctionIR, s: Load): Cand['use'] | undefined {
  const g = guardInference(ctx.program);
  const pos = g.ix.pos(fn, s)!;
  const evs = fn.blocks[pos.block]!.events;
  for (let j = pos.idx + 1; j < evs.length; j++) {
    const e = evs[j]!;
    if (e.k === 'branch') {
      if (e.reads.includes(s.path)) return 'branch';
      break;
    }
    if (e.k === 'return' && e.loc.line === s.loc.line) return 'return';
    if (e.k !== 'load' && e.k !== 'atomic') break;
  }
  const line = ctx.source.line(s.loc.file, s.loc.line) ?? '';
  const txt = s.path.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`\\[[^\\]]*${txt}[^\\]]*\\]`).test(line)) return 'index';
  if (new RegExp(`^return\\b.*${txt}`).test(line)) return 'return';
  return undefined;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const g = guardInference(p);
  const ix = g.ix;
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const held = ix.held(fn);
    if (!held.size) continue;
    const done = new Set<string>();
    for (const b of fn.blocks) for (const first of b.events) {
      if (first.k !== 'load' || first.once || !first.path.fields.length || first.path.fields.includes('[]')) continue;
      const here = held.get(first) ?? [];
      if (!here.length) continue;
      const key = instKey(first.path);
      if (done.has(key)) continue;
      const loc = ix.cls(first.path);
      if (!sharedClass(loc) || !isFieldClass(loc)) continue;
      const entry = ix.entryHeld(fn.key);
      // the locks this function itself holds at the first read (a caller's locks stay held)
      const own = [...new Set(here.map((l) => l.cls))].filter((c) => c && c !== 'rcu' && !c.includes('srcu') && !entry.has(c));
      if (!own.length) continue;
      const root = first.path.root;
      const rootLocal = root.startsWith('local:') ? root.slice(6) : undefined;
      let second: Load | undefined;
      let lock: string | undefined;
      let n = 0;
      ix.walk(fn, first, (e) => {
        if (second || ++n > 400) return true;
        // this path writes it itself after the unlock: its own value, not a stale one
        if (e.k === 'store' && instKey(e.path) === key && !own.some((c) => (held.get(e) ?? []).some((l) => l.cls === c))) return true;
        if (rootLocal && ((e.k === 'assign' && e.name === rootLocal) || (e.k === 'load' && e.into === rootLocal) || (e.k === 'call' && e.assignedTo === rootLocal))) return true; // another object
        if (e.k === 'call' && e.args.some((a) => a && instKey(a) === key)) return true; // passed by address: the callee may update it
        return false;
      }, (e) => {
        if (second) return;
        const h = held.get(e) ?? [];
        if (e.k !== 'load' || e.once || e === first || instKey(e.path) !== key || e.loc.line < first.loc.line) return;
        const dropped = own.filter((c) => !h.some((l) => l.cls === c));
        if (!dropped.length) return;
        second = e;
        lock = dropped[0];
      });
      if (!second || !lock) continue;
      const s = second as Load;
      const use = useOf(ctx, fn, s);
      if (!use) continue;
      // the release of the lock between the two reads, for the witness
      let release: Cand['release'] | undefined;
      ix.walk(fn, first, (e) => !!release || e === s, (e) => {
        if (release) return;
        if (e.k === 'release' && e.lock.cls === lock) release = e;
        else if (e.k === 'call') {
          const next = (held.get(e) ?? []).some((l) => l.cls === lock);
          const pos = ix.pos(fn, e)!;
          const after = fn.blocks[pos.block]!.events[pos.idx + 1];
          if (next && after && !(held.get(after) ?? []).some((l) => l.cls === lock)) release = e;
        }
      });
      if (!release) continue;
      // every write of the field (not on an unpublished or dying object) holds the lock
      const writes = g.accesses(loc).filter((a) => a.acc.write && !a.exempt);
      if (writes.some((a) => a.acc.kind === 'atomic' || a.acc.kind === 'once')) continue; // lock-free by design
      if (writes.length < 2 || !writes.every((a) => a.held.has(lock!))) continue;
      done.add(key);
      let score = 3;
      // only this function writes it: concurrent instances of this function are the other side
      if (!writes.some((a) => a.fn !== fn)) score -= 1;
      out.push({ fn, first, second: s, release, lock, loc, use, writers: writes, score });
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = guardInference(ctx.program).ix;
  const relEvent = c.release.k === 'release' ? `release ${c.lock}` : `call ${c.release.callee} (releases ${c.lock})`;
  const witness = [
    sidePath('CPU0 (re-reader)', ix, c.fn, [
      { loc: c.first.loc, event: `load ${c.loc} (${c.first.path.text}) under ${c.lock}` },
      { loc: c.release.loc, event: relEvent },
      { loc: c.second.loc, event: `load ${c.loc} again without ${c.lock}, used as ${c.use === 'branch' ? 'a branch condition' : c.use === 'index' ? 'an index' : 'the return value'}` },
    ], ctx.source),
  ];
  // other functions' writers first: the interesting other side
  const ws = [...c.writers].sort((a, b) => Number(a.fn === c.fn) - Number(b.fn === c.fn));
  const seen = new Set<string>();
  for (const w of ws) {
    if (seen.has(w.fn.key) || seen.size >= 2) continue;
    seen.add(w.fn.key);
    witness.push(sidePath(seen.size === 1 ? 'CPU1 (writer)' : 'CPU1 (also)', ix, w.fn, [
      { loc: w.e.loc, event: `${w.acc.op} ${c.loc} under ${c.lock}` },
    ], ctx.source));
  }
  const w0 = ws[0]!;
  const nWriters = new Set(c.writers.map((w) => w.fn.name));
  ctx.report({
    file: c.second.loc.file,
    line: c.second.loc.line,
    col: c.second.loc.col,
    function: c.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [c.lock],
    message: `${c.fn.name} reads ${c.first.path.text} under ${c.lock} (line ${c.first.loc.line}), releases it (line ${c.release.loc.line}), then reads it again unlocked and uses it (line ${c.second.loc.line}), while ${c.loc} is written only under ${c.lock} (${c.writers.length} sites in ${[...nWriters].slice(0, 3).join(', ')}${nWriters.size > 3 ? ', ...' : ''}; e.g. ${w0.fn.name} line ${w0.e.loc.line}): the value can have changed since the unlock; snapshot it under the lock`,
    witness,
    fingerprint: [c.loc, c.lock, c.fn.name, normalizeCode(ctx.source.line(c.second.loc.file, c.second.loc.line))],
    extra: { score: c.score, locations: [c.loc] },
  });
}

export const UNLOCKED_REREAD_THRESHOLD = 3;
export const [unlockedReread, unlockedRereadLowconf] = scoredRules<Cand>({
  id: 'unlocked-reread',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A field read under its lock, the lock released, then the field read again without it and used, while all its writers hold that lock.',
  lowDescription: 'Lower-confidence unlocked-reread (the only writers are this function\'s other instances); off by default.',
  threshold: UNLOCKED_REREAD_THRESHOLD,
  candidates,
  report,
});
