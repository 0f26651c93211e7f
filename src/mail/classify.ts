// Deciding what a parsed message is: a patch (its own diff, in an attachment or the body), a
// cover letter, a reply quoting a patch (review context), or something else.

import { parseUnifiedDiff } from '../patch/diff.js';
import { extractDiff, unquote, withoutQuoted } from './diff-extract.js';
import { headerOf, patchAttachments } from './message.js';
import { parseSubject } from './subject.js';
import type { IngestOptions, IngestResult, MailMessage, PatchMessage } from './types.js';

function makePatch(
  message: MailMessage,
  diffText: string,
  diffSource: string,
  quoted: boolean,
  commitMessage: string,
  warnings: string[],
): PatchMessage {
  const parsed = parseUnifiedDiff(diffText);
  // Scanner warnings already name short hunks; parse-diff's say the same thing again.
  const extra = warnings.some((w) => / is \d+ old lines (short|over)/.test(w)) ? [] : parsed.warnings;
  return {
    message,
    subjectInfo: parseSubject(message.subject),
    diffText,
    files: parsed.files,
    quoted,
    diffSource,
    commitMessage,
    warnings: [...warnings, ...extra],
  };
}

/** Classify one parsed message. Never throws. */
export function classifyMessage(message: MailMessage, options: IngestOptions = {}): IngestResult {
  const subjectInfo = parseSubject(message.subject);
  const base = {
    messageId: message.messageId,
    subject: message.subject,
    header: headerOf(message),
    warnings: [...message.warnings],
  };
  // 1. Patch attachments (text/x-patch, text/x-diff, *.patch), then other text attachments.
  for (const att of patchAttachments(message)) {
    const d = extractDiff(att.text ?? '');
    if (d && d.diffText.trim()) {
      const p = makePatch(message, d.diffText, att.filename ?? att.contentType, false, message.body.trim(), d.warnings);
      if (p.files.length) return { ...base, status: 'patch', patch: p, warnings: [...base.warnings, ...p.warnings] };
    }
  }
  // 2. The message's own (unquoted) diff in the body.
  const own = extractDiff(withoutQuoted(message.body));
  if (own) {
    const p = makePatch(message, own.diffText, 'body', false, own.commitMessage, own.warnings);
    if (p.files.length) return { ...base, status: 'patch', patch: p, warnings: [...base.warnings, ...p.warnings] };
  }
  // 3. A diff quoted in a reply: review context, unless asked for.
  const quoted = message.body.includes('\n>') || message.body.startsWith('>') ? extractDiff(unquote(message.body)) : null;
  if (quoted) {
    if (options.includeQuoted) {
      const p = makePatch(message, quoted.diffText, 'quoted body', true, '', quoted.warnings);
      if (p.files.length) return { ...base, status: 'patch', patch: p, warnings: [...base.warnings, ...p.warnings] };
    }
    return { ...base, status: 'not-a-patch', reason: 'reply-quotes-patch', detail: 'a reply quoting a patch: review context' };
  }
  // Quoted hunk fragments without file headers (reviewers trim them): still review context.
  const quotedDiffLines = message.body.match(/^> ?(@@ -\d+|[+-](?![+-]{2} ))/gm)?.length ?? 0;
  if (quotedDiffLines >= 2) {
    return { ...base, status: 'not-a-patch', reason: 'reply-quotes-patch', detail: 'quotes diff lines without file headers: review context' };
  }
  if (subjectInfo.isCover && !subjectInfo.isReply) {
    const cover: PatchMessage = {
      message,
      subjectInfo,
      diffText: '',
      files: [],
      quoted: false,
      diffSource: '',
      commitMessage: message.body.trim(),
      warnings: [],
    };
    return { ...base, status: 'not-a-patch', reason: 'cover-letter', patch: cover };
  }
  if (subjectInfo.isReply) return { ...base, status: 'not-a-patch', reason: 'reply' };
  if (subjectInfo.isPatch) {
    const binary = message.attachments.some((a) => a.binary);
    return {
      ...base,
      status: 'not-a-patch',
      reason: 'patch-subject-without-diff',
      detail: binary ? 'subject says PATCH but no diff was found (binary attachments only)' : 'subject says PATCH but no diff was found',
    };
  }
  return { ...base, status: 'not-a-patch', reason: 'no-diff' };
}
