// torn-update (memory-ordering): a live multi-word or bitfield entry that another CPU or the
// hardware reads (a page-table entry, an interrupt-remapping entry) updated by several plain
// stores, one member at a time: a reader can see a mix of old and new members, and the
// compiler may reorder or split the stores ("update live entries atomically": build the new
// entry in a local and write it with one write_atomic/cmpxchg).
//
// Anchored on intent the code already shows: the entry's type is elsewhere written whole from
// a locally built copy with a marked access (`write_atomic(&e->raw, new.raw)`,
// `ACCESS_ONCE(e->raw[0]) = n.raw[0]`), so its author treats it as read concurrently.
// An instance is live unless the facts say otherwise: a by-value local, an object allocated
// here, a parameter every caller passes `&local` or a fresh allocation for. A store sequence
// the author ordered with a write barrier (disable first / enable last) is a deliberate protocol
// and goes to the -lowconf companion, as does a stored-to object passed in by callers we cannot see.
import { scoredRules } from './scored-rules.js';
import { entryType, splitEntry } from './entry-paths.js';
import { accessIndex, type AccessIndex } from '../analysis/access-index.js';
import type { ChainStep } from '../analysis/summary-types.js';
import type { AccessPath, FunctionIR, IrEvent, Loc } from '../ir/types.js';
import type { WitnessPath } from '../report/finding.js';
import type { CheckerContext } from './api.js';
import { memAccess, sameSubsystem, sidePath } from './shared-mem.js';
import { chainSteps, normalizeCode, pathOf } from './witness.js';

type Store = IrEvent & { k: 'store' };

interface Evidence {
  fn: FunctionIR;
  e: IrEvent;
  op: string;
}

interface Cand {
  fn: FunctionIR;
  type: string;
  inst: string;
  stores: Store[];
  members: string[];
  evidence: Evidence;
  /** A caller passing a live pointer to the entry, when the entry is a parameter. */
  via?: { caller: FunctionIR; loc: Loc };
  ordered: boolean;
  score: number;
  /** No whole write to point at: the type itself is a union laying a word over these bitfields. */
  overlay?: { raw: string; file: string; line: number };
}

const WHOLE_WRITES = /^(write_atomic|cmpxchg|cmpxchg16b|xchg|atomic_set|atomic64_set|WRITE_ONCE)$/;

/** Types some function writes whole from a local copy of the same member, with a marked access. */
function wholeWritten(ix: AccessIndex): Map<string, Evidence> {
  const out = new Map<string, Evidence>();
  for (const fn of ix.program.functions) {
    for (const b of fn.blocks) for (const e of b.events) {
      let value: string | undefined;
      let op = '';
      if (e.k === 'store' && e.once && !e.rmw) [value, op] = [e.value, 'ACCESS_ONCE'];
      else if (e.k === 'atomic' && e.writes && WHOLE_WRITES.test(e.op)) [value, op] = [e.operand, e.op];
      if (!value || (e.k !== 'store' && e.k !== 'atomic')) continue;
      const s = splitEntry(e.path.text.replace(/^&/, ''));
      if (!s) continue;
      const m = /^[A-Za-z_]\w*/.exec(s.member)?.[0];
      if (!m || !new RegExp(`\\.\\s*${m}\\b`).test(value)) continue;
      const t = entryType(ix.cls(e.path));
      if (t && !out.has(t)) out.set(t, { fn, e, op });
    }
  }
  return out;
}

function callEventAt(fn: FunctionIR, loc: Loc): IrEvent | undefined {
  for (const b of fn.blocks) for (const e of b.events) if (e.k === 'call' && e.loc === loc) return e;
  return undefined;
}

/** Whether every caller passes a by-value local's address or a fresh object for parameter i; else one live call site. */
function liveCaller(ix: AccessIndex, fn: FunctionIR, i: number): { caller: FunctionIR; loc: Loc } | 'private' | undefined {
  const p = ix.program;
  const callers = [...(p.callers.get(fn.key) ?? [])].map((c) => p.byKey.get(c)).filter((c): c is FunctionIR => !!c);
  if (!callers.length) return undefined;
  for (const c of callers) {
    const allocs = ix.allocLocals(c);
    for (const b of c.blocks) for (const e of b.events) {
      if (e.k !== 'call' || !p.mayCall(c, e, fn.key)) continue;
      const t = (e.argText[i] ?? '').replace(/\s+/g, '');
      const a = e.args[i];
      if (/^&[A-Za-z_]\w*$/.test(t)) continue; // &local: a copy on the caller's stack
      if (a && a.root.startsWith('local:') && !a.fields.length && allocs.has(a.root.slice(6))) continue;
      return { caller: c, loc: e.loc };
    }
  }
  return 'private';
}

