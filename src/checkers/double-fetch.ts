// double-fetch (memory-ordering): a shared field read twice with plain loads, no lock held
// across both and no READ_ONCE, where the first value is tested and the second is used: the
// check and the use may see different values (the compiler may also re-load or tear).
// Only fields that someone else writes concurrently count: writers that hold a lock this
// path does not hold, or that write with WRITE_ONCE/atomics. A re-read after taking a lock
// is the safe re-check pattern and is not reported.
import { scoredRules } from './scored-rules.js';
import { accessIndex } from '../analysis/access-index.js';
import { instKey } from '../analysis/summary-types.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { Checker, CheckerContext } from './api.js';
import { rootReassigned } from './local-rebind.js';
import { sameSubsystem, sharedClass, sidePath } from './shared-mem.js';
import { writeIndex, type WriteSite } from './shared-writes.js';
import { normalizeCode } from './witness.js';

type Load = IrEvent & { k: 'load' };

interface Cand {
  fn: FunctionIR;
  first: Load;
  second: Load;
  loc: string;
  writers: WriteSite[];
  score: number;
}

const TASK_LOCAL = /^(global:current|ret:get_current)$/;
/** Writes made while setting an object up happen before anyone else can read it. */
const WRITER_INIT = /(^|_)(init|setup|alloc|create|new|probe|register)(_|$)/;
const DYING_OR_DIAG = /(^|_)(free|put|release|destroy|exit|cleanup|teardown|show|print|dump|debug|validate|stat|init|create|alloc)(_|$)/;

function exclusive(s: Set<string>): string[] {
  return [...s].filter((c) => c !== 'rcu' && !c.includes('srcu'));
}

const SIZED = /(copy|memcpy|memmove|memset|alloc|read|write|put_user|get_user|strncpy|strlcpy|snprintf|bitmap|kmemdup|sg_)/;

