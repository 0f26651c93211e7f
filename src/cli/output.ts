// Renders a report in the requested format and decides the exit code.
import { writeFileSync } from 'node:fs';
import type { Finding, Report, Severity } from '../report/finding.js';
import { formatText } from '../report/text.js';
import { toSarif } from '../report/sarif.js';
import { formatRdjsonl } from '../report/rdjsonl.js';
import { formatGithub } from '../report/github.js';
import { formatHtml } from '../report/html/page.js';
import { checkers } from '../checkers/index.js';

import { VERSION } from '../report/version.js';
export { VERSION };
export const FORMATS = ['text', 'json', 'sarif', 'rdjsonl', 'github', 'html'] as const;
export type Format = (typeof FORMATS)[number];

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

export async function render(report: Report, format: Format, opts: RenderOptions = {}): Promise<string> {
  switch (format) {
    case 'rdjsonl':
      return formatRdjsonl(report.findings);
    case 'github':
      return formatGithub(report.findings);
    case 'html':
      return formatHtml(report);
    case 'json':
      return JSON.stringify({ version: report.version, findings: report.findings, errors: report.errors, stats: report.stats }, null, 2) + '\n';
    case 'sarif':
      return JSON.stringify(toSarif(report.findings, checkers.map((c) => c.meta), VERSION, { ...opts, errors: report.errors }), null, 2) + '\n';
    default:
      return formatText(report.findings, report.errors, report.stats);
  }
}

export interface ExtraOutput {
  format: Format;
  file: string;
}

/** `--also-write FORMAT:FILE`, repeatable: the same report in more formats, from one analysis. */
export function parseAlsoWrite(values: string[]): { outputs: ExtraOutput[] } | { error: string } {
  const outputs: ExtraOutput[] = [];
  for (const v of values) {
    const i = v.indexOf(':');
    const format = v.slice(0, i) as Format;
    if (i <= 0 || i === v.length - 1 || !FORMATS.includes(format)) return { error: `--also-write takes FORMAT:FILE with FORMAT one of ${FORMATS.join(', ')} (got '${v}')` };
    outputs.push({ format, file: v.slice(i + 1) });
  }
  return { outputs };
}

/** The report to `-o FILE` or stdout, and to every `--also-write` file. */
export async function writeReport(report: Report, format: Format, output: string | undefined, extra: ExtraOutput[], io: { stdout: (s: string) => void }, opts: RenderOptions = {}): Promise<void> {
  const out = await render(report, format, opts);
  if (output) writeFileSync(output, out);
  else io.stdout(out);
  for (const x of extra) writeFileSync(x.file, await render(report, x.format, opts));
}
