// One raw RFC 5322 message -> MailMessage, via postal-mime (MIME structure, quoted-printable,
// base64, charsets). Never throws: a message postal-mime cannot parse comes back as an error.

import { createHash } from 'node:crypto';
import PostalMime, { addressParser, decodeWords } from 'postal-mime';
import type { MailAttachment, MailMessage, MessageHeader } from './types.js';

type Email = Awaited<ReturnType<typeof PostalMime.parse>>;

export type ParseOutcome = { ok: true; message: MailMessage } | { ok: false; error: string; header: MessageHeader };

const PATCH_NAME = /\.(patch|diff)$/i;
const PATCH_TYPES = /^text\/(x-patch|x-diff|x-patch-file|patch|diff)$/i;
/** Attachments larger than this are not decoded to text. */
const MAX_TEXT_ATTACHMENT = 16 * 1024 * 1024;

/** `<a@b>` -> `a@b`; picks every `<...>` id of a References / In-Reply-To value. */
export function parseMessageIds(value: string | undefined | null): string[] {
  if (!value) return [];
  const ids = value.match(/<[^<>\s]+>/g);
  if (ids) return ids.map((s) => s.slice(1, -1));
  const bare = value.trim();
  return bare ? bare.split(/\s+/) : [];
}

function syntheticId(bytes: Buffer | string): string {
  return 'sha1-' + createHash('sha1').update(bytes).digest('hex').slice(0, 16) + '@lockcheck.invalid';
}

/** Headers straight from the raw bytes (used when MIME parsing fails, and for oversize messages). */
export function scanHeaders(bytes: Buffer | string): MessageHeader {
  const text = typeof bytes === 'string' ? bytes.slice(0, 256 * 1024) : bytes.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const get = (name: string): string | undefined => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
    return m ? (m[1] ?? '').trim() : undefined;
  };
  const fromRaw = get('From') ?? '';
  const addr = /<([^<>]+)>/.exec(fromRaw)?.[1] ?? fromRaw.trim();
  let subject = get('Subject') ?? '';
  try {
    subject = decodeWords(subject);
  } catch {
    // keep the encoded form
  }
  return {
    messageId: parseMessageIds(get('Message-ID') ?? get('Message-Id'))[0] ?? syntheticId(bytes),
    subject,
    fromAddress: addr.toLowerCase(),
    date: get('Date') ?? '',
    inReplyTo: parseMessageIds(get('In-Reply-To'))[0] ?? null,
    references: parseMessageIds(get('References')),
  };
}

/** `Name <addr>` for each mailbox of an address list, group members included. */
function addressList(list: readonly NonNullable<Email['from']>[]): string[] {
  const out: string[] = [];
  for (const a of list) {
    if (a.address !== undefined) {
      if (a.address) out.push(addressText(a).text);
    } else if ('group' in a && Array.isArray(a.group)) out.push(...addressList(a.group as NonNullable<Email['from']>[]));
  }
  return out;
}

function addressText(a: Email['from']): { text: string; address: string } {
  if (!a) return { text: '', address: '' };
  if (a.address !== undefined) {
    return { text: a.name ? `${a.name} <${a.address}>` : a.address, address: a.address.toLowerCase() };
  }
  const first = a.group?.[0];
  return { text: a.name, address: first?.address.toLowerCase() ?? '' };
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|pre|tr|li)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

function readAttachment(a: Email['attachments'][number], warnings: string[]): MailAttachment {
  const bytes = toBytes(a.content);
  const contentType = a.mimeType || 'application/octet-stream';
  const att: MailAttachment = { filename: a.filename, contentType };
  const textual = contentType.startsWith('text/') || PATCH_NAME.test(a.filename ?? '') || PATCH_TYPES.test(contentType);
  if (!textual || looksBinary(bytes) || bytes.length > MAX_TEXT_ATTACHMENT) {
    att.binary = { size: bytes.length };
    return att;
  }
  const text = utf8.decode(bytes);
  if (text.includes('\uFFFD')) {
    warnings.push(`attachment ${a.filename ?? contentType} is not valid UTF-8: invalid bytes replaced`);
  }
  att.text = text;
  return att;
}

