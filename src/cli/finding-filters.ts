// Filters a front end applies to a finished report: suppression comments in the sources
// (the App honours the same comments) and a baseline of an earlier run.
import { readFileSync } from 'node:fs';
import type { Report } from '../report/finding.js';
import { filterSuppressed } from '../config/suppress.js';

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Drops the findings a `lockcheck-disable-line RULE` / `lockcheck-disable-next-line RULE` comment silences. */
export function applySuppressions(report: Report, note: (msg: string) => void): Report {
  const { kept, suppressed } = filterSuppressed(report.findings, readText);
  if (!suppressed.length) return report;
  note(`${suppressed.length} finding(s) silenced by lockcheck-disable comments (--no-suppress shows them)`);
  return { ...report, findings: kept, stats: { ...report.stats, suppressed: suppressed.length } };
}

/** The finding ids of a previous report: lockcheck JSON (`findings[].id`) or SARIF (`partialFingerprints['lockcheck/v1']`). */
export function baselineIds(text: string): Set<string> | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  const ids = new Set<string>();
  const d = doc as { findings?: { id?: unknown }[]; runs?: { results?: { partialFingerprints?: Record<string, unknown> }[] }[] };
  if (Array.isArray(d.findings)) {
    for (const f of d.findings) if (typeof f?.id === 'string') ids.add(f.id);
    return ids;
  }
  if (Array.isArray(d.runs)) {
    for (const run of d.runs) for (const r of run.results ?? []) {
      const id = r.partialFingerprints?.['lockcheck/v1'];
      if (typeof id === 'string') ids.add(id);
    }
    return ids;
  }
  return { error: 'neither a lockcheck JSON report (findings) nor SARIF (runs)' };
}

/** Keeps the findings the baseline does not have, each marked `baselineState: new`. */
export function applyBaseline(report: Report, file: string): { report: Report } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { error: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const ids = baselineIds(text);
  if ('error' in ids) return ids;
  const fresh = report.findings.filter((f) => !ids.has(f.id)).map((f) => ({ ...f, baselineState: 'new' as const }));
  return { report: { ...report, findings: fresh, stats: { ...report.stats, inBaseline: report.findings.length - fresh.length } } };
}
