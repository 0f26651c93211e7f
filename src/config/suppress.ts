// Suppression comments in the analyzed C source:
//   foo();  /* lockcheck-disable-line lock-order */
//   // lockcheck-disable-next-line lock-order, use-after-free
// A directive without a rule list (or with `*`) silences every rule.

import type { Finding } from '../report/finding.js';

const DIRECTIVE = /lockcheck-disable-(next-line|line)\b([^\n]*)/g;

function rulesOf(rest: string): string[] {
  const cleaned = rest.replace(/\*\/.*$/, '').replace(/--.*$/, '').trim();
  if (cleaned === '') return ['*'];
  return cleaned.split(/[\s,]+/).filter((r) => r.length > 0);
}

/** Per 1-based line: the rules silenced on that line. */
export function suppressedRulesByLine(text: string): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const add = (line: number, rules: string[]): void => {
    let set = out.get(line);
    if (!set) out.set(line, (set = new Set()));
    for (const r of rules) set.add(r);
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const src = lines[i]!;
    if (!src.includes('lockcheck-disable-')) continue;
    for (const m of src.matchAll(DIRECTIVE)) {
      const rules = rulesOf(m[2] ?? '');
      add(m[1] === 'next-line' ? i + 2 : i + 1, rules);
    }
  }
  return out;
}

export function isSuppressed(finding: Pick<Finding, 'rule' | 'line'>, byLine: Map<number, Set<string>>): boolean {
  const set = byLine.get(finding.line);
  return set !== undefined && (set.has('*') || set.has(finding.rule));
}

/**
 * Drops the findings a suppression comment silences. `readText(file)` returns the file's
 * text (or undefined when unreadable, in which case nothing of that file is suppressed).
 */
export function filterSuppressed(findings: readonly Finding[], readText: (file: string) => string | undefined): { kept: Finding[]; suppressed: Finding[] } {
  const perFile = new Map<string, Map<number, Set<string>>>();
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of findings) {
    let byLine = perFile.get(f.file);
    if (!byLine) {
      const text = readText(f.file);
      byLine = text === undefined ? new Map() : suppressedRulesByLine(text);
      perFile.set(f.file, byLine);
    }
    (isSuppressed(f, byLine) ? suppressed : kept).push(f);
  }
  return { kept, suppressed };
}
