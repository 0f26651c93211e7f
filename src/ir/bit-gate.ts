// Ad-hoc locks made of one bit: `if (test_and_set_bit(F, &flags)) for (;;);` lets the first
// CPU through and parks every later arrival forever (a gate that is never reopened), the
// shape crash and shutdown paths use to run on one CPU only. The CPU past the gate holds it
// for good: reaching the gate again on that CPU (a nested panic() re-entering the crash
// path, an NMI) spins forever, as re-taking a held spinlock does. The IR gives the fall-through
// of such an `if` an acquisition of a lock named by the flag word and the bit.
import type { LiteNode as SyntaxNode } from '../frontend/lite-tree.js';

/** Bit test-and-set calls that can form a gate (the bit, then the word). */
const TEST_AND_SET = new Set(['test_and_set_bit', '__test_and_set_bit', 'test_and_set_bit_lock']);
const HINTS = new Set(['unlikely', 'likely']);
/** A fixed bit: a constant name or a number, not a value computed per call. */
const FIXED_BIT = /^(?:[A-Z_][A-Z0-9_]*|\d+)$/;

function unwrap(n: SyntaxNode | null): SyntaxNode | null {
  for (;;) {
    if (!n) return null;
    if (n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
    else if (n.type === 'call_expression' && HINTS.has(n.childForFieldName('function')?.text ?? '') && (n.childForFieldName('arguments')?.namedChildren.length ?? 0) === 1) n = n.childForFieldName('arguments')!.namedChildren[0]!;
    else return n;
  }
}

const ESCAPES = /\b(?:break|return|goto|continue|longjmp)\b/;

/** A statement that never completes: `for (;;) ...`, `while (1) ...`, `do ... while (1)`, without a way out. */
export function runsForever(n: SyntaxNode | null): boolean {
  if (!n) return false;
  if (n.type === 'compound_statement') {
    const stmts = n.namedChildren.filter((c) => c.type !== 'comment');
    return stmts.length > 0 && runsForever(stmts[stmts.length - 1]!) && !stmts.slice(0, -1).some((s) => ESCAPES.test(s.text));
  }
  if (n.type !== 'for_statement' && n.type !== 'while_statement' && n.type !== 'do_statement') return false;
  const cond = unwrap(n.childForFieldName('condition'));
  const forever = n.type === 'for_statement' ? !cond : !!cond && /^(?:1|true)$/.test(cond.text.trim());
  if (!forever) return false;
  const body = n.childForFieldName('body');
  return !body || !ESCAPES.test(body.text);
}

/** `test_and_set_bit(BIT, word)` tested by `if`, whose then-arm never completes: the bit and the word. */
export function bitGate(cond: SyntaxNode | null, thenArm: SyntaxNode | null): { bit: string; word: SyntaxNode; call: SyntaxNode } | null {
  const c = unwrap(cond);
  if (c?.type !== 'call_expression') return null;
  if (!TEST_AND_SET.has(c.childForFieldName('function')?.text ?? '')) return null;
  const args = c.childForFieldName('arguments')?.namedChildren ?? [];
  if (args.length !== 2 || !FIXED_BIT.test(args[0]!.text.trim())) return null;
  if (!runsForever(thenArm)) return null;
  return { bit: args[0]!.text.trim(), word: args[1]!, call: c };
}