/** The re-fetched value is used as a size, a length, an index, or a copy operand. */
function dangerousUse(ctx: CheckerContext, fn: FunctionIR, s: Load): boolean {
  const pos = accessIndex(ctx.program).pos(fn, s);
  if (!pos) return false;
  const evs = fn.blocks[pos.block]!.events;
  for (let i = pos.idx + 1; i < evs.length; i++) {
    const e = evs[i]!;
    if (e.loc.line !== s.loc.line) break;
    if (e.k === 'call' && SIZED.test(e.callee) && e.argText.some((t) => t.includes(s.path.text))) return true;
  }
  const line = ctx.source.line(s.loc.file, s.loc.line) ?? '';
  const txt = s.path.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\[[^\\]]*${txt}[^\\]]*\\]`).test(line);
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const wi = writeIndex(p);
  const out: Cand[] = [];
  for (const fn of p.functions) {
    const reported = new Set<string>();
    for (const b of fn.blocks) {
      for (let i = 0; i < b.events.length; i++) {
        const first = b.events[i]!;
        if (first.k !== 'load' || first.once || !first.path.fields.length) continue;
        if (TASK_LOCAL.test(first.path.root) || first.path.fields.includes('[]') || ix.freshParam(fn, first.path)) continue;
        // the first value is tested by the branch right after it
        let tested = false;
        for (let j = i + 1; j < b.events.length; j++) {
          const n = b.events[j]!;
          if (n.k === 'branch') {
            tested = n.reads.includes(first.path);
            break;
          }
          if (n.k !== 'load' && n.k !== 'atomic') break;
        }
        if (!tested) continue;
        const key = instKey(first.path);
        if (reported.has(key) || rootReassigned(fn, first.path.root)) continue;
        const loc = ix.cls(first.path);
        if (!sharedClass(loc)) continue;
        let second: Load | undefined;
        let blocked = false;
        let n = 0;
        ix.walk(fn, first, (e) => !!second || blocked || ++n > 80 || e.k === 'return', (e) => {
          if (second || blocked) return;
          if (e.k === 'acquire' || e.k === 'release' || e.k === 'barrier' || e.k === 'atomic') blocked = true; // re-check after a lock / barrier
          else if (e.k === 'store' && instKey(e.path) === key) blocked = true;
          else if (e.k === 'call' && e.args.some((a) => a && instKey(a).startsWith(key))) blocked = true; // passed by address: may be updated
          else if (e.k === 'load' && !e.once && instKey(e.path) === key && e !== first && e.loc.line >= first.loc.line) second = e; // not around a loop
        });
        if (!second || blocked) continue;
        // the second value must be used, not re-tested: a re-test in a loop condition is a poll
        const s = second as Load;
        const sp = ix.pos(fn, s)!;
        const sEvs = fn.blocks[sp.block]!.events;
        let retest = false;
        for (let j = sp.idx + 1; j < sEvs.length; j++) {
          const e = sEvs[j]!;
          if (e.k === 'branch') {
            retest = e.reads.includes(s.path);
            break;
          }
          if (e.k !== 'load' && e.k !== 'atomic') break;
        }
        if (retest) continue;
        const h1 = ix.heldClasses(fn, first);
        const h2 = ix.heldClasses(fn, s);
        const common = exclusive(h1).filter((l) => h2.has(l));
        if (common.length) continue;
        const writers = (wi.byClass.get(loc) ?? []).filter((w) => w.fn !== fn && sameSubsystem(w.fn.file, fn.file));
        const concurrent = writers.filter((w) => !WRITER_INIT.test(w.fn.name) && (w.acc.kind !== 'plain' || exclusive(w.held).some((l) => !h1.has(l))));
        if (!concurrent.length) continue;
        reported.add(key);
        let score = 1;
        // a dying object (free/put/release paths) has no other users; diagnostics tolerate races
        if (DYING_OR_DIAG.test(fn.name)) score -= 2;
        // a static function nobody calls directly runs from an ops table, under the framework's locks
        if (fn.isStatic && !(p.callers.get(fn.key)?.size)) score -= 1;
        // the classic time-of-check/time-of-use: the second value sizes a copy or an allocation, or indexes
        if (!dangerousUse(ctx, fn, s)) score -= 1;
        if (concurrent.some((w) => w.acc.kind === 'once' || w.acc.kind === 'atomic')) score += 2;
        else if (concurrent.length >= 2) score += 1;
        if (s.into) score += 0;
        out.push({ fn, first, second: s, loc, writers: concurrent, score });
      }
    }
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const witness = [
    sidePath('CPU0 (reader)', ix, c.fn, [
      { loc: c.first.loc, event: `load ${c.loc} (${c.first.path.text}), tested` },
      { loc: c.second.loc, event: `load ${c.loc} again, used` },
    ], ctx.source),
  ];
  const seen = new Set<string>();
  for (const w of c.writers) {
    if (seen.has(w.fn.key) || seen.size >= 2) continue;
    seen.add(w.fn.key);
    witness.push(sidePath(seen.size === 1 ? 'CPU1 (writer)' : 'CPU1 (also)', ix, w.fn, [
      { loc: w.e.loc, event: `${w.acc.op} ${c.loc}${w.held.size ? ` under ${[...w.held].join(', ')}` : ''}` },
    ], ctx.source));
  }
  const w0 = c.writers[0]!;
  ctx.report({
    file: c.second.loc.file,
    line: c.second.loc.line,
    col: c.second.loc.col,
    function: c.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [],
    message: `${c.fn.name} reads ${c.first.path.text} twice without a lock or READ_ONCE (tested at line ${c.first.loc.line}, used at line ${c.second.loc.line}) while ${w0.fn.name} writes ${c.loc}${w0.held.size ? ` under ${[...w0.held].join(', ')}` : ''}: the use may see a different value than the test`,
    witness,
    fingerprint: [c.loc, c.fn.name, normalizeCode(ctx.source.line(c.first.loc.file, c.first.loc.line)), normalizeCode(ctx.source.line(c.second.loc.file, c.second.loc.line))],
    extra: { score: c.score, locations: [c.loc] },
  });
}

export const DOUBLE_FETCH_THRESHOLD = 3;
export const [doubleFetch, doubleFetchLowconf] = scoredRules<Cand>({
  id: 'double-fetch',
  category: 'memory-ordering',
  severity: 'warning',
  description: 'A shared field read twice without a lock or READ_ONCE, tested then used, while another CPU writes it.',
  lowDescription: 'Lower-confidence double-fetch (writers only known to hold some other lock); off by default.',
  threshold: DOUBLE_FETCH_THRESHOLD,
  candidates,
  report,
});
