// Renders a report in the requested format and decides the exit code.
import type { Finding, Report, Severity } from '../report/finding.js';
import { formatText } from '../report/text.js';
import { toSarif } from '../report/sarif.js';
import { checkers } from '../checkers/index.js';

import { VERSION } from '../report/version.js';
export { VERSION };
export type Format = 'text' | 'json' | 'sarif';

const RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

export function atOrAbove(findings: Finding[], level: Severity): Finding[] {
  return findings.filter((f) => RANK[f.severity] >= RANK[level]);
}

export const isRefuted = (f: Finding): boolean => f.confirmation.status === 'refuted';

/** `--hide-refuted` / `refuted: hide`: the findings the model refuted leave the report (counted in stats). */
export function hideRefuted(report: Report): Report {
  const hidden = report.findings.filter(isRefuted).length;
  if (!hidden) return report;
  return { ...report, findings: report.findings.filter((f) => !isRefuted(f)), stats: { ...report.stats, hiddenRefuted: hidden } };
}

export interface RenderOptions {
  /** SARIF: URIs relative to this directory (`--srcroot`). */
  srcroot?: string;
  /** SARIF `invocations`: the exit code of the run. */
  exitCode?: number;
}

export function render(report: Report, format: Format, opts: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ version: report.version, findings: report.findings, errors: report.errors, stats: report.stats }, null, 2) + '\n';
    case 'sarif':
      return JSON.stringify(toSarif(report.findings, checkers.map((c) => c.meta), VERSION, { ...opts, errors: report.errors }), null, 2) + '\n';
    default:
      return formatText(report.findings, report.errors, report.stats);
  }
}
