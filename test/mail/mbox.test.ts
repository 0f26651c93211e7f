import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isFromLine, splitMbox, splitMboxText, unescapeFromLines } from '../../src/mail/mbox.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/mail/${name}`, import.meta.url));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function* chunked(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('isFromLine (git mailsplit)', () => {
  it('accepts mbox separators', () => {
    expect(isFromLine('From mboxrd@z Thu Jan  1 00:00:00 1970')).toBe(true);
    expect(isFromLine('From 3f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c Mon Sep 17 00:00:00 2001')).toBe(true);
    expect(isFromLine('From alice@example.org Tue Mar  3 10:11:12 2020')).toBe(true);
    expect(isFromLine('From alice@example.org Tue Mar  3 10:11:12 2020\r')).toBe(true);
  });

  it('rejects commit-message lines that start with From', () => {
    expect(isFromLine('From the very first version this lock was taken second;')).toBe(false);
    expect(isFromLine('From: Alice <alice@example.org>')).toBe(false);
    expect(isFromLine('From now on at 10:11 we lock')).toBe(false); // no hh:mm:ss
    expect(isFromLine('From x Tue Mar  3 10:11:12 1970')).toBe(true); // year 1970 > 90, like git
    expect(isFromLine('From x Tue Mar  3 10:11:12 85')).toBe(false); // year <= 90
    expect(isFromLine('From short')).toBe(false);
  });
});

describe('unescapeFromLines', () => {
  it('mboxrd strips one > from >+From', () => {
    const b = Buffer.from('a\n>From x\n>>From y\n> From z\n');
    expect(unescapeFromLines(b, 'mboxrd').toString()).toBe('a\nFrom x\n>From y\n> From z\n');
  });
  it('mboxo only unescapes >From', () => {
    const b = Buffer.from('>From x\n>>From y\n');
    expect(unescapeFromLines(b, 'mboxo').toString()).toBe('From x\n>>From y\n');
  });
});

describe('splitMbox', () => {
  it('splits the series fixture into its 9 messages, not at a body "From " line', async () => {
    const msgs = await splitMboxText(fixture('series.mbox'));
    expect(msgs).toHaveLength(9);
    expect(msgs.map((m) => /^Message-ID: <([^>]+)>/m.exec(m.bytes.toString())?.[1])).toEqual([
      'v1-0@example.org',
      'v1-1@example.org',
      'v1-2@example.org',
      'r1@example.org',
      'v2-0@example.org',
      'v2-1@example.org',
      'v2-2@example.org',
      'c1@example.net',
      'c2@example.net',
    ]);
    const second = msgs[1]?.bytes.toString() ?? '';
    expect(second).toContain('\nFrom the very first version');
    expect(second).toContain('\nFrom an escaped line\n');
    expect(second).toContain('\n>From a doubly escaped line\n');
    expect(msgs[0]?.fromLine).toBe('From mboxrd@z Thu Jan  1 00:00:00 1970');
    // The separating blank line is not part of the message.
    expect(msgs[0]?.bytes.toString().endsWith('lock order.\n')).toBe(true);
  });

  it('gives the same messages whatever the chunk size (From lines across chunk edges)', async () => {
    const buf = fixture('series.mbox');
    const whole = (await splitMboxText(buf)).map((m) => m.bytes.toString('latin1'));
    for (const size of [1, 2, 5, 6, 7, 64, 1000]) {
      const msgs = await collect(splitMbox(chunked(buf, size)));
      expect(msgs.map((m) => m.bytes.toString('latin1')), `chunk size ${size}`).toEqual(whole);
      // offset: where the message starts in the container, right after its From line.
      for (const m of msgs) {
        expect(buf.subarray(m.offset!, m.offset! + 6).toString(), `chunk size ${size}`).toBe('From: ');
        expect(buf.subarray(m.offset! - 1 - m.fromLine!.length, m.offset! - 1).toString()).toBe(m.fromLine);
      }
    }
  });

  it('reads from a Node Readable (a file stream, and stdin-like text chunks)', async () => {
    const url = new URL('../fixtures/mail/series.mbox', import.meta.url);
    expect(await collect(splitMbox(createReadStream(url, { highWaterMark: 13 })))).toHaveLength(9);
    const text = readFileSync(url, 'utf8');
    expect(await collect(splitMbox(Readable.from([text.slice(0, 700), text.slice(700)])))).toHaveLength(9);
  });

  it('format mboxo unescapes only >From', async () => {
    const buf = fixture('series.mbox');
    const msgs = await splitMboxText(buf, { format: 'mboxo' });
    expect(msgs).toHaveLength(9);
    expect(msgs[1]?.bytes.toString()).toContain('\nFrom an escaped line\n>>From a doubly escaped line\n');
  });

  it('treats a file without a From line as one message (an .eml)', async () => {
    const msgs = await splitMboxText(fixture('reply-quoting.eml'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]?.fromLine).toBeUndefined();
  });

  it('keeps only the head of an oversize message and says how big it was', async () => {
    const big = 'x'.repeat(1000) + '\n';
    const mbox =
      'From a@b Thu Jan  1 00:00:00 2020\nSubject: big\nMessage-ID: <big@x>\n\n' +
      big.repeat(3000) +
      '\nFrom a@b Thu Jan  1 00:00:00 2020\nSubject: small\n\nhello\n';
    const msgs = await collect(splitMbox(chunked(Buffer.from(mbox), 4096), { maxMessageBytes: 100_000, headBytes: 2048 }));
    expect(msgs).toHaveLength(2);
    expect(msgs[0]?.oversize).toBeGreaterThan(3_000_000);
    expect(msgs[0]?.bytes.length).toBe(2048);
    expect(msgs[0]?.bytes.toString()).toContain('Message-ID: <big@x>');
    expect(msgs[1]?.oversize).toBeUndefined();
    expect(msgs[1]?.bytes.toString()).toContain('hello');
  });

  it('marks the last message truncated when the mbox stops mid-line', async () => {
    const text = readFileSync(new URL('../fixtures/mail/series.mbox', import.meta.url), 'utf8');
    const cut = text.slice(0, text.indexOf('+spin_lock(ptl);') + 5);
    const msgs = await splitMboxText(cut);
    expect(msgs).toHaveLength(9);
    expect(msgs[8]?.truncated).toBe(true);
    expect(msgs.slice(0, 8).every((m) => !m.truncated)).toBe(true);
  });

  it('does not throw when the source fails: the last message is marked with the error', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('From a@b Thu Jan  1 00:00:00 2020\nSubject: one\n\nbody\n\nFrom a@b Thu Jan  1 00:00:00 2020\nSubject: two\n\npart');
      throw new Error('xz: unexpected end of input');
    }
    const msgs = await collect(splitMbox(failing()));
    expect(msgs).toHaveLength(2);
    expect(msgs[0]?.truncated).toBeUndefined();
    expect(msgs[1]).toMatchObject({ truncated: true, error: 'xz: unexpected end of input' });
  });
});
