// GitHub Actions workflow commands: one `::error|warning|notice file=...,line=...,col=...,title=...::message`
// line per finding, which a workflow step prints to annotate the pull request's files.
// Escaping is GitHub's (the toolkit's escapeData / escapeProperty): in the message '%', CR
// and LF become %25, %0D, %0A; in a property value ':' and ',' also become %3A, %2C.
import type { Finding, Severity } from './finding.js';
import { relPath } from './paths.js';
import { verdictPhrase } from './verdict.js';
import { chainText } from './chain.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', note: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The annotation body: the message, then each side's call chain (GitHub shows the lines). */
function body(f: Finding): string {
  const lines = [f.message];
  for (const w of f.witness.filter((p) => !/\(also \d+\)/.test(p.label))) lines.push(`${w.label}: ${chainText(w)}`);
  const verdict = verdictPhrase(f);
  if (verdict) lines.push(verdict);
  return lines.join('\n');
}

export function githubCommand(f: Finding, base = process.cwd()): string {
  const props = [
    `file=${escapeProperty(relPath(f.file, base))}`,
    `line=${Math.max(1, f.line)}`,
    ...(f.col ? [`col=${Math.max(1, f.col)}`] : []),
    `title=${escapeProperty(`lockcheck ${f.rule}${f.change ? ` (${f.change})` : ''}`)}`,
  ];
  return `::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(body(f))}`;
}

export function formatGithub(findings: Finding[], base = process.cwd()): string {
  return findings.map((f) => githubCommand(f, base) + '\n').join('');
}
