// The raw messages of one batch input: an mbox (plain, .xz, .gz, streamed), a public-inbox
// epoch, or a single mail / patch file.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isGitDir, sniffText } from '../mail/ingest-path.js';
import { isFromLine, splitMbox } from '../mail/mbox.js';
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

/**
 * How many messages the inputs hold (the mbox From lines, git mailsplit's test), for the
 * progress total; undefined for a public-inbox epoch (counting would read the whole history).
 */
export async function countMessages(paths: readonly string[]): Promise<number | undefined> {
  let total = 0;
  for (const path of paths) {
    if (isGitDir(path)) return undefined;
    if (!/\.(xz|gz)$/.test(path) && sniffText(readHead(path)) !== 'mbox') {
      total++;
      continue;
    }
    let carry = '\n';
    for await (const chunk of fileChunks(path)) {
      const text = carry + (chunk as Buffer).toString('latin1');
      let at = text.indexOf('\nFrom ');
      let cut = text.lastIndexOf('\n');
      while (at >= 0) {
        const end = text.indexOf('\n', at + 1);
        if (end < 0) {
          cut = at; // the From line continues in the next chunk
          break;
        }
        if (isFromLine(text.slice(at + 1, end))) total++;
        at = text.indexOf('\nFrom ', end);
      }
      carry = text.slice(cut);
    }
  }
  return total;
}
