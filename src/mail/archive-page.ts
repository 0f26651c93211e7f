// Plain-text dumps of mailing-list web archives (MHonArc "[Date Prev][Date Next]..." pages,
// patchwork pages, lkml.org): no MIME, headers as page text, and diffs that may have lost the
// leading space of their context lines, or whole lines, or every line break.

import { createHash } from 'node:crypto';
import { classifyMessage } from './classify.js';
import type { IngestOptions, IngestResult, MailMessage } from './types.js';

const NAV = /^(\s*\[(Date|Thread) (Prev|Next|Index)\])+\s*/;

/** The subject of an archive page: the first line that looks like one, after the nav bar. */
export function archiveSubject(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').slice(0, 30);
  for (const raw of lines) {
    const line = raw.replace(NAV, '').trim();
    if (!line) continue;
    if (/^((re|fwd?|aw):\s*)*\[[^\]]+\]/i.test(line) || /^(re|fwd?):\s/i.test(line)) {
      // A page that lost its line breaks: the subject runs into the body.
      return line.length > 300 ? line.slice(0, 300) : line;
    }
  }
  return (lines.find((l) => l.replace(NAV, '').trim()) ?? '').replace(NAV, '').trim();
}

/** Ingest one archive page as a message. `name` (the file name) becomes part of its id. */
export function ingestArchivePage(text: string, name: string, options: IngestOptions = {}): IngestResult {
  const body = text.replace(/\r\n?/g, '\n');
  const head = body.slice(0, 4000);
  const fromLine = /^From:\s*(.+)$/m.exec(head)?.[1]?.trim() ?? '';
  const dateLine = /^Date:\s*(.+)$/m.exec(head)?.[1]?.trim() ?? '';
  const pwId = /^Message ID\s+(\S+)/m.exec(head)?.[1];
  let subject = archiveSubject(body);
  // When the page lost its line breaks the subject is followed by the body: cut at a greeting.
  if (subject.length >= 300 || /\s(Hi|Hello),?\s/.test(subject)) {
    const m = /^(.*?\]\s*[^[]*?)(?:\s+(?:Hi|Hello|On \d)[\s,!])/.exec(subject);
    if (m?.[1]) subject = m[1].trim();
  }
  const message: MailMessage = {
    messageId: pwId ?? `archive:${name}#${createHash('sha1').update(body).digest('hex').slice(0, 12)}`,
    subject,
    from: fromLine,
    fromAddress: (/<([^<>]+)>/.exec(fromLine)?.[1] ?? fromLine).toLowerCase(),
    date: dateLine,
    inReplyTo: null,
    references: [],
    body,
    attachments: [],
    warnings: [],
  };
  return { source: name, ...classifyMessage(message, options) };
}
