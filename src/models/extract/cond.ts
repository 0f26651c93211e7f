// C branch conditions on shared state -> model expressions. Only conditions built from the
// shared locations the branch reads, integer literals, NULL/true/false and constant macros
// translate; anything else (locals, other calls) makes the branch abstract (both edges).
import type { AccessPath, BranchEvent, IrEvent } from '../../ir/types.js';
import { parseExpr } from '../explorer/expr.js';

export interface CondContext {
  /** Model variable of a shared location, or undefined when it is not one. */
  varOf(p: AccessPath): string | undefined;
  /**
   * A constant macro / enumerator in a value position: its value when the tree defines it,
   * else a model variable standing for it (any value, so an unknown constant never makes a
   * branch infeasible against a literal).
   */
  constant(name: string): number | string;
  /** A constant used as a bit number (`test_bit(NAME, &x)`): always a concrete bit. */
  bit?(name: string): number;
}

export interface Translated {
  expr: string;
  vars: string[];
  /** Numbers the condition compares with (candidate initial values). */
  numbers: number[];
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*');

/** Translate `br` (with the events evaluated for its condition) into a model expression. */
export function translateCond(br: BranchEvent, condEvents: IrEvent[], ctx: CondContext): Translated | undefined {
  let text = br.text.replace(/\s+/g, ' ').trim();
  if (text.endsWith('...') || text.length >= 80) return undefined; // shortened by the IR builder
  const slots: string[] = [];
  const slot = (v: string): string => {
    slots.push(v);
    return ` \u0001${slots.length - 1}\u0001 `;
  };
  // calls that read shared state: list_empty(&x), test_bit(N, &x), atomic_read(&x), READ_ONCE(x)
  for (const e of condEvents) {
    if (e.k === 'call' && /^(list_empty|list_empty_careful|hlist_empty|hlist_unhashed)$/.test(e.callee) && e.args[0]) {
      const v = ctx.varOf(e.args[0]);
      if (!v) continue;
      text = text.replace(new RegExp(`${e.callee}\\s*\\(\\s*${esc(e.argText[0] ?? '')}\\s*\\)`), () => `(${slot(v)} == 0)`);
    } else if (e.k === 'atomic' && e.reads && !e.writes) {
      // (a value-returning RMW's result is not the location's value: such a condition stays abstract)
      const v = ctx.varOf(e.path);
      if (!v) continue;
      const ptext = e.path.text.replace(/^&/, '');
      if (/test_bit$/.test(e.op)) {
        text = text.replace(new RegExp(`\\b${e.op}\\s*\\(\\s*([^,()]+?)\\s*,\\s*&?\\s*${esc(ptext)}\\s*\\)`), (_m, bit: string) => {
          const b = bit.trim();
          const n = /^[A-Z][A-Z0-9_]*$/.test(b) && ctx.bit ? String(ctx.bit(b)) : b;
          return `((${slot(v)} >> (${n})) & 1)`;
        });
      } else {
        text = text.replace(new RegExp(`\\b${e.op}\\s*\\(\\s*&?\\s*${esc(ptext)}\\s*\\)`), () => slot(v));
      }
    }
  }
  const reads = [...br.reads].sort((a, b) => b.text.length - a.text.length);
  for (const r of reads) {
    const v = ctx.varOf(r);
    if (!v) continue;
    text = text.replace(new RegExp(`(?<![\\w.>])${esc(r.text)}(?![\\w(])`, 'g'), () => slot(v));
  }
  text = text.replace(/\b(likely|unlikely|READ_ONCE|ACCESS_ONCE|read_atomic)\s*\(/g, '(');
  // whatever is left: numbers, NULL/true/false, CONSTANT macros, operators, slots
  const vars = new Set<string>();
  const numbers: number[] = [];
  let bad = false;
  const out = text.replace(/\u0001(\d+)\u0001|\b(0x[0-9a-fA-F]+|\d+)[uUlL]*\b|\b([A-Za-z_]\w*)\b|(->|\.|\[|\]|\?|:|,|(?<![=!<>])=(?!=)|\+\+|--)/g, (m, sl?: string, num?: string, id?: string, badTok?: string, offset?: number) => {
    if (sl !== undefined) {
      vars.add(slots[Number(sl)]!);
      return slots[Number(sl)]!;
    }
    if (num !== undefined) {
      // a negative literal (`x == -1`): its value is a candidate too
      if (/(^|[(=!<>&|,?:]\s*)-\s*$/.test(text.slice(0, offset ?? 0))) numbers.push(-Number(num) | 0);
      numbers.push(Number(num) | 0);
      return String(Number(num) | 0);
    }
    if (id !== undefined) {
      if (id === 'NULL' || id === 'false') return '0';
      if (id === 'true') return '1';
      if (/^[A-Z][A-Z0-9_]*$/.test(id)) {
        const c = ctx.constant(id);
        if (typeof c === 'string') {
          vars.add(c);
          return c;
        }
        numbers.push(c);
        return String(c);
      }
      bad = true;
      return m;
    }
    if (badTok !== undefined) bad = true;
    return m;
  });
  if (bad || vars.size === 0) return undefined;
  const expr = out.replace(/\s+/g, ' ').trim();
  try {
    parseExpr(expr);
  } catch {
    return undefined;
  }
  return { expr, vars: [...vars], numbers };
}
