// Streaming mbox splitter (mboxrd and mboxo), using git mailsplit's From-line test so a commit
// message line that begins "From " does not start a new message.

import type { RawMessage } from './types.js';

export type MboxFormat = 'mboxrd' | 'mboxo';

export interface SplitOptions {
  /** How `>From ` lines were escaped. Default `mboxrd`. */
  format?: MboxFormat;
  /** Messages larger than this keep only their first `headBytes` and get `oversize` set. Default 32 MiB. */
  maxMessageBytes?: number;
  /** Bytes kept of an oversize message (enough for its headers). Default 64 KiB. */
  headBytes?: number;
  /** Label copied to `RawMessage.source`. */
  source?: string;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
const DEFAULT_HEAD_BYTES = 64 * 1024;
/** A From line longer than this is not a From line (and we stop waiting for its end). */
const MAX_FROM_LINE = 4096;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * git mailsplit's `is_from_line()`: `From <anything> <date ending in hh:mm:ss YYYY>`.
 * Takes the line without its newline. Like git, it looks at the last ':' of the line, needs
 * digits around it (`h:mm:ss`) and a year after it greater than 90.
 */
export function isFromLine(line: string): boolean {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  // git's len counts the newline: len < 20 means fewer than 19 visible characters.
  if (line.length + 1 < 20 || !line.startsWith('From ')) return false;
  // git starts at line+len-2 (the last visible char) and pre-decrements, so the last
  // character itself is never the colon.
  let colon = -1;
  for (let i = line.length - 2; i >= 5; i--) {
    if (line[i] === ':') {
      colon = i;
      break;
    }
  }
  if (colon < 0) return false;
  if (
    !isDigit(line[colon - 4]) ||
    !isDigit(line[colon - 2]) ||
    !isDigit(line[colon - 1]) ||
    !isDigit(line[colon + 1]) ||
    !isDigit(line[colon + 2])
  ) {
    return false;
  }
  // strtol(colon+3): optional whitespace, optional sign, digits.
  const m = /^\s*([+-]?\d+)/.exec(line.slice(colon + 3));
  const year = m ? parseInt(m[1] ?? '0', 10) : 0;
  return year > 90;
}

/** Undo `>From ` escaping. mboxrd: strip one `>` from `>+From `; mboxo: only from `>From `. */
export function unescapeFromLines(bytes: Buffer, format: MboxFormat = 'mboxrd'): Buffer {
  if (bytes.indexOf('>From ') < 0) return bytes;
  const s = bytes.toString('latin1');
  const out = format === 'mboxrd' ? s.replace(/^>(>*From )/gm, '$1') : s.replace(/^>From /gm, 'From ');
  return Buffer.from(out, 'latin1');
}

type Chunk = Buffer | string | Uint8Array;

/**
 * Split an mbox from a stream of chunks without holding more than one message (plus one
 * chunk) in memory. Never throws for bad input: a source error ends the split and marks the
 * last message `truncated` with `error` set. Text before the first From line is yielded as a
 * message of its own when it is not blank (so a lone .eml also comes out as one message).
 */
export async function* splitMbox(source: AsyncIterable<Chunk> | Iterable<Chunk>, options: SplitOptions = {}): AsyncGenerator<RawMessage> {
  const format = options.format ?? 'mboxrd';
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const headBytes = Math.min(options.headBytes ?? DEFAULT_HEAD_BYTES, maxBytes);

  let index = 0;
  // The message being collected.
  let parts: Buffer[] = [];
  let size = 0;
  let kept = 0;
  let fromLine: string | undefined;
  let msgOffset = 0;

  const append = (b: Buffer): void => {
    if (b.length === 0) return;
    size += b.length;
    if (size <= maxBytes) {
      parts.push(b);
      kept += b.length;
      return;
    }
    // Over the limit: keep only the head (enough for the headers and the accounting).
    if (kept > headBytes) {
      parts = [Buffer.concat(parts).subarray(0, headBytes)];
      kept = headBytes;
    }
    if (kept < headBytes) {
      const piece = b.subarray(0, headBytes - kept);
      parts.push(piece);
      kept += piece.length;
    }
  };

  const finish = (truncated: boolean, error?: string): RawMessage | null => {
    let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const had = fromLine !== undefined;
    parts = [];
    const total = size;
    size = 0;
    kept = 0;
    if (!had && bytes.toString('latin1').trim() === '') return null;
    // The blank line that separates messages belongs to the mbox, not to the message.
    if (bytes.length >= 2 && bytes[bytes.length - 1] === 0x0a && bytes[bytes.length - 2] === 0x0a) {
      bytes = bytes.subarray(0, bytes.length - 1);
    } else if (bytes.length >= 4 && bytes.subarray(bytes.length - 4).toString('latin1') === '\r\n\r\n') {
      bytes = bytes.subarray(0, bytes.length - 2);
    }
    const msg: RawMessage = { index: index++, bytes: unescapeFromLines(bytes, format), offset: msgOffset };
    if (fromLine !== undefined) msg.fromLine = fromLine;
    if (total > maxBytes) {
      msg.oversize = total;
      msg.sizeLimit = maxBytes;
    }
    if (truncated) msg.truncated = true;
    if (error) msg.error = error;
    if (options.source) msg.source = options.source;
    return msg;
  };

  let carry: Buffer = Buffer.alloc(0);
  let carryAtLineStart = true; // the stream start is a line start
  let base = 0; // stream offset of carry[0]
  let sourceError: string | undefined;

  const scan = function* (buf: Buffer, atLineStart: boolean, final: boolean): Generator<RawMessage> {
    let segStart = 0;
    let searchFrom = 0;
    let candidate = atLineStart && buf.length >= 5 && buf.subarray(0, 5).toString('latin1') === 'From ' ? 0 : -1;
    for (;;) {
      if (candidate < 0) {
        const nl = buf.indexOf('\nFrom ', searchFrom);
        candidate = nl < 0 ? -1 : nl + 1;
      }
      if (candidate < 0 && atLineStart && segStart === 0 && buf.length < 5 && !final) {
        // Too short to tell whether the stream starts with "From ": wait for more.
        carry = buf;
        carryAtLineStart = true;
        return;
      }
      if (candidate < 0) {
        // No more candidates: keep the last bytes in case "\nFrom " straddles the chunk edge.
        const keepFrom = final ? buf.length : Math.max(segStart, buf.length - 6);
        append(buf.subarray(segStart, keepFrom));
        carry = buf.subarray(keepFrom);
        carryAtLineStart = false;
        base += keepFrom;
        return;
      }
      const c = candidate;
      candidate = -1;
      const e = buf.indexOf('\n', c);
      if (e < 0 && !final && buf.length - c <= MAX_FROM_LINE) {
        // Wait for the end of this line.
        append(buf.subarray(segStart, c));
        carry = buf.subarray(c);
        carryAtLineStart = true;
        base += c;
        return;
      }
      const lineEnd = e < 0 ? buf.length : e;
      if (lineEnd - c <= MAX_FROM_LINE && isFromLine(buf.toString('latin1', c, lineEnd))) {
        append(buf.subarray(segStart, c));
        const done = finish(false);
        if (done) yield done;
        fromLine = buf.toString('latin1', c, lineEnd).replace(/\r$/, '');
        msgOffset = base + lineEnd + 1;
        segStart = Math.min(lineEnd + 1, buf.length);
        searchFrom = lineEnd;
      } else {
        searchFrom = c;
      }
    }
  };

  try {
    for await (const chunk of source) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      const buf = carry.length ? Buffer.concat([carry, b]) : b;
      yield* scan(buf, carryAtLineStart, false);
    }
  } catch (err) {
    sourceError = err instanceof Error ? err.message : String(err);
  }
  yield* scan(carry, carryAtLineStart, true);
  const last = size > 0 || fromLine !== undefined;
  if (last) {
    // A well-formed mbox ends with a newline; a message cut short by a broken source does not.
    const endsClean = size === 0 || lastByteIsNewline(parts);
    const msg = finish(sourceError !== undefined || (!endsClean && fromLine !== undefined), sourceError);
    if (msg) yield msg;
  }
}

function lastByteIsNewline(parts: Buffer[]): boolean {
  const last = parts[parts.length - 1];
  return last !== undefined && last.length > 0 && last[last.length - 1] === 0x0a;
}

/** Split a whole mbox held in memory (small inputs and tests). */
export async function splitMboxText(text: string | Buffer, options: SplitOptions = {}): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for await (const m of splitMbox([typeof text === 'string' ? Buffer.from(text, 'utf8') : text], options)) out.push(m);
  return out;
}
