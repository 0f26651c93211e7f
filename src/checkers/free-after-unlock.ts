// free-after-unlock (lifetime): an object reached through a published pointer
// (`pdev->vpci`) is unlocked and then freed (`spin_unlock(&pdev->vpci->lock); xfree(pdev->vpci)`)
// while other functions reach the same object through the same kind of pointer and take its
// lock (or use it) without holding any lock the freeing path holds at the free: they can be
// spinning on the lock that is being freed, or get it just after the unlock and use freed
// memory. (Seed 003: vpci_remove_device vs vpci_process_pending / vpci_read / vpci_write.)
// A lock embedded in an object nobody else can name (a local that was never published) is
// not reported.
import { scoredRules } from './scored-rules.js';
import { accessIndex } from '../analysis/access-index.js';
import { lockKey } from '../analysis/lockset.js';
import { instKey } from '../analysis/summary-types.js';
import type { AccessPath, FunctionIR, IrEvent } from '../ir/types.js';
import type { WitnessPath } from '../report/finding.js';
import type { Checker, CheckerContext } from './api.js';
import { rootReassigned } from './local-rebind.js';
import { sharedClass, sidePath } from './shared-mem.js';
import { normalizeCode } from './witness.js';

type Rel = IrEvent & { k: 'release' };
type Free = IrEvent & { k: 'free' };

interface Other {
  fn: FunctionIR;
  e: IrEvent;
  how: 'lock' | 'use';
}

interface Cand {
  fn: FunctionIR;
  rel: Rel;
  free: Free;
  objCls: string;
  lockCls: string;
  others: Other[];
  score: number;
}

function prefix(p: AccessPath, n: number): AccessPath {
  return { root: p.root, fields: p.fields.slice(0, n), arrows: p.arrows.slice(0, n), text: p.text, ...(p.rootType ? { rootType: p.rootType } : {}) };
}

function exclusive(s: Set<string>): Set<string> {
  const o = new Set<string>();
  for (const c of s) if (c !== 'rcu' && !c.includes('srcu')) o.add(c);
  return o;
}

function candidates(ctx: CheckerContext): Cand[] {
  const p = ctx.program;
  const ix = accessIndex(p);
  const pending: Omit<Cand, 'others' | 'score'>[] = [];
  for (const fn of p.functions) {
    for (const b of fn.blocks) {
      for (const r of b.events) {
        if (r.k !== 'release') continue;
        const lp = r.lock.inst;
        const n = lp.fields.length;
        if (n < 1 || !lp.arrows[n - 1] || lp.fields[n - 2] === '[]') continue;
        const obj = prefix(lp, n - 1);
        // a local holding a pointer loaded from a published field: `x = p->ptr; ... unlock(&x->lock); kfree(x)`
        let published: AccessPath | undefined = n >= 2 ? obj : undefined;
        if (n === 1 && obj.root.startsWith('local:')) {
          const name = obj.root.slice(6);
          for (const b2 of fn.blocks) for (const e of b2.events) if (e.k === 'load' && e.into === name && e.path.fields.length && !e.path.fields.includes('[]')) published = e.path;
        }
        if (!published) continue;
        const okey = instKey(obj);
        if (rootReassigned(fn, obj.root)) continue;
        let free: Free | undefined;
        let steps = 0;
        ix.walk(fn, r, (e) => !!free || ++steps > 40 || (e.k === 'acquire' && lockKey(e.lock) === lockKey(r.lock)) || e.k === 'return', (e) => {
          if (!free && e.k === 'free' && !e.kind && instKey(e.path) === okey) free = e;
        });
        if (!free) continue;
        const objCls = ix.cls(published);
        if (!sharedClass(objCls) || !objCls.includes('.')) continue;
        pending.push({ fn, rel: r, free, objCls, lockCls: r.lock.cls || ix.cls(lp) });
      }
    }
  }
  if (!pending.length) return [];
  // the other side: who reaches objects through the same pointer field
  const want = new Set(pending.map((c) => c.objCls));
  const locks = new Map<string, Other[]>();
  const uses = new Map<string, Other[]>();
  for (const fn of p.functions) {
    for (const b of fn.blocks) for (const e of b.events) {
      // an assertion that the lock is held (ASSERT(spin_is_locked(...))) takes nothing: its caller did
      if (e.k === 'acquire' && !e.assumed) {
        const lp = e.lock.inst;
        const n = lp.fields.length;
        if (n < 2 || !lp.arrows[n - 1]) continue;
        const c = ix.cls(prefix(lp, n - 1));
        if (!want.has(c)) continue;
        const l = locks.get(c) ?? [];
        if (!l.some((o) => o.fn === fn)) l.push({ fn, e, how: 'lock' });
        locks.set(c, l);
      } else if (e.k === 'load' && e.path.fields.length) {
        const c = ix.cls(e.path);
        if (!want.has(c)) continue;
        const l = uses.get(c) ?? [];
        if (l.length < 50 && !l.some((o) => o.fn === fn)) l.push({ fn, e, how: 'use' });
        uses.set(c, l);
      }
    }
  }
  const out: Cand[] = [];
  for (const c of pending) {
    const atFree = exclusive(ix.heldClasses(c.fn, c.free));
    const ok = (o: Other) => o.fn !== c.fn && ![...exclusive(ix.heldClasses(o.fn, o.e))].some((l) => atFree.has(l));
    const lockers = (locks.get(c.objCls) ?? []).filter(ok);
    const users = (uses.get(c.objCls) ?? []).filter(ok);
    if (!lockers.length && !users.length) continue;
    const score = lockers.length ? 3 : 2;
    out.push({ ...c, others: lockers.length ? lockers : users, score });
  }
  return out;
}