function isoDate(value: string): string {
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

function decoderFor(charset: string | undefined, warnings: string[]): TextDecoder {
  const cs = (charset ?? 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(cs === 'us-ascii' || cs === 'ascii' ? 'utf-8' : cs, { fatal: false });
  } catch {
    warnings.push(`unknown charset ${cs}: decoded as UTF-8`);
    return utf8;
  }
}

/**
 * The common case without postal-mime (which is slow on many small messages): a single
 * text/plain part in 7bit/8bit. Returns null for anything else (multipart, quoted-printable,
 * base64, format=flowed), which then goes through postal-mime.
 */
function parseSimple(raw: Buffer): MailMessage | null {
  const sep = raw.indexOf('\n\n');
  const sepCr = raw.indexOf('\r\n\r\n');
  const end = sep < 0 ? sepCr : sepCr < 0 ? sep : Math.min(sep, sepCr);
  if (end < 0) return null;
  const head = utf8.decode(raw.subarray(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const get = (name: string): string | undefined => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
    return m ? (m[1] ?? '').trim() : undefined;
  };
  const ctype = get('Content-Type') ?? 'text/plain';
  if (!/^text\/plain\s*(;|$)/i.test(ctype) || /format\s*=\s*"?flowed/i.test(ctype)) return null;
  const cte = (get('Content-Transfer-Encoding') ?? '7bit').toLowerCase();
  if (!/^(7bit|8bit|binary)$/.test(cte)) return null;
  const warnings: string[] = [];
  const charset = /charset\s*=\s*"?([^";\s]+)"?/i.exec(ctype)?.[1];
  const bodyStart = end === sepCr ? end + 4 : end + 2;
  const body = decoderFor(charset, warnings).decode(raw.subarray(bodyStart)).replace(/\r\n/g, '\n');
  if (body.includes('\uFFFD')) warnings.push('the body is not valid in its declared charset: invalid bytes replaced');
  const fromRaw = get('From') ?? '';
  let from = { text: fromRaw, address: '' };
  try {
    const a = addressParser(fromRaw)[0];
    if (a) from = addressText(a);
  } catch {
    from.address = (/<([^<>]+)>/.exec(fromRaw)?.[1] ?? fromRaw).toLowerCase();
  }
  let subject = get('Subject') ?? '';
  try {
    subject = decodeWords(subject);
  } catch {
    // keep it encoded
  }
  const recipients = (name: string): string[] => {
    try {
      return addressList(addressParser(get(name) ?? ''));
    } catch {
      return [];
    }
  };
  return {
    messageId: parseMessageIds(get('Message-ID'))[0] ?? syntheticId(raw),
    subject: subject.replace(/\s+/g, ' ').trim(),
    from: from.text,
    fromAddress: from.address,
    to: recipients('To'),
    cc: recipients('Cc'),
    date: isoDate(get('Date') ?? ''),
    inReplyTo: parseMessageIds(get('In-Reply-To'))[0] ?? null,
    references: parseMessageIds(get('References')),
    body,
    attachments: [],
    warnings,
  };
}

/** Parse one raw message. `raw` is the message as bytes (preferred) or text. */
export async function parseMessage(raw: Buffer | string): Promise<ParseOutcome> {
  if (Buffer.isBuffer(raw)) {
    try {
      const simple = parseSimple(raw);
      if (simple) return { ok: true, message: simple };
    } catch {
      // fall through to postal-mime
    }
  }
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  } catch (err) {
    return { ok: false, error: `MIME parse failed: ${err instanceof Error ? err.message : String(err)}`, header: scanHeaders(raw) };
  }
  const warnings: string[] = [];
  const headText = typeof raw === 'string' ? raw.slice(0, 64 * 1024) : raw.subarray(0, 64 * 1024).toString('latin1');
  if (!/\r?\n\r?\n/.test(headText) && headText.length < 64 * 1024) {
    warnings.push('no blank line after the headers: the message may be truncated');
  }
  if (/format\s*=\s*"?flowed/i.test(typeof raw === 'string' ? raw : raw.toString('latin1'))) {
    warnings.push('format=flowed: the mailer may have re-wrapped lines (trailing spaces are significant in patches), the diff may be mangled');
  }
  const from = addressText(email.from);
  let body = email.text ?? '';
  if (!body && email.html) {
    body = htmlToText(email.html);
    warnings.push('no text/plain part: the body was taken from HTML');
  }
  if (body.includes('\uFFFD')) warnings.push('the body is not valid in its declared charset: invalid bytes replaced');
  const attachments = email.attachments.map((a) => readAttachment(a, warnings));
  const references = parseMessageIds(email.references);
  const message: MailMessage = {
    messageId: parseMessageIds(email.messageId)[0] ?? syntheticId(raw),
    subject: (email.subject ?? '').replace(/\s+/g, ' ').trim(),
    from: from.text,
    fromAddress: from.address,
    to: addressList(email.to ?? []),
    cc: addressList(email.cc ?? []),
    date: email.date ?? '',
    inReplyTo: parseMessageIds(email.inReplyTo)[0] ?? null,
    references,
    body,
    attachments,
    warnings,
  };
  return { ok: true, message };
}

/** Attachments that hold a patch by type or name, first. */
export function patchAttachments(m: MailMessage): MailAttachment[] {
  const isPatch = (a: MailAttachment): boolean => PATCH_TYPES.test(a.contentType) || PATCH_NAME.test(a.filename ?? '');
  return [...m.attachments.filter(isPatch), ...m.attachments.filter((a) => !isPatch(a) && a.text !== undefined)].filter(
    (a) => a.text !== undefined,
  );
}

export function headerOf(m: MailMessage): MessageHeader {
  return {
    messageId: m.messageId,
    subject: m.subject,
    fromAddress: m.fromAddress,
    date: m.date,
    inReplyTo: m.inReplyTo,
    references: m.references,
  };
}
