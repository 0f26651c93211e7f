// Writing reply .eml files for analyzed patches, shared by `lockcheck patch` and `lockcheck mbox`.
// A sent log (`sent.log` in the reply directory, one Message-ID of a patch per line) keeps a
// rerun or `--resume` from writing a second reply to a patch already answered.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageRecord } from '../batch/record.js';
import type { Finding } from '../report/finding.js';
import { buildReply, mailable, replyFileName, type ReplyOptions } from './eml.js';

export const SENT_LOG = 'sent.log';

export interface WriteRepliesResult {
  written: string[];
  /** Patches with something to report that the sent log says were answered already. */
  alreadySent: string[];
}

function sentIds(dir: string): Set<string> {
  const file = join(dir, SENT_LOG);
  if (!existsSync(file)) return new Set();
  return new Set(readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
}

/** One reply per record with an introduced, mailable finding (`select` picks the findings to consider). */
export function writeReplies(records: readonly MessageRecord[], dir: string, opts: ReplyOptions, select: (r: MessageRecord) => Finding[] = (r) => r.findings.filter((f) => f.change === 'introduced')): WriteRepliesResult {
  mkdirSync(dir, { recursive: true });
  const sent = sentIds(dir);
  const out: WriteRepliesResult = { written: [], alreadySent: [] };
  for (const r of records) {
    if (r.status !== 'analyzed') continue;
    const fresh = select(r);
    if (!fresh.some((f) => mailable(f, opts))) continue;
    if (sent.has(r.messageId)) {
      out.alreadySent.push(r.messageId);
      continue;
    }
    const file = join(dir, replyFileName(r.messageId));
    const target = { messageId: r.messageId, subject: r.subject, from: r.from, ...(r.author ? { author: r.author } : {}), ...(r.cc ? { cc: r.cc } : {}), date: r.date, references: r.references };
    writeFileSync(file, buildReply(target, fresh, opts));
    appendFileSync(join(dir, SENT_LOG), `${r.messageId}\n`);
    sent.add(r.messageId);
    out.written.push(file);
  }
  return out;
}
