#!/usr/bin/env node
// Stream-split and parse a whole mbox archive (default: the kvmarm corpus), then group the
// patches into series. Prints figures; asserts nothing. Needs `npm run build` first.
//
//   node bench/mbox-ingest.mjs [archive.mbox[.xz|.gz]] [--limit N] [--include-quoted]

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const path = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--limit')) ?? '../shared/corpus/kvmarm-2019-2022.mbox.xz';
const limit = opt('--limit') ? Number(opt('--limit')) : Infinity;

if (!existsSync(new URL('../dist/mail/ingest.js', import.meta.url))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
if (!existsSync(path)) {
  console.error(`archive not found: ${path}`);
  process.exit(2);
}

const { splitMbox } = await import('../dist/mail/mbox.js');
const { fileChunks } = await import('../dist/mail/sources.js');
const { ingestRawMessage } = await import('../dist/mail/ingest.js');
const { groupSeries } = await import('../dist/mail/series.js');
const { parseSubject } = await import('../dist/mail/subject.js');

const t0 = performance.now();
const accounting = new Map();
const seriesHeaders = [];
let messages = 0;
let patches = 0;
let patchSubjects = 0;
let patchSubjectsLeading = 0;
let postedPatches = 0;
let postedFound = 0;
let files = 0;
let hunks = 0;
let withWarnings = 0;
let splitBytes = 0;

for await (const raw of splitMbox(fileChunks(path))) {
  messages++;
  splitBytes += raw.oversize ?? raw.bytes.length;
  const r = await ingestRawMessage(raw, { includeQuoted: flag('--include-quoted') });
  const key = `${r.status}\t${r.reason ?? ''}`;
  accounting.set(key, (accounting.get(key) ?? 0) + 1);
  const s = parseSubject(r.subject);
  if (r.subject.includes('[PATCH')) patchSubjects++;
  if (r.subject.startsWith('[PATCH')) patchSubjectsLeading++;
  const posted = s.isPatch && !s.isReply && !s.isCover;
  if (posted) postedPatches++;
  if (r.status === 'patch') {
    patches++;
    if (posted) postedFound++;
    files += r.patch.files.length;
    for (const f of r.patch.files) hunks += f.hunks.length;
    if (r.patch.warnings.length) withWarnings++;
  }
  if (r.header && ((r.status === 'patch' && !s.isReply && !r.patch.quoted) || r.reason === 'cover-letter')) seriesHeaders.push(r.header);
  if (messages >= limit) break;
}
const tIngest = performance.now();
const grouping = groupSeries(seriesHeaders);
const t1 = performance.now();
const seconds = (t1 - t0) / 1000;
const multiVersion = grouping.families.filter((f) => f.versions.length > 1).length;

const peakMB = process.resourceUsage().maxRSS / 1024;
console.log(`archive            ${path}`);
console.log(`messages           ${messages}  (${(splitBytes / 1048576).toFixed(1)} MiB)`);
console.log(`[PATCH subjects    ${patchSubjectsLeading} starting with it, ${patchSubjects} containing it (replies too)`);
console.log(`patches            ${patches}  (${files} files, ${hunks} hunks; ${withWarnings} with recovery/parse warnings)`);
console.log(`posted patches     ${postedFound}/${postedPatches} found with a diff (subject [PATCH i/N], not a reply or cover)`);
console.log(`series             ${grouping.series.length}  in ${grouping.families.length} families (${multiVersion} with more than one version)`);
console.log(`seconds            ${seconds.toFixed(2)}  (split+parse ${((tIngest - t0) / 1000).toFixed(2)}, grouping ${((t1 - tIngest) / 1000).toFixed(2)})`);
console.log(`messages/s         ${Math.round(messages / seconds)}`);
console.log(`MiB/s              ${(splitBytes / 1048576 / seconds).toFixed(1)}`);
console.log(`peak RSS           ${peakMB.toFixed(0)} MiB`);
console.log('');
console.log('status        reason                      count');
const rows = [...accounting].sort((a, b) => b[1] - a[1]);
for (const [k, n] of rows) {
  const [status, reason] = k.split('\t');
  console.log(`${status.padEnd(13)} ${(reason || '-').padEnd(27)} ${String(n).padStart(6)}`);
}
console.log(`${'total'.padEnd(41)} ${String(rows.reduce((a, [, n]) => a + n, 0)).padStart(6)}`);
