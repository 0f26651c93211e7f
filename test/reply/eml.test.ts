// Reply .eml files: threading headers, the hunk quoted with `> `, the finding with its trace,
// a Reported-by line, plainly a bot's report; and one produced end to end from a patch.
import { describe, expect, it } from 'vitest';
import { ingestPatchText } from '../../src/mail/index.js';
import { parseMessage } from '../../src/mail/message.js';
import { analyzePatch } from '../../src/patch/analyze-patch.js';
import { buildReply, quote, replyFileName, replySubject } from '../../src/reply/eml.js';
import { ABBA_PATCH, mail, patchBody } from '../batch/fixtures.js';

async function abbaReply(hunkOnly = true): Promise<{ eml: string; patchId: string }> {
  const text = mail({
    id: 'abba-1@example.org',
    subject: '[PATCH] foo: reorder the locks',
    headers: ['References: <cover@example.org>', 'In-Reply-To: <cover@example.org>', 'To: foo-devel@lists.example.org', 'Cc: Maintainer One <maint@example.org>, dev@example.org, lockcheck bot <lockcheck@example.net>'],
    body: patchBody(ABBA_PATCH),
  });
  const r = await ingestPatchText(text, 'abba.eml');
  const p = r.patch!;
  const res = analyzePatch({ messageId: r.messageId, subject: r.subject, diffText: p.diffText, files: p.files });
  expect(res.findings.length).toBeGreaterThan(0);
  const m = p.message;
  const eml = buildReply(
    { messageId: r.messageId, subject: r.subject, from: m.fromAddress, author: m.from, cc: [...(m.to ?? []), ...(m.cc ?? [])], date: m.date, references: m.references },
    res.findings,
    { bot: 'lockcheck bot <lockcheck@example.net>', date: new Date('2024-01-02T03:04:05Z'), hunkOnly },
  );
  return { eml, patchId: r.messageId };
}

