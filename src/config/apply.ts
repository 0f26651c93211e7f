// What `.github/lockcheck.yml` does to findings, whichever analyzer produced them.
import type { Finding } from '../report/finding.js';
import type { LockcheckConfig } from './schema.js';
import { isPathSelected } from './glob.js';

/** A rule's setting: its own key, else its category's (`lock-order: note`). */
export function ruleSetting(rules: Readonly<Record<string, string>>, rule: { id: string; category: string }): string | undefined {
  return rules[rule.id] ?? rules[rule.category];
}

/** Drops `off` rules and excluded paths; applies per-rule (or per-category) severity overrides. */
export function applyConfig(findings: readonly Finding[], config: LockcheckConfig): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const setting = ruleSetting(config.rules, { id: f.rule, category: f.category }) as LockcheckConfig['rules'][string] | undefined;
    if (setting === 'off') continue;
    if (!isPathSelected(f.file, config.paths)) continue;
    out.push(setting ? { ...f, severity: setting } : f);
  }
  return out;
}

const RANK = { error: 0, warning: 1, note: 2 } as const;

/** Stable order for publishing: severity, then file and line. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.file.localeCompare(b.file) || a.line - b.line || a.id.localeCompare(b.id));
}

/** One finding per id (an analyzer may report the same fingerprint twice). */
export function uniqueById(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => (seen.has(f.id) ? false : (seen.add(f.id), true)));
}
