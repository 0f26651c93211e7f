// Generated bad input: random bytes, broken headers, broken MIME and broken diffs, through the
// whole pipeline. Every message must come back as exactly one result; nothing may throw.
import { describe, expect, it } from 'vitest';
import { ingestMessages } from '../../src/mail/ingest.js';
import { ingestArchivePage } from '../../src/mail/archive-page.js';
import { splitMbox } from '../../src/mail/mbox.js';
import { parseUnifiedDiff, extractHunkFunctions } from '../../src/patch/diff.js';
import { applyFilePatch } from '../../src/patch/apply.js';
import type { IngestResult } from '../../src/mail/types.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  'Subject: [PATCH v2 1/3] x\n',
  'Content-Type: multipart/mixed; boundary="b"\n',
  'Content-Type: text/plain; charset=klingon\n',
  'Content-Type: text/x-patch; format=flowed\n',
  'Content-Transfer-Encoding: base64\n',
  'Content-Transfer-Encoding: quoted-printable\n',
  '--b\n',
  '--b--\n',
  '=C3=\n',
  '=?utf-8?B?////?=\n',
  'diff --git a/x b/x\n',
  '--- a/x\n',
  '+++ b/x\n',
  '@@ -1,3 +1,9999 @@ f(\n',
  '@@ -0,0 +0,0 @@\n',
  '-gone\n',
  '+new\n',
  ' ctx\n',
  '\\ No newline at end of file\n',
  'GIT binary patch\n',
  'literal 5\n',
  '> quoted\n',
  '> @@ -1 +1 @@\n',
  '\n',
  '-- \n',
  'From x Tue Mar  3 10:11:12 2020 in a body\n',
];

function garbageMessage(r: () => number, i: number): Buffer {
  const parts: Buffer[] = [Buffer.from(`Message-ID: <g${i}@x>\nFrom: g@x\n`)];
  const n = Math.floor(r() * 30);
  for (let k = 0; k < n; k++) {
    if (r() < 0.25) {
      const bytes = Buffer.alloc(Math.floor(r() * 200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256);
      parts.push(bytes);
    } else {
      parts.push(Buffer.from(PIECES[Math.floor(r() * PIECES.length)]!));
    }
  }
  return Buffer.concat(parts);
}

describe('generated garbage', () => {
  it('300 random messages in an mbox: one result each, no throw', async () => {
    const r = rng(12345);
    const msgs: Buffer[] = [];
    for (let i = 0; i < 300; i++) msgs.push(Buffer.concat([Buffer.from('From g@x Thu Jan  1 00:00:00 2020\n'), garbageMessage(r, i), Buffer.from('\n\n')]));
    const mbox = Buffer.concat(msgs);
    const results: IngestResult[] = [];
    for await (const res of ingestMessages(splitMbox([mbox]))) results.push(res);
    // The 'From x ... 2020 in a body' piece is a From line by git's test when it lands at a
    // line start (git would split there too), so count separator lines independently.
    const separators = mbox.toString('latin1').split('\n').filter((l) => /^From \S+ \w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}/.test(l)).length;
    expect(results).toHaveLength(separators);
    expect(results.filter((x) => x.status === 'failed' && x.reason === 'internal-error')).toEqual([]);
    for (const x of results) expect(['patch', 'not-a-patch', 'failed']).toContain(x.status);
  });

  it('random diff text through parse, extract, apply and archive-page recovery', () => {
    const r = rng(777);
    for (let i = 0; i < 300; i++) {
      const text = garbageMessage(r, i).toString('latin1');
      const d = parseUnifiedDiff(text);
      for (const f of d.files) {
        extractHunkFunctions(f);
        applyFilePatch('ctx\ngone\nctx\n', f);
        applyFilePatch('ctx\nnew\nctx\n', f, { reverse: true, fuzz: 3 });
      }
      const page = ingestArchivePage(text, `g${i}.txt`, { includeQuoted: true });
      expect(['patch', 'not-a-patch', 'failed']).toContain(page.status);
    }
  });
});
