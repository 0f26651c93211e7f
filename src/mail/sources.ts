// Byte streams for mail containers: plain files, .xz (through an `xz -dc` child process) and
// .gz (zlib), and stdin. A reader that fails (truncated .xz) throws at the end of its stream,
// which the splitter turns into a `truncated` last message.

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Decompress with `xz -dc`, streaming. Throws (at the end) when xz fails. */
export async function* xzChunks(path: string): AsyncGenerator<Buffer> {
  const child = spawn('xz', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // a consumer that stops early never awaits it
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`xz -dc ${path} failed (exit ${code}): ${stderr.trim()}`);
}

/** Chunks of a file, decompressing .xz and .gz by name. */
export function fileChunks(path: string): AsyncIterable<Buffer> {
  if (path.endsWith('.xz')) return xzChunks(path);
  const stream: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  if (path.endsWith('.gz')) return stream.pipe(createGunzip()) as AsyncIterable<Buffer>;
  return stream as AsyncIterable<Buffer>;
}
