// One entry for every input form: a path (mbox, .mbox.xz/.gz, .eml, .patch/.diff, an archive
// page, a public-inbox epoch directory) or text from stdin. The kind is sniffed from the
// content, not only the name.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ingestArchivePage } from './archive-page.js';
import { ingestMessages, ingestPatchText, ingestRawMessage, looksLikeMail } from './ingest.js';
import { DEFAULT_MAX_MESSAGE_BYTES, isFromLine, splitMbox, type SplitOptions } from './mbox.js';
import { iteratePublicInbox } from './public-inbox.js';
import { fileChunks } from './sources.js';
import type { IngestOptions, IngestResult } from './types.js';

export type InputKind = 'mbox' | 'mail' | 'diff' | 'archive-page' | 'public-inbox';

/** What a text holds: an mbox, one mail (.eml / format-patch), a web-archive page or a plain diff. */
export function sniffText(text: string): Exclude<InputKind, 'public-inbox'> {
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0).replace(/\r$/, '');
  // A format-patch file also starts with a From line but holds one mail, unless it is several
  // patches concatenated (`git format-patch --stdout`): then it is an mbox.
  const formatPatch = /^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$/;
  if (formatPatch.test(firstLine)) {
    return (text.match(/^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\r?$/gm)?.length ?? 0) > 1 ? 'mbox' : 'mail';
  }
  if (isFromLine(firstLine)) return 'mbox';
  if (looksLikeMail(text)) return 'mail';
  if (/^\s*(\[(Date|Thread) (Prev|Next|Index)\])+/.test(text) || /^diff mbox\s*$/m.test(text.slice(0, 200))) return 'archive-page';
  return 'diff';
}

/** A public-inbox v2 epoch: a bare git repository (`HEAD`, `objects/`). */
export function isGitDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'));
  } catch {
    return false;
  }
}

/** Ingest text (stdin, a file's content) of any kind. `name` labels the source. */
export async function* ingestText(text: string | Buffer, name = 'stdin', options: IngestOptions & SplitOptions = {}): AsyncGenerator<IngestResult> {
  const str = typeof text === 'string' ? text : text.toString('utf8');
  const kind = sniffText(str);
  if (kind === 'mbox') {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    yield* ingestMessages(splitMbox([bytes], { ...options, source: name }), options);
  } else if (kind === 'archive-page') {
    yield ingestArchivePage(str, name, options);
  } else {
    yield await ingestPatchText(text, name, options);
  }
}

/**
 * Ingest a path: a public-inbox epoch directory, a compressed or plain mbox (streamed), or a
 * single file (mail, patch, archive page). Yields one result per message.
 */
export async function* ingestPath(path: string, options: IngestOptions & SplitOptions = {}): AsyncGenerator<IngestResult> {
  if (isGitDir(path)) {
    yield* ingestMessages(iteratePublicInbox(path), options);
    return;
  }
  if (/\.(xz|gz)$/.test(path)) {
    yield* ingestMessages(splitMbox(fileChunks(path), { ...options, source: path }), options);
    return;
  }
  const head = readHead(path, 64 * 1024);
  if (sniffText(head.toString('utf8')) === 'mbox') {
    yield* ingestMessages(splitMbox(fileChunks(path), { ...options, source: path }), options);
    return;
  }
  const size = statSync(path).size;
  const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (size > limit) {
    // One huge mail or diff: account for it from its head, without reading it all.
    yield await ingestRawMessage({ index: 0, bytes: head, oversize: size, sizeLimit: limit, source: path }, options);
    return;
  }
  yield* ingestText(readFileSync(path), path, options);
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
