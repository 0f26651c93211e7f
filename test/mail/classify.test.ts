import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestPatchText, ingestRawMessage, looksLikeMail } from '../../src/mail/ingest.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/mail/${name}`, import.meta.url));

describe('a single patch', () => {
  it('git format-patch mail: subject, commit message, diff, files', async () => {
    const r = await ingestPatchText(fixture('format-patch.patch'), '0002.patch');
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.message.messageId).toBe('20200303091112.1234-3-alice@example.org');
    expect(p.subjectInfo).toMatchObject({ version: 3, index: 2, total: 11, isPatch: true });
    expect(p.commitMessage.startsWith('vgic_migrate_irq() took irq->irq_lock')).toBe(true);
    expect(p.commitMessage).toContain('From now on the vgic lock is always taken first.');
    expect(p.commitMessage).not.toContain('diff --git');
    expect(p.files).toHaveLength(1);
    const f = p.files[0]!;
    expect(f).toMatchObject({ path: 'arch/arm64/kvm/vgic/vgic.c', status: 'modified', additions: 3, deletions: 2 });
    expect(f.addedLines).toEqual([123, 124, 125]);
    expect(f.removedLines).toEqual([123, 124]);
    expect(f.hunks[0]?.functionContext).toBe('void vgic_migrate_irq(struct kvm_vcpu *vcpu, u32 intid)');
    // The format-patch signature is not part of the diff.
    expect(p.diffText).not.toContain('2.25.1');
    expect(p.warnings).toEqual([]);
  });

  it('plain unified diff (no mail headers)', async () => {
    const r = await ingestPatchText(fixture('plain.diff').toString(), 'fix.diff');
    expect(r.status).toBe('patch');
    expect(r.patch!.message.subject).toBe('fix.diff');
    const f = r.patch!.files[0]!;
    expect(f.path).toBe('xen/common/event_fifo.c');
    expect(f.oldPath).toBe('xen/common/event_fifo.c');
    expect(f.addedLines).toEqual([13]);
    expect(f.removedLines).toEqual([13]);
  });

  it('looksLikeMail', () => {
    expect(looksLikeMail(fixture('format-patch.patch').toString())).toBe(true);
    expect(looksLikeMail(fixture('reply-quoting.eml').toString())).toBe(true);
    expect(looksLikeMail(fixture('plain.diff').toString())).toBe(false);
  });

  it('a patch in a text/x-patch attachment is found first', async () => {
    const r = await ingestRawMessage(fixture('qp-attachment.eml'));
    expect(r.status).toBe('patch');
    expect(r.patch!.diffSource).toBe('0003-evtchn.patch');
    expect(r.patch!.subjectInfo).toMatchObject({ resend: true, version: 2, index: 3, total: 5, tags: ['Xen-devel'] });
    expect(r.patch!.files.map((f) => f.path)).toEqual(['xen/common/event_fifo.c']);
  });
});

describe('own diff versus quoted diff', () => {
  it('a reply quoting a patch is review context, not a patch', async () => {
    const r = await ingestRawMessage(fixture('reply-quoting.eml'));
    expect(r).toMatchObject({ status: 'not-a-patch', reason: 'reply-quotes-patch' });
    expect(r.patch).toBeUndefined();
  });

  it('includeQuoted unquotes it (the reviewer comment in the middle is dropped)', async () => {
    const r = await ingestRawMessage(fixture('reply-quoting.eml'), { includeQuoted: true });
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.quoted).toBe(true);
    const f = p.files[0]!;
    expect(f.path).toBe('arch/arm64/kvm/vgic/vgic.c');
    expect(f.hunks[0]!.lines.map((l) => l.kind[0]).join('')).toBe('cccddaaaccc');
    expect(p.diffText).not.toContain('Does vgic_prune_ap_list');
    expect(p.warnings).toEqual([]);
  });

  it('a reply with its own (unquoted) diff is a patch', async () => {
    const raw =
      'From: r@x\nSubject: Re: [PATCH] foo\nMessage-ID: <own@x>\n\n> quoted text\n\nSomething like this?\n\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n';
    const r = await ingestRawMessage(Buffer.from(raw));
    expect(r.status).toBe('patch');
    expect(r.patch!.quoted).toBe(false);
    expect(r.patch!.subjectInfo.isReply).toBe(true);
  });

  it('cover letters, replies and other mail', async () => {
    const cover = await ingestRawMessage(Buffer.from('From: a@x\nSubject: [PATCH v2 0/3] series\nMessage-ID: <c@x>\n\nintro\n'));
    expect(cover).toMatchObject({ status: 'not-a-patch', reason: 'cover-letter' });
    expect(cover.patch?.subjectInfo.isCover).toBe(true);
    const reply = await ingestRawMessage(Buffer.from('From: a@x\nSubject: Re: [PATCH] x\nMessage-ID: <r@x>\n\nLGTM\n'));
    expect(reply).toMatchObject({ status: 'not-a-patch', reason: 'reply' });
    const other = await ingestRawMessage(Buffer.from('From: a@x\nSubject: meeting\nMessage-ID: <o@x>\n\nhi\n'));
    expect(other).toMatchObject({ status: 'not-a-patch', reason: 'no-diff' });
  });
});
