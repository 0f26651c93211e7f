// Small helpers for reading C condition text.

/** Whether every `(` in s is closed, and no `)` closes what was not opened. */
export function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}
