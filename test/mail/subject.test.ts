import { describe, expect, it } from 'vitest';
import { normalizeTitle, parseSubject } from '../../src/mail/subject.js';

describe('parseSubject', () => {
  it('reads version, index and total', () => {
    const s = parseSubject('[PATCH v3 02/11] KVM: arm64: fix the vgic lock order');
    expect(s).toMatchObject({ isPatch: true, version: 3, index: 2, total: 11, isCover: false, isReply: false, rfc: false, resend: false });
    expect(s.title).toBe('KVM: arm64: fix the vgic lock order');
    expect(s.normalized).toBe('kvm: arm64: fix the vgic lock order');
  });

  it('reads RFC, RESEND and lone patches', () => {
    expect(parseSubject('[RFC PATCH] mm: foo')).toMatchObject({ isPatch: true, rfc: true, version: 1, index: null, total: null });
    expect(parseSubject('[PATCH RESEND v2 3/5] x: y')).toMatchObject({ resend: true, version: 2, index: 3, total: 5 });
    expect(parseSubject('[PATCHv4 1/2] x: y')).toMatchObject({ isPatch: true, version: 4, index: 1 });
    expect(parseSubject('[PATCH 01/11 V5] x: y')).toMatchObject({ version: 5, index: 1, total: 11 });
  });

  it('strips list tags and reply prefixes', () => {
    const s = parseSubject('Re: [Xen-devel] [PATCH 2/2] evtchn/fifo: don\'t corrupt queues if an old tail is linked');
    expect(s).toMatchObject({ isReply: true, isPatch: true, index: 2, total: 2, tags: ['Xen-devel'] });
    expect(s.title).toBe("evtchn/fifo: don't corrupt queues if an old tail is linked");
    expect(parseSubject('RE: Re: AW: [PATCH] a').isReply).toBe(true);
    expect(parseSubject('[KVM PATCH v9 3/5] KVM: Fix races').tags).toEqual(['KVM']);
  });

  it('recognises cover letters and non-patches', () => {
    expect(parseSubject('[PATCH v2 0/7] series').isCover).toBe(true);
    expect(parseSubject('Re: [PATCH v2 0/7] series')).toMatchObject({ isCover: true, isReply: true });
    expect(parseSubject('[RFC] Question about enable doorbell irq').isPatch).toBe(false);
    expect(parseSubject('KVM: arm64: a plain subject').isPatch).toBe(false);
  });

  it('normalizes titles for version matching', () => {
    expect(normalizeTitle('  KVM:  Fix   races.  ')).toBe('kvm: fix races');
  });
});
