// The check run's content, computed as plain data: conclusion, summary, annotation batches.
import type { Finding, InputError, Severity } from '../report/finding.js';
import type { ConfigError, Level } from '../config/schema.js';
import { codeBlock, GITHUB_TEXT_LIMIT, joinWithinLimit, renderEvidence, renderFindingMarkdown } from './render.js';

export const CHECK_NAME = 'lockcheck';
/** GitHub takes at most 50 annotations per create/update call. */
export const ANNOTATIONS_PER_CALL = 50;

export type Conclusion = 'success' | 'neutral' | 'failure' | 'action_required';

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
  raw_details?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
}

const RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

export function atLeast(severity: Severity, level: Level): boolean {
  return RANK[severity] >= RANK[level];
}

/** `failure` when a finding reaches the fail level, `neutral` for other findings or a partial run, else `success`. */
export function conclusionFor(findings: readonly Finding[], failLevel: Level, partial: boolean): Conclusion {
  if (findings.some((f) => atLeast(f.severity, failLevel))) return 'failure';
  if (findings.length > 0 || partial) return 'neutral';
  return 'success';
}

const LEVEL: Record<Severity, Annotation['annotation_level']> = { error: 'failure', warning: 'warning', note: 'notice' };

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 20)}\n… (truncated)`;
}

export function annotationFor(f: Finding): Annotation {
  const evidence = renderEvidence(f);
  return {
    path: f.file,
    start_line: Math.max(1, f.line),
    end_line: Math.max(1, f.line),
    annotation_level: LEVEL[f.severity],
    title: `${f.rule} in ${f.function}()`.slice(0, 255),
    message: clip(f.message, 60_000),
    ...(evidence ? { raw_details: clip(evidence, 60_000) } : {}),
  };
}

export function batches<T>(items: readonly T[], size = ANNOTATIONS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface CheckResultInput {
  findings: readonly Finding[];
  /** Findings that got an inline comment (the rest are only in the summary and annotations). */
  inlineIds: ReadonlySet<string>;
  partial: boolean;
  errors: readonly InputError[];
  suppressed: number;
  failLevel: Level;
  timeBudgetSeconds: number;
  analyzedFiles: number;
}

function counts(findings: readonly Finding[]): string {
  const n = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  return `${n('error')} error(s), ${n('warning')} warning(s), ${n('note')} note(s)`;
}

export function checkOutput(input: CheckResultInput): CheckOutput {
  const { findings, partial } = input;
  const title = findings.length === 0
    ? partial ? 'No new lock findings so far (partial analysis)' : 'No new lock findings'
    : `${findings.length} new lock finding${findings.length === 1 ? '' : 's'}${partial ? ' (partial analysis)' : ''}`;
  const head: string[] = [];
  head.push(`lockcheck analyzed ${input.analyzedFiles} changed file(s): ${counts(findings)} introduced by this pull request; the check fails at \`${input.failLevel}\`.`);
  if (partial) head.push('', `> **Partial result**: the analysis reached its time budget (${input.timeBudgetSeconds} s, \`timeBudgetSeconds\` in \`.github/lockcheck.yml\`). The findings below are what was done by then.`);
  if (input.suppressed > 0) head.push('', `${input.suppressed} finding(s) silenced by \`lockcheck-disable-*\` comments.`);
  const outside = findings.filter((f) => !input.inlineIds.has(f.id)).length;
  if (outside > 0) head.push('', `${outside} finding(s) point at lines outside the diff and have no inline comment; they are listed here.`);
  if (input.errors.length > 0) {
    head.push('', '<details><summary>Files that could not be analyzed</summary>', '', codeBlock(input.errors.map((e) => `${e.file}: ${e.reason}`).join('\n')), '</details>');
  }
  if (findings.length > 0) head.push('', '### Findings', '');
  const items = findings.map(renderFindingMarkdown);
  return { title, summary: joinWithinLimit(head.join('\n'), items, '', GITHUB_TEXT_LIMIT) };
}

/** The check run for a configuration that does not validate. */
export function configErrorOutput(path: string, errors: readonly ConfigError[]): { output: CheckOutput; annotations: Annotation[] } {
  const list = errors.map((e) => (e.line !== undefined ? `line ${e.line}: ${e.message}` : e.message)).join('\n');
  return {
    output: {
      title: `Invalid ${path}`,
      summary: `lockcheck did not run: \`${path}\` does not validate. Fix it and push again.\n\n${codeBlock(list)}`.slice(0, GITHUB_TEXT_LIMIT),
    },
    annotations: errors.map((e) => ({
      path,
      start_line: e.line ?? 1,
      end_line: e.line ?? 1,
      annotation_level: 'failure' as const,
      title: 'Invalid lockcheck configuration',
      message: e.message,
    })),
  };
}
