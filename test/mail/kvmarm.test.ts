// Streams the start of the real kvmarm archive (../shared/corpus beside the checkout, mboxrd, xz). The message
// count is checked against an independent count of the prefix's "From " lines (mboxrd escapes
// every body line that starts with "From ", so there each such line is a separator).
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestRawMessage } from '../../src/mail/ingest.js';
import { scanHeaders } from '../../src/mail/message.js';
import { splitMbox } from '../../src/mail/mbox.js';
import { xzChunks } from '../../src/mail/sources.js';
import { parseSubject } from '../../src/mail/subject.js';
import type { IngestResult, RawMessage } from '../../src/mail/types.js';

const ARCHIVE = fileURLToPath(new URL('../../../shared/corpus/kvmarm-2019-2022.mbox.xz', import.meta.url));
const present = existsSync(ARCHIVE);
if (!present) console.warn(`[kvmarm.test] skipped: ${ARCHIVE} is absent (the shared corpus lives beside the project)`);

const PREFIX_BYTES = 24 * 1024 * 1024;

async function prefix(): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of xzChunks(ARCHIVE)) {
    parts.push(c);
    n += c.length;
    if (n >= PREFIX_BYTES) break; // leaving the loop kills xz
  }
  return Buffer.concat(parts);
}

function countFromLines(buf: Buffer): number {
  let n = buf.subarray(0, 5).toString('latin1') === 'From ' ? 1 : 0;
  for (let i = buf.indexOf('\nFrom '); i >= 0; i = buf.indexOf('\nFrom ', i + 1)) n++;
  return n;
}

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe.skipIf(!present)('kvmarm archive (first ~2000 messages)', () => {
  it('splits the streamed prefix into exactly as many messages as it has From lines, and parses [PATCH subjects', async () => {
    const buf = await prefix();
    const expected = countFromLines(buf);
    expect(expected).toBeGreaterThan(2000);
    const raws: RawMessage[] = [];
    for await (const m of splitMbox(chunks(buf, 64 * 1024))) raws.push(m);
    expect(raws).toHaveLength(expected);
    expect(raws.every((m) => m.fromLine === 'From mboxrd@z Thu Jan  1 00:00:00 1970')).toBe(true);

    const first = raws.slice(0, 2000);
    const results: IngestResult[] = [];
    for (const m of first) results.push(await ingestRawMessage(m));
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);

    let patchSubjects = 0;
    let ownPatches = 0;
    let ownPatchesFound = 0;
    for (const r of results) {
      const subject = scanHeaders(first[r.index ?? 0]!.bytes).subject.replace(/\s+/g, ' ');
      expect(r.subject.replace(/\s+/g, ' ').trim()).toBe(subject.trim());
      if (!subject.includes('[PATCH')) continue;
      patchSubjects++;
      const s = parseSubject(subject);
      expect(s.isPatch, subject).toBe(true);
      const v = /\[PATCH[^\]]*\bv(\d+)\b/i.exec(subject);
      expect(s.version, subject).toBe(v ? Number(v[1]) : 1);
      const idx = /\[PATCH[^\]]*?\b(\d+)\/(\d+)\]/.exec(subject);
      if (idx) expect([s.index, s.total], subject).toEqual([Number(idx[1]), Number(idx[2])]);
      if (!s.isReply && (s.index === null || s.index > 0)) {
        ownPatches++;
        if (r.status === 'patch') ownPatchesFound++;
      }
    }
    expect(patchSubjects).toBeGreaterThan(500);
    // A posted patch (not a reply, not a cover) should come out as a patch. A few carry no diff
    // (pull requests with [PATCH] subjects, binary-only), so not all of them.
    expect(ownPatchesFound / ownPatches).toBeGreaterThan(0.99);
  }, 120_000);
});
