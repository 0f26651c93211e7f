import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage, parseMessageIds, scanHeaders } from '../../src/mail/message.js';
import { ingestRawMessage } from '../../src/mail/ingest.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/mail/${name}`, import.meta.url));

describe('parseMessage', () => {
  it('decodes quoted-printable, encoded-word subjects, base64 attachments; keeps binaries binary', async () => {
    const r = await parseMessage(fixture('qp-attachment.eml'));
    if (!r.ok) throw new Error(r.error);
    const m = r.message;
    expect(m.subject).toBe('[Xen-devel] [PATCH RESEND v2 3/5] xen/evtchn: don’t lose events');
    expect(m.from).toBe('Jürgen Groß <jgross@example.com>');
    expect(m.fromAddress).toBe('jgross@example.com');
    expect(m.body).toContain('Grüße: the fix is in the attached patch. A very long line that was soft-broken');
    const patch = m.attachments.find((a) => a.filename === '0003-evtchn.patch');
    expect(patch?.contentType).toBe('text/x-patch');
    expect(patch?.text).toBe(
      'diff --git a/xen/common/event_fifo.c b/xen/common/event_fifo.c\n--- a/xen/common/event_fifo.c\n+++ b/xen/common/event_fifo.c\n@@ -1,3 +1,3 @@ static void f(void)\n a\n-b\n+c\n d\n',
    );
    const bin = m.attachments.find((a) => a.filename === 'blob.bin');
    expect(bin).toMatchObject({ contentType: 'application/octet-stream', binary: { size: 16 } });
    expect(bin?.text).toBeUndefined();
  });

  it('reads threading headers', async () => {
    const r = await parseMessage(fixture('reply-quoting.eml'));
    if (!r.ok) throw new Error(r.error);
    expect(r.message.messageId).toBe('87reply@example.org');
    expect(r.message.inReplyTo).toBe('20200303091112.1234-3-alice@example.org');
    expect(r.message.references).toEqual(['20200303091112.1234-1-alice@example.org', '20200303091112.1234-3-alice@example.org']);
    expect(r.message.date).toBe('2020-03-04T08:00:00.000Z');
  });

  it('decodes a declared latin-1 body, and replaces invalid UTF-8 with a warning', async () => {
    const head = 'From: a@b\nSubject: x\nMessage-ID: <l1@x>\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n';
    const latin = Buffer.concat([Buffer.from(head), Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x0a])]);
    const r1 = await parseMessage(latin);
    expect(r1.ok && r1.message.body).toBe('Grüße\n');
    expect(r1.ok && r1.message.warnings).toEqual([]);
    const bad = Buffer.concat([Buffer.from(head.replace('iso-8859-1', 'utf-8')), Buffer.from([0x66, 0xff, 0xfe, 0x0a])]);
    const r2 = await parseMessage(bad);
    expect(r2.ok && r2.message.body).toBe('f\uFFFD\uFFFD\n');
    expect(r2.ok && r2.message.warnings.join()).toMatch(/not valid in its declared charset/);
  });

  it('warns on format=flowed (it re-wraps patches)', async () => {
    const raw = 'From: a@b\nSubject: [PATCH] x\nMessage-ID: <f1@x>\nContent-Type: text/plain; charset=utf-8; format=flowed\n\nline one \nline two\n';
    const r = await parseMessage(Buffer.from(raw));
    if (!r.ok) throw new Error(r.error);
    expect(r.message.warnings.join()).toMatch(/format=flowed/);
    expect(r.message.body).toContain('line one line two'); // postal-mime joined the soft break: the mangling we warn about
  });

  it('invents a stable id when Message-ID is missing', async () => {
    const raw = Buffer.from('From: a@b\nSubject: no id\n\nbody\n');
    const a = await parseMessage(raw);
    const b = await parseMessage(raw);
    expect(a.ok && a.message.messageId).toMatch(/^sha1-[0-9a-f]{16}@lockcheck\.invalid$/);
    expect(a.ok && b.ok && a.message.messageId === b.message.messageId).toBe(true);
  });
});

describe('headers without MIME parsing', () => {
  it('parseMessageIds picks every <id>', () => {
    expect(parseMessageIds('<a@b>\n <c@d>  <e@f>')).toEqual(['a@b', 'c@d', 'e@f']);
    expect(parseMessageIds(undefined)).toEqual([]);
  });
  it('scanHeaders unfolds and decodes', () => {
    const h = scanHeaders(Buffer.from('Subject: =?utf-8?q?caf=C3=A9?=\n  continued\nFrom: X <X@Y.org>\nMessage-Id: <m@1>\n\nbody'));
    expect(h).toMatchObject({ subject: 'café continued', fromAddress: 'x@y.org', messageId: 'm@1' });
  });
});

describe('bad messages are accounted for, never thrown', () => {
  it('malformed MIME: an unterminated multipart with a broken base64 part', async () => {
    const raw =
      'From: a@b\nSubject: [PATCH] broken mime\nMessage-ID: <bm@x>\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: text/x-patch\nContent-Transfer-Encoding: base64\n\n!!!not base64@@@\n--zz\nContent-Type: text/plain\n\nhello';
    const r = await ingestRawMessage(Buffer.from(raw));
    // postal-mime is lenient: the garbage base64 decodes to junk bytes, which hold no diff.
    expect(r).toMatchObject({ messageId: 'bm@x', status: 'not-a-patch', reason: 'patch-subject-without-diff' });
    expect(r.warnings.join()).toMatch(/not valid UTF-8/);
  });

  it('a binary (NUL-laden) body and attachment', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    const raw = Buffer.concat([
      Buffer.from('From: a@b\nSubject: [PATCH] firmware\nMessage-ID: <bin@x>\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: application/octet-stream; name="fw.bin"\nContent-Transfer-Encoding: base64\n\n'),
      Buffer.from(bytes.toString('base64').replace(/.{76}/g, '$&\n')),
      Buffer.from('\n--b\nContent-Type: text/x-patch; name="x.patch"\nContent-Transfer-Encoding: 8bit\n\n'),
      bytes,
      Buffer.from('\n--b--\n'),
    ]);
    const r = await ingestRawMessage(raw);
    expect(r).toMatchObject({ messageId: 'bin@x', status: 'not-a-patch', reason: 'patch-subject-without-diff' });
    expect(r.detail).toMatch(/binary/);
  });

  it('a 50 MB message is reported too-large with its headers', async () => {
    const body = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const raw = Buffer.concat([Buffer.from('From: a@b\nSubject: [PATCH] huge\nMessage-ID: <huge@x>\n\n'), body]);
    const r = await ingestRawMessage(raw);
    expect(r).toMatchObject({ messageId: 'huge@x', subject: '[PATCH] huge', status: 'failed', reason: 'too-large' });
  });

  it('an empty message', async () => {
    const r = await ingestRawMessage(Buffer.from('\n\n'));
    expect(r).toMatchObject({ status: 'failed', reason: 'empty' });
  });

  it('a truncated message (no body, cut inside the headers) from a failed source', async () => {
    const r = await ingestRawMessage({ index: 3, bytes: Buffer.from('From: a@b\nSubject: [PATCH 1/2] cut\nMessage-ID: <cut@x>\nContent-Ty'), truncated: true, error: 'xz: unexpected end of input' });
    expect(r).toMatchObject({ messageId: 'cut@x', status: 'failed', reason: 'truncated', index: 3 });
    expect(r.detail).toMatch(/xz/);
  });
});