function report(ctx: CheckerContext, c: Cand): void {
  const ix = accessIndex(ctx.program);
  const witness: WitnessPath[] = [
    sidePath('freeing path', ix, c.fn, [
      { loc: c.rel.loc, event: `release ${c.lockCls} (${c.rel.lock.inst.text})` },
      { loc: c.free.loc, event: `${c.free.api} ${c.objCls} (${c.free.path.text}) after the unlock` },
    ], ctx.source),
  ];
  for (const o of c.others.slice(0, 3)) {
    const ev = o.e.k === 'acquire' ? `acquire ${o.e.lock.cls} (${o.e.lock.inst.text}) through ${c.objCls}` : `load ${c.objCls} (${(o.e as { path: AccessPath }).path.text})`;
    witness.push(sidePath(witness.length === 1 ? 'using path' : `using path (also ${witness.length})`, ix, o.fn, [{ loc: o.e.loc, event: ev }], ctx.source));
  }
  const names = [...new Set(c.others.map((o) => o.fn.name))].slice(0, 3).join(', ');
  ctx.report({
    file: c.free.loc.file,
    line: c.free.loc.line,
    col: c.free.loc.col,
    function: c.fn.name,
    functions: [...new Set(witness.flatMap((w) => w.callChain))],
    locks: [c.lockCls],
    message: `${c.fn.name} releases ${c.rel.lock.inst.text} (line ${c.rel.loc.line}) and then frees ${c.free.path.text} (line ${c.free.loc.line}), the object the lock lives in, while ${names} ${c.others[0]!.how === 'lock' ? 'take that lock' : 'use it'} through ${c.objCls} without a lock the freeing path holds: they may be waiting on the lock or use the object after the free`,
    witness,
    fingerprint: [c.objCls, c.fn.name, normalizeCode(ctx.source.line(c.rel.loc.file, c.rel.loc.line)), normalizeCode(ctx.source.line(c.free.loc.file, c.free.loc.line))],
    extra: { score: c.score, locations: [c.objCls, c.lockCls] },
  });
}

export const FREE_AFTER_UNLOCK_THRESHOLD = 3;
export const [freeAfterUnlock, freeAfterUnlockLowconf] = scoredRules<Cand>({
  id: 'free-after-unlock',
  category: 'lifetime',
  severity: 'error',
  description: 'An object freed right after releasing the lock inside it, while other paths reach it through a shared pointer and take that lock without a lock the freeing path holds.',
  lowDescription: 'Lower-confidence free-after-unlock (other paths only load the pointer, they do not take the lock); off by default.',
  threshold: FREE_AFTER_UNLOCK_THRESHOLD,
  candidates,
  report,
});