describe('reply .eml', () => {
  it('is threaded under the patch: Subject Re:, In-Reply-To, References ending with the patch', async () => {
    const { eml } = await abbaReply();
    const head = eml.slice(0, eml.indexOf('\n\n'));
    expect(head).toMatch(/^Subject: Re: \[PATCH\] foo: reorder the locks$/m);
    expect(head).toMatch(/^In-Reply-To: <abba-1@example.org>$/m);
    expect(head).toMatch(/^References: <cover@example.org> <abba-1@example.org>$/m);
    // reply-all: the author, then the list and the other recipients (not the author or the bot twice)
    expect(head).toMatch(/^To: Dev One <dev@example.org>$/m);
    expect(head).toMatch(/^Cc: foo-devel@lists.example.org, Maintainer One <maint@example.org>$/m);
    expect(head).toMatch(/^From: lockcheck bot <lockcheck@example.net>$/m);
    expect(head).toMatch(/^Message-ID: <lockcheck-[0-9a-f]{16}@example.net>$/m);
    expect(head).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(head).toMatch(/^Date: Tue, 02 Jan 2024 03:04:05 \+0000$/m);
  });

  it('quotes the hunk with "> ", then the finding and its trace below it, a Reported-by line, marked as a bot', async () => {
    const { eml } = await abbaReply();
    const body = eml.slice(eml.indexOf('\n\n') + 2);
    expect(body).toContain('automated report from lockcheck');
    expect(body).toContain('(a bot, not a');
    expect(body).toMatch(/^> @@ -10,16 \+10,16 @@ static DEFINE_SPINLOCK\(lock_b\);$/m);
    expect(body).toMatch(/^> \+\tspin_lock\(&lock_a\);$/m);
    expect(body).toMatch(/^> -\tspin_lock\(&lock_a\);$/m);
    const quoted = body.indexOf('> @@');
    const finding = body.indexOf('[lock-inversion]');
    expect(finding).toBeGreaterThan(quoted);
    expect(body).toContain('Possible unsafe locking scenario');
    expect(body).toContain('CPU0');
    expect(body).toContain('CPU1');
    expect(body).toContain('Low confidence');
    expect(body).toMatch(/^Reported-by: lockcheck bot <lockcheck@example.net>$/m);
    // the kernel test robot's tags: Closes: the report itself, a link to the patch, version, how to reproduce
    const id = /^Message-ID: <(.*)>$/m.exec(eml)![1];
    expect(body).toContain(`Closes: https://lore.kernel.org/r/${id}/`);
    expect(body).toContain('Patch: https://lore.kernel.org/r/abba-1@example.org/');
    expect(body).toMatch(/^Tool: lockcheck \d+\.\d+\.\d+, from the patch hunks alone/m);
    // a hunk-only finding is reproduced without a tree (with one the analysis differs); the command is never wrapped
    expect(body).toMatch(/^Reproduce: b4 am abba-1@example.org && lockcheck patch \.\/\*\.mbx$/m);
    expect(body).toMatch(/^On Mon, 01 Jan 2024 10:00:00 \+0000, Dev One <dev@example.org> wrote:$/m);
    // a hunk-only finding is never mailed as an error
    expect(body).not.toMatch(/^error: /m);
  });

  it('wraps its prose at 76 columns, leaving quoted and trace lines alone', async () => {
    const { eml } = await abbaReply();
    const body = eml.slice(eml.indexOf('\n\n') + 2);
    const prose = body.split('\n').filter((l) => !/^[\s>|+-]/.test(l) && l.includes(' '));
    expect(prose.length).toBeGreaterThan(5);
    for (const l of prose) expect(l.length, l).toBeLessThanOrEqual(76);
  });

  it('has nothing to mail from a hunk-only analysis unless asked (--reply-hunk-only)', async () => {
    const { eml } = await abbaReply(false);
    expect(eml).not.toContain('[lock-inversion]');
  });

  it('parses back as a mail with the same threading', async () => {
    const { eml } = await abbaReply();
    const parsed = await parseMessage(Buffer.from(eml));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.message.inReplyTo).toBe('abba-1@example.org');
    expect(parsed.message.references).toEqual(['cover@example.org', 'abba-1@example.org']);
    expect(parsed.message.subject).toBe('Re: [PATCH] foo: reorder the locks');
  });

  it('helpers: no doubled Re:, encoded non-ASCII subjects, quoting, safe file names', () => {
    expect(replySubject('Re: [PATCH] x')).toBe('Re: [PATCH] x');
    expect(replySubject('[PATCH]\n  x')).toBe('Re: [PATCH] x');
    expect(buildReply({ messageId: 'a@b', subject: '[PATCH] café', from: '', references: [] }, [])).toMatch(/^Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/m);
    expect(quote('a\n\nb')).toBe('> a\n>\n> b');
    expect(replyFileName('x/../y z@h')).toBe('x_.._y_z@h.eml');
  });
});

describe('reply files and the sent log', () => {
  it('writes one reply per patch and never a second one for a patch in sent.log', async () => {
    const { mkdtempSync, readdirSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeReplies } = await import('../../src/reply/write.js');
    const text = mail({ id: 'abba-2@example.org', subject: '[PATCH] foo: reorder', body: patchBody(ABBA_PATCH) });
    const r = await ingestPatchText(text, 'abba.eml');
    const p = r.patch!;
    const res = analyzePatch({ messageId: r.messageId, subject: r.subject, diffText: p.diffText, files: p.files });
    const rec = { messageId: r.messageId, subject: r.subject, status: 'analyzed' as const, findings: res.findings.map((f) => ({ ...f, change: 'introduced' as const })), source: 'x', index: 0, from: 'dev@example.org', date: '', inReplyTo: null, references: [], ms: 0 };
    const dir = mkdtempSync(join(tmpdir(), 'lc-replies-'));
    expect(writeReplies([rec], dir, {}).written).toEqual([]); // hunk-only: not mailed by default
    const first = writeReplies([rec], dir, { hunkOnly: true });
    expect(first.written).toHaveLength(1);
    expect(readFileSync(join(dir, 'sent.log'), 'utf8')).toBe('abba-2@example.org\n');
    const again = writeReplies([rec], dir, { hunkOnly: true });
    expect(again).toEqual({ written: [], alreadySent: ['abba-2@example.org'] });
    expect(readdirSync(dir).sort()).toEqual(['abba-2@example.org.eml', 'sent.log']);
  });
});
