import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestMessages } from '../../src/mail/ingest.js';
import { splitMbox } from '../../src/mail/mbox.js';
import { fileChunks } from '../../src/mail/sources.js';
import type { IngestResult, RawMessage } from '../../src/mail/types.js';

const series = readFileSync(new URL('../fixtures/mail/series.mbox', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lockcheck-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let hasXz = true;
try {
  execFileSync('xz', ['--version']);
} catch {
  hasXz = false;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('compressed containers', () => {
  it('.gz is decompressed by name', async () => {
    const p = join(dir, 'series.mbox.gz');
    writeFileSync(p, gzipSync(series));
    expect(await collect(splitMbox(fileChunks(p)))).toHaveLength(9);
  });

  it.skipIf(!hasXz)('.xz streams through xz -dc', async () => {
    const p = join(dir, 'series.mbox.xz');
    writeFileSync(p, execFileSync('xz', ['-c'], { input: series }));
    const msgs = await collect(splitMbox(fileChunks(p)));
    expect(msgs).toHaveLength(9);
    expect(msgs.some((m) => m.truncated)).toBe(false);
  });

  it.skipIf(!hasXz)('a truncated .xz: the messages before the cut come out, the last is marked, nothing throws', async () => {
    // Incompressible padding makes the .xz big enough to cut inside the 8th message's data.
    const pad = Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join(' ');
    const text = series.toString().replace('Looks wrong to me.', `Looks wrong to me.\n${pad.replace(/(.{70})/g, '$1\n')}`);
    const xz = execFileSync('xz', ['-c', '--block-size=4096'], { input: Buffer.from(text) });
    const p = join(dir, 'cut.mbox.xz');
    writeFileSync(p, xz.subarray(0, Math.floor(xz.length * 0.6)));
    const msgs = await collect(splitMbox(fileChunks(p)));
    expect(msgs.length).toBeGreaterThanOrEqual(4);
    expect(msgs.length).toBeLessThan(9);
    const last = msgs[msgs.length - 1]!;
    expect(last.truncated).toBe(true);
    expect(last.error).toMatch(/xz -dc .* failed/);
    const results = await collect(ingestMessages(msgs as unknown as AsyncIterable<RawMessage>));
    expect(results).toHaveLength(msgs.length);
    expect(results.slice(0, 3).map((r) => r.status)).toEqual(['not-a-patch', 'patch', 'patch']);
  });
});

describe('an mbox with a 50 MB message among normal ones', () => {
  it('the big one is failed/too-large, the others are unaffected, memory stays bounded', async () => {
    const head = 'From a@b Thu Jan  1 00:00:00 2020\nFrom: a@b\nSubject: [PATCH 1/1] huge\nMessage-ID: <huge@x>\n\n';
    const line = Buffer.alloc(1024, 0x61);
    line[1023] = 0x0a;
    async function* gen(): AsyncGenerator<Buffer> {
      yield series.subarray(0, series.indexOf('From mboxrd@z', 10)); // the first message
      yield Buffer.from(head);
      for (let i = 0; i < 50 * 1024; i++) yield line; // 50 MiB, never held at once
      yield Buffer.from('\n');
      yield series.subarray(series.indexOf('From mboxrd@z', 10)); // the rest
    }
    const raws = await collect(splitMbox(gen(), { maxMessageBytes: 8 * 1024 * 1024 }));
    // Only the head of the big one was kept (memory stays bounded whatever the message size).
    expect(raws[1]!.bytes.length).toBe(64 * 1024);
    // 58 header bytes + 50 MiB of lines + the mbox's separating blank line.
    expect(raws[1]!.oversize).toBe(58 + 50 * 1024 * 1024 + 1);
    async function* replay(): AsyncGenerator<RawMessage> {
      yield* raws;
    }
    const results: IngestResult[] = await collect(ingestMessages(replay()));
    expect(results).toHaveLength(10);
    expect(results[1]).toMatchObject({ messageId: 'huge@x', status: 'failed', reason: 'too-large', subject: '[PATCH 1/1] huge' });
    expect(results[1]!.detail).toMatch(/^message is 5242\d{4} bytes, over the 8388608-byte limit$/);
    expect(results.filter((r) => r.status === 'patch')).toHaveLength(6);
  });
});
