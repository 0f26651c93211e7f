// The raw messages of one batch input: an mbox (plain, .xz, .gz, streamed), a public-inbox
// epoch, or a single mail / patch file.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isGitDir, sniffText } from '../mail/ingest-path.js';
import { splitMbox } from '../mail/mbox.js';
import { iteratePublicInbox } from '../mail/public-inbox.js';
import { fileChunks } from '../mail/sources.js';
import type { RawMessage } from '../mail/types.js';

export async function* rawMessages(path: string, maxMessageBytes?: number): AsyncGenerator<RawMessage> {
  const split = { source: path, ...(maxMessageBytes ? { maxMessageBytes } : {}) };
  if (isGitDir(path)) {
    yield* iteratePublicInbox(path);
    return;
  }
  if (/\.(xz|gz)$/.test(path)) {
    yield* splitMbox(fileChunks(path), split);
    return;
  }
  const size = statSync(path).size;
  const head = readHead(path);
  if (sniffText(head) === 'mbox') {
    yield* splitMbox(fileChunks(path), split);
    return;
  }
  // One mail or patch file: a format-patch file's `From <sha>` line is not part of the mail.
  let bytes = readFileSync(path);
  if (bytes.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = bytes.indexOf(0x0a);
    if (nl >= 0) bytes = bytes.subarray(nl + 1);
  }
  yield { index: 0, bytes, source: path, ...(size > (maxMessageBytes ?? Infinity) ? { oversize: size } : {}) };
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
