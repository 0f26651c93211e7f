// The selected checkers over one program: each finding fingerprinted, deduplicated and given
// its configured severity. Shared by the main thread and the configuration thread.
import { buildLockGraph, type LockGraph } from '../analysis/lock-graph.js';
import type { Program } from '../analysis/program.js';
import { checkers as allCheckers } from '../checkers/index.js';
import type { Checker, DraftFinding } from '../checkers/api.js';
import type { Finding, Severity } from '../report/finding.js';
import { fingerprint } from '../report/fingerprint.js';
import { ruleSetting } from '../config/apply.js';
import type { CachedSources } from './source-lookup.js';

/** The options that choose checkers and severities (a subset of `AnalyzeOptions`, structured-clone friendly). */
export interface CheckerOptions {
  /** Only these rule ids (default: every default-on rule). */
  only?: string[];
  /** Also run off-by-default rules. */
  allRules?: boolean;
  /** Per-rule severity overrides or 'off'. */
  ruleLevels?: Record<string, Severity | 'off'>;
}

const PROFILE = process.env.LOCKCHECK_PROFILE === '1';

function selectCheckers(opts: CheckerOptions): Checker[] {
  return allCheckers.filter((c) => {
    // A rule's own key wins over its category's; a category key never turns on an off-by-default rule.
    const own = opts.ruleLevels?.[c.meta.id];
    if (ruleSetting(opts.ruleLevels ?? {}, c.meta) === 'off') return false;
    if (opts.only?.length) return opts.only.includes(c.meta.id);
    return c.meta.defaultOn || opts.allRules || own !== undefined;
  });
}

/**
 * Runs the selected checkers over `program`. `graphOf` (default: `program`) is the program the
 * lock-order graph is built from: a configuration's whole program when the checkers see only
 * the functions that differ from its base configuration's.
 */
export function runCheckers(
  program: Program,
  sources: CachedSources,
  opts: CheckerOptions,
  graphOf: Program | LockGraph = program,
  which: (c: Checker) => boolean = () => true,
): { findings: Finding[]; lockGraph: LockGraph } {
  const lockGraph = 'edges' in graphOf ? graphOf : buildLockGraph(graphOf);
  const findings: Finding[] = [];
  const ids = new Set<string>();
  for (const checker of selectCheckers(opts).filter(which)) {
    const report = (d: DraftFinding) => {
      const { fingerprint: parts, severity, ...rest } = d;
      const id = fingerprint(checker.meta.id, parts);
      if (ids.has(id)) return;
      ids.add(id);
      const level = opts.ruleLevels?.[checker.meta.id];
      findings.push({
        id,
        rule: checker.meta.id,
        category: checker.meta.category,
        severity: level && level !== 'off' ? level : severity ?? checker.meta.severity,
        ...rest,
        confirmation: { status: 'not-run' },
      });
    };
    const t = PROFILE ? performance.now() : 0;
    checker.run({ program, lockGraph, source: sources, report });
    if (PROFILE) process.stderr.write(`lockcheck:   ${program.config ? `${program.config} ` : ''}${checker.meta.id} ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.rule.localeCompare(b.rule)));
  return { findings, lockGraph };
}
