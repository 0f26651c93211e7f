// The five seed threads as archived on the web (../shared/seeds beside the checkout). Expected values were read
// off the pages by hand: diffstats printed in the pages, hunk headers, and counted +/- lines.
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestArchivePage } from '../../src/mail/archive-page.js';
import type { IngestResult } from '../../src/mail/types.js';

const SEEDS = fileURLToPath(new URL('../../../shared/seeds', import.meta.url));
const present = existsSync(SEEDS) && readdirSync(SEEDS).some((f) => f.startsWith('000_'));
if (!present) console.warn(`[seeds.test] skipped: ${SEEDS} is absent (the shared seeds live beside the project)`);

function seed(prefix: string): IngestResult {
  const name = readdirSync(SEEDS).find((f) => f.startsWith(prefix))!;
  return ingestArchivePage(readFileSync(`${SEEDS}/${name}`, 'utf8'), name);
}

const sum = (r: IngestResult, k: 'additions' | 'deletions'): number => r.patch!.files.reduce((n, f) => n + f[k], 0);

describe.skipIf(!present)('seed archive pages', () => {
  it('000 (Xen evtchn FIFO): recovers the proposed diff, says which hunks lost lines', () => {
    const r = seed('000');
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.subjectInfo).toMatchObject({ isReply: true, isPatch: true, index: 2, total: 2, tags: ['Xen-devel'] });
    expect(p.files.map((f) => f.path)).toEqual(['xen/common/event_fifo.c']);
    const f = p.files[0]!;
    expect(f.hunks.map((h) => h.header.replace(/ @@.*/, ' @@'))).toEqual([
      '@@ -34,6 +34,30 @@',
      '@@ -127,7 +151,6 @@',
      '@@ -139,10 +162,13 @@',
      '@@ -152,12 +178,9 @@',
      '@@ -191,7 +214,7 @@',
    ]);
    // Counted on the page: 16 + 0 + 6 + 1 + 0 added, 0 + 1 + 3 + 2 + 0 removed.
    expect(f.additions).toBe(23);
    expect(f.deletions).toBe(6);
    expect(f.hunks[0]!.functionContext).toBe('static inline event_word_t *evtchn_fifo_');
    expect(f.hunks[0]!.lines.some((l) => l.kind === 'add' && l.text.startsWith('static struct evtchn_fifo_queue *lock_old_queue('))).toBe(true);
    // The archive dropped lines (braces, blank lines): every hunk is short, and we say so.
    expect(p.warnings.filter((w) => / lines short /.test(w))).toHaveLength(5);
    expect(p.warnings).toContain('xen/common/event_fifo.c: hunk @@ -34,6 +34,30 @@ is 3 old lines short, 11 new lines short (next hunk starts)');
    expect(p.diffText).not.toContain('Xen-devel mailing list');
  });

  it('001 (Xen vGIC, patchwork page): takes the clean "Patch" section, not the quoted copies', () => {
    const r = seed('001');
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.message.messageId).toBe('1483486167-24607-1-git-send-email-sstabellini@kernel.org');
    expect(p.subjectInfo.version).toBe(3);
    expect(p.quoted).toBe(false);
    // The page's diffstat: gic.c 6 (+1 -5), vgic.c 19 (+11 -8).
    expect(p.files.map((f) => [f.path, f.additions, f.deletions, f.hunks.length])).toEqual([
      ['xen/arch/arm/gic.c', 1, 5, 1],
      ['xen/arch/arm/vgic.c', 11, 8, 3],
    ]);
    expect(p.warnings).toEqual([]);
    expect(p.files[1]!.hunks[2]!.functionContext).toBe('void vgic_vcpu_inject_irq(struct vcpu *v, unsigned int virq)');
  });

  it('001 with includeQuoted: the page own diff still wins over the quoted copies', () => {
    const name = readdirSync(SEEDS).find((f) => f.startsWith('001'))!;
    const r = ingestArchivePage(readFileSync(`${SEEDS}/${name}`, 'utf8'), name, { includeQuoted: true });
    expect(r.patch?.quoted).toBe(false);
    expect(r.patch?.warnings).toEqual([]);
  });

  it('002 (QEMU mapcache): a reply without any diff', () => {
    const r = seed('002');
    expect(r).toMatchObject({ status: 'not-a-patch', reason: 'reply' });
  });

  it('003 (Xen vPCI, page without line breaks): file, hunk header and added lines only, with a warning', () => {
    const r = seed('003');
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.message.subject).toBe('Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci removal');
    expect(p.files.map((f) => f.path)).toEqual(['xen/include/xen/sched.h']);
    const h = p.files[0]!.hunks[0]!;
    expect([h.oldStart, h.oldLines, h.newStart, h.newLines]).toEqual([444, 6, 444, 7]);
    expect(h.lines.filter((l) => l.kind === 'add').map((l) => l.text.trim())).toEqual(['rwlock_t vpci_rwlock;', 'bool vpci_terminating;']);
    expect(p.warnings.some((w) => /line breaks were lost/.test(w))).toBe(true);
  });

  it('004 (KVM irqfd, lkml.org page with all indentation stripped): every hunk recovered', () => {
    const r = seed('004');
    expect(r.status).toBe('patch');
    const p = r.patch!;
    expect(p.subjectInfo).toMatchObject({ version: 9, index: 3, total: 5, tags: ['KVM'], isReply: false });
    expect(p.files.map((f) => [f.path, f.hunks.length])).toEqual([
      ['include/linux/kvm_host.h', 1],
      ['virt/kvm/eventfd.c', 8],
    ]);
    // The page's diffstat: "2 files changed, 136 insertions(+), 27 deletions(-)".
    expect(sum(r, 'additions')).toBe(136);
    expect(sum(r, 'deletions')).toBe(27);
    expect(p.warnings.filter((w) => / lines short /.test(w))).toEqual([]);
    expect(p.warnings.some((w) => /had lost their leading space/.test(w))).toBe(true);
    const h = p.files[0]!.hunks[0]!;
    expect(h.lines.map((l) => l.kind[0]).join('')).toBe('cccdaaaaccc');
  });
});
