// The checker contract, ESLint style: a module exports `meta` and `run(ctx)`; it reads the
// shared program (IR, summaries, lockset facts, lock graph) and reports; it never parses C.
import type { Program } from '../analysis/program.js';
import type { LockGraph } from '../analysis/lock-graph.js';
import type { Category, Finding, Severity } from '../report/finding.js';

export interface CheckerMeta {
  id: string;
  category: Category;
  severity: Severity;
  description: string;
  /** Off-by-default rules run only when named with --rule or --all-rules. */
  defaultOn: boolean;
}

export interface SourceLookup {
  /** The trimmed C source line, if the file can be read. */
  line(file: string, line: number): string | undefined;
}

/** What a checker reports; the engine fills id, rule, category and confirmation. */
export type DraftFinding = Omit<Finding, 'id' | 'rule' | 'category' | 'confirmation' | 'severity'> & {
  severity?: Severity;
  /** Code-derived parts of the fingerprint (normalized statements), not line numbers. */
  fingerprint: string[];
};

export interface CheckerContext {
  program: Program;
  lockGraph: LockGraph;
  source: SourceLookup;
  report(f: DraftFinding): void;
}

export interface Checker {
  meta: CheckerMeta;
  run(ctx: CheckerContext): void;
}
