// The ingest entry points: one raw message, a stream of them (mbox, public-inbox), a single
// patch file (format-patch mail or plain diff) and a web-archive page. Every input message
// yields exactly one IngestResult; nothing throws for one bad message.

import { createHash } from 'node:crypto';
import { classifyMessage } from './classify.js';
import { parseMessage, scanHeaders } from './message.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './mbox.js';
import type { IngestOptions, IngestResult, MailMessage, RawMessage } from './types.js';

/** Ingest one raw message (as cut by a splitter, or a whole .eml). */
export async function ingestRawMessage(raw: RawMessage | Buffer | string, options: IngestOptions = {}): Promise<IngestResult> {
  const msg: RawMessage =
    typeof raw === 'string' ? { index: 0, bytes: Buffer.from(raw, 'utf8') } : Buffer.isBuffer(raw) ? { index: 0, bytes: raw } : raw;
  const where = { index: msg.index, ...(msg.source ? { source: msg.source } : {}) };
  const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  try {
    if (msg.oversize !== undefined || msg.bytes.length > limit) {
      const h = scanHeaders(msg.bytes);
      const size = msg.oversize ?? msg.bytes.length;
      return {
        ...where,
        messageId: h.messageId,
        subject: h.subject,
        status: 'failed',
        reason: 'too-large',
        detail: `message is ${size} bytes, over the ${msg.sizeLimit ?? limit}-byte limit`,
        header: h,
        warnings: [],
      };
    }
    if (msg.bytes.toString('latin1', 0, Math.min(msg.bytes.length, 4096)).trim() === '') {
      const h = scanHeaders(msg.bytes);
      return { ...where, messageId: h.messageId, subject: '', status: 'failed', reason: 'empty', detail: 'empty message', header: h, warnings: [] };
    }
    const parsed = await parseMessage(msg.bytes);
    if (!parsed.ok) {
      return {
        ...where,
        messageId: parsed.header.messageId,
        subject: parsed.header.subject,
        status: 'failed',
        reason: 'mime-error',
        detail: parsed.error,
        header: parsed.header,
        warnings: [],
      };
    }
    if (msg.truncated) {
      parsed.message.warnings.push(`the container ended inside this message${msg.error ? ` (${msg.error})` : ''}: it is truncated`);
    }
    const result = { ...where, ...classifyMessage(parsed.message, options) };
    if (msg.truncated && result.status !== 'patch') {
      return { ...result, status: 'failed', reason: 'truncated', detail: msg.error ?? 'the mbox ends inside this message' };
    }
    return result;
  } catch (err) {
    // Last line of defence: one bad message must not stop a batch.
    const h = scanHeaders(msg.bytes);
    return {
      ...where,
      messageId: h.messageId,
      subject: h.subject,
      status: 'failed',
      reason: 'internal-error',
      detail: err instanceof Error ? err.message : String(err),
      header: h,
      warnings: [],
    };
  }
}

/** Ingest every message of a stream of raw messages (from splitMbox or iteratePublicInbox). */
export async function* ingestMessages(messages: AsyncIterable<RawMessage>, options: IngestOptions = {}): AsyncGenerator<IngestResult> {
  for await (const m of messages) yield await ingestRawMessage(m, options);
}

/** Does this text start like a mail (headers, or a format-patch `From <sha> <date>` line)? */
export function looksLikeMail(text: string): boolean {
  const head = text.slice(0, 4096);
  if (/^From [0-9a-f]{40} /.test(head)) return true;
  const firstBlock = head.split(/\r?\n\r?\n/)[0] ?? '';
  const lines = firstBlock.split(/\r?\n/).filter((l) => !/^[ \t]/.test(l));
  const headerish = lines.filter((l) => /^[A-Za-z][\w-]*: /.test(l)).length;
  return headerish >= 2 && headerish >= lines.length - 1 && /^(from|subject|message-id|date):/im.test(firstBlock);
}

/**
 * Ingest a single patch: a git format-patch mail (with its `From <sha>` line), an .eml, or a
 * plain unified diff (then the message is synthesized, named after `name`).
 */
export async function ingestPatchText(text: string | Buffer, name = 'stdin', options: IngestOptions = {}): Promise<IngestResult> {
  const str = typeof text === 'string' ? text : text.toString('utf8');
  if (looksLikeMail(str)) {
    // A format-patch file starts with an mbox From line; drop it.
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const nl = bytes.indexOf(0x0a);
    const body = bytes.subarray(0, 5).toString('latin1') === 'From ' && nl >= 0 ? bytes.subarray(nl + 1) : bytes;
    return ingestRawMessage({ index: 0, bytes: body, source: name }, options);
  }
  const message: MailMessage = {
    messageId: `${name}#sha1-${createHash('sha1').update(str).digest('hex').slice(0, 16)}`,
    subject: name,
    from: '',
    fromAddress: '',
    date: '',
    inReplyTo: null,
    references: [],
    body: str,
    attachments: [],
    warnings: str.includes('\uFFFD') ? [`${name} is not valid UTF-8: invalid bytes replaced`] : [],
  };
  return { index: 0, source: name, ...classifyMessage(message, options) };
}
