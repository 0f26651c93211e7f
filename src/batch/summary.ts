// The accounting table printed at the end of a batch run.
import type { MessageRecord } from './record.js';

export interface BatchSummary {
  messages: number;
  byStatus: Record<string, number>;
  /** `status/reason` -> count. */
  byReason: Record<string, number>;
  patches: number;
  series: number;
  findings: number;
  findingsByRule: Record<string, number>;
  alreadyReported: number;
  failures: number;
  failuresByReason: Record<string, number>;
  seconds: number;
}

const inc = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

export function summarize(records: MessageRecord[], series: number, seconds: number): BatchSummary {
  const s: BatchSummary = {
    messages: records.length,
    byStatus: {},
    byReason: {},
    patches: 0,
    series,
    findings: 0,
    findingsByRule: {},
    alreadyReported: 0,
    failures: 0,
    failuresByReason: {},
    seconds,
  };
  for (const r of records) {
    inc(s.byStatus, r.status);
    inc(s.byReason, `${r.status}${r.reason ? `/${r.reason}` : ''}`);
    if (r.status === 'analyzed' || (r.status === 'skipped' && (r.reason === 'no-c-files' || r.reason === 'no-lock-api' || r.reason === 'diff-too-large'))) s.patches++;
    if (r.status === 'failed') {
      s.failures++;
      inc(s.failuresByReason, r.reason ?? 'unknown');
    }
    for (const f of r.findings) {
      s.findings++;
      inc(s.findingsByRule, f.rule);
      if (f.extra?.alreadyReportedIn) s.alreadyReported++;
    }
  }
  return s;
}

function table(title: string, rows: [string, number][]): string[] {
  if (!rows.length) return [`${title}: none`];
  const w = Math.max(...rows.map(([k]) => k.length), title.length);
  return [title, ...rows.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `  ${k.padEnd(w)}  ${String(v).padStart(7)}`)];
}

export function formatSummary(s: BatchSummary): string {
  const rate = s.seconds > 0 ? (s.messages / s.seconds).toFixed(1) : '-';
  const lines = [
    `messages ${s.messages}, patches ${s.patches}, series ${s.series}, findings ${s.findings}${s.alreadyReported ? ` (${s.alreadyReported} already reported on an earlier version)` : ''}, failures ${s.failures}; ${s.seconds.toFixed(1)} s, ${rate} messages/s`,
    ...table('messages by status/reason', Object.entries(s.byReason)),
    ...table('findings by rule', Object.entries(s.findingsByRule)),
    ...table('failures by reason', Object.entries(s.failuresByReason)),
  ];
  return lines.join('\n') + '\n';
}
