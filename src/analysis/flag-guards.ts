// Parameter flag guards: code that runs only when a flags parameter has some bit set
// (`if ((q & P2M_ALLOC) && ...) populate();`, or after `if (!(q & P2M_ALLOC)) goto out;`)
// cannot run for a caller that passes a literal 0. The IR's branch events and the CFG say
// which blocks a test dominates; locks taken there (directly or by calls) carry the guard
// "parameter is non-zero", which a call site with `0` turns off (lockset.ts guardAtCall).
import { reversePostorder } from '../ir/cfg.js';
import type { FunctionIR, IrEvent } from '../ir/types.js';
import { balanced } from './cond-text.js';

/** Immediate dominators (Cooper, Harvey, Kennedy), -1 for unreachable blocks. */
function dominators(fn: FunctionIR): Int32Array {
  const order = reversePostorder(fn);
  const pos = new Int32Array(fn.blocks.length).fill(-1);
  order.forEach((b, i) => (pos[b] = i));
  const preds: number[][] = fn.blocks.map(() => []);
  for (const b of fn.blocks) for (const s of b.succ) preds[s]!.push(b.id);
  const idom = new Int32Array(fn.blocks.length).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (pos[a]! > pos[b]!) a = idom[a]!;
      while (pos[b]! > pos[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true, rounds = 0; changed && rounds < 50; rounds++) {
    changed = false;
    for (const b of order) {
      if (b === 0) continue;
      let d = -1;
      for (const p of preds[b]!) {
        if (idom[p] === -1 || pos[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== -1 && idom[b] !== d) {
        idom[b] = d;
        changed = true;
      }
    }
  }
  return idom;
}

function dominates(idom: Int32Array, a: number, b: number): boolean {
  for (let x = b, i = 0; i < 10000; i++) {
    if (x === a) return true;
    if (x === 0 || idom[x]! < 0) return false;
    x = idom[x]!;
  }
  return false;
}

/** Top-level splits of a condition at `op` (`&&` or `||`), outer parentheses removed. */
function split(text: string, op: '&&' | '||'): string[] {
  let t = text.trim();
  // a shortened condition text has lost its closing parentheses
  const open = depthOf(t);
  if (open > 0) t += ')'.repeat(open);
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    const ch = t[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth === 0 && t.startsWith(op, i)) {
      out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function depthOf(s: string): number {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')') d--;
  }
  return d;
}

const bitTest = (s: string, p: string) => new RegExp(`^\\(*\\s*${p}\\s*&(?!&)\\s*[A-Za-z_(]`).test(s);

/** Which arm of a branch implies the flags parameter `p` is non-zero: 0 the true arm, 1 the false arm. */
function armOf(text: string, p: string): 0 | 1 | undefined {
  if (!new RegExp(`\\b${p}\\b`).test(text)) return undefined;
  if (split(text, '&&').some((c) => bitTest(c, p))) return 0;
  if (split(text, '||').some((c) => /^!\s*\(/.test(c) && bitTest(c.replace(/^!\s*/, ''), p))) return 1;
  return undefined;
}

export function applyFlagGuards(functions: FunctionIR[]): void {
  for (const fn of functions) {
    if (fn.params.length === 0) continue;
    let idom: Int32Array | undefined;
    const guarded: { param: number; head: number }[] = [];
    // `(q & F) && f()`: calls in the later conjuncts of the condition itself
    const inCond: { event: IrEvent; param: number }[] = [];
    for (const b of fn.blocks) {
      const last = b.events.at(-1);
      if (last?.k !== 'branch' || b.succ.length !== 2 || !last.text.includes('&')) continue;
      const first = split(last.text, '&&');
      if (first.length > 1) {
        const i = fn.params.findIndex((p) => bitTest(first[0]!, p.name));
        if (i >= 0) {
          for (const e of b.events) {
            if ((e.k === 'call' || e.k === 'acquire') && (e.loc.line > last.loc.line || (e.loc.line === last.loc.line && e.loc.col > last.loc.col))) inCond.push({ event: e, param: i });
          }
        }
      }
      fn.params.forEach((p, i) => {
        const arm = armOf(last.text, p.name);
        if (arm === undefined) return;
        const head = b.succ[arm]!;
        // a join reached from both arms is not decided by the test
        if (head === b.succ[1 - arm]) return;
        guarded.push({ param: i, head });
      });
    }
    if (!guarded.length && !inCond.length) continue;
    idom = dominators(fn);
    const isGuarded = (param: number, block: number) => guarded.some((g) => g.param === param && dominates(idom!, g.head, block));
    // a parameter the function overwrites outside its own guard may become non-zero
    const changed = new Set<number>();
    for (const b of fn.blocks) {
      for (const e of b.events) {
        const name = e.k === 'assign' ? e.name : e.k === 'load' ? e.into : e.k === 'call' ? e.assignedTo : e.k === 'store' && e.path.fields.length === 0 && e.path.root.startsWith('param:') ? fn.params[Number(e.path.root.slice(6))]?.name : undefined;
        const i = name !== undefined ? fn.params.findIndex((p) => p.name === name) : -1;
        if (i >= 0 && !isGuarded(i, b.id)) changed.add(i);
      }
    }
    for (const { event: e, param } of inCond) if (!changed.has(param) && (e.k === 'call' || e.k === 'acquire') && !e.guard) e.guard = { param, value: true };
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if ((e.k !== 'acquire' && e.k !== 'call') || e.guard) continue;
        const g = guarded.find((g) => !changed.has(g.param) && dominates(idom!, g.head, b.id));
        if (g) e.guard = { param: g.param, value: true };
      }
    }
  }
}
