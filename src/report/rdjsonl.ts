// reviewdog's Diagnostic Format as JSON Lines (rdjsonl): one Diagnostic per finding, the
// finding's own line as `location`, every other witness step (the other CPU's side, the
// calls leading to each lock) as `related_locations`. Fields follow reviewdog's proto
// (proto/rdf/reviewdog.proto: Diagnostic, Location, Range, Position, Source, Code,
// RelatedLocation); `reviewdog -f=rdjsonl` reads it.
import type { Finding, Severity } from './finding.js';
import { relPath } from './paths.js';
import { verdictPhrase } from './verdict.js';

const SEVERITY: Record<Severity, 'ERROR' | 'WARNING' | 'INFO'> = { error: 'ERROR', warning: 'WARNING', note: 'INFO' };
/** reviewdog shows related locations as a list under the comment: keep it readable. */
const MAX_RELATED = 40;

interface Position {
  line: number;
  column?: number;
}
interface Location {
  path: string;
  range: { start: Position };
}
export interface RdDiagnostic {
  message: string;
  location: Location;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  source: { name: string; url: string };
  code: { value: string };
  related_locations?: { message: string; location: Location }[];
}

function loc(file: string, line: number, col: number | undefined, base: string): Location {
  return { path: relPath(file, base), range: { start: { line: Math.max(1, line), ...(col ? { column: Math.max(1, col) } : {}) } } };
}

export function toRdDiagnostic(f: Finding, base = process.cwd()): RdDiagnostic {
  const seen = new Set([`${f.file}:${f.line}`]);
  const related: { message: string; location: Location }[] = [];
  for (const w of f.witness) {
    for (const s of w.steps) {
      const k = `${s.file}:${s.line}`;
      if (seen.has(k) || related.length >= MAX_RELATED) continue;
      seen.add(k);
      related.push({ message: `${w.label}: ${s.function}: ${s.event}`, location: loc(s.file, s.line, s.col, base) });
    }
  }
  const verdict = verdictPhrase(f);
  return {
    message: `${f.message}${verdict ? ` [${verdict}]` : ''}`,
    location: loc(f.file, f.line, f.col, base),
    severity: SEVERITY[f.severity],
    source: { name: 'lockcheck', url: 'https://github.com/lockcheck/lockcheck' },
    code: { value: f.rule },
    ...(related.length ? { related_locations: related } : {}),
  };
}

export function formatRdjsonl(findings: Finding[], base = process.cwd()): string {
  return findings.map((f) => JSON.stringify(toRdDiagnostic(f, base)) + '\n').join('');
}