/**
 * A publication of entries: a write barrier, or a whole write of an entry of this type (marked, or a
 * plain `*p = copy` through a pointer to one). Entries stored before one are being filled in
 * before a table is linked (`fill(new_table); smp_wmb(); write_atomic(&pde->raw, ...)`).
 */
function publishes(ix: AccessIndex, e: IrEvent, type: string): boolean {
  if (e.k === 'barrier') return e.kind === 'wmb' || e.kind === 'full' || e.kind === 'release';
  if (e.k === 'atomic') return e.writes && WHOLE_WRITES.test(e.op) && entryType(ix.cls(e.path)) === type;
  if (e.k !== 'store' || e.rmw) return false;
  if (e.once) return entryType(ix.cls(e.path)) === type;
  if (splitEntry(e.path.text) || !/^\*\s*[A-Za-z_]\w*$/.test(e.path.text.trim()) || !/^[A-Za-z_]\w*$/.test(e.value.trim())) return false;
  const rt = e.path.rootType ?? '';
  const t = ix.program.env.resolve(rt);
  return rt.replace(/\s*\*$/, '') === type || (!!t && t.ptr === 1 && t.name === type);
}

function publishedAfter(ix: AccessIndex, fn: FunctionIR, from: IrEvent, type: string): boolean {
  let found = false;
  ix.walk(fn, from, () => found, (e) => {
    if (publishes(ix, e, type)) found = true;
  }, 1500);
  return found;
}

/** Every call site of fn is followed by a publication in its caller (and there is at least one). */
function publishedByCallers(ix: AccessIndex, fn: FunctionIR, type: string): boolean {
  const p = ix.program;
  const callers = [...(p.callers.get(fn.key) ?? [])].map((c) => p.byKey.get(c)).filter((c): c is FunctionIR => !!c);
  if (!callers.length) return false;
  for (const c of callers) for (const b of c.blocks) for (const e of b.events) {
    if (e.k === 'call' && p.mayCall(c, e, fn.key) && !publishedAfter(ix, c, e, type)) return false;
  }
  return true;
}

const MARKED_IN_BODY = /\b(read_atomic|write_atomic|ACCESS_ONCE|READ_ONCE|WRITE_ONCE|cmpxchg\w*|xchg)\s*\(/;

/** Function-like macros that access a parameter's pointee with a marked access: which parameters. */
function markedMacros(ix: AccessIndex): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of ix.program.files) for (const m of f.macros) {
    if (!MARKED_IN_BODY.test(m.body)) continue;
    const ps = m.params.flatMap((p, i) => (new RegExp(`\\(?\\s*\\b${p}\\b\\s*\\)?\\s*->`).test(m.body) ? [i] : []));
    if (ps.length && !out.has(m.name)) out.set(m.name, ps);
  }
  return out;
}

/** The struct type a pointer argument points to (`ept_entry_t*` -> `ept_entry_t` and its resolved name). */
function pointeeTypes(ix: AccessIndex, a: AccessPath): string[] {
  if (a.fields.length) return [entryType(ix.cls(a)) || ''];
  const rt = (a.rootType ?? '').trim();
  if (!rt.endsWith('*')) return [];
  const t = ix.program.env.resolve(rt);
  return [rt.replace(/\s*\*$/, ''), ...(t && t.ptr === 1 ? [t.name] : [])];
}

/**
 * Entry types fn accesses with a marked access, itself, through a callee (two calls deep) or a
 * macro accessor (`e = atomic_read_entry(p)` for `#define atomic_read_entry(p) { .raw = read_atomic(&(p)->raw) }`).
 */
