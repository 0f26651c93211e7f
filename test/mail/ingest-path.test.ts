import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestPath, ingestText, sniffText } from '../../src/mail/ingest-path.js';
import type { IngestResult } from '../../src/mail/types.js';

const fx = (name: string): string => new URL(`../fixtures/mail/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lockcheck-ip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(it: AsyncIterable<IngestResult>): Promise<IngestResult[]> {
  const out: IngestResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('sniffText', () => {
  it('tells the input forms apart by content', () => {
    expect(sniffText(readFileSync(fx('series.mbox'), 'utf8'))).toBe('mbox');
    expect(sniffText(readFileSync(fx('format-patch.patch'), 'utf8'))).toBe('mail');
    expect(sniffText(readFileSync(fx('reply-quoting.eml'), 'utf8'))).toBe('mail');
    expect(sniffText(readFileSync(fx('archive-page.txt'), 'utf8'))).toBe('archive-page');
    expect(sniffText(readFileSync(fx('plain.diff'), 'utf8'))).toBe('diff');
  });
});

describe('ingestPath / ingestText', () => {
  it('one result per message for each fixture', async () => {
    expect((await all(ingestPath(fx('series.mbox')))).length).toBe(9);
    expect((await all(ingestPath(fx('format-patch.patch')))).map((r) => r.status)).toEqual(['patch']);
    expect((await all(ingestPath(fx('qp-attachment.eml')))).map((r) => r.status)).toEqual(['patch']);
    expect((await all(ingestPath(fx('archive-page.txt')))).map((r) => r.status)).toEqual(['patch']);
    expect((await all(ingestPath(fx('plain.diff')))).map((r) => r.patch?.files[0]?.path)).toEqual(['xen/common/event_fifo.c']);
  });

  it('git format-patch --stdout (several patches in one file) is an mbox', async () => {
    const one = readFileSync(fx('format-patch.patch'), 'utf8');
    const two = one + one.replace(/1234-3-alice/g, '1234-4-alice').replace('[PATCH v3 02/11]', '[PATCH v3 03/11]');
    expect(sniffText(two)).toBe('mbox');
    const p = join(dir, 'stdout.patch');
    writeFileSync(p, two);
    const rs = await all(ingestPath(p));
    expect(rs.map((r) => [r.status, r.patch?.subjectInfo.index])).toEqual([
      ['patch', 2],
      ['patch', 3],
    ]);
  });

  it('stdin text: a diff piped in', async () => {
    const rs = await all(ingestText(readFileSync(fx('plain.diff')), 'stdin'));
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ status: 'patch', subject: 'stdin' });
  });

  it('a file over the size limit is accounted for from its head', async () => {
    const p = join(dir, 'big.eml');
    writeFileSync(p, 'From: a@b\nSubject: [PATCH] big\nMessage-ID: <bigfile@x>\n\n' + 'y'.repeat(3 * 1024 * 1024));
    const rs = await all(ingestPath(p, { maxMessageBytes: 1024 * 1024 }));
    expect(rs).toEqual([expect.objectContaining({ messageId: 'bigfile@x', status: 'failed', reason: 'too-large' })]);
  });

  it('non-UTF-8 bytes in a plain diff do not throw', async () => {
    const p = join(dir, 'latin1.diff');
    writeFileSync(p, Buffer.concat([Buffer.from('--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-/* caf'), Buffer.from([0xe9]), Buffer.from(' */\n+/* cafe */\n')]));
    const rs = await all(ingestPath(p));
    expect(rs[0]?.status).toBe('patch');
    expect(rs[0]?.patch?.files[0]?.hunks[0]?.lines[0]?.text).toBe('/* caf\uFFFD */');
    expect(rs[0]?.warnings).toContain(`${p} is not valid UTF-8: invalid bytes replaced`);
  });
});
