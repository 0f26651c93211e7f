// Shortest CFG walks inside one function: from a position to the next event a witness step
// names, or to the exit. Returns the events passed in program order and, for each branch
// passed, which edge the walk took (the `if`'s then-edge is succ[0], a loop's body-edge too).
import type { BranchEvent, FunctionIR, IrEvent } from '../../ir/types.js';

export interface Pos {
  block: number;
  /** Index of the next event to run in `block`. */
  idx: number;
}

export type Walked = { e: IrEvent } | { branch: BranchEvent; taken: boolean };

export interface WalkResult {
  items: Walked[];
  /** Position of the matched event (its index), or of the exit. */
  at: Pos;
}

/**
 * Walk from `from` to the first event satisfying `match` (or to the exit block when `match`
 * is undefined) along a shortest block path. The matched event itself is not in `items`.
 */
export function walkTo(fn: FunctionIR, from: Pos, match: ((e: IrEvent) => boolean) | undefined, avoid?: (e: IrEvent) => boolean): WalkResult | undefined {
  const blocks = fn.blocks;
  const here = blocks[from.block]!.events;
  if (match) {
    for (let i = from.idx; i < here.length; i++) {
      if (match(here[i]!)) return { items: here.slice(from.idx, i).map((e) => ({ e })), at: { block: from.block, idx: i } };
      if (avoid?.(here[i]!)) return undefined;
    }
  } else if (from.block === fn.exit) return { items: [], at: from };
  if (avoid && here.slice(from.idx).some(avoid)) return undefined;
  // BFS over successor blocks
  const prev = new Map<number, number>();
  const queue: number[] = [];
  for (const s of blocks[from.block]!.succ) {
    if (!prev.has(s)) {
      prev.set(s, from.block);
      queue.push(s);
    }
  }
  let found: { block: number; idx: number } | undefined;
  for (let q = 0; q < queue.length && !found; q++) {
    const b = queue[q]!;
    const evs = blocks[b]!.events;
    if (match) {
      const i = evs.findIndex(match);
      if (i >= 0 && !(avoid && evs.slice(0, i).some(avoid))) {
        found = { block: b, idx: i };
        break;
      }
    } else if (b === fn.exit) {
      found = { block: b, idx: 0 };
      break;
    }
    if (avoid && evs.some(avoid)) continue;
    for (const s of blocks[b]!.succ) {
      if (!prev.has(s)) {
        prev.set(s, b);
        queue.push(s);
      }
    }
  }
  if (!found) return undefined;
  const chain: number[] = [found.block];
  for (let b = found.block; prev.get(b) !== from.block && chain.length <= blocks.length; ) {
    b = prev.get(b)!;
    chain.unshift(b);
  }
  const items: Walked[] = [];
  const pushBlock = (b: number, lo: number, hi: number, next: number | undefined): void => {
    const evs = blocks[b]!.events;
    for (let i = lo; i < hi; i++) {
      const e = evs[i]!;
      if (e.k === 'branch' && i === evs.length - 1 && next !== undefined) {
        const succ = blocks[b]!.succ;
        if (succ.length === 2 && succ[0] !== succ[1]) items.push({ branch: e, taken: succ[0] === next });
        continue;
      }
      items.push({ e });
    }
  };
  pushBlock(from.block, from.idx, here.length, chain[0]);
  for (let k = 0; k < chain.length; k++) {
    const b = chain[k]!;
    const last = k === chain.length - 1;
    pushBlock(b, 0, last ? found.idx : blocks[b]!.events.length, last ? undefined : chain[k + 1]);
  }
  return { items, at: found };
}