function markedTypes(ix: AccessIndex, macros: Map<string, number[]>, memo: Map<string, Set<string>>, fn: FunctionIR, depth = 2): Set<string> {
  // keyed by the depth left: the answer must not depend on which caller reached fn first
  const key = `${depth}\0${fn.key}`;
  const m = memo.get(key);
  if (m) return m;
  const out = new Set<string>();
  memo.set(key, out);
  for (const b of fn.blocks) for (const e of b.events) {
    if ((e.k === 'load' || e.k === 'store') && e.once) out.add(entryType(ix.cls(e.path)));
    else if (e.k === 'atomic') out.add(entryType(ix.cls(e.path)));
    else if (e.k === 'call') {
      const c = ix.program.resolveCallee(fn, e.callee);
      if (c && depth > 0) for (const t of markedTypes(ix, macros, memo, c, depth - 1)) out.add(t);
      if (!c) for (const i of macros.get(e.callee) ?? []) if (e.args[i]) for (const t of pointeeTypes(ix, e.args[i]!)) out.add(t);
    }
  }
  return out;
}

/** Whether fn loads a member of the entry `inst` (on `root`) itself: it inspects the entry it updates. */
function readsEntry(fn: FunctionIR, root: string, inst: string): boolean {
  for (const b of fn.blocks) for (const e of b.events) {
    if (e.k !== 'load' || e.path.root !== root) continue;
    if (splitEntry(e.path.text.replace(/^&/, ''))?.inst === inst) return true;
  }
  return false;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const whole = wholeWritten(ix);
  // a union that lays a whole word over bitfields is read whole by design (a hardware descriptor)
  const overlays = p.env.overlays;
  if (!whole.size && !overlays.size) return [];
  const overlaid = (type: string, member: string): boolean => !whole.has(type) && !!overlays.get(type)?.bits.includes(member);
  const marked = new Map<string, Set<string>>();
  const macros = markedMacros(ix);
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const allocs = ix.allocLocals(fn);
    const groups = new Map<string, { type: string; stores: Store[]; members: Set<string>; plain: boolean }>();
    for (const b of fn.blocks) for (const e of b.events) {
      if (e.k !== 'store' || e.rmw || !memAccess(e)) continue;
      const s = splitEntry(e.path.text);
      if (!s) continue;
      const type = entryType(ix.cls(e.path));
      if (!type || (!whole.has(type) && !overlaid(type, s.member))) continue;
      if (e.path.root.startsWith('local:') && allocs.has(e.path.root.slice(6))) continue;
      if (ix.freshParam(fn, e.path)) continue;
      const k = `${e.path.root}\0${s.inst}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { type, stores: [], members: new Set(), plain: false }));
      g.stores.push(e);
      g.members.add(s.member);
      if (!e.once) g.plain = true;
    }
    for (const [k, g] of groups) {
      if (g.members.size < 2 || !g.plain) continue;
      const root = k.split('\0')[0]!;
      let via: Cand['via'];
      let score = 3;
      if (root.startsWith('param:')) {
        const lc = liveCaller(ix, fn, Number(root.slice(6)));
        if (lc === 'private') continue;
        if (lc) via = lc; // else reached only from callers we cannot see: the marked-access test below decides
      }
      // filled in before a publication (here, or after every call in the callers): not live yet
      const lastStore = g.stores[g.stores.length - 1]!;
      if (publishedAfter(ix, fn, lastStore, g.type)) continue;
      if (via ? publishedAfter(ix, via.caller, callEventAt(via.caller, via.loc) ?? lastStore, g.type) : publishedByCallers(ix, fn, g.type)) continue;
      const ov = whole.has(g.type) ? undefined : overlays.get(g.type)!;
      const ev = whole.get(g.type) ?? { fn, e: lastStore, op: 'overlay' };
      if (!ov && !sameSubsystem(ev.fn.file, fn.file)) continue;
      const stores = g.stores.slice().sort((a, b) => a.loc.line - b.loc.line);
      // a write barrier between two of the member stores: the author ordered them on purpose
      const inGroup = new Set<IrEvent>(g.stores);
      let ordered = false;
      for (const st of g.stores) {
        let barrier = false;
        ix.walk(fn, st, (e) => ordered || inGroup.has(e), (e) => {
          if (e.k === 'barrier' && (e.kind === 'wmb' || e.kind === 'full' || e.kind === 'release')) barrier = true;
          else if (barrier && inGroup.has(e)) ordered = true;
        }, 400);
        if (ordered) break;
      }
      if (ordered) score -= 2;
      // the updating side itself treats such entries as shared (reads or writes one marked,
      // itself or through a helper): otherwise the entry may be one not yet in use
      // (for a bitfield overlay: or the updating function reads the entry it rewrites, a live one)
      const inst = k.split('\0')[1]!;
      if (!markedTypes(ix, macros, marked, via?.caller ?? fn).has(g.type) && !markedTypes(ix, macros, marked, fn).has(g.type) && !(ov && readsEntry(fn, root, inst))) score -= 1;
      out.push({ fn, type: g.type, inst, stores, members: [...g.members], evidence: ev, ...(via ? { via } : {}), ordered, score, ...(ov ? { overlay: { raw: ov.raw, file: ov.file, line: ov.line } } : {}) });
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const shown = c.stores.slice(0, 6);
  const steps = shown.map((s) => ({ loc: s.loc, event: `store ${s.path.text}${s.once ? ' (marked)' : ''} (entry ${c.type} may be live)` }));
  let writer: WitnessPath;
  if (c.via) {
    const up: ChainStep[] = [...ix.callerPath(c.via.caller.key), { fn: c.via.caller.name, loc: c.via.loc }];
    const head = chainSteps([...up, { fn: c.fn.name, loc: steps[0]!.loc }], steps[0]!.event, ctx.source).slice(0, -1);
    head[head.length - 1] = { ...head[head.length - 1]!, event: `call ${c.fn.name} with a pointer to a live entry` };
    const body = steps.flatMap((s) => chainSteps([{ fn: c.fn.name, loc: s.loc }], s.event, ctx.source));
    writer = pathOf('CPU0 (member-by-member update)', [...head, ...body]);
  } else {
    writer = sidePath('CPU0 (member-by-member update)', ix, c.fn, steps, ctx.source);
  }
  const ev = c.evidence;
  const other: WitnessPath = c.overlay
    ? pathOf('reader of the whole entry (the hardware or another CPU)', [{ file: c.overlay.file, line: c.overlay.line, function: `union ${c.type}`, event: `union ${c.type} lays ${c.overlay.raw} over the bitfields: a reader loads the entry as one word`, ...(ctx.source.line(c.overlay.file, c.overlay.line) ? { code: ctx.source.line(c.overlay.file, c.overlay.line)!.trim() } : {}) }])
    : sidePath('elsewhere (entry written whole)', ix, ev.fn, [{ loc: ev.e.loc, event: `${ev.op} of a whole ${c.type} from a local copy: the entry is read concurrently` }], ctx.source);
  const members = c.members.slice(0, 5).join(', ') + (c.members.length > 5 ? ', ...' : '');
  const how = c.ordered ? ' (ordered by a write barrier: safe only while the entry is not live)' : '';
  const where = c.via ? `${c.via.caller.name} passes a live entry to ${c.fn.name}, which updates` : `${c.fn.name} updates`;
  ctx.report({
    file: c.stores[0]!.loc.file,
    line: c.stores[0]!.loc.line,
    col: c.stores[0]!.loc.col,
    function: c.fn.name,
    functions: [...new Set([...writer.callChain, ...other.callChain])],
    locks: [],
    message: c.overlay
      ? `${where} ${c.type} ${c.inst} bitfield by bitfield with ${c.stores.length} separate stores (${members})${how}; union ${c.type} lays ${c.overlay.raw} over these bitfields, so the entry is read as one word (by the hardware or another CPU) and may be seen half updated, and each bitfield store is a read-modify-write of that word the compiler may reorder or split: build it in a local and write ${c.overlay.raw} once`
      : `${where} ${c.type} ${c.inst} member by member with ${c.stores.length} separate stores (${members})${how}, while ${ev.fn.name} writes ${c.type} whole with ${ev.op}: a concurrent reader (another CPU or the hardware) may see a torn entry; build it in a local and write it once`,
    witness: [writer, other],
    fingerprint: [c.type, c.fn.name, ...shown.map((s) => normalizeCode(ctx.source.line(s.loc.file, s.loc.line)))],
    extra: { score: c.score, pattern: c.overlay ? 'overlay' : c.via ? 'callee' : 'local', locations: [c.type] },
  });
}

export const TORN_UPDATE_THRESHOLD = 3;
export const [tornUpdate, tornUpdateLowconf] = scoredRules<Cand>({
  id: 'torn-update',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A live entry whose type is elsewhere written whole with a marked access (write_atomic, cmpxchg, ACCESS_ONCE) updated member by member with plain stores.',
  lowDescription: 'Lower-confidence torn-update (stores ordered by a write barrier, entries passed in by callers we cannot see); off by default.',
  threshold: TORN_UPDATE_THRESHOLD,
  candidates,
  report,
});
