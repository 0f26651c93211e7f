// After a run: group the patch records into series and version families (the mail layer's
// helpers) and mark every finding already reported on an earlier version of the same patch
// (`extra.alreadyReportedIn: 'v2'`). Findings are matched across versions by rule, file,
// functions and locks (lines move between versions).
import { alreadyReported, groupSeries, recordReported } from '../mail/series.js';
import { parseSubject } from '../mail/subject.js';
import type { MessageHeader } from '../mail/types.js';
import type { Finding } from '../report/finding.js';
import { lineFreeKey } from '../patch/differential.js';
import type { MessageRecord } from './record.js';

export interface SeriesMarks {
  series: number;
  families: number;
  marked: number;
}

const findingKey = (f: Finding): string => `${f.file}|${lineFreeKey(f)}`;

export function markSeries(records: MessageRecord[]): SeriesMarks {
  const headers: MessageHeader[] = [];
  for (const r of records) {
    if (r.status === 'analyzed' || r.status === 'skipped' || r.reason === 'cover-letter') {
      if (r.status === 'skipped' && r.reason !== 'no-c-files' && r.reason !== 'no-lock-api' && r.reason !== 'diff-too-large') continue;
      headers.push({ messageId: r.messageId, subject: r.subject, fromAddress: r.from, date: r.date, inReplyTo: r.inReplyTo, references: r.references });
    }
  }
  const g = groupSeries(headers);
  const byId = new Map<string, MessageRecord>();
  for (const r of records) if (!byId.has(r.messageId)) byId.set(r.messageId, r);
  for (const [id, key] of g.seriesOf) {
    const r = byId.get(id);
    if (r) r.series = key;
  }
  let marked = 0;
  for (const fam of g.families) {
    if (fam.versions.length < 2) continue;
    const store = new Map<string, Map<string, number>>();
    for (const s of fam.versions) {
      for (const m of s.patches) {
        const r = byId.get(m.messageId);
        if (!r) continue;
        for (const f of r.findings) {
          if (f.change !== 'introduced') continue;
          const k = findingKey(f);
          const v = alreadyReported(store, m, s.version, k);
          if (v !== null) {
            f.extra = { ...f.extra, alreadyReportedIn: `v${v}` };
            marked++;
          }
        }
        for (const f of r.findings) if (f.change === 'introduced') recordReported(store, m, s.version, findingKey(f));
      }
    }
  }
  marked += markRespins(records);
  return { series: g.series.length, families: g.families.length, marked };
}

/**
 * A respin the series grouping did not link (a new posting without `vN`, a series that lost
 * patches): the same patch title from the same author, posted later, with the same finding,
 * was already reported on the earlier posting.
 */
function markRespins(records: MessageRecord[]): number {
  const time = (r: MessageRecord): number => {
    const t = Date.parse(r.date);
    return Number.isNaN(t) ? 0 : t;
  };
  const patches = records.filter((r) => r.status === 'analyzed' && r.findings.some((f) => f.change === 'introduced')).sort((a, b) => time(a) - time(b));
  const seen = new Map<string, Map<string, string>>();
  let marked = 0;
  for (const r of patches) {
    const s = parseSubject(r.subject);
    if (s.isReply || !s.normalized) continue;
    const k = `${r.from.toLowerCase()}\u0000${s.normalized}`;
    const earlier = seen.get(k) ?? new Map<string, string>();
    const label = r.series?.split('@')[1] ?? `v${s.version}`;
    for (const f of r.findings) {
      if (f.change !== 'introduced') continue;
      const fk = findingKey(f);
      const before = earlier.get(fk);
      if (before !== undefined && !f.extra?.alreadyReportedIn) {
        f.extra = { ...f.extra, alreadyReportedIn: before };
        marked++;
      }
      if (before === undefined) earlier.set(fk, label);
    }
    seen.set(k, earlier);
  }
  return marked;
}
