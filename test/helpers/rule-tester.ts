// RuleTester for lockcheck checkers, after ESLint's: `valid` C must produce no finding of
// the rule, each `invalid` case must produce the expected findings.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import type { Finding } from '../../src/report/finding.js';

/** One C file (`code`) or several (`files`, path -> text), as a tree the engine analyzes whole. */
export interface Case {
  name: string;
  code?: string;
  files?: Record<string, string>;
}

export interface InvalidCase extends Case {
  /** Expected number of findings of this rule (default 1). */
  count?: number;
  /** Every finding's `functions` must include these. */
  functions?: string[];
  /** Expected lock classes (in any order) of the first finding. */
  locks?: string[];
  /** Substring of the first finding's message. */
  message?: string | RegExp;
  /** Extra assertions. */
  check?: (findings: Finding[]) => void;
}

export function runRule(rule: string, c: Case): Finding[] {
  const files = c.files ? Object.entries(c.files).map(([path, text]) => ({ path, text })) : [{ path: 'test.c', text: c.code ?? '' }];
  return analyzeSources(files, { only: [rule] }).findings.filter((f) => f.rule === rule);
}

export function ruleTester(rule: string, cases: { valid: Case[]; invalid: InvalidCase[] }): void {
  describe(rule, () => {
    if (cases.valid.length) describe('valid', () => {
      for (const c of cases.valid) {
        it(c.name, () => {
          const found = runRule(rule, c);
          expect(found.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([]);
        });
      }
    });
    if (cases.invalid.length) describe('invalid', () => {
      for (const c of cases.invalid) {
        it(c.name, () => {
          const found = runRule(rule, c);
          expect(found.length, found.map((f) => f.message).join('\n')).toBe(c.count ?? 1);
          for (const f of found) for (const fn of c.functions ?? []) expect(f.functions).toContain(fn);
          if (c.locks) expect([...found[0]!.locks].sort()).toEqual([...c.locks].sort());
          if (c.message) expect(found[0]!.message).toMatch(c.message);
          for (const f of found) {
            expect(f.witness.length).toBeGreaterThan(0);
            expect(f.confirmation.status).toBeDefined();
          }
          c.check?.(found);
        });
      }
    });
  });
}
