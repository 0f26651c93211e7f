// Rule names a user may write (`--rule`, `--disable`, `rules:` keys in lockcheck.yml): a rule id
// (`lock-inversion`) or a category that stands for all its rules (`lock-order`). A misspelled
// name is an error with a suggestion, never a rule that silently matches nothing.
import { checkers } from '../checkers/index.js';

export function knownRuleIds(): string[] {
  return checkers.map((c) => c.meta.id);
}

export function knownCategories(): string[] {
  return [...new Set(checkers.map((c) => c.meta.category))];
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest known name within a third of the name's length (at least 2 edits), if any. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  // A name that is a known one plus or minus a suffix (`lock-inversions`, `lock-leak-lowconf`).
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * One message per unknown name: `--rule lock-inversions: unknown rule (did you mean
 * lock-inversion?)`. `where` names the input (`--rule`, `lockcheck.yml rules`).
 * `categories` says whether a category name is accepted there.
 */
export function unknownRuleNames(names: readonly string[], where: string, categories: boolean): string[] {
  const ids = knownRuleIds();
  const known = categories ? [...ids, ...knownCategories()] : ids;
  const out: string[] = [];
  for (const n of names) {
    if (known.includes(n)) continue;
    const s = suggest(n, known);
    out.push(`${where} ${n}: unknown rule${s ? ` (did you mean ${s}?)` : `; known rules: ${ids.join(', ')}${categories ? `; categories: ${knownCategories().join(', ')}` : ''}`}`);
  }
  return out;
}
